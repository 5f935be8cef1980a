"""The ingest pipeline's per-record checks, on a directory built in memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forewarn.config import Settings
from forewarn.ingest.directory import SeriesDirectory, SeriesInfo
from forewarn.ingest.pipeline import Horizon, RecordRejected, validate_record


def _directory() -> SeriesDirectory:
    directory = SeriesDirectory(revision=1)
    for sid, site, ind, low, high in [
        (1, "mine", "ch4", 0.0, 100.0),
        (2, "gauge", "water_level", 0.0, 5000.0),
    ]:
        directory.by_id[sid] = SeriesInfo(sid, site, ind, low, high)
        directory.by_codes[(site, ind)] = sid
    directory.index_arrays()
    return directory


DIRECTORY = _directory()
TIME = "2026-05-01T00:00:00Z"
HORIZON = Horizon.at(datetime(2026, 5, 1, tzinfo=UTC), max_ahead_s=600)


def _check(**record: object) -> tuple[int, int, float]:
    return validate_record({"time": TIME, "value": 1.0, **record}, DIRECTORY, HORIZON)


@pytest.mark.parametrize(
    ("record", "field", "shown"),
    [
        ({"series": 1, "site": "gauge", "indicator": "water_level"}, "site", "'gauge'"),
        ({"series": 1, "site": "mine", "indicator": "water_level"}, "indicator", "'water_level'"),
        ({"series": 1, "site": "gauge"}, "site", "'gauge'"),
        ({"series": 2, "indicator": "ch4"}, "indicator", "'ch4'"),
    ],
)
def test_a_series_id_that_disagrees_with_site_or_indicator_is_rejected(record, field, shown):
    with pytest.raises(RecordRejected) as caught:
        _check(**record)
    message = str(caught.value)
    assert message.startswith(f"{field}: {shown}"), message
    assert f"series {record['series']}" in message


def test_a_series_id_with_matching_codes_is_accepted():
    assert _check(series=1, site="mine", indicator="ch4")[0] == 1
    assert _check(series="2", site="gauge")[0] == 2
    assert _check(series=1, site="", indicator=None)[0] == 1


def test_the_horizon_is_the_clock_plus_the_allowed_skew():
    horizon = Horizon.at(datetime(2026, 5, 1, tzinfo=UTC), max_ahead_s=60)
    record = {"series": 1, "value": 1.0}
    assert validate_record({**record, "time": "2026-05-01T00:01:00Z"}, DIRECTORY, horizon)
    with pytest.raises(RecordRejected, match=r"^time: 2026-05-01T00:01:00\.001Z is 1 minute ahead"):
        validate_record({**record, "time": "2026-05-01T00:01:00.001Z"}, DIRECTORY, horizon)
    zero = Horizon.at(datetime(2026, 5, 1, tzinfo=UTC), max_ahead_s=0)
    with pytest.raises(RecordRejected, match=r"less than a second ahead .*at most 0 seconds"):
        validate_record({**record, "time": "2026-05-01T00:00:00.5Z"}, DIRECTORY, zero)
    assert validate_record({**record, "time": "1999-01-01T00:00:00Z"}, DIRECTORY, zero)


def test_a_skew_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("FOREWARN_INGEST_MAX_AHEAD_S", "30")
    assert Settings().ingest_max_ahead_s == 30
    assert Settings.model_fields["ingest_max_ahead_s"].default == 600

"""Ingest through the API: good records stored once, bad ones reported by position."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from forewarn.catalogue.models import Series
from forewarn.readings.models import Reading
from tests.factories import load_catalogue


def _series(sessions):
    with sessions() as s:
        return {(x.site.code, x.indicator.code): x.id for x in s.scalars(select(Series))}


def _snapshot(sessions):
    with sessions() as s:
        return sorted(s.execute(select(Reading.series_id, Reading.time_ms, Reading.value)))


def test_mixed_batch_stores_good_once_and_reports_the_rest(client, sessions):
    load_catalogue(sessions)
    ids = _series(sessions)
    ch4 = ids[("mine-honggu-1", "ch4")]
    level = ids[("gauge-lanzhou", "water_level")]
    first = client.post(
        "/api/v1/readings",
        json={"readings": [{"series": ch4, "time": "2026-05-01T08:00:00+08:00", "value": 0.41}]},
    )
    assert first.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    before = _snapshot(sessions)

    body = (
        '{"readings": ['
        f'{{"series": {ch4}, "time": "2026-05-01T00:01:00Z", "value": 0.42}},'  # 0 good
        f'{{"series": {ch4}, "time": "2026-05-01T08:00:00+08:00", "value": 0.99}},'  # 1 stored
        f'{{"series": {ch4}, "time": "2026-05-01T00:02:00", "value": 0.4}},'  # 2 no offset
        f'{{"series": {ch4}, "time": "2026-05-01T00:03:00Z", "value": NaN}},'  # 3 NaN
        f'{{"series": {ch4}, "time": "2026-05-01T00:04:00Z", "value": Infinity}},'  # 4 inf
        '{"series": 999999, "time": "2026-05-01T00:05:00Z", "value": 1},'  # 5 unknown
        f'{{"series": {ch4}, "time": "2026-05-01T00:06:00Z", "value": 120}},'  # 6 > 100 %
        '{"site": "gauge-lanzhou", "indicator": "water_level",'
        ' "time": "2026-05-01T00:00:00Z", "value": 1517.2},'  # 7 good, by codes
        f'{{"series": {ch4}, "time": "2026-05-01T00:01:00Z", "value": 0.5}},'  # 8 repeat of 0
        f'{{"series": {ch4}, "time": "not a time", "value": 0.5}},'  # 9 bad time
        f'{{"series": {level}, "time": "2026-05-01T00:05:00Z", "value": "abc"}}'  # 10 not a number
        "]}"
    )
    answer = client.post(
        "/api/v1/readings", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["accepted"] == 2
    assert data["duplicates"] == 2
    rejected = {r["index"]: r["error"] for r in data["rejected"]}
    assert sorted(rejected) == [2, 3, 4, 5, 6, 9, 10]
    assert rejected[2].startswith("time:")
    assert "offset" in rejected[2]
    assert "NaN" in rejected[3]
    assert "infinite" in rejected[4]
    assert "unknown series 999999" in rejected[5]
    assert "maximum" in rejected[6]

    after = _snapshot(sessions)
    added = sorted(set(after) - set(before))
    assert set(before) <= set(after), "nothing already stored may change"
    assert added == sorted([(ch4, 1777593660000, 0.42), (level, 1777593600000, 1517.2)]), (
        "exactly the good records, once"
    )


def test_batch_over_limit_is_refused_whole(client, sessions):
    load_catalogue(sessions)
    ch4 = _series(sessions)[("mine-honggu-1", "ch4")]
    records = [
        {"series": ch4, "time": f"2026-05-01T00:00:{i % 60:02d}Z", "value": 1}
        for i in range(10_001)
    ]
    answer = client.post("/api/v1/readings", json={"readings": records})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert _snapshot(sessions) == []


def test_readings_are_downsampled_keeping_extremes(client, sessions):
    load_catalogue(sessions)
    ch4 = _series(sessions)[("mine-honggu-1", "ch4")]
    records = [
        {"series": ch4, "time": f"2026-05-01T{i // 60:02d}:{i % 60:02d}:00Z", "value": 0.3}
        for i in range(600)
    ]
    records[123]["value"] = 7.5
    records[400]["value"] = 0.01
    assert client.post("/api/v1/readings", json={"readings": records}).json()["accepted"] == 600
    full = client.get(f"/api/v1/series/{ch4}/readings").json()
    assert full["count"] == 600
    assert not full["downsampled"]
    small = client.get(f"/api/v1/series/{ch4}/readings", params={"max_points": 50}).json()
    assert small["downsampled"]
    assert len(small["items"]) <= 50
    values = [p["value"] for p in small["items"]]
    assert max(values) == 7.5
    assert min(values) == 0.01
    times = [p["time"] for p in small["items"]]
    assert times == sorted(times)
    ranged = client.get(
        f"/api/v1/series/{ch4}/readings",
        params={"start": "2026-05-01T01:00:00Z", "end": "2026-05-01T02:00:00Z"},
    ).json()
    assert ranged["count"] == 60


def test_odd_records_are_rejected_by_position_and_the_rest_stored(client, sessions):
    load_catalogue(sessions)
    ch4 = _series(sessions)[("mine-honggu-1", "ch4")]
    huge = "1" + "0" * 400
    body = (
        '{"readings": ['
        f'{{"series": {ch4}, "time": "2026-05-01T00:00:00Z", "value": 0.3}},'  # 0 good
        '"oops",'  # 1 not an object
        f'{{"series": {ch4}, "time": "2026-05-01T00:01:00Z", "value": {huge}}},'  # 2 too big
        '{"series": Infinity, "time": "2026-05-01T00:02:00Z", "value": 0.3},'  # 3 inf id
        f'{{"series": {huge}, "time": "2026-05-01T00:03:00Z", "value": 0.3}},'  # 4 huge id
        "[1, 2, 3]"  # 5 not an object
        "]}"
    )
    answer = client.post(
        "/api/v1/readings", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["accepted"] == 1
    rejected = {r["index"]: r["error"] for r in data["rejected"]}
    assert sorted(rejected) == [1, 2, 3, 4, 5]
    assert rejected[1].startswith("record: must be an object")
    assert rejected[2].startswith("value:")
    assert "too large" in rejected[2]
    assert rejected[3].startswith("series: not an id")
    assert rejected[4].startswith("series: unknown series")
    assert len(rejected[4]) < 100, "a huge id is shortened in the message"
    assert rejected[5].startswith("record:")
    assert _snapshot(sessions) == [(ch4, 1777593600000, 0.3)]


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def test_a_reading_ahead_of_the_app_clock_is_rejected(app, client, sessions):
    load_catalogue(sessions)
    ch4 = _series(sessions)[("mine-honggu-1", "ch4")]
    app.state.clock = _Clock(datetime(2026, 5, 1, tzinfo=UTC))  # not the wall clock
    times = ["2026-05-01T00:10:00Z", "2026-05-01T08:10:01+08:00", "2030-01-01T00:00:00Z"]
    records = [{"series": ch4, "time": t, "value": 0.3} for t in times]
    answer = client.post("/api/v1/readings", json={"readings": records})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["accepted"] == 1, "10 minutes ahead is within the default skew"
    rejected = {r["index"]: r["error"] for r in data["rejected"]}
    assert sorted(rejected) == [1, 2]
    assert rejected[1] == (
        "time: 2026-05-01T08:10:01+08:00 is 10 minutes 1 second ahead of the server clock "
        "(at most 10 minutes is accepted)"
    )
    assert rejected[2].startswith(
        "time: 2030-01-01T00:00:00Z is 3 years 245 days ahead of the server clock"
    )
    assert _snapshot(sessions) == [(ch4, 1777594200000, 0.3)]

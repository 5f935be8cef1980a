"""Times written and read by the warnings' bulk statements on SQLite: stored as UTC text, read
back aware, a naive time refused (memoised conversions included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from forewarn.warnings.bulk import _column, _plan, _read_sqlite_time, _sqlite_time
from forewarn.warnings.models import STATE

AT = datetime(2026, 5, 1, 8, 30, 15, 250000, tzinfo=UTC)


def test_a_time_is_stored_as_utc_text_whatever_its_zone_and_read_back_aware():
    _, adapters = _plan(STATE, ("last_signal_at",), "sqlite")
    beijing = AT.astimezone(timezone(timedelta(hours=8)))
    for _ in range(2):  # the second round is served from the memo
        texts = _column([AT, None, beijing], adapters[0])
        assert texts == ["2026-05-01 08:30:15.250000", None, "2026-05-01 08:30:15.250000"]
        assert _read_sqlite_time(texts[0]) == AT
        assert _read_sqlite_time(texts[0]).tzinfo is UTC


def test_a_naive_time_is_refused_even_when_the_same_wall_time_was_written_before():
    assert _sqlite_time(AT) == "2026-05-01 08:30:15.250000"
    with pytest.raises(ValueError, match="naive datetime"):
        _column([AT.replace(tzinfo=None)], _sqlite_time)

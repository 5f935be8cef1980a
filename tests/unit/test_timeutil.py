"""Time helpers: memoised ISO text keeps each datetime's own zone."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from forewarn.timeutil import describe_span, iso, parse_duration, span


def test_iso_is_isoformat_and_equal_instants_in_other_zones_keep_their_own_text():
    utc = datetime(2026, 5, 1, 8, 30, 15, 250000, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    assert utc == beijing  # the same instant
    for _ in range(2):  # the second round is served from the memo
        assert iso(utc) == "2026-05-01T08:30:15.250000+00:00"
        assert iso(beijing) == "2026-05-01T16:30:15.250000+08:00"
    assert iso(utc.replace(microsecond=0)) == utc.replace(microsecond=0).isoformat()


def test_span_is_the_timedelta_of_its_seconds_whether_int_or_float():
    assert span(90) == timedelta(seconds=90)
    assert span(90.0) == timedelta(seconds=90)
    assert span(0.25) == timedelta(milliseconds=250)
    assert span(90) is span(90.0)  # one object per duration


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 seconds"),
        (0.4, "less than a second"),
        (1, "1 second"),
        (59.9, "59 seconds"),
        (601, "10 minutes 1 second"),
        (3 * 86_400 + 5, "3 days"),  # the next unit only, when it is not zero
        (3 * 365.25 * 86_400 + 32.5 * 86_400, "3 years 32 days"),
    ],
)
def test_a_span_is_described_in_its_two_largest_units_rounded_down(seconds, words):
    assert describe_span(seconds) == words


@pytest.mark.parametrize("value", [math.nan, math.inf, 10**400, "1" + "0" * 400 + "s"])
def test_a_duration_must_be_finite(value):
    with pytest.raises(ValueError, match="finite"):
        parse_duration(value)

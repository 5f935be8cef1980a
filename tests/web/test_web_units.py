"""Pure helpers of the console, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from forewarn.web import board, chart, explorer, format, queries
from forewarn.web.login import safe_next

T0 = datetime(2026, 5, 1, tzinfo=UTC)
H = timedelta(hours=1)


def ev(kind: str, hours: float, level: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(kind=kind, time=T0 + hours * H, level=level)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], []),
        ([ev("pending", 0, 2)], []),
        ([ev("activated", 0, 2)], [(0, None, 2)]),
        (
            [ev("activated", 0, 1), ev("level_changed", 1, 3), ev("resolved", 2)],
            [(0, 1, 1), (1, 2, 3)],
        ),
        ([ev("activated", 0, 4), ev("acknowledged", 1), ev("lifted", 3)], [(0, 3, 4)]),
        (
            [ev("activated", 0, 2), ev("resolved", 1), ev("reactivated", 2, 2)],
            [(0, 1, 2), (2, None, 2)],
        ),
        ([ev("commented", 0), ev("resolved", 1)], []),
    ],
)
def test_level_periods(events, expected):
    got = chart.level_periods(events)
    assert [
        ((p.start - T0) / H, None if p.end is None else (p.end - T0) / H, p.level) for p in got
    ] == expected


@pytest.mark.parametrize(
    ("explanations", "expected"),
    [
        ([], {}),
        ([{"threshold": None}], {}),
        (
            [{"value": 2.0, "measure": 2.0, "threshold": {"level": "red", "enter_value": 1.5}}],
            {4: 1.5},
        ),
        ([{"value": 2.0, "measure": 0.3, "threshold": {"level": "red", "enter_value": 0.2}}], {}),
        (
            [
                {"value": 1, "measure": 1, "threshold": {"level": "blue", "enter_value": 0.5}},
                {"value": 1, "measure": 1, "threshold": {"level": "blue", "enter_value": 0.6}},
                {"value": 1, "measure": 1, "threshold": {"level": "orange", "enter_value": 1.0}},
            ],
            {1: 0.6, 3: 1.0},
        ),
        ([{"value": 1, "measure": 1, "threshold": {"level": "purple", "enter_value": 1}}], {}),
    ],
)
def test_thresholds_only_when_the_detector_compared_the_value(explanations, expected):
    assert chart.thresholds(explanations) == expected


@pytest.mark.parametrize(
    ("explanation", "expected"),
    [
        ({}, None),
        ({"baseline": 3.5}, ("baseline", 3.5)),
        ({"baseline": None, "expected": 4}, ("expected", 4.0)),
    ],
)
def test_baseline(explanation, expected):
    assert chart.baseline(explanation) == expected


@pytest.mark.parametrize(
    ("region", "warning", "expected"),
    [
        ("/620000/620100/620111/", "/620000/620100/620111/", True),
        ("/620000/620100/", "/620000/620100/620111/", True),  # inside the subtree
        ("/620000/620100/620111/", "/620000/620100/", True),  # a city-wide warning
        ("/620000/620100/620111/", "/620000/620400/620402/", False),
        ("/620000/620100/620111/", "/620000/620100/620102/", False),
    ],
)
def test_covers(region, warning, expected):
    assert board.covers(region, warning) is expected


def test_region_states_take_the_highest_level():
    regions = [SimpleNamespace(code=c, path=p) for c, p in [("a", "/1/a/"), ("b", "/1/b/")]]
    warnings = [
        SimpleNamespace(region_path="/1/a/", level=2),
        SimpleNamespace(region_path="/1/a/", level=4),
        SimpleNamespace(region_path="/1/", level=1),
    ]
    states = board.region_states(regions, warnings)
    assert (states["a"].level, len(states["a"].warnings)) == (4, 3)
    assert (states["b"].level, len(states["b"].warnings)) == (1, 1)


def test_level_counts():
    ws = [
        SimpleNamespace(field=f, level=lv) for f, lv in [("a", 4), ("a", 4), ("b", 1), ("b", None)]
    ]
    assert board.level_counts(ws) == {"a": {4: 2}, "b": {1: 1, 0: 1}}


@pytest.mark.parametrize(
    ("last_s", "interval_s", "expected"),
    [
        (None, 60, True),
        (0, 60, False),
        (-180, 60, False),
        (-181, 60, True),
        (-3 * 86400, 86400, False),
    ],
)
def test_is_silent(last_s, interval_s, expected):
    last_ms = None if last_s is None else int((T0.timestamp() + last_s) * 1000)
    assert queries.is_silent(last_ms, interval_s, T0) is expected


@pytest.mark.parametrize(
    ("interval_s", "expected"),
    [
        (60, "6h"),
        (300, "1d"),
        (900, "7d"),
        (3600, "30d"),
        (86400, "1y"),
        (7 * 86400, "5y"),
        (30 * 86400, "5y"),
    ],
)
def test_default_range_holds_enough_intervals(interval_s, expected):
    assert explorer.default_range(interval_s) == expected


def test_pick_span_never_ends_after_now():
    span = explorer.pick_span("1d", T0 + 5 * H, 300, T0)
    assert (span.start, span.end, span.key) == (T0 - 24 * H, T0, "1d")
    assert explorer.pick_span("bogus", None, 300, T0).key == "1d"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/situation"),
        ("", "/situation"),
        ("/warnings?level=red", "/warnings?level=red"),
        ("//evil.example/", "/situation"),
        ("https://evil.example/", "/situation"),
        ("/\\evil.example", "/situation"),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("red", 4),
        ("II", 3),
        ("3", None),  # ambiguous: Level III (yellow) or the third rung (orange)
        ("blue", 1),
        ("", None),
        (None, None),
        ("purple", None),
        ("9", None),
    ],
)
def test_parse_level(text, expected):
    got = format.parse_level(text)
    assert (int(got) if got else None) == expected


def test_times_and_numbers():
    tz = ZoneInfo("Asia/Shanghai")
    assert format.fmt_time(T0, tz) == "2026-05-01 08:00"
    assert format.fmt_time(T0, tz, seconds=True) == "2026-05-01 08:00:00"
    assert format.fmt_iso("2026-05-01T00:00:00Z", tz) == "2026-05-01 08:00"
    assert format.fmt_iso("not a time", tz) == "not a time"
    assert format.fmt_ago(T0 - 2 * H, T0, "en") == "2 hours ago"
    assert format.fmt_ago(T0 - 2 * H, T0, "zh") == "2小时前"
    values = (None, 1.23456, 1503.0, 1502.25, 0.1 + 0.2, 22.0, -0.5)
    assert [format.fmt_number(v) for v in values] == [
        "–",
        "1.235",
        "1503",
        "1502.25",
        "0.3",
        "22",
        "-0.5",
    ]

"""Silences (with scope), inhibition keys and time intervals (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.scope import Scope
from forewarn.warnings.muting import (
    SilenceState,
    SilenceView,
    inhibited_by,
    silence_state,
    silenced_by,
    source_keys,
    target_keys,
    time_muted,
)
from forewarn.warnings.policy import parse_policy
from forewarn.warnings.timeintervals import Entry, TimeInterval

T0 = datetime(2026, 5, 4, 8, tzinfo=UTC)  # a Monday, 16:00 in Shanghai


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("now", "state"),
    [(-1, SilenceState.PENDING), (0, SilenceState.ACTIVE), (59, SilenceState.ACTIVE),
     (60, SilenceState.EXPIRED)],
)  # fmt: skip
def test_silence_states(now, state):
    assert silence_state(at(0), at(60), at(now)) is state


LANZHOU = "/620000/620100/"
HONGGU = "/620000/620100/620111/"
BAIYIN = "/620000/620400/620402/"


def silence(ident, matchers, *, paths=None, fields=None, start=0, end=60):
    return SilenceView.of(ident, matchers, at(start), at(end), paths, fields)


@pytest.mark.parametrize(
    ("silences", "path", "field", "now", "expected"),
    [
        ([silence(1, ['rule="ch4"'])], HONGGU, "production_safety", 10, 1),
        ([silence(1, ['rule="co"'])], HONGGU, "production_safety", 10, None),
        ([silence(1, ['rule="ch4"'])], HONGGU, "production_safety", 60, None),  # expired
        ([silence(1, ['rule="ch4"'], start=20)], HONGGU, "production_safety", 10, None),
        # a Lanzhou officer's silence mutes Honggu (inside Lanzhou) but never Baiyin
        ([silence(1, ['rule="ch4"'], paths=[LANZHOU])], HONGGU, "production_safety", 10, 1),
        ([silence(1, ['rule="ch4"'], paths=[LANZHOU])], BAIYIN, "production_safety", 10, None),
        # ... nor another field, whatever the matchers say
        (
            [silence(1, ['rule="ch4"'], fields=["public_health"])],
            HONGGU,
            "production_safety",
            10,
            None,
        ),
        (
            [silence(1, ['rule="co"']), silence(2, ["level>=yellow"])],
            HONGGU,
            "production_safety",
            10,
            2,
        ),
    ],
)
def test_silences_mute_only_inside_their_creators_scope(silences, path, field, now, expected):
    labels = {"rule": "ch4", "level": "orange", "site": "m1"}
    assert silenced_by(silences, labels, path, field, at(now)) == expected


def test_silence_scope_is_built_from_stored_columns():
    s = silence(3, ['rule="x"'], paths=[LANZHOU], fields=["production_safety"])
    assert s.scope == Scope((LANZHOU,), frozenset({"production_safety"}))
    assert silence(4, ['rule="x"']).scope.unrestricted


INHIBIT = """
routes: {}
inhibit_rules:
  - name: silent_site
    source_matchers: ['rule="heartbeat.site"']
    target_matchers: ['rule!~"heartbeat[.].*"']
    equal: [site]
  - name: provincial_flood
    source_matchers: ['rule="flood"', 'level>=red', 'region_level="province"']
    target_matchers: ['rule="flood"', 'level<=yellow', 'region_level="county"']
    equal: [river]
"""


def keys(labels):
    rules = parse_policy(INHIBIT).inhibit_rules
    return source_keys(rules, labels), target_keys(rules, labels)


@pytest.mark.parametrize(
    ("source", "target", "inhibits"),
    [
        ({"rule": "heartbeat.site", "site": "m1"}, {"rule": "ch4", "site": "m1"}, True),
        ({"rule": "heartbeat.site", "site": "m1"}, {"rule": "ch4", "site": "m2"}, False),
        ({"rule": "heartbeat.site", "site": "m1"}, {"rule": "heartbeat.site", "site": "m1"}, False),
        (
            {"rule": "flood", "level": "red", "region_level": "province", "river": "yellow"},
            {"rule": "flood", "level": "yellow", "region_level": "county", "river": "yellow"},
            True,
        ),
        (
            {"rule": "flood", "level": "red", "region_level": "province", "river": "yellow"},
            {"rule": "flood", "level": "orange", "region_level": "county", "river": "yellow"},
            False,
        ),
        (
            {"rule": "flood", "level": "red", "region_level": "province", "river": "yellow"},
            {"rule": "flood", "level": "blue", "region_level": "county", "river": "tao"},
            False,
        ),
        (
            {"rule": "flood", "level": "orange", "region_level": "province", "river": "yellow"},
            {"rule": "flood", "level": "blue", "region_level": "county", "river": "yellow"},
            False,
        ),
    ],
)
def test_inhibition_by_source_target_and_equal_labels(source, target, inhibits):
    sources, _ = keys(source)
    _, targets = keys(target)
    index = {k: [1] for k in sources}
    hit = inhibited_by(targets, index, warning_id=2)
    assert (hit is not None) is inhibits
    if inhibits:
        assert hit.startswith("inhibited:")
        assert hit.endswith(":1")


def test_a_warning_never_inhibits_itself():
    _sources, targets = keys({"rule": "x", "site": "m1"})
    assert inhibited_by(targets, {t: [5] for t in targets}, warning_id=5) is None


SHANGHAI_OFFICE = TimeInterval(
    "office", "Asia/Shanghai",
    (Entry.parse(times=[{"start": "08:30", "end": "17:30"}], weekdays=["monday:friday"]),),
)  # fmt: skip
NIGHT = TimeInterval(
    "night", "Asia/Shanghai",
    (Entry.parse(times=[{"start": "22:00", "end": "24:00"}, {"start": "00:00", "end": "06:00"}]),),
)  # fmt: skip
LAST_DAY = TimeInterval("last", "UTC", (Entry.parse(days_of_month=["-1"], months=["may"]),))


@pytest.mark.parametrize(
    ("interval", "utc", "inside"),
    [
        (SHANGHAI_OFFICE, "2026-05-04T01:00", True),  # Monday 09:00 Shanghai
        (SHANGHAI_OFFICE, "2026-05-04T00:29", False),  # 08:29
        (SHANGHAI_OFFICE, "2026-05-04T09:30", False),  # 17:30 (end is exclusive)
        (SHANGHAI_OFFICE, "2026-05-03T01:00", False),  # Sunday
        (NIGHT, "2026-05-04T15:00", True),  # 23:00
        (NIGHT, "2026-05-04T21:59", True),  # 05:59
        (NIGHT, "2026-05-04T22:00", False),  # 06:00
        (LAST_DAY, "2026-05-31T12:00", True),
        (LAST_DAY, "2026-05-30T12:00", False),
        (LAST_DAY, "2026-06-30T12:00", False),
    ],
)
def test_time_intervals_in_their_zone(interval, utc, inside):
    assert interval.contains(datetime.fromisoformat(utc).replace(tzinfo=UTC)) is inside


def test_routes_are_muted_by_mute_intervals_and_outside_active_ones():
    policy = parse_policy(
        """
routes:
  routes:
    - matchers: ['level<=yellow']
      mute_time_intervals: [night]
    - matchers: ['level=orange']
      active_time_intervals: [office]
time_intervals:
  - {name: night, time_zone: Asia/Shanghai, intervals: [{times: [{start: '22:00', end: '24:00'}]}]}
  - {name: office, time_zone: Asia/Shanghai, intervals: [{weekdays: ['monday:friday']}]}
"""
    )
    quiet, office = policy.root.children
    intervals = policy.time_intervals
    late = datetime(2026, 5, 4, 15, tzinfo=UTC)  # Monday 23:00 Shanghai
    saturday = datetime(2026, 5, 9, 3, tzinfo=UTC)
    assert time_muted(quiet, intervals, late) == "mute_time:night"
    assert time_muted(quiet, intervals, saturday) is None
    assert time_muted(office, intervals, late) is None
    assert time_muted(office, intervals, saturday) == "outside:office"
    assert time_muted(policy.root, intervals, late) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weekdays", "saturday:monday"),  # Monday is day 0: the range wraps, it is refused
        ("weekdays", "sunday:monday"),
        ("weekdays", "wednesday:tuesday"),
        ("days_of_month", "20:5"),
        ("days_of_month", "-1:-5"),
        ("months", "december:january"),
    ],
)
def test_ranges_that_run_backwards_are_refused(field, value):
    with pytest.raises(ValueError, match="runs backwards"):
        Entry.parse(**{field: [value]})


def test_a_month_range_may_end_counting_from_its_end():
    entry = Entry.parse(days_of_month=["25:-1"])
    assert entry.days_of_month == ((25, -1),)

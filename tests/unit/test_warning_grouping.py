"""Group timing and flush plans (pure, explicit clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.warnings.grouping import Member, next_flush_at, plan_flush
from forewarn.warnings.lifecycle import Status

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("created", "last", "current", "now", "expected"),
    [
        (0, None, None, 0, 30),  # first change waits group_wait
        (0, None, None, 45, 45),  # created long ago, never flushed: now
        (0, None, 30, 10, 30),  # already planned: unchanged
        (0, 100, None, 120, 400),  # after a flush: group_interval after it
        (0, 100, None, 500, 500),  # interval long passed: now
        (0, 100, 4000, 120, 400),  # a planned reminder later than the interval: sooner wins
        (0, 100, 200, 120, 200),  # planned sooner stays
    ],
)
def test_next_flush(created, last, current, now, expected):
    got = next_flush_at(
        created_at=at(created),
        last_flush_at=at(last) if last is not None else None,
        current=at(current) if current is not None else None,
        now=at(now),
        group_wait_s=30,
        group_interval_s=300,
    )
    assert got == at(expected)


A, K, R, L, P = Status.ACTIVE, Status.ACKNOWLEDGED, Status.RESOLVED, Status.LIFTED, Status.PENDING


def m(wid, status, level, told=None, told_level=None, muted=None):
    return Member(wid, status, level, told, told_level, muted)


def plan(members, *, last=None, now=1000, lower=True):
    return plan_flush(
        members,
        now=at(now),
        last_flush_at=at(last) if last is not None else None,
        repeat_interval_s=3600,
        inhibit_lower_levels=lower,
    )


CASES = [
    # new warnings are told; the highest level leads
    ([m(1, A, 2), m(2, A, 2)], {}, [1, 2], 2),
    # a pending one is not told
    ([m(1, P, 2), m(2, A, 3)], {}, [2], 2),
    # same state as told: nothing
    ([m(1, A, 2, "firing", 2)], {}, [], None),
    # level change is told, acknowledging is not
    ([m(1, A, 3, "firing", 2), m(2, K, 2, "firing", 2)], {}, [1], 1),
    # the higher level in the group mutes the lower (they are listed, not announced)
    ([m(1, A, 4), m(2, A, 2), m(3, A, 4)], {2: "lower_level:1"}, [1, 3], 3),
    ([m(1, A, 4), m(2, A, 2)], {2: "lower_level:1"}, [1], 1),
    # resolution told after firing was told
    ([m(1, R, 2, "firing", 2)], {}, [1], 1),
    # a silenced change is held back, with its reason
    ([m(1, A, 3, "firing", 2, "silence:7")], {1: "silence:7"}, [], None),
    # a silenced (muted) top does not mute the lower levels
    ([m(1, A, 4, None, None, "silence:7"), m(2, A, 2)], {1: "silence:7"}, [2], 2),
    # lifting after a told resolution is told
    ([m(1, L, 2, "resolved")], {}, [1], 1),
]


@pytest.mark.parametrize(("members", "muted", "send", "lead"), CASES)
def test_plan_flush(members, muted, send, lead):
    got = plan(members)
    assert got.send == send
    assert got.muted == muted
    assert got.lead == lead
    assert not got.reminder


def test_lower_levels_are_told_when_the_route_does_not_inhibit_them():
    got = plan([m(1, A, 4), m(2, A, 2)], lower=False)
    assert (got.send, got.muted, got.lead) == ([1, 2], {}, 1)


@pytest.mark.parametrize(
    ("members", "done"),
    [
        ([m(1, R, 2)], [1]),  # resolved before anyone was told: dropped quietly
        ([m(1, R, 2, "resolved")], [1]),  # end already told
        ([m(1, L, 2, "lifted")], [1]),
        ([m(1, R, 2, "firing", 2)], []),  # the end is still to be told
    ],
)
def test_finished_members_leave_the_group(members, done):
    assert plan(members).done == done


@pytest.mark.parametrize(
    ("members", "last", "now", "reminder", "lead", "remind"),
    [
        ([m(1, A, 2, "firing", 2)], 0, 3600, True, 1, [1]),
        ([m(1, A, 2, "firing", 2)], 0, 3599, False, None, []),
        ([m(1, K, 2, "firing", 2)], 0, 7200, False, None, []),  # acknowledged: no reminders
        ([m(1, A, 2, "firing", 2, "silence:1")], 0, 7200, False, None, []),
        ([m(1, A, 2, "firing", 2), m(2, A, 4, "firing", 4)], 0, 3600, True, 2, [2, 1]),
        # every unacknowledged warning is named, not only the lead; the acknowledged one is not
        (
            [m(1, A, 2, "firing", 2), m(2, K, 4, "firing", 4), m(3, A, 2, "firing", 2)],
            0,
            3600,
            True,
            3,
            [3, 1],
        ),
        ([m(1, A, 2, "firing", 2)], None, 7200, False, None, []),  # never flushed: no repeat
    ],
)
def test_reminders_only_for_unacknowledged_warnings(members, last, now, reminder, lead, remind):
    got = plan(members, last=last, now=now)
    assert got.reminder is reminder
    assert got.lead == lead
    assert got.remind == remind
    assert got.send == []


def test_watching_while_someone_still_has_to_acknowledge():
    assert plan([m(1, A, 2)]).watching
    assert not plan([m(1, K, 2, "firing", 2)]).watching
    assert not plan([m(1, R, 2, "firing", 2)]).watching

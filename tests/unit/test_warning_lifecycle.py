"""The lifecycle transition table, re-activation and flapping, with an explicit clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.common import Level
from forewarn.errors import InvalidTransition
from forewarn.warnings.lifecycle import (
    Action,
    Escalation,
    Flapping,
    State,
    Status,
    flapping_after,
    on_action,
    on_signal,
    reactivates,
    signal_step,
)

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
B, Y, OR, R = Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED
S = Status
A = Action

# (status before or None, level before, action, signal level) ->
#   (rule, status after, level after, notify, escalation) or None for "nothing happens"
SIGNALS = [
    (None, None, A.PEND, Y, ("open_pending", S.PENDING, Y, False, Escalation.KEEP)),
    (None, None, A.FIRE, OR, ("open_firing", S.ACTIVE, OR, True, Escalation.START)),
    (None, None, A.RESOLVE, None, None),
    (S.PENDING, Y, A.PEND, Y, None),
    (S.PENDING, Y, A.PEND, OR, ("pending_level", S.PENDING, OR, False, Escalation.KEEP)),
    (S.PENDING, Y, A.FIRE, Y, ("fire", S.ACTIVE, Y, True, Escalation.START)),
    (S.PENDING, Y, A.RESOLVE, None, ("pending_cleared", S.RESOLVED, Y, False, Escalation.KEEP)),
    (S.ACTIVE, Y, A.FIRE, Y, None),
    (S.ACTIVE, Y, A.FIRE, R, ("raise", S.ACTIVE, R, True, Escalation.RETIME)),
    (S.ACTIVE, R, A.FIRE, B, ("lower", S.ACTIVE, B, True, Escalation.RETIME)),
    (S.ACTIVE, Y, A.PEND, Y, None),
    (S.ACTIVE, OR, A.RESOLVE, None, ("resolve", S.RESOLVED, OR, True, Escalation.STOP)),
    (S.ACKNOWLEDGED, Y, A.FIRE, OR, ("unack_on_raise", S.ACTIVE, OR, True, Escalation.START)),
    (
        S.ACKNOWLEDGED,
        OR,
        A.FIRE,
        Y,
        ("lower_acknowledged", S.ACKNOWLEDGED, Y, True, Escalation.KEEP),
    ),
    (S.ACKNOWLEDGED, OR, A.FIRE, OR, None),
    (S.ACKNOWLEDGED, OR, A.RESOLVE, None, ("resolve", S.RESOLVED, OR, True, Escalation.KEEP)),
    (S.RESOLVED, Y, A.FIRE, R, ("reactivate", S.ACTIVE, R, True, Escalation.START)),
    (S.RESOLVED, Y, A.RESOLVE, None, None),
    (S.RESOLVED, Y, A.PEND, Y, None),
    (S.LIFTED, Y, A.RESOLVE, None, None),
]


@pytest.mark.parametrize(("status", "level", "action", "signal_level", "expected"), SIGNALS)
def test_signal_transitions(status, level, action, signal_level, expected):
    state = State(status, level) if status is not None else None
    step = on_signal(state, action, signal_level)
    if expected is None:
        assert step is None
        return
    rule, after, after_level, notify, escalation = expected
    assert step is not None
    assert (step.rule.name, step.status, step.level) == (rule, after, after_level)
    assert step.rule.notify is notify
    assert step.rule.escalation is escalation


@pytest.mark.parametrize(
    ("status", "level", "action", "signal_level", "changed"),
    [
        (None, None, A.FIRE, Y, True),  # opened firing
        (S.PENDING, Y, A.FIRE, Y, True),  # activated
        (S.ACTIVE, Y, A.FIRE, R, True),  # raised
        (S.ACKNOWLEDGED, R, A.FIRE, Y, True),  # lowered while acknowledged
        (S.ACTIVE, Y, A.RESOLVE, None, True),  # resolved
        (S.PENDING, Y, A.PEND, OR, False),  # a pending level is not a change flapping counts
    ],
)
def test_a_step_says_whether_it_counts_as_a_change(status, level, action, signal_level, changed):
    state = State(status, level) if status is not None else None
    step = on_signal(state, action, signal_level)
    assert step is not None
    assert step.changed is changed


def test_the_memoised_signal_step_is_on_signal_for_every_state():
    """``signal_step`` reads only status and level: the same step as ``on_signal`` whatever the
    warning's end time, for every status, level, signal action and signal level."""
    ended = T0 - timedelta(minutes=5)
    levels = [None, *Level]
    for status in [None, *Status]:
        for level in levels if status is not None else [None]:
            for action in (A.PEND, A.FIRE, A.RESOLVE):
                for signal_level in levels:
                    state = State(status, level, ended) if status is not None else None
                    expected = on_signal(state, action, signal_level)
                    assert signal_step(status, level, action, signal_level) == expected


PEOPLE = [
    (S.ACTIVE, A.ACK, "ack", S.ACKNOWLEDGED),
    (S.ACTIVE, A.LIFT, "lift", S.LIFTED),
    (S.PENDING, A.LIFT, "lift", S.LIFTED),
    (S.ACKNOWLEDGED, A.LIFT, "lift", S.LIFTED),
    (S.RESOLVED, A.LIFT, "lift_resolved", S.LIFTED),
    (S.ACTIVE, A.ASSIGN, "assign", S.ACTIVE),
    (S.PENDING, A.ASSIGN, "assign", S.PENDING),
    (S.LIFTED, A.COMMENT, "comment", S.LIFTED),
    (S.RESOLVED, A.COMMENT, "comment", S.RESOLVED),
    (S.ACTIVE, A.ESCALATE, "escalate", S.ACTIVE),
]


@pytest.mark.parametrize(("status", "action", "rule", "after"), PEOPLE)
def test_people_transitions(status, action, rule, after):
    step = on_action(State(status, Y), action)
    assert (step.rule.name, step.status, step.level) == (rule, after, Y)


INVALID = [
    (S.PENDING, A.ACK),
    (S.ACKNOWLEDGED, A.ACK),
    (S.RESOLVED, A.ACK),
    (S.LIFTED, A.ACK),
    (S.LIFTED, A.LIFT),
    (S.RESOLVED, A.ASSIGN),
    (S.LIFTED, A.ASSIGN),
    (S.ACTIVE, A.FIRE),
    (S.PENDING, A.ESCALATE),  # not issued yet
    (S.ACKNOWLEDGED, A.ESCALATE),  # someone answers for it
    (S.RESOLVED, A.ESCALATE),
    (S.LIFTED, A.ESCALATE),
]


@pytest.mark.parametrize(("status", "action"), INVALID)
def test_invalid_acts_raise_a_typed_error(status, action):
    with pytest.raises(InvalidTransition) as caught:
        on_action(State(status, Y), action)
    assert caught.value.details["status"] == status.value
    assert caught.value.details["action"] == action.value
    assert action.value not in caught.value.details["allowed"]


def test_acknowledging_an_acknowledged_warning_names_what_is_allowed():
    with pytest.raises(InvalidTransition) as caught:
        on_action(State(S.ACKNOWLEDGED, R), A.ACK)
    assert caught.value.details["allowed"] == ["assign", "comment", "lift"]
    assert caught.value.status_code == 409


@pytest.mark.parametrize(
    ("status", "ended_after", "fired_after", "window", "expected"),
    [
        (S.RESOLVED, 0, 600, 3600, True),
        (S.RESOLVED, 0, 3600, 3600, True),
        (S.RESOLVED, 0, 3601, 3600, False),
        (S.LIFTED, 0, 10, 3600, False),
        (S.ACTIVE, 0, 10, 3600, False),
    ],
)
def test_reactivation_window(status, ended_after, fired_after, window, expected):
    state = State(status, Y, ended_at=T0 + timedelta(seconds=ended_after))
    assert reactivates(state, T0 + timedelta(seconds=fired_after), window) is expected


def _run(changes_at: list[float], *, window: float = 3600, limit: int = 4) -> list[bool]:
    flap, out = Flapping(), []
    for offset in changes_at:
        flap = flapping_after(
            flap,
            now=T0 + timedelta(seconds=offset),
            changed=True,
            window_s=window,
            max_changes=limit,
        )
        out.append(flap.flapping)
    return out


@pytest.mark.parametrize(
    ("changes_at", "expected"),
    [
        ([0, 60, 120, 180], [False, False, False, False]),
        ([0, 60, 120, 180, 240], [False, False, False, False, True]),
        ([0, 1000, 2000, 3000, 4000, 5000], [False] * 6),
        ([0, 60, 120, 180, 240, 3700, 3750], [False, False, False, False, True, True, True]),
        ([0, 60, 120, 180, 240, 7400], [False, False, False, False, True, False]),
    ],
)
def test_flapping_starts_above_the_limit_and_stops_below_half(changes_at, expected):
    assert _run(changes_at) == expected


def test_flapping_calms_down_as_time_passes_without_changes():
    flap = Flapping()
    for offset in (0, 60, 120, 180, 240):
        flap = flapping_after(
            flap, now=T0 + timedelta(seconds=offset), changed=True, window_s=3600, max_changes=4
        )
    assert flap.flapping
    later = flapping_after(
        flap, now=T0 + timedelta(seconds=3700), changed=False, window_s=3600, max_changes=4
    )
    assert later.flapping, "three changes remain in the window: above half of four"
    calm = flapping_after(
        flap, now=T0 + timedelta(seconds=3800), changed=False, window_s=3600, max_changes=4
    )
    assert not calm.flapping
    assert calm.changes == (T0.timestamp() + 240,)

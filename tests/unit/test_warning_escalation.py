"""Acknowledgement SLAs and escalation chains (pure, explicit clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.common import Level
from forewarn.warnings import escalation as esc
from forewarn.warnings.policy import parse_policy

T0 = datetime(2026, 5, 4, 8, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


ESCALATE = """
routes: {escalation: chain}
receivers:
  - {name: parent, to: [parent]}
  - {name: leader, targets: [{channel: email, target: leader@gs.cn}]}
escalations:
  - name: chain
    levels:
      red: {ack_within: 15m, steps: [{notify: parent}, {after: 30m, notify: leader}]}
      yellow: {ack_within: 2h, steps: [{notify: parent}]}
"""


@pytest.mark.parametrize(
    ("level", "taken", "due_minutes"),
    [
        (Level.RED, 0, 15),
        (Level.RED, 1, 45),
        (Level.RED, 2, None),
        (Level.YELLOW, 0, 120),
        (Level.YELLOW, 1, None),
        (Level.BLUE, 0, None),  # no chain for blue: never escalates
    ],
)
def test_escalation_due_times_follow_the_current_levels_chain(level, taken, due_minutes):
    snap = esc.snapshot(parse_policy(ESCALATE), "chain")
    due = esc.due_at(snap, level, T0, taken)
    assert due == (at(due_minutes) if due_minutes is not None else None)


def test_escalation_steps_one_at_a_time_with_the_snapshotted_receivers():
    policy = parse_policy(ESCALATE)
    snap = esc.snapshot(policy, "chain")
    assert snap["receivers"]["leader"]["targets"] == [["email", "leader@gs.cn"]]
    assert esc.next_step(snap, Level.RED, T0, 0, at(14)) is None
    first = esc.next_step(snap, Level.RED, T0, 0, at(15))
    assert first is not None
    assert (first.index, first.receiver.name, first.next_due) == (0, "parent", at(45))
    assert "not acknowledged within 15 min" in first.reason
    second = esc.next_step(snap, Level.RED, T0, 1, at(50))
    assert second is not None
    assert (second.receiver.name, second.receiver.targets) == (
        "leader",
        (("email", "leader@gs.cn"),),
    )
    assert second.next_due is None


def test_a_snapshot_does_not_follow_later_policy_edits():
    snap = esc.snapshot(parse_policy(ESCALATE), "chain")
    edited = parse_policy(ESCALATE.replace("ack_within: 15m", "ack_within: 5h"))
    assert esc.snapshot(edited, "chain")["levels"]["red"]["ack_within_s"] == 5 * 3600
    assert esc.due_at(snap, Level.RED, T0, 0) == at(15)
    assert esc.snapshot(edited, None) is None
    assert esc.snapshot(edited, "unknown") is None


@pytest.mark.parametrize(
    ("level", "taken", "expected"),
    [
        (Level.RED, 0, (0, "parent", at(45))),  # step 2 keeps its time from the start
        (Level.RED, 1, (1, "leader", None)),
        (Level.RED, 2, None),  # the chain is done
        (Level.YELLOW, 0, (0, "parent", None)),
        (Level.BLUE, 0, None),  # no chain for blue
        (None, 0, None),
    ],
)
def test_a_manual_step_is_the_next_one_of_the_current_levels_chain(level, taken, expected):
    snap = esc.snapshot(parse_policy(ESCALATE), "chain")
    step = esc.manual_step(snap, level, T0, taken, actor="li.na", reason="no answer")
    if expected is None:
        assert step is None
        return
    assert step is not None
    assert (step.index, step.receiver.name, step.next_due) == expected
    assert step.reason.startswith("escalated by li.na: no answer: step ")


def test_a_manual_step_needs_a_snapshot():
    assert esc.manual_step(None, Level.RED, T0, 0, actor="li.na", reason="x") is None

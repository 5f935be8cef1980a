"""Acknowledgement SLAs and escalation chains (pure).

When the acknowledgement clock starts (activation, re-activation, or a raise after an
acknowledgement) the route's escalation policy, and the receivers it names, are copied onto the
warning as JSON: later edits of the policy file do not change an escalation in flight.

Timing: step ``i`` (0-based) of the chain of the warning's *current* level is due at
``started + ack_within + after[0] + ... + after[i]``. A level change re-times the chain (a red
warning has a shorter SLA than a yellow one) but keeps the steps already taken. Only an
acknowledgement (or the end of the warning) stops the clock; silences and inhibitions mute
notifications, never accountability.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forewarn.common import Level
from forewarn.timeutil import span
from forewarn.warnings.policy import Policy, Receiver


def snapshot(policy: Policy, name: str | None) -> dict[str, Any] | None:
    """The JSON copy of escalation policy `name` and its receivers (None: no escalation).

    The copy holds no time (the warning's ``escalation_started_at`` says when it was taken),
    so equal policies give equal snapshots.
    """
    if name is None or name not in policy.escalations:
        return None
    levels = policy.escalations[name]
    wanted = {s["notify"] for chain in levels.values() for s in chain["steps"]}
    receivers = {
        r: {
            "to": list(rec.to),
            "channels": list(rec.channels),
            "targets": [list(t) for t in rec.targets],
        }
        for r in sorted(wanted)
        if (rec := policy.receivers.get(r)) is not None
    }
    return {"policy": name, "levels": levels, "receivers": receivers}


def chain(snap: dict[str, Any] | None, level: Level | None) -> dict[str, Any] | None:
    """The chain of `level` in a snapshot (None: this level never escalates)."""
    if snap is None or level is None:
        return None
    found: dict[str, Any] | None = snap["levels"].get(level.label)
    return found


def due_at(
    snap: dict[str, Any] | None, level: Level | None, started: datetime, taken: int
) -> datetime | None:
    """When the next step (after `taken` steps) is due; None when the chain is done or absent."""
    found = chain(snap, level)
    if found is None or taken >= len(found["steps"]):
        return None
    offset = found["ack_within_s"] + sum(s["after_s"] for s in found["steps"][: taken + 1])
    return started + span(offset)


@dataclass(frozen=True)
class StepDue:
    """A step to take now: its index, the receiver to notify and why."""

    index: int
    receiver: Receiver
    reason: str
    next_due: datetime | None
    note: str | None = None  # the person's own words, when a person took the step


def next_step(
    snap: dict[str, Any] | None, level: Level | None, started: datetime, taken: int, now: datetime
) -> StepDue | None:
    """The step due at `now`, if any (one at a time: call again for a backlog)."""
    due = due_at(snap, level, started, taken)
    found = chain(snap, level)
    if due is None or found is None or snap is None or due > now:
        return None
    step = found["steps"][taken]
    minutes = found["ack_within_s"] / 60
    reason = (
        f"not acknowledged within {minutes:g} min: "
        f"step {taken + 1} of {len(found['steps'])} ({step['notify']})"
    )
    return StepDue(taken, _receiver(snap, step), reason, due_at(snap, level, started, taken + 1))


def _receiver(snap: dict[str, Any], step: dict[str, Any]) -> Receiver:
    spec = snap["receivers"].get(step["notify"], {"to": [], "channels": [], "targets": []})
    return Receiver(
        step["notify"],
        tuple(spec["to"]),
        tuple(spec["channels"]),
        tuple((c, t) for c, t in spec["targets"]),
    )


def manual_step(
    snap: dict[str, Any] | None,
    level: Level | None,
    started: datetime,
    taken: int,
    *,
    actor: str,
    reason: str,
) -> StepDue | None:
    """The next step taken now by a person (None: the chain has no further step).

    The steps after it stay timed from `started` as before (a step already taken is skipped).
    """
    found = chain(snap, level)
    if found is None or snap is None or taken >= len(found["steps"]):
        return None
    step = found["steps"][taken]
    why = (
        f"escalated by {actor}: {reason}: "
        f"step {taken + 1} of {len(found['steps'])} ({step['notify']})"
    )
    return StepDue(
        taken, _receiver(snap, step), why, due_at(snap, level, started, taken + 1), note=reason
    )

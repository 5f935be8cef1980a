"""Notification groups (pure): when a group flushes, and what a flush tells its receiver.

As in Alertmanager, warnings routed alike are aggregated per route and group-by labels: the first
change waits ``group_wait`` (so that what arrives together, and what would inhibit it, is told
together), later changes are batched per ``group_interval``. Unlike Alertmanager, a group tells
*state changes of warnings* (activation, level up or down, resolution, lifting), never the
same state twice, reminds every ``repeat_interval`` only of warnings nobody has acknowledged,
and the higher level in a group mutes the lower ones (not listed; told when it ends or drops).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from forewarn.timeutil import span
from forewarn.warnings.lifecycle import Status

_TOLD: dict[Status, str | None] = {
    Status.PENDING: None,
    Status.ACTIVE: "firing",
    Status.ACKNOWLEDGED: "firing",
    Status.RESOLVED: "resolved",
    Status.LIFTED: "lifted",
}


_ACTIVE = Status.ACTIVE  # a global: `Status.ACTIVE` goes through the enum's `__getattr__` hook


def notify_state(status: Status) -> str | None:
    """What a receiver is told a warning is: firing, resolved, lifted (pending: nothing)."""
    return _TOLD[status]


def next_flush_at(
    *,
    created_at: datetime,
    last_flush_at: datetime | None,
    current: datetime | None,
    now: datetime,
    group_wait_s: float,
    group_interval_s: float,
) -> datetime:
    """When a group that just saw a change should flush (never later than already planned)."""
    if last_flush_at is None:
        due = max(now, created_at + span(group_wait_s))
    else:
        due = max(now, last_flush_at + span(group_interval_s))
    return min(due, current) if current is not None else due


class Member(NamedTuple):
    """A warning as a group flush sees it (a tuple: thousands are built per round)."""

    warning_id: int
    status: Status
    level: int | None
    notified: str | None
    notified_level: int | None
    muted_by: str | None = None  # silence, inhibition or flapping found for this flush


@dataclass
class FlushPlan:
    """What one flush does."""

    send: list[int] = field(default_factory=list)
    lead: int | None = None
    reminder: bool = False
    remind: list[int] = field(default_factory=list)  # a reminder's warnings, its lead first
    muted: dict[int, str] = field(default_factory=dict)
    done: list[int] = field(default_factory=list)
    watching: bool = False  # unacknowledged firing warnings remain: plan a reminder


def _told(m: Member) -> tuple[str | None, int | None]:
    return (m.notified, m.notified_level if m.notified == "firing" else None)


def _now(m: Member) -> tuple[str | None, int | None]:
    state = notify_state(m.status)
    return (state, m.level if state == "firing" else None)


def _lead(members: Sequence[Member], ids: Sequence[int]) -> int | None:
    chosen = [m for m in members if m.warning_id in set(ids)]
    if not chosen:
        return None
    return max(chosen, key=lambda m: (m.level or 0, m.warning_id)).warning_id


def plan_flush(
    members: Sequence[Member],
    *,
    now: datetime,
    last_flush_at: datetime | None,
    repeat_interval_s: float,
    inhibit_lower_levels: bool,
) -> FlushPlan:
    """Decide a flush: changed warnings to tell, muted ones, finished ones, or a reminder."""
    plan = FlushPlan()
    firing = [m for m in members if notify_state(m.status) == "firing" and m.muted_by is None]
    top = max(firing, key=lambda m: (m.level or 0, -m.warning_id), default=None)
    for m in members:
        state, told = _now(m), _told(m)
        if state[0] is None:
            continue
        if state[0] != "firing" and (m.notified is None or m.notified == state[0]):
            plan.done.append(m.warning_id)  # never told it fired, or already told it ended
            continue
        mute = m.muted_by
        lower = top is not None and state[0] == "firing" and (m.level or 0) < (top.level or 0)
        if mute is None and inhibit_lower_levels and lower and top is not None:
            mute = f"lower_level:{top.warning_id}"
        if state == told:
            continue
        if mute is not None:
            plan.muted[m.warning_id] = mute
            continue
        plan.send.append(m.warning_id)
    plan.lead = _lead(members, plan.send)
    unacked = [
        m
        for m in members
        if m.status is _ACTIVE and m.muted_by is None and m.warning_id not in plan.muted
    ]
    plan.watching = bool(unacked)
    due = last_flush_at is not None and now >= last_flush_at + span(repeat_interval_s)
    if not plan.send and due and unacked:
        plan.reminder = True
        ranked = sorted(unacked, key=lambda m: (-(m.level or 0), -m.warning_id))  # lead first
        plan.remind = [m.warning_id for m in ranked]
        plan.lead = _lead(members, plan.remind)
    return plan

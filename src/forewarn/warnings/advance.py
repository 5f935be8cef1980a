"""``advance``: what time passing does to warnings (a job function; never commits).

In order: record the expiry of silences on the warnings they muted; let flapping calm down;
take escalation steps that fell due; check heartbeats (every ``check_every``); flush the groups
whose wait, interval or repeat has come. Each part works on the store's rows, so running it in
any process, or after a restart, picks up exactly where the last run left off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.common import Level
from forewarn.warnings import bulk, effects, gcpause
from forewarn.warnings import escalation as esc
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.dispatch import flush_groups
from forewarn.warnings.heartbeats import heartbeat_signals
from forewarn.warnings.lifecycle import Flapping, Status, flapping_after
from forewarn.warnings.models import STATE, Silence, Warning
from forewarn.warnings.routing import recipients, responsibility_of
from forewarn.warnings.stepping import Taken, record_steps
from forewarn.warnings.timeline import SYSTEM, append_events, event_row

BATCH = 1000


@dataclass
class AdvanceResult:
    """What one call did."""

    silences_expired: int = 0
    flapping_stopped: int = 0
    escalations: int = 0
    heartbeat_signals: int = 0
    groups_flushed: int = 0
    notifications: int = 0


def _locked(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def expire_silences(session: Session, *, now: datetime) -> int:
    """Record on each muted warning's time line that its silence ended; how many silences."""
    ended = list(
        session.scalars(
            _locked(
                session,
                select(Silence)
                .where(Silence.ends_at <= now, Silence.expiry_recorded_at.is_(None))
                .order_by(Silence.id)
                .limit(BATCH),
            )
        )
    )
    touched: list[int] = []
    events = []
    for silence in ended:
        muted = list(
            session.scalars(select(STATE.c.id).where(STATE.c.muted_by == f"silence:{silence.id}"))
        )
        data = {
            "silence": silence.id,
            "reason": silence.reason,
            "created_by": silence.created_by,
            "expired_by": silence.expired_by,
        }
        events += [
            event_row(w, silence.ends_at, "silence_expired", SYSTEM, data=data) for w in muted
        ]
        touched += muted
        silence.expiry_recorded_at = now
    append_events(session, events)
    if touched:
        effects.dirty_groups(session, effects.groups_of(session, touched), now)
    return len(ended)


def calm_flapping(session: Session, desk: Desk, *, now: datetime) -> int:
    """Stop flapping where changes have died down; how many stopped."""
    life = desk.policy.lifecycle
    rows = session.execute(
        _locked(
            session,
            select(STATE.c.id, STATE.c.changes)
            .where(STATE.c.flapping == True)  # noqa: E712 (`= true` uses the index; `IS true` scans)
            .order_by(STATE.c.id),
        )
    ).all()
    stopped, updates, events = [], [], []
    for wid, changes in rows:
        after = flapping_after(
            Flapping(tuple(changes or ()), True),
            now=now,
            changed=False,
            window_s=life.flap_window_s,
            max_changes=life.flap_max_changes,
        )
        if not after.flapping:
            stopped.append(wid)
            updates.append({"id": wid, "flapping": False, "changes": list(after.changes)})
            events.append(
                event_row(
                    wid,
                    now,
                    "flapping_stopped",
                    SYSTEM,
                    data={"changes_in_window": len(after.changes)},
                )
            )
    if updates:
        bulk.update_rows(session, STATE, updates)
        append_events(session, events)
        effects.dirty_groups(session, effects.groups_of(session, stopped), now)
    return len(stopped)


def escalate(session: Session, desk: Desk, *, now: datetime) -> tuple[int, int]:
    """Take the escalation steps that are due; (steps taken, notifications recorded)."""
    # Most overdue first, found through the due-time index (`status || ''` keeps SQLite's
    # planner off the status index, which would scan every active warning).
    query = (
        select(Warning)
        .where(Warning.escalation_due_at <= now, Warning.status + "" == Status.ACTIVE.value)
        .order_by(Warning.escalation_due_at, Warning.id)
        .limit(BATCH)
    )
    warnings = list(session.scalars(_locked(session, query)))
    directory = desk.directory(session)
    plans = []
    for w in warnings:
        level = Level(w.level) if w.level else None
        started = w.escalation_started_at or w.activated_at or now
        step = esc.next_step(w.escalation, level, started, w.escalation_step, now)
        if step is None:
            w.escalation_due_at = esc.due_at(w.escalation, level, started, w.escalation_step)
            continue
        people = recipients(
            step.receiver, directory, responsibility_of(w.routing, directory), w.field
        )
        plans.append((w, step, people))
    queued = record_steps(
        session, [Taken(w, step, people) for w, step, people in plans], now=now, actor=SYSTEM
    )
    session.flush()
    return len(plans), queued


def advance(
    session: Session, *, now: datetime, desk: Desk | None = None, heartbeats: bool = True
) -> AdvanceResult:
    """Let time pass to `now`: silences, flapping, escalations, heartbeats, group flushes."""
    with gcpause.paused():
        return _advance(session, now, desk or Desk(), heartbeats)


def _advance(session: Session, now: datetime, desk: Desk, heartbeats: bool) -> AdvanceResult:
    result = AdvanceResult()
    result.silences_expired = expire_silences(session, now=now)
    result.flapping_stopped = calm_flapping(session, desk, now=now)
    result.escalations, queued = escalate(session, desk, now=now)
    if heartbeats and desk.heartbeats_due(now):
        config = desk.policy.heartbeats
        signals = heartbeat_signals(session, desk.directory(session), config, now=now)
        result.heartbeat_signals = len(signals)
        apply_signals(session, signals, now=now, desk=desk)
    flushed = flush_groups(session, desk, now=now)
    result.groups_flushed = flushed.groups
    result.notifications = queued + flushed.notifications
    return result

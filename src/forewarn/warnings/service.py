"""Warnings for people: scoped queries and the acts of acknowledging, assigning, commenting,
escalating and lifting. Every query applies the caller's scope; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from forewarn.audit.service import record
from forewarn.catalogue import service as catalogue
from forewarn.common import Level
from forewarn.db import could_be_id
from forewarn.errors import Conflict, InvalidInput, NotFound
from forewarn.scope import Scope
from forewarn.warnings import content as release
from forewarn.warnings import effects
from forewarn.warnings import escalation as esc
from forewarn.warnings.desk import Desk
from forewarn.warnings.directory import Directory
from forewarn.warnings.lifecycle import Action, State, Status, Step, on_action
from forewarn.warnings.models import Warning, WarningEvent
from forewarn.warnings.routing import recipients, responsibility_of, warning_labels
from forewarn.warnings.stepping import Taken, record_steps
from forewarn.warnings.timeline import append_events, event_row

SORTS = ("newest", "level")
MAX_TEXT = 4000


def _level(value: str, name: str) -> int:
    try:
        return int(Level.parse(value))
    except ValueError as exc:
        raise InvalidInput(f"{name}: {exc}", details={"field": name}) from None


def query_warnings(
    session: Session,
    *,
    scope: Scope,
    status: Sequence[str] = (),
    level: str | None = None,
    min_level: str | None = None,
    field: str | None = None,
    within: str | None = None,
    rule: str | None = None,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sort: str = "newest",
) -> Select[Any]:
    """Warnings in `scope`, filtered; `start`/`end` keep those whose life overlaps the span."""
    query = select(Warning).where(
        scope.region_clause(Warning.region_path), scope.field_clause(Warning.field)
    )
    bad = [s for s in status if s not in {x.value for x in Status}]
    if bad:
        raise InvalidInput(f"status: unknown {bad[0]!r}", details={"field": "status"})
    if status:
        query = query.where(Warning.status.in_(list(status)))
    if level is not None:
        query = query.where(Warning.level == _level(level, "level"))
    if min_level is not None:
        query = query.where(Warning.level >= _level(min_level, "min_level"))
    if field is not None:
        query = query.where(Warning.field == catalogue.check_field(session, field))
    if rule is not None:
        query = query.where(Warning.rule == rule)
    if site is not None:
        query = query.where(Warning.site_code == site)
    if within is not None:
        path = catalogue.get_region(session, within, scope=scope).path
        query = query.where(Warning.region_path.startswith(path, autoescape=True))
    if start is not None and end is not None and start > end:
        raise InvalidInput("start: after end", details={"field": "start"})
    if end is not None:
        query = query.where(Warning.started_at <= end)
    if start is not None:
        query = query.where(or_(Warning.ended_at.is_(None), Warning.ended_at >= start))
    if sort == "level":
        return query.order_by(Warning.level.desc(), Warning.started_at.desc(), Warning.id.desc())
    return query.order_by(Warning.id.desc())


def get_warning(session: Session, warning_id: int, *, scope: Scope, lock: bool = False) -> Warning:
    """One warning, if visible in `scope` (locked for update when `lock`)."""
    if not could_be_id(warning_id):
        raise NotFound(f"warning {warning_id} not found", details={"warning": warning_id})
    query = select(Warning).where(
        Warning.id == warning_id,
        scope.region_clause(Warning.region_path),
        scope.field_clause(Warning.field),
    )
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"warning {warning_id} not found", details={"warning": warning_id})
    return found


def timeline(session: Session, warning_id: int) -> list[WarningEvent]:
    """A warning's events, oldest first (call after `get_warning` checked the scope)."""
    query = select(WarningEvent).where(WarningEvent.warning_id == warning_id)
    return list(session.scalars(query.order_by(WarningEvent.id)))


def _act(
    session: Session,
    warning_id: int,
    action: Action,
    *,
    scope: Scope,
    actor: str,
    now: datetime,
    data: dict[str, Any],
) -> tuple[Warning, Step]:
    warning = get_warning(session, warning_id, scope=scope, lock=True)
    state = State(Status(warning.status), Level(warning.level) if warning.level else None)
    step = on_action(state, action)
    rule = step.rule
    [event_id] = append_events(
        session,
        [
            event_row(
                warning.id,
                now,
                rule.event,
                actor,
                status=step.status.value if rule.to else None,
                rule=rule.name,
                data=data,
            )
        ],
    )
    # the act and what was said with it join the tamper-evident log (the time line is written
    # outside the ORM, which the audit listener follows)
    after = {"event": event_id, "rule": rule.name, **data}
    record(session, action=rule.event, entity="warnings", entity_id=str(warning.id), after=after)
    if rule.to is not None:
        warning.status = step.status.value
    if rule.to is not None and rule.notify:
        # the change groups announce (an acknowledgement is not): its event keys the notices
        warning.last_event_id, warning.last_change = event_id, rule.event
    if rule.escalation.value == "stop":
        warning.escalation_due_at = None
    warning.updated_at = now
    return warning, step


def _text(value: str | None, name: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{name}: required", details={"field": name})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name}: at most {MAX_TEXT} characters", details={"field": name})
    return text or None


def acknowledge(
    session: Session,
    warning_id: int,
    *,
    scope: Scope,
    actor: str,
    now: datetime,
    comment: str | None = None,
) -> Warning:
    """Acknowledge an active warning: its escalation stops."""
    note = _text(comment, "comment", required=False)
    warning, _step = _act(
        session,
        warning_id,
        Action.ACK,
        scope=scope,
        actor=actor,
        now=now,
        data={"comment": note} if note else {},
    )
    warning.acknowledged_at, warning.acknowledged_by = now, actor
    return warning


def assign(
    session: Session, warning_id: int, *, scope: Scope, actor: str, now: datetime, assignee: str
) -> Warning:
    """Assign an open warning to a person."""
    name = _text(assignee, "assignee", required=True)
    if name is not None and len(name) > 200:
        raise InvalidInput("assignee: at most 200 characters", details={"field": "assignee"})
    previous = get_warning(session, warning_id, scope=scope, lock=True).assignee
    warning, _step = _act(
        session,
        warning_id,
        Action.ASSIGN,
        scope=scope,
        actor=actor,
        now=now,
        data={"assignee": name, "previous": previous},
    )
    warning.assignee = name
    return warning


def comment(
    session: Session, warning_id: int, *, scope: Scope, actor: str, now: datetime, text: str
) -> Warning:
    """Add a comment to a warning's time line (any status)."""
    body = _text(text, "text", required=True)
    warning, _step = _act(
        session,
        warning_id,
        Action.COMMENT,
        scope=scope,
        actor=actor,
        now=now,
        data={"text": body},
    )
    return warning


def lift(
    session: Session, warning_id: int, *, scope: Scope, actor: str, now: datetime, reason: str
) -> Warning:
    """End a warning by decision, with a reason; its receivers are told at the next flush."""
    why = _text(reason, "reason", required=True) or ""
    warning, _step = _act(
        session,
        warning_id,
        Action.LIFT,
        scope=scope,
        actor=actor,
        now=now,
        data={"reason": why},
    )
    if warning.ended_at is None:
        warning.ended_at = now
    warning.ended_by, warning.end_reason, warning.open_fingerprint = actor, why, None
    warning.content = release.lifted(warning.content or {}, at=now, by=actor, reason=why)
    session.flush()
    dropped = effects.sync_inhibit_keys(session, {warning.id: ([], [])})
    released = effects.targets_of(session, dropped) if dropped else []
    groups = effects.groups_of(session, [warning.id, *released])
    effects.dirty_groups(session, groups, now)
    return warning


def escalate(
    session: Session,
    warning_id: int,
    *,
    scope: Scope,
    actor: str,
    now: datetime,
    reason: str,
    desk: Desk,
) -> Warning:
    """Take the next step of the warning's escalation chain now, with a reason.

    The warning must be active (nobody acknowledged it). When its escalation had not started
    (no policy snapshot), the policy of its routes is snapshotted now. The step is recorded on
    the time line with the actor and notified like an automatic one; later steps keep their
    times. Conflict when no (further) step applies.
    """
    why = _text(reason, "reason", required=True) or ""
    warning = get_warning(session, warning_id, scope=scope, lock=True)
    level = Level(warning.level) if warning.level else None
    step = on_action(State(Status(warning.status), level), Action.ESCALATE)
    directory = desk.directory(session)
    if warning.escalation is None:
        _snapshot(warning, desk, directory, now)
    started = warning.escalation_started_at or warning.activated_at or now
    due = esc.manual_step(
        warning.escalation, level, started, warning.escalation_step, actor=actor, reason=why
    )
    if due is None:
        raise Conflict(
            f"warning {warning.id} has no further escalation step at its level",
            details={"warning": warning.id, "escalation_step": warning.escalation_step},
        )
    found = responsibility_of(warning.routing or {}, directory)
    people = recipients(due.receiver, directory, found, warning.field)
    if not people:
        raise Conflict(
            f"warning {warning.id}: escalation step {due.index + 1} ({due.receiver.name}) "
            "reaches nobody; tell the next level directly",
            details={"warning": warning.id, "receiver": due.receiver.name},
        )
    warning.updated_at = now
    record_steps(session, [Taken(warning, due, people)], now=now, actor=actor, rule=step.rule.name)
    after = {"step": due.index + 1, "receiver": due.receiver.name, "reason": why}
    record(session, action="escalated", entity="warnings", entity_id=str(warning.id), after=after)
    return warning


def has_next_step(warning: Warning) -> bool:
    """Whether escalating could take a step (no snapshot yet: the policy decides when asked)."""
    if warning.escalation is None:
        return True
    level = Level(warning.level) if warning.level else None
    found = esc.chain(warning.escalation, level)
    return found is not None and warning.escalation_step < len(found["steps"])


def _snapshot(warning: Warning, desk: Desk, directory: Directory, now: datetime) -> None:
    """Start the escalation now with the policy of the warning's routes."""
    labels = warning_labels(_columns(warning), directory)
    name = next((r.escalation for r in desk.routes_for(labels) if r.escalation), None)
    warning.escalation = desk.snapshot(name)
    warning.escalation_started_at = now  # the activation's start had no chain to time
    warning.escalation_step = 0


def _columns(warning: Warning) -> dict[str, Any]:
    names = ("labels", "rule", "level", "field", "region_code", "department_id")
    return {name: getattr(warning, name) for name in names}

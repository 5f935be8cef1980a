"""``apply_signals``: the engine's signals become warnings, time-line events and notifications.

One batch costs a handful of set-based statements whatever its size: load the warnings of the
batch's fingerprints (locked on PostgreSQL), decide in memory, insert new warnings and events,
update changed warnings, refresh the inhibition index, join notification groups, and flush the
groups that are due. Idempotent per signal: a signal already applied (same state, level and
time) or older than what its warning has seen changes nothing. Never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from forewarn.detect.signals import Signal
from forewarn.warnings import effects
from forewarn.warnings.decide import Decider, Draft
from forewarn.warnings.desk import Desk
from forewarn.warnings.lifecycle import FIRING, OPEN, Status
from forewarn.warnings.models import Warning
from forewarn.warnings.muting import source_keys, target_keys
from forewarn.warnings.timeline import append_events, event_row

COLUMNS = [c for c in Warning.__table__.columns.keys() if c != "id"]  # noqa: SIM118
REPLAY_HORIZON_S = 86_400.0


@dataclass
class ApplyResult:
    """What a batch did."""

    signals: int = 0
    ignored: int = 0
    created: int = 0
    changed: int = 0
    events: int = 0
    notifications: int = 0
    warning_ids: set[int] = field(default_factory=set)


def _load(
    session: Session, fingerprints: Sequence[str], since: datetime
) -> dict[str, dict[str, Any]]:
    """The current warning of each fingerprint: the open one, else the latest recent one."""
    found: dict[str, dict[str, Any]] = {}
    table = Warning.__table__
    locking = session.get_bind().dialect.name == "postgresql"
    for part in effects.chunks(sorted(set(fingerprints))):
        query = (
            select(table)
            .where(
                table.c.fingerprint.in_(part),
                or_(table.c.open_fingerprint.is_not(None), and_(table.c.ended_at >= since)),
            )
            .order_by(table.c.id)
        )
        if locking:
            query = query.with_for_update()
        for row in session.execute(query).mappings():
            current = found.get(row["fingerprint"])
            if current is None or current["open_fingerprint"] is None:
                found[row["fingerprint"]] = dict(row)
    return found


def _decide(
    decider: Decider,
    signals: Iterable[Signal],
    rows: dict[str, dict[str, Any]],
    result: ApplyResult,
) -> list[Draft]:
    drafts: dict[int, Draft] = {}
    current: dict[str, Draft] = {fp: Draft(row) for fp, row in rows.items()}
    for signal in sorted(signals, key=lambda s: (s.fingerprint, s.at)):
        result.signals += 1
        changed, replaced = decider.apply(current.get(signal.fingerprint), signal)
        if changed is None:
            result.ignored += 1
            continue
        if replaced is not None and replaced.row["open_fingerprint"] is not None:
            raise AssertionError("an open warning cannot be replaced")
        current[signal.fingerprint] = changed
        drafts[id(changed)] = changed
    return list(drafts.values())


def _write(session: Session, drafts: list[Draft]) -> None:
    new = [d for d in drafts if d.new]
    if new:
        stmt = insert(Warning).returning(Warning.id, sort_by_parameter_order=True)
        ids = list(session.scalars(stmt, [{k: d.row[k] for k in COLUMNS} for d in new]))
        for d, wid in zip(new, ids, strict=True):
            d.row["id"] = wid
    rows, owners = [], []
    for d in drafts:
        for index, e in enumerate(d.events):
            rows.append(
                event_row(
                    d.row["id"],
                    e["time"],
                    e["kind"],
                    e["actor"],
                    level=e.get("level"),
                    status=e.get("status"),
                    rule=e.get("rule"),
                    data=e.get("data"),
                )
            )
            owners.append((d, index))
    event_ids = append_events(session, rows)
    for (d, index), eid in zip(owners, event_ids, strict=True):
        if index in d.state_events:
            d.row["last_event_id"] = eid
    session.execute(
        update(Warning), [{"id": d.row["id"], **{k: d.row[k] for k in COLUMNS}} for d in drafts]
    )


def refresh_inhibition(
    session: Session, desk: Desk, decider: Decider, drafts: Sequence[Draft]
) -> set[int]:
    """Update the inhibition index of moved warnings; groups of targets a source released."""
    rules = desk.policy.inhibit_rules
    if not rules:
        return set()
    keys: dict[int, tuple[list[str], list[str]]] = {}
    for d in drafts:
        if not d.moved:
            continue
        labels = decider.labels_for(d.row, d.row["level"])
        status = Status(d.row["status"])
        keys[d.row["id"]] = (
            source_keys(rules, labels) if status in FIRING else [],
            target_keys(rules, labels) if status in OPEN else [],
        )
    dropped = effects.sync_inhibit_keys(session, keys)
    released = effects.targets_of(session, dropped) if dropped else []
    return effects.groups_of(session, released) if released else set()


def apply_signals(
    session: Session, signals: Sequence[Signal], *, now: datetime, desk: Desk | None = None
) -> ApplyResult:
    """Apply a batch of engine signals; groups that are due are flushed into the outbox."""
    from forewarn.warnings.dispatch import flush_groups

    desk = desk or Desk()
    result = ApplyResult()
    if not signals:
        return result
    decider = Decider(desk, desk.directory(session), now)
    horizon = max(desk.policy.lifecycle.reactivate_within_s, REPLAY_HORIZON_S)
    since = min(s.at for s in signals)
    rows = _load(session, [s.fingerprint for s in signals], since - _seconds(horizon))
    drafts = _decide(decider, signals, rows, result)
    if not drafts:
        return result
    _write(session, drafts)
    result.created = sum(d.new for d in drafts)
    result.changed = len(drafts) - result.created
    result.events = sum(len(d.events) for d in drafts)
    result.warning_ids = {d.row["id"] for d in drafts}
    groups = refresh_inhibition(session, desk, decider, drafts)
    routed = [
        effects.Routed(
            d.row["id"],
            decider.labels_for(d.row, d.row["level"]),
            tuple(d.row["routing"].get("department_ids") or ()),
        )
        for d in drafts
        if d.notify
    ]
    if routed:
        groups |= effects.join_groups(session, routed, desk, now)
    due = effects.dirty_groups(session, groups, now) if groups else []
    if due:
        result.notifications = flush_groups(session, desk, now=now, group_ids=due).notifications
    return result


def _seconds(value: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)

"""Flushing notification groups into the outbox: mute, plan, tell, remember what was told.

Per due group: skip (and look again in a minute) while a route's time intervals mute it; find
for every member whether a silence, an inhibition rule or flapping mutes it; plan the flush
(``grouping.plan_flush``); record the notification rows for each recipient and target, a
``notification_queued`` event on each warning told, and a ``muted`` event when a change was held
back. On PostgreSQL due groups are claimed with ``FOR UPDATE SKIP LOCKED``, so two processes
never flush the same group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from forewarn.common import Level
from forewarn.warnings import effects, notices
from forewarn.warnings.desk import Desk
from forewarn.warnings.directory import Directory
from forewarn.warnings.grouping import FlushPlan, Member, notify_state, plan_flush
from forewarn.warnings.lifecycle import Status
from forewarn.warnings.models import GroupMember, Warning, WarningGroup
from forewarn.warnings.muting import inhibited_by, silenced_by, target_keys, time_muted
from forewarn.warnings.policy import Receiver
from forewarn.warnings.routing import recipients, responsibility_of, warning_labels
from forewarn.warnings.silences import running_silences
from forewarn.warnings.timeline import SYSTEM, append_events, event_row

RECHECK = timedelta(minutes=1)
_W = Warning.__table__.c
_M = GroupMember.__table__.c
_G = WarningGroup.__table__.c
WARNING_COLUMNS = (
    _W.id, _W.status, _W.level, _W.labels, _W.rule, _W.field, _W.region_code, _W.region_path,
    _W.routing, _W.title, _W.message, _W.flapping, _W.last_event_id, _W.site_code, _W.content,
    _W.started_at, _W.muted_by, _W.last_change,
)  # fmt: skip


@dataclass
class FlushResult:
    """What a round of flushing did."""

    groups: int = 0
    notifications: int = 0
    reminders: int = 0
    muted: int = 0


@dataclass
class _Work:
    """Writes collected over one round, executed together."""

    events: list[dict[str, Any]] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    done: list[tuple[int, int]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    warnings: dict[int, str | None] = field(default_factory=dict)


def _due(
    session: Session, now: datetime, group_ids: list[int] | None, limit: int
) -> list[dict[str, Any]]:
    query = select(WarningGroup.__table__).where(_G.next_flush_at <= now)
    if group_ids is not None:
        query = query.where(_G.id.in_(group_ids[:limit]))
    query = query.order_by(_G.next_flush_at, _G.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) for r in session.execute(query).mappings()]


def _members(session: Session, group_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {g: [] for g in group_ids}
    query = (
        select(
            _M.group_id,
            _M.notified,
            _M.notified_level,
            _M.notified_at,
            _M.muted_by.label("member_muted"),
            *WARNING_COLUMNS,
        )
        .join(Warning.__table__, _W.id == _M.warning_id)
        .where(_M.group_id.in_(group_ids))
        .order_by(_M.group_id, _W.id)
    )
    for row in session.execute(query).mappings():
        out[row["group_id"]].append(dict(row))
    return out


def _mutes(
    session: Session, desk: Desk, directory: Directory, rows: list[dict[str, Any]], now: datetime
) -> dict[int, str | None]:
    """Warning-level mutes: silence, inhibition, flapping (None: not muted)."""
    silences = running_silences(session, now)
    rules = desk.policy.inhibit_rules
    labels = {r["id"]: warning_labels(r, directory) for r in rows}
    targets = {wid: target_keys(rules, lab) for wid, lab in labels.items()} if rules else {}
    sources = (
        effects.sources_for(session, [k for ks in targets.values() for k in ks]) if targets else {}
    )
    out: dict[int, str | None] = {}
    for r in rows:
        wid = r["id"]
        silence = silenced_by(silences, labels[wid], r["region_path"], r["field"], now)
        if silence is not None:
            out[wid] = f"silence:{silence}"
        elif (hit := inhibited_by(targets.get(wid, []), sources, wid)) is not None:
            out[wid] = hit
        else:
            out[wid] = "flapping" if r["flapping"] else None
    return out


def _receiver(desk: Desk, name: str) -> Receiver:
    found = desk.policy.receivers.get(name)
    return found or Receiver(
        name, ("responsible",), ("inapp", "email", "webhook", "wecom", "dingtalk")
    )


def _tell(
    work: _Work,
    desk: Desk,
    directory: Directory,
    group: dict[str, Any],
    rows: list[dict[str, Any]],
    plan: FlushPlan,
    trigger: int,
    now: datetime,
) -> None:
    """Queue the notifications of one flush."""
    by_id = {r["id"]: r for r in rows}
    lead = by_id[plan.lead or 0]
    told = [by_id[w] for w in (plan.send or [plan.lead or 0])]
    changes = {
        r["id"]: "reminder"
        if plan.reminder
        else notices.change_kind(
            r["notified"],
            r["notified_level"],
            notify_state(Status(r["status"])),
            r["level"],
            r["last_change"],
        )
        for r in told
    }
    reason = changes[lead["id"]]
    receiver = _receiver(desk, group["receiver"])
    found = responsibility_of(lead["routing"], directory)
    people = recipients(receiver, directory, found, lead["field"])
    items = [notices.summary(r, changes[r["id"]]) for r in told]
    payload = {
        "text": notices.text(items, found.explain(lead["field"]), lead["content"] or {}),
        "level": Level(lead["level"]).label if lead["level"] else None,
        "url": f"/warnings/{lead['id']}",
        "warning": items[[r["id"] for r in told].index(lead["id"])],
        "warnings": items,
        "content": lead["content"] or {},
        "group": {"id": group["id"], "labels": group["labels"], "size": len(rows)},
        "event": {"id": trigger, "kind": reason},
    }
    title = notices.subject(lead, reason, len(told) - 1)
    new = notices.outbox_items(
        people, warning_id=lead["id"], event_id=trigger, reason=reason, title=title, payload=payload
    )
    work.items.extend(new)
    data = {
        "group": group["id"],
        "receiver": receiver.name,
        "recipients": [p.id for p in people],
        "targets": len(new),
        "trigger_event": trigger,
        "reason": reason,
    }
    for r in told:
        work.events.append(
            event_row(
                r["id"],
                now,
                "notification_queued",
                SYSTEM,
                data={**data, "change": changes[r["id"]]},
            )
        )
        if not plan.reminder:
            state = notify_state(Status(r["status"]))
            work.members.append(
                {
                    "group_id": group["id"],
                    "warning_id": r["id"],
                    "notified": state,
                    "notified_level": r["level"] if state == "firing" else None,
                    "notified_at": now,
                    "muted_by": None,
                }
            )


def _mute_changes(
    work: _Work, group: dict[str, Any], rows: list[dict[str, Any]], plan: FlushPlan, now: datetime
) -> None:
    for r in rows:
        reason = plan.muted.get(r["id"])
        if reason == r["member_muted"] or r["id"] in plan.send:
            continue
        work.members.append(
            {
                "group_id": group["id"],
                "warning_id": r["id"],
                "notified": r["notified"],
                "notified_level": r["notified_level"],
                "notified_at": r["notified_at"],
                "muted_by": reason,
            }
        )
        if reason is not None:
            work.events.append(
                event_row(r["id"], now, "muted", SYSTEM, data={"group": group["id"], "by": reason})
            )


def flush_groups(
    session: Session,
    desk: Desk,
    *,
    now: datetime,
    group_ids: list[int] | None = None,
    limit: int = 5000,
) -> FlushResult:
    """Flush the groups that are due at `now` (optionally only some); never commits."""
    result = FlushResult()
    groups = _due(session, now, sorted(set(group_ids)) if group_ids is not None else None, limit)
    if not groups:
        return result
    directory = desk.directory(session)
    members = _members(session, [g["id"] for g in groups])
    rows = list({r["id"]: r for rs in members.values() for r in rs}.values())
    mutes = _mutes(session, desk, directory, rows, now)
    work = _Work(
        warnings={r["id"]: mutes[r["id"]] for r in rows if mutes[r["id"]] != r["muted_by"]}
    )
    planned = []
    for g in groups:
        route = desk.route(g["route"])
        if route is not None and time_muted(route, desk.policy.time_intervals, now):
            work.groups.append({"id": g["id"], "next_flush_at": now + RECHECK})
            continue
        view = [
            Member(
                r["id"],
                Status(r["status"]),
                r["level"],
                r["notified"],
                r["notified_level"],
                mutes[r["id"]],
            )
            for r in members[g["id"]]
        ]
        plan = plan_flush(
            view,
            now=now,
            last_flush_at=g["last_flush_at"],
            repeat_interval_s=g["repeat_interval_s"],
            inhibit_lower_levels=route.inhibit_lower_levels if route else True,
        )
        planned.append((g, plan))
    reminder_ids = append_events(
        session,
        [
            event_row(
                p.lead or 0,
                now,
                "reminder",
                SYSTEM,
                data={"group": g["id"], "repeat_interval_s": g["repeat_interval_s"]},
            )
            for g, p in planned
            if p.reminder
        ],
    )
    reminders = iter(reminder_ids)
    for g, plan in planned:
        rows_g = members[g["id"]]
        _mute_changes(work, g, rows_g, plan, now)
        result.muted += len(plan.muted)
        work.done.extend((g["id"], w) for w in plan.done)
        told = bool(plan.send or plan.reminder)
        if told:
            lead = next(r for r in rows_g if r["id"] == plan.lead)
            trigger = next(reminders) if plan.reminder else (lead["last_event_id"] or 0)
            _tell(work, desk, directory, g, rows_g, plan, trigger, now)
            result.reminders += plan.reminder
        last = now if told else g["last_flush_at"]
        repeat = (last or now) + timedelta(seconds=g["repeat_interval_s"])
        work.groups.append(
            {
                "id": g["id"],
                "last_flush_at": last,
                "flush_seq": g["flush_seq"] + 1,
                "next_flush_at": repeat if plan.watching else None,
            }
        )
        result.groups += 1
    result.notifications = _write(session, work, now)
    return result


def _write(session: Session, work: _Work, now: datetime) -> int:
    queued = notices.enqueue_all(session, work.items, now=now)
    append_events(session, work.events)
    if work.members:
        session.execute(update(GroupMember), work.members)
    for gid, wid in work.done:
        session.execute(delete(GroupMember).where(_M.group_id == gid, _M.warning_id == wid))
    for keys in ({"id", "next_flush_at"}, {"id", "last_flush_at", "flush_seq", "next_flush_at"}):
        rows = [g for g in work.groups if set(g) == keys]
        if rows:
            session.execute(update(WarningGroup), rows)
    if work.warnings:
        session.execute(
            update(Warning), [{"id": w, "muted_by": m} for w, m in work.warnings.items()]
        )
    touched = sorted({g["id"] for g in work.groups})
    for part in effects.chunks(touched):
        empty = ~exists(select(_M.group_id).where(_M.group_id == _G.id))
        session.execute(delete(WarningGroup).where(_G.id.in_(part), empty))
    return queued

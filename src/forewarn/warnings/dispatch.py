"""Flushing notification groups into the outbox: mute, plan, tell, remember what was told.

Per due group: skip (and look again in a minute) while a route's time intervals mute it; find
for every member whether a silence, an inhibition rule or flapping mutes it; plan the flush
(``grouping.plan_flush``); record the notification rows for each recipient and target, a
``notification_queued`` event on each warning told, and a ``muted`` event when a change was held
back. On PostgreSQL due groups are claimed with ``FOR UPDATE SKIP LOCKED``, so two processes
never flush the same group. A round costs a fixed number of set-based statements
(``flushload`` reads, ``bulk`` writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from forewarn.notify.outbox import OutboxItem
from forewarn.timeutil import span
from forewarn.warnings import bulk, effects, flushload, notices
from forewarn.warnings.content import LABEL, current_content
from forewarn.warnings.desk import Desk
from forewarn.warnings.directory import Directory
from forewarn.warnings.flushload import Row
from forewarn.warnings.grouping import FlushPlan, Member, notify_state, plan_flush
from forewarn.warnings.lifecycle import STATUS
from forewarn.warnings.models import STATE, GroupMember, WarningGroup, table_of
from forewarn.warnings.muting import time_muted
from forewarn.warnings.policy import Receiver
from forewarn.warnings.routing import Recipient, recipients, responsibility_of
from forewarn.warnings.timeline import SYSTEM, add_events, append_events, event_row

RECHECK = timedelta(minutes=1)
ALL_CHANNELS = ("inapp", "email", "webhook", "wecom", "dingtalk")
_M = table_of(GroupMember)
_G = table_of(WarningGroup)


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
    items: list[OutboxItem] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    done: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Flush:
    """One group's planned flush."""

    group: dict[str, Any]
    rows: list[Row]
    plan: FlushPlan
    trigger: int = 0


def _receiver(desk: Desk, name: str) -> Receiver:
    return desk.policy.receivers.get(name) or Receiver(name, ("responsible",), ALL_CHANNELS)


def _changes(f: _Flush, told: list[Row]) -> dict[int, str]:
    if f.plan.reminder:
        return {r.id: "reminder" for r in told}
    return {
        r.id: notices.change_kind(
            r.notified, r.notified_level, notify_state(STATUS[r.status]), r.level, r.last_change
        )
        for r in told
    }


def _shown(r: Row, detail: dict[str, Any]) -> dict[str, Any]:
    return {**detail, "status": r.status, "level": r.level}


def _tell(
    work: _Work, desk: Desk, directory: Directory, f: _Flush, loaded: _Loaded, now: datetime
) -> None:
    """Queue the notifications of one flush."""
    plan, group = f.plan, f.group
    by_id = {r.id: r for r in f.rows}
    lead = by_id[plan.lead or 0]
    told = [by_id[w] for w in (plan.send or plan.remind or [lead.id])]
    changes = _changes(f, told)
    reason = changes[lead.id]
    lead_row = _shown(lead, loaded.shown[lead.id])
    lead_json = loaded.leads.get(lead.id, {})
    people, why = loaded.audience(desk, directory, group["receiver"], lead_json, lead_row["field"])
    items = [notices.summary(_shown(r, loaded.shown[r.id]), changes[r.id]) for r in told]
    content = current_content(lead_json.get("content") or {}, lead.level)
    payload = {
        "text": notices.text(items, why, content),
        "level": LABEL.get(lead.level),
        "url": f"/warnings/{lead.id}",
        "warning": next(i for i in items if i["id"] == lead.id),
        "warnings": items,
        "content": content,
        "group": {"id": group["id"], "labels": group["labels"], "size": len(f.rows)},
        "event": {"id": f.trigger, "kind": reason},
    }
    title = notices.subject(lead_row, reason, len(told) - 1)
    new = notices.outbox_items(
        people, warning_id=lead.id, event_id=f.trigger, reason=reason, title=title, payload=payload
    )
    work.items.extend(new)
    data = {"group": group["id"], "receiver": group["receiver"], "targets": len(new),
            "recipients": [p.id for p in people], "trigger_event": f.trigger,
            "reason": reason}  # fmt: skip
    _record_told(work, f, told, changes, data, now)


def _record_told(
    work: _Work,
    f: _Flush,
    told: list[Row],
    changes: dict[int, str],
    data: dict[str, Any],
    now: datetime,
) -> None:
    by_change: dict[str, dict[str, Any]] = {}  # one object per change: encoded once
    gid = f.group["id"]
    for r in told:
        change = changes[r.id]
        shared = by_change.setdefault(change, {**data, "change": change})
        work.events.append(event_row(r.id, now, "notification_queued", SYSTEM, data=shared))
        if not f.plan.reminder:
            state = notify_state(STATUS[r.status])
            work.members.append(
                {"group_id": gid, "warning_id": r.id, "notified": state,
                 "notified_level": r.level if state == "firing" else None,
                 "notified_at": now, "muted_by": None}
            )  # fmt: skip


def _mute_changes(work: _Work, f: _Flush, now: datetime) -> None:
    gid, muted, sent = f.group["id"], f.plan.muted, f.plan.send
    for r in f.rows:
        reason = muted.get(r.id)
        if reason == r.member_muted or r.id in sent:
            continue
        work.members.append(
            {"group_id": gid, "warning_id": r.id, "notified": r.notified,
             "notified_level": r.notified_level, "notified_at": r.notified_at,
             "muted_by": reason}
        )  # fmt: skip
        if reason is not None:
            work.events.append(
                event_row(r.id, now, "muted", SYSTEM, data={"group": gid, "by": reason})
            )


def _plan(
    desk: Desk,
    work: _Work,
    groups: list[dict[str, Any]],
    members: dict[int, list[Row]],
    mutes: dict[int, str | None],
    now: datetime,
) -> list[_Flush]:
    planned = []
    for g in groups:
        route = desk.route(g["route"])
        if route is not None and time_muted(route, desk.policy.time_intervals, now):
            work.groups.append({"id": g["id"], "next_flush_at": now + RECHECK})
            continue
        rows = members[g["id"]]
        view = [
            Member(r.id, STATUS[r.status], r.level, r.notified, r.notified_level, mutes[r.id])
            for r in rows
        ]
        plan = plan_flush(
            view,
            now=now,
            last_flush_at=g["last_flush_at"],
            repeat_interval_s=g["repeat_interval_s"],
            inhibit_lower_levels=route.inhibit_lower_levels if route else True,
        )
        planned.append(_Flush(g, rows, plan))
    return planned


@dataclass
class _Loaded:
    """Columns of the warnings told in this round, and who hears of them."""

    shown: dict[int, dict[str, Any]]
    leads: dict[int, dict[str, Any]]
    _audiences: dict[tuple[Any, ...], tuple[Any, ...]] = field(default_factory=dict)

    def audience(
        self,
        desk: Desk,
        directory: Directory,
        receiver: str,
        lead_json: dict[str, Any],
        field_code: str,
    ) -> tuple[tuple[Recipient, ...], str]:
        """The recipients of `receiver` for a lead warning and why (memoised per round: the
        parsed routing of equal texts is one shared object)."""
        routing = lead_json.get("routing") or {}
        key = (receiver, id(routing), field_code)
        found = self._audiences.get(key)
        if found is None or found[0] is not routing:
            where = responsibility_of(routing, directory)
            people = recipients(_receiver(desk, receiver), directory, where, field_code)
            found = self._audiences[key] = (routing, people, where.explain(field_code))
        return found[1], found[2]


def _reminders(session: Session, planned: list[_Flush], now: datetime) -> None:
    reminders = [f for f in planned if f.plan.reminder]
    rows = [
        event_row(
            f.plan.lead or 0,
            now,
            "reminder",
            SYSTEM,
            data={"group": f.group["id"], "repeat_interval_s": f.group["repeat_interval_s"]},
        )
        for f in reminders
    ]
    for f, eid in zip(reminders, append_events(session, rows), strict=True):
        f.trigger = eid


def _load_told(session: Session, told: list[_Flush]) -> _Loaded:
    ids = {w for f in told for w in (*f.plan.send, *f.plan.remind)} | {
        f.plan.lead or 0 for f in told
    }
    shown, leads = flushload.details(session, sorted(ids), [f.plan.lead or 0 for f in told])
    return _Loaded(shown, leads)


def _finish(work: _Work, f: _Flush, now: datetime) -> None:
    told_now = bool(f.plan.send or f.plan.reminder)
    last = now if told_now else f.group["last_flush_at"]
    repeat = (last or now) + span(f.group["repeat_interval_s"])
    work.groups.append(
        {
            "id": f.group["id"],
            "last_flush_at": last,
            "flush_seq": f.group["flush_seq"] + 1,
            "next_flush_at": repeat if f.plan.watching else None,
        }
    )
    gid = f.group["id"]
    work.done.extend({"group_id": gid, "warning_id": w} for w in f.plan.done)


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
    ids = sorted(set(group_ids)) if group_ids is not None else None
    groups = flushload.due_groups(session, now, ids[:limit] if ids is not None else None, limit)
    if not groups:
        return result
    directory = desk.directory(session)
    members = flushload.members(session, [g["id"] for g in groups])
    rows = {r.id: r for rs in members.values() for r in rs}
    mutes = flushload.mutes(session, directory, rows, now)
    work = _Work(
        warnings=[{"id": w, "muted_by": m} for w, m in mutes.items() if m != rows[w].muted_by]
    )
    planned = _plan(desk, work, groups, members, mutes, now)
    _reminders(session, planned, now)
    told = [f for f in planned if f.plan.send or f.plan.reminder]
    loaded = _load_told(session, told) if told else _Loaded({}, {})
    for f in planned:
        _mute_changes(work, f, now)
        result.muted += len(f.plan.muted)
        if f.plan.send or f.plan.reminder:
            if not f.plan.reminder:
                f.trigger = next(r for r in f.rows if r.id == f.plan.lead).last_event_id or 0
            _tell(work, desk, directory, f, loaded, now)
            result.reminders += f.plan.reminder
        _finish(work, f, now)
        result.groups += 1
    result.notifications = _write(session, work, now)
    return result


def _write(session: Session, work: _Work, now: datetime) -> int:
    queued = notices.enqueue_all(session, work.items, now=now)
    add_events(session, work.events)
    effects.update_by_id(session, _M, work.members, keys=("group_id", "warning_id"))
    bulk.delete_rows(session, _M, work.done, ("group_id", "warning_id"))
    effects.update_by_id(session, _G, work.groups)
    effects.update_by_id(session, STATE, work.warnings)
    touched = sorted({g["id"] for g in work.groups})
    if touched:
        test, arg = bulk.among("id", touched, effects.dialect_of(session))
        empty = f"NOT EXISTS (SELECT 1 FROM {_M.name} AS m WHERE m.group_id = {_G.name}.id)"
        bulk.execute(session, f"DELETE FROM {_G.name} WHERE {test} AND {empty}", [arg])
    return queued

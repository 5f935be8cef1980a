"""Flushing notification groups into the outbox: mute, plan, tell, remember what was told.

Per due group: skip (and look again in a minute) while a route's time intervals mute it; find
for every member whether a silence, an inhibition rule or flapping mutes it; plan the flush
(``grouping.plan_flush``); record the notification rows for each recipient and target, a
``notification_queued`` event on each warning told, and a ``muted`` event when a change was held
back. On PostgreSQL due groups are claimed with ``FOR UPDATE SKIP LOCKED``, so two processes
never flush the same group. A round costs a fixed number of set-based statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select, tuple_
from sqlalchemy.orm import Session

from forewarn.notify.outbox import OutboxItem
from forewarn.warnings import bulk, effects, notices
from forewarn.warnings.content import LABEL, current_content
from forewarn.warnings.desk import Desk
from forewarn.warnings.directory import Directory
from forewarn.warnings.effects import among
from forewarn.warnings.grouping import FlushPlan, Member, notify_state, plan_flush
from forewarn.warnings.lifecycle import STATUS
from forewarn.warnings.models import GroupMember, InhibitKey, Warning, WarningGroup, table_of
from forewarn.warnings.muting import inhibited_by, silenced_by, time_muted
from forewarn.warnings.policy import Receiver
from forewarn.warnings.routing import recipients, responsibility_of, warning_labels
from forewarn.warnings.silences import running_silences
from forewarn.warnings.timeline import SYSTEM, append_events, event_row

RECHECK = timedelta(minutes=1)
_W = table_of(Warning).c
_M = table_of(GroupMember).c
_G = table_of(WarningGroup).c
WARNING_COLUMNS = (
    "id", "status", "level", "rule", "field", "region_code", "region_path", "title", "message",
    "flapping", "last_event_id", "site_code", "started_at", "muted_by", "last_change",
    "department_id",
)  # fmt: skip
MEMBER_COLUMNS = ("group_id", "warning_id", "notified", "notified_level", "notified_at", "muted_by")
ALL_CHANNELS = ("inapp", "email", "webhook", "wecom", "dingtalk")


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
    done: list[tuple[int, int]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _due(
    session: Session, now: datetime, group_ids: list[int] | None, limit: int
) -> list[dict[str, Any]]:
    query = select(table_of(WarningGroup)).where(_G.next_flush_at <= now)
    if group_ids is not None:
        query = query.where(among(_G.id, group_ids[:limit]))
    query = query.order_by(_G.next_flush_at, _G.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [dict(r) for r in session.execute(query).mappings()]


def _members(session: Session, group_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each group's members: the membership columns and the warning's light columns."""
    out: dict[int, list[dict[str, Any]]] = {g: [] for g in group_ids}
    links = bulk.fetch(session, table_of(GroupMember), MEMBER_COLUMNS, "group_id", group_ids)
    ids = sorted({m["warning_id"] for m in links})
    rows = {r["id"]: r for r in bulk.fetch(session, table_of(Warning), WARNING_COLUMNS, "id", ids)}
    for m in sorted(links, key=lambda m: (m["group_id"], m["warning_id"])):
        member = {**rows[m["warning_id"]], "member_muted": m["muted_by"]}
        member.update(group_id=m["group_id"], notified=m["notified"],
                      notified_level=m["notified_level"], notified_at=m["notified_at"])  # fmt: skip
        out[m["group_id"]].append(member)
    return out


def _silenced(
    session: Session, directory: Directory, rows: list[dict[str, Any]], now: datetime
) -> dict[int, str]:
    silences = running_silences(session, now)
    if not silences:
        return {}
    labels: dict[int, dict[str, str]] = {}
    for part in effects.chunks([r["id"] for r in rows]):
        query = select(_W.id, _W.labels).where(among(_W.id, part))
        labels.update((wid, found) for wid, found in session.execute(query))
    out = {}
    for r in rows:
        found = silenced_by(
            silences,
            warning_labels({**r, "labels": labels[r["id"]]}, directory),
            r["region_path"],
            r["field"],
            now,
        )
        if found is not None:
            out[r["id"]] = f"silence:{found}"
    return out


def _inhibited(session: Session, rows: list[dict[str, Any]]) -> dict[int, str]:
    targets: dict[int, list[str]] = {}
    for part in effects.chunks([r["id"] for r in rows]):
        query = select(InhibitKey.warning_id, InhibitKey.key).where(
            among(InhibitKey.warning_id, part), InhibitKey.role == "target"
        )
        for wid, key in session.execute(query):
            targets.setdefault(wid, []).append(key)
    if not targets:
        return {}
    sources = effects.sources_for(session, [k for ks in targets.values() for k in ks])
    out = {}
    for wid, keys in targets.items():
        hit = inhibited_by(keys, sources, wid)
        if hit is not None:
            out[wid] = hit
    return out


def _mutes(
    session: Session, directory: Directory, rows: list[dict[str, Any]], now: datetime
) -> dict[int, str | None]:
    """Warning-level mutes: silence, then inhibition, then flapping (None: not muted)."""
    silenced = _silenced(session, directory, rows, now)
    inhibited = _inhibited(session, rows)
    return {
        r["id"]: silenced.get(r["id"])
        or inhibited.get(r["id"])
        or ("flapping" if r["flapping"] else None)
        for r in rows
    }


def _receiver(desk: Desk, name: str) -> Receiver:
    return desk.policy.receivers.get(name) or Receiver(name, ("responsible",), ALL_CHANNELS)


@dataclass
class _Flush:
    """One group's planned flush."""

    group: dict[str, Any]
    rows: list[dict[str, Any]]
    plan: FlushPlan
    trigger: int = 0


def _tell(
    work: _Work,
    desk: Desk,
    directory: Directory,
    f: _Flush,
    lead_json: dict[str, Any],
    now: datetime,
) -> None:
    """Queue the notifications of one flush."""
    plan, group = f.plan, f.group
    by_id = {r["id"]: r for r in f.rows}
    lead = by_id[plan.lead or 0]
    told = [by_id[w] for w in (plan.send or [lead["id"]])]
    changes = {
        r["id"]: "reminder"
        if plan.reminder
        else notices.change_kind(
            r["notified"],
            r["notified_level"],
            notify_state(STATUS[r["status"]]),
            r["level"],
            r["last_change"],
        )
        for r in told
    }
    reason = changes[lead["id"]]
    found = responsibility_of(lead_json.get("routing") or {}, directory)
    people = recipients(_receiver(desk, group["receiver"]), directory, found, lead["field"])
    items = [notices.summary(r, changes[r["id"]]) for r in told]
    content = current_content(lead_json.get("content") or {}, lead["level"])
    payload = {
        "text": notices.text(items, found.explain(lead["field"]), content),
        "level": LABEL.get(lead["level"]),
        "url": f"/warnings/{lead['id']}",
        "warning": next(i for i in items if i["id"] == lead["id"]),
        "warnings": items,
        "content": content,
        "group": {"id": group["id"], "labels": group["labels"], "size": len(f.rows)},
        "event": {"id": f.trigger, "kind": reason},
    }
    title = notices.subject(lead, reason, len(told) - 1)
    new = notices.outbox_items(
        people,
        warning_id=lead["id"],
        event_id=f.trigger,
        reason=reason,
        title=title,
        payload=payload,
    )
    work.items.extend(new)
    data = {
        "group": group["id"],
        "receiver": group["receiver"],
        "targets": len(new),
        "recipients": [p.id for p in people],
        "trigger_event": f.trigger,
        "reason": reason,
    }
    by_change: dict[str, dict[str, Any]] = {}  # one object per change: encoded once
    for r in told:
        change = changes[r["id"]]
        shared = by_change.setdefault(change, {**data, "change": change})
        work.events.append(event_row(r["id"], now, "notification_queued", SYSTEM, data=shared))
        if not plan.reminder:
            state = notify_state(STATUS[r["status"]])
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


def _mute_changes(work: _Work, f: _Flush, now: datetime) -> None:
    for r in f.rows:
        reason = f.plan.muted.get(r["id"])
        if reason == r["member_muted"] or r["id"] in f.plan.send:
            continue
        work.members.append(
            {
                "group_id": f.group["id"],
                "warning_id": r["id"],
                "notified": r["notified"],
                "notified_level": r["notified_level"],
                "notified_at": r["notified_at"],
                "muted_by": reason,
            }
        )
        if reason is not None:
            work.events.append(
                event_row(
                    r["id"], now, "muted", SYSTEM, data={"group": f.group["id"], "by": reason}
                )
            )


def _plan(
    desk: Desk,
    work: _Work,
    groups: list[dict[str, Any]],
    members: dict[int, list[dict[str, Any]]],
    mutes: dict[int, str | None],
    now: datetime,
) -> list[_Flush]:
    planned = []
    for g in groups:
        route = desk.route(g["route"])
        if route is not None and time_muted(route, desk.policy.time_intervals, now):
            work.groups.append({"id": g["id"], "next_flush_at": now + RECHECK})
            continue
        view = [
            Member(
                r["id"],
                STATUS[r["status"]],
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
        planned.append(_Flush(g, members[g["id"]], plan))
    return planned


def _lead_json(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for part in effects.chunks(sorted(set(ids))):
        query = select(_W.id, _W.routing, _W.content).where(among(_W.id, part))
        out.update({i: {"routing": r, "content": c} for i, r, c in session.execute(query)})
    return out


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
    mutes = _mutes(session, directory, rows, now)
    work = _Work(
        warnings=[
            {"id": r["id"], "muted_by": mutes[r["id"]]}
            for r in rows
            if mutes[r["id"]] != r["muted_by"]
        ]
    )
    planned = _plan(desk, work, groups, members, mutes, now)
    reminders = [f for f in planned if f.plan.reminder]
    rows_r = [
        event_row(
            f.plan.lead or 0,
            now,
            "reminder",
            SYSTEM,
            data={"group": f.group["id"], "repeat_interval_s": f.group["repeat_interval_s"]},
        )
        for f in reminders
    ]
    for f, eid in zip(reminders, append_events(session, rows_r), strict=True):
        f.trigger = eid
    told = [f for f in planned if f.plan.send or f.plan.reminder]
    leads = _lead_json(session, [f.plan.lead or 0 for f in told])
    for f in planned:
        _mute_changes(work, f, now)
        result.muted += len(f.plan.muted)
        work.done.extend((f.group["id"], w) for w in f.plan.done)
        if f.plan.send or f.plan.reminder:
            lead = next(r for r in f.rows if r["id"] == f.plan.lead)
            if not f.plan.reminder:
                f.trigger = lead["last_event_id"] or 0
            _tell(work, desk, directory, f, leads.get(lead["id"], {}), now)
            result.reminders += f.plan.reminder
        told_now = bool(f.plan.send or f.plan.reminder)
        last = now if told_now else f.group["last_flush_at"]
        repeat = (last or now) + timedelta(seconds=f.group["repeat_interval_s"])
        work.groups.append(
            {
                "id": f.group["id"],
                "last_flush_at": last,
                "flush_seq": f.group["flush_seq"] + 1,
                "next_flush_at": repeat if f.plan.watching else None,
            }
        )
        result.groups += 1
    result.notifications = _write(session, work, now)
    return result


def _write(session: Session, work: _Work, now: datetime) -> int:
    queued = notices.enqueue_all(session, work.items, now=now)
    append_events(session, work.events)
    members = table_of(GroupMember)
    effects.update_by_id(session, members, work.members, keys=("group_id", "warning_id"))
    for part in effects.chunks(work.done):
        session.execute(delete(members).where(tuple_(_M.group_id, _M.warning_id).in_(part)))
    effects.update_by_id(session, table_of(WarningGroup), work.groups)
    effects.update_by_id(session, table_of(Warning), work.warnings)
    touched = sorted({g["id"] for g in work.groups})
    for part in effects.chunks(touched):
        empty = ~exists(select(_M.group_id).where(_M.group_id == _G.id))
        session.execute(delete(table_of(WarningGroup)).where(among(_G.id, part), empty))
    return queued

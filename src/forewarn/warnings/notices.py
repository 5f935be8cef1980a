"""What a notification says, and recording it in the durable outbox.

Each notification is one outbox row per (recipient, channel target) with the idempotency key
``warning:<id>:event:<id>:to:<recipient>:<channel>[:<n>]``: the warning and time-line event it
reports (for a group, its lead warning and that warning's newest change; for a reminder or an
escalation, the event written for it). Recording the same notification twice stores it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from forewarn.notify.models import Notification
from forewarn.notify.outbox import OutboxItem
from forewarn.timeutil import iso
from forewarn.warnings import bulk
from forewarn.warnings.content import LABEL, LEVEL, level_text
from forewarn.warnings.models import table_of
from forewarn.warnings.routing import Recipient

FIRING_CHANGES = frozenset({"activated", "reactivated", "level_raised", "level_lowered"})
MARKS = {
    "activated": "",
    "reactivated": " 再次发布 again",
    "level_raised": " ↑",
    "level_lowered": " ↓",
    "resolved": "已恢复 resolved",
    "lifted": "已解除 lifted",
    "reminder": "提醒 reminder",
    "escalation": "升级 escalation",
}


def change_kind(
    told: str | None,
    told_level: int | None,
    state: str | None,
    level: int | None,
    last_change: str | None = None,
) -> str:
    """How a warning changed since its receiver was last told (a receiver that was never told
    of it hears what the warning's last change was, e.g. ``level_raised`` for a red route)."""
    if state == "firing":
        if told is None:
            return last_change if last_change in FIRING_CHANGES else "activated"
        if told != "firing":
            return "reactivated"
        return "level_raised" if (level or 0) > (told_level or 0) else "level_lowered"
    return state or "activated"


def summary(row: Mapping[str, Any], change: str) -> dict[str, Any]:
    """A warning as notifications list it."""
    level = LEVEL.get(row["level"])
    return {
        "id": row["id"],
        "title": row["title"],
        "rule": row["rule"],
        "change": change,
        "status": row["status"],
        "level": LABEL[level] if level else None,
        "level_text": level_text(level),
        "region": row["region_code"],
        "site": row["site_code"],
        "field": row["field"],
        "message": row["message"],
        "started_at": iso(row["started_at"]),
        "url": f"/warnings/{row['id']}",
    }


def subject(lead: Mapping[str, Any], reason: str, more: int) -> str:
    """``[II 橙色 orange ↑] title (+2)``."""
    level = LEVEL.get(lead["level"])
    mark = MARKS.get(reason, "")
    if reason in ("resolved", "lifted"):
        head = mark
    elif reason in ("reminder", "escalation"):
        head = f"{mark} {level_text(level)}"
    else:
        head = f"{level_text(level)}{mark}"
    tail = f" (+{more})" if more else ""
    return f"[{head.strip()}] {lead['title']}{tail}"[:500]


def text(items: Sequence[Mapping[str, Any]], why: str, content: Mapping[str, Any]) -> str:
    """Plain-text body: one line per warning, what to watch and do, and why you are told."""
    lines = [
        f"{i['level_text'] or '-'} | {i['change']} | {i['title']} | {i['region'] or ''} "
        f"{i['site'] or ''} | {i['message']}".strip()
        for i in items
    ]
    if content.get("watch"):
        lines.append(f"警示事项 What to watch: {content['watch']}")
    if content.get("measures"):
        lines.append(f"防御措施 Measures: {content['measures']}")
    if content.get("issuer"):
        lines.append(f"发布机关 Issued by: {content['issuer'].get('name', '')}")
    lines.append(f"Why you: {why}")
    return "\n".join(lines)


def outbox_items(
    recipients: Sequence[Recipient],
    *,
    warning_id: int,
    event_id: int,
    reason: str,
    title: str,
    payload: dict[str, Any],
) -> list[OutboxItem]:
    """One item per recipient target, keyed by (warning, event, recipient, channel)."""
    out = []
    for r in recipients:
        mine = {**payload, "recipient": r.id, "why": r.why}  # one object per recipient
        seen: dict[str, int] = {}
        for channel, target in r.targets:
            n = seen.get(channel, 0)
            seen[channel] = n + 1
            key = f"warning:{warning_id}:event:{event_id}:to:{r.id}:{channel}" + (
                f":{n}" if n else ""
            )
            out.append(
                OutboxItem(
                    idempotency_key=key[:200],
                    channel=channel,
                    target=target,
                    reason=reason,
                    subject=title,
                    payload=mine,
                    warning_id=warning_id,
                    event_id=event_id,
                    department_id=r.department_id,
                )
            )
    return out


def enqueue_all(session: Session, items: Sequence[OutboxItem], *, now: datetime) -> int:
    """Record items in the outbox (the same rows ``forewarn.notify.outbox.enqueue`` writes, in
    one statement); an item whose key is already there is skipped. How many were new."""
    rows: dict[str, dict[str, Any]] = {}
    for i in items:
        if i.idempotency_key in rows:
            continue
        rows[i.idempotency_key] = {
            "idempotency_key": i.idempotency_key,
            "created_at": now,
            "warning_id": i.warning_id,
            "event_id": i.event_id,
            "channel": i.channel,
            "target": i.target,
            "department_id": i.department_id,
            "reason": i.reason,
            "subject": i.subject,
            "payload": i.payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
    table = table_of(Notification)
    return bulk.insert_rows(session, table, list(rows.values()), ignore_conflicts=True)

"""Delivery outcomes on the warning's time line.

Written (in the same transaction as the outbox row's new status): every delivery
(``notification_delivered``), the first failed attempt of a notification that will be retried
(the first that failed: an attempt cut short by a worker's crash is not one) and every final
failure (``notification_failed``, with ``final`` true when nothing more will be
tried). Later retries of the same notification are not written, so a receiver that is down for
hours adds two events per notification, not ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from forewarn.notify.worker import DeliveryReport
from forewarn.warnings.timeline import SYSTEM, record_event

DELIVERED = "notification_delivered"
FAILED = "notification_failed"


@dataclass(frozen=True)
class TimelineEntry:
    """What to append to a warning's time line about one delivery attempt."""

    warning_id: int
    kind: str
    detail: dict[str, Any]


def timeline_entry(report: DeliveryReport) -> TimelineEntry | None:
    """The time-line entry for `report`, or None when it is not worth one."""
    message, decision = report.message, report.decision
    if message.warning_id is None:
        return None
    if decision.status == "pending" and message.failed_before:
        return None  # the first failure is on the time line already
    detail: dict[str, Any] = {
        "notification_id": message.id,
        "channel": message.channel,
        "target": message.target,
        "reason": message.reason,
        "attempt": message.attempt,
        "idempotency_key": message.idempotency_key,
    }
    if decision.status == "delivered":
        return TimelineEntry(message.warning_id, DELIVERED, detail)
    detail["error"] = decision.error
    detail["final"] = decision.status != "pending"
    detail["status"] = decision.status
    if decision.next_attempt_at is not None:
        detail["next_attempt_at"] = decision.next_attempt_at.isoformat()
    return TimelineEntry(message.warning_id, FAILED, detail)


def record_delivery(session: Session, report: DeliveryReport) -> None:
    """Append the time-line entry of `report` to its warning (when it deserves one)."""
    entry = timeline_entry(report)
    if entry is None:
        return
    append_entry(session, entry, now=report.now)


def append_entry(session: Session, entry: TimelineEntry, *, now: datetime) -> int:
    """Write `entry` on its warning's time line (through the warnings domain); the event id."""
    return record_event(
        session,
        warning_id=entry.warning_id,
        kind=entry.kind,
        actor=SYSTEM,
        time=now,
        data=entry.detail,
    )

"""Delivery outcomes on the warning's time line.

Written (in the same transaction as the outbox row's new status): every delivery
(``notification_sent``), the first failed attempt of a notification that will be retried and
every final failure (``notification_failed``, with ``final`` true when nothing more will be
tried). Later retries of the same notification are not written, so a receiver that is down for
hours adds two events per notification, not ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from forewarn.notify.worker import DeliveryReport

SENT = "notification_sent"
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
    if decision.status == "pending" and message.attempt > 1:
        return None
    detail: dict[str, Any] = {
        "notification_id": message.id,
        "channel": message.channel,
        "target": message.target,
        "reason": message.reason,
        "attempt": message.attempt,
        "idempotency_key": message.idempotency_key,
    }
    if decision.status == "delivered":
        return TimelineEntry(message.warning_id, SENT, detail)
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


def append_entry(session: Session, entry: TimelineEntry, *, now: Any) -> None:
    """Write `entry` through the warnings service."""
    from forewarn.warnings import service

    service.record_event(
        session,
        warning_id=entry.warning_id,
        kind=entry.kind,
        actor="system:notify",
        detail=entry.detail,
        now=now,
    )

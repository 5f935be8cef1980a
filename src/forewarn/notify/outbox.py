"""Enqueue notifications into the durable outbox (delivery happens later, with retries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.notify.models import Notification


@dataclass(frozen=True)
class OutboxItem:
    """What to send: channel and target, why, and the message."""

    idempotency_key: str
    channel: str
    target: str
    reason: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    warning_id: int | None = None
    event_id: int | None = None
    department_id: int | None = None


def enqueue(session: Session, item: OutboxItem, *, now: datetime) -> Notification | None:
    """Record `item` for delivery; None when a notification with its key already exists."""
    exists = session.scalar(
        select(Notification.id).where(Notification.idempotency_key == item.idempotency_key)
    )
    if exists is not None:
        return None
    row = Notification(
        idempotency_key=item.idempotency_key,
        created_at=now,
        warning_id=item.warning_id,
        event_id=item.event_id,
        channel=item.channel,
        target=item.target,
        department_id=item.department_id,
        reason=item.reason,
        subject=item.subject,
        payload=item.payload,
        status="pending",
        attempts=0,
        next_attempt_at=now,
    )
    session.add(row)
    session.flush()
    return row

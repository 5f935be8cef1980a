"""The notification outbox: every notification is recorded here before anything is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forewarn.db import Base, UTCDateTime

OUTBOX_STATUSES = ("pending", "delivered", "failed", "given_up")


class Notification(Base):
    """One message to one recipient over one channel, delivered at most once by its key."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The warning (and its time-line event) this notification is about, when it is about one.
    warning_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(500))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""Public-warning tables: the publication of a warning (draft and approval) and issued CAP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forewarn.db import Base, UTCDateTime


class Publication(Base):
    """A warning's public release: the pending draft, and the approved text in force."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(
        ForeignKey("warnings.id", ondelete="CASCADE"), unique=True
    )
    # The draft awaiting approval (None once approved): texts per language, areas, responses.
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    drafted_by: Mapped[str | None] = mapped_column(String(200))
    drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The approved text the CAP messages are built from (None until the first approval).
    approved: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approver_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the Cancel was issued: nothing more is published for this warning.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CapMessage(Base):
    """One issued CAP 1.2 message, stored as sent."""

    __tablename__ = "cap_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(
        ForeignKey("warnings.id", ondelete="CASCADE"), index=True
    )
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(200))
    msg_type: Mapped[str] = mapped_column(String(16))
    references: Mapped[str | None] = mapped_column(Text)
    sent: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    revision: Mapped[int] = mapped_column(Integer)
    headline: Mapped[str] = mapped_column(String(500))
    area_desc: Mapped[str] = mapped_column(String(500))
    xml: Mapped[str] = mapped_column(Text)

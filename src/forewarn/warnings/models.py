"""Warnings tables: warnings, their append-only time line, notification groups, silences."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from forewarn.db import Base, UTCDateTime


class Warning(Base):
    """The managed object born from a rule firing: one per fingerprint while open."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200), index=True)
    # Equal to `fingerprint` while the warning is open, else NULL: at most one open per subject.
    open_fingerprint: Mapped[str | None] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[int | None] = mapped_column(SmallInteger)
    highest_level: Mapped[int | None] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    field: Mapped[str] = mapped_column(String(64), index=True)
    region_code: Mapped[str | None] = mapped_column(String(32))
    # Materialised path of the region ("/620000/620100/"): scope and subtree filters by prefix.
    region_path: Mapped[str] = mapped_column(String(400), index=True)
    site_code: Mapped[str | None] = mapped_column(String(64), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    routing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The release content as written at the first activation; read it through `content`.
    stored_content: Mapped[dict[str, Any]] = mapped_column("content", JSON, default=dict)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    value: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_by: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_signal_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signal_key: Mapped[str | None] = mapped_column(String(200))
    last_event_id: Mapped[int | None] = mapped_column(Integer)
    # What that event did: activated, reactivated, level_raised, level_lowered, resolved, lifted...
    last_change: Mapped[str | None] = mapped_column(String(32))
    reactivations: Mapped[int] = mapped_column(Integer, default=0)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    changes: Mapped[list[float]] = mapped_column(JSON, default=list)
    muted_by: Mapped[str | None] = mapped_column(String(200), index=True)
    # Escalation: the policy snapshot taken when the clock started, and the progress through it.
    escalation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    escalation_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    escalation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    @property
    def content(self) -> dict[str, Any]:
        """The release content at the warning's current level (see ``warnings.content``)."""
        from forewarn.warnings.content import current_content

        return current_content(self.stored_content or {}, self.level)

    @content.setter
    def content(self, value: dict[str, Any]) -> None:
        self.stored_content = value


class WarningEvent(Base):
    """One entry of a warning's append-only time line."""

    __tablename__ = "warning_events"
    __table_args__ = (Index("ix_warning_events_warning_time", "warning_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    # Set on events that set or change the level (and on the status changes, the new status).
    level: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str | None] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WarningGroup(Base):
    """An aggregation group: warnings of one route with equal group-by labels."""

    __tablename__ = "warning_groups"
    __table_args__ = (UniqueConstraint("route", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    route: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(64))
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    receiver: Mapped[str] = mapped_column(String(100))
    departments: Mapped[list[int]] = mapped_column(JSON, default=list)
    group_wait_s: Mapped[float] = mapped_column(Float)
    group_interval_s: Mapped[float] = mapped_column(Float)
    repeat_interval_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_flush_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_flush_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    flush_seq: Mapped[int] = mapped_column(Integer, default=0)


class GroupMember(Base):
    """A warning in a group, and the state of it the group's receiver was last told."""

    __tablename__ = "warning_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("warning_groups.id", ondelete="CASCADE"), primary_key=True
    )
    warning_id: Mapped[int] = mapped_column(
        ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    notified: Mapped[str | None] = mapped_column(String(16))
    notified_level: Mapped[int | None] = mapped_column(SmallInteger)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    muted_by: Mapped[str | None] = mapped_column(String(200))


class InhibitKey(Base):
    """Inhibition index: the keys a firing warning holds as a source, or could be hit by."""

    __tablename__ = "warning_inhibit_keys"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), primary_key=True)  # "source" or "target"
    warning_id: Mapped[int] = mapped_column(
        ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Silence(Base):
    """Mutes notifications of matching warnings for a time; limited to its creator's scope."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matchers: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The creator's scope when created (None: unrestricted): the silence mutes nothing outside.
    region_paths: Mapped[list[str] | None] = mapped_column(JSON)
    fields: Mapped[list[str] | None] = mapped_column(JSON)
    expired_by: Mapped[str | None] = mapped_column(String(200))
    # When advance() recorded the expiry on the time lines of the warnings it had muted.
    expiry_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (typed: ``__table__`` is declared as a FromClause)."""
    return cast(Table, model.__table__)

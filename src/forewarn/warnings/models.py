"""Warnings tables: warnings (state and details), their append-only time line, notification
groups, silences."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    join,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from forewarn.db import Base, UTCDateTime

# A warning is stored in two tables joined one to one by id, so that a signal rewrites only a
# narrow row: `warnings` holds what changes as signals, flushes, escalations and people act on
# it (status, level, the last signal, flapping history, escalation progress...), and
# `warning_details` what it is about and what it says, written when it opens (fingerprint,
# labels, region, routing, release content...). `Warning` maps the join, so its attributes are
# those of one object. The time line and the other tables refer to `warnings.id`.
STATE = Table(
    "warnings",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    # Equal to the fingerprint while the warning is open, else NULL: at most one open per subject.
    Column("open_fingerprint", String(200), unique=True),
    Column("status", String(16), nullable=False, index=True),
    Column("level", SmallInteger),
    Column("highest_level", SmallInteger),
    Column("message", Text, nullable=False, default=""),
    Column("department_id", ForeignKey("departments.id"), index=True),
    Column("value", Float),
    Column("score", Float, nullable=False, default=0.0),
    Column("activated_at", UTCDateTime),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(200)),
    Column("ended_at", UTCDateTime, index=True),
    Column("ended_by", String(200)),
    Column("end_reason", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_signal_at", UTCDateTime),
    Column("last_signal_key", String(200)),
    Column("last_event_id", Integer),
    # What that event did: activated, reactivated, level_raised, level_lowered, resolved, lifted...
    Column("last_change", String(32)),
    Column("reactivations", Integer, nullable=False, default=0),
    Column("flapping", Boolean, nullable=False, default=False, index=True),
    Column("changes", JSON, nullable=False, default=list),
    Column("muted_by", String(200), index=True),
    # Progress through the escalation policy snapshot (`escalation`, in the details).
    Column("escalation_started_at", UTCDateTime),
    Column("escalation_step", Integer, nullable=False, default=0),
    Column("escalation_due_at", UTCDateTime, index=True),
)
DETAILS = Table(
    "warning_details",
    Base.metadata,
    Column("warning_id", ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True),
    Column("fingerprint", String(200), nullable=False, index=True),
    Column("rule", String(200), nullable=False),
    Column("title", String(500), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("field", String(64), nullable=False, index=True),
    Column("region_code", String(32)),
    # Materialised path of the region ("/620000/620100/"): scope and subtree filters by prefix.
    Column("region_path", String(400), nullable=False, index=True),
    Column("site_code", String(64), index=True),
    Column("routing", JSON, nullable=False, default=dict),
    # The release content as written at the first activation; read it through `content`.
    Column("content", JSON, nullable=False, default=dict),
    # The detector's explanation the warning opened with; each later one is on its level event
    # (read the current one with ``timeline.current_explanation``).
    Column("explanation", JSON, nullable=False, default=dict),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("assignee", String(200)),
    # The escalation policy snapshot taken when the clock started.
    Column("escalation", JSON),
)
DETAIL_NAMES = frozenset(c.name for c in DETAILS.columns if c.name != "warning_id")
STATE_NAMES = frozenset(c.name for c in STATE.columns if c.name != "id")


def table_for(name: str) -> Table:
    """The table that stores the warning column `name` (``id``: the state table)."""
    return DETAILS if name in DETAIL_NAMES else STATE


class Warning(Base):
    """The managed object born from a rule firing: one per fingerprint while open."""

    __table__ = join(STATE, DETAILS, STATE.c.id == DETAILS.c.warning_id)
    __mapper_args__ = {"exclude_properties": ["content"]}

    id: Mapped[int] = column_property(STATE.c.id, DETAILS.c.warning_id)
    fingerprint: Mapped[str]
    open_fingerprint: Mapped[str | None]
    rule: Mapped[str]
    status: Mapped[str]
    level: Mapped[int | None]
    highest_level: Mapped[int | None]
    title: Mapped[str]
    message: Mapped[str]
    labels: Mapped[dict[str, str]]
    field: Mapped[str]
    region_code: Mapped[str | None]
    region_path: Mapped[str]
    site_code: Mapped[str | None]
    department_id: Mapped[int | None]
    routing: Mapped[dict[str, Any]]
    stored_content: Mapped[dict[str, Any]] = column_property(DETAILS.c.content)
    explanation: Mapped[dict[str, Any]]
    value: Mapped[float | None]
    score: Mapped[float]
    started_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None]
    assignee: Mapped[str | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None]
    end_reason: Mapped[str | None]
    updated_at: Mapped[datetime]
    last_signal_at: Mapped[datetime | None]
    last_signal_key: Mapped[str | None]
    last_event_id: Mapped[int | None]
    last_change: Mapped[str | None]
    reactivations: Mapped[int]
    flapping: Mapped[bool]
    changes: Mapped[list[float]]
    muted_by: Mapped[str | None]
    escalation: Mapped[dict[str, Any] | None]
    escalation_started_at: Mapped[datetime | None]
    escalation_step: Mapped[int]
    escalation_due_at: Mapped[datetime | None]

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

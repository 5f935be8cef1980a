"""Identity tables: users, device keys (ingest gateways) and scope shares between departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forewarn.catalogue.models import Department, Region, Site
from forewarn.db import Base, UTCDateTime

device_key_sites = Table(
    "device_key_sites",
    Base.metadata,
    Column("device_key_id", ForeignKey("device_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A member of staff of a department, with roles; authenticates with a password."""

    __tablename__ = "users"
    __audit_secret__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped on disable and password reset: every token issued before stops working.
    token_version: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department | None] = relationship()


class EndedSession(Base):
    """A signed session that was ended (logged out) before it expired; its token is refused
    until `expires_at`, after which the row can go."""

    __tablename__ = "ended_sessions"

    session_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeviceKey(Base):
    """An API key of an ingest gateway, allowed to write readings of its listed sites only."""

    __tablename__ = "device_keys"
    __audit_secret__ = frozenset({"key_hash"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Public part of the key ("fwk_<prefix>_<secret>"), to find the row without a scan.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sites: Mapped[list[Site]] = relationship(secondary=device_key_sites)
    department: Mapped[Department | None] = relationship()


class ScopeShare(Base):
    """Read access for a department beyond its own scope: a region subtree and/or a field."""

    __tablename__ = "scope_shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    field_code: Mapped[str | None] = mapped_column(ForeignKey("fields.code", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))

    department: Mapped[Department] = relationship()
    region: Mapped[Region | None] = relationship()

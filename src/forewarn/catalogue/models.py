"""Catalogue tables: fields, regions, departments, sites, indicators, series."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forewarn.db import Base, UTCDateTime

REGION_LEVELS = ("province", "city", "county", "township")
INDICATOR_KINDS = ("gauge", "count")

department_fields = Table(
    "department_fields",
    Base.metadata,
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("field_code", ForeignKey("fields.code", ondelete="CASCADE"), primary_key=True),
)


class FieldDomain(Base):
    """A field (domain) of risk, e.g. ``production_safety``; fields are data, not code."""

    __tablename__ = "fields"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))


class Region(Base):
    """An administrative unit in the tree province > city > county > township."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    # Materialised path of codes, "/620000/620100/620102/", for subtree queries by prefix.
    path: Mapped[str] = mapped_column(String(400), index=True)
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Region | None] = relationship(remote_side="Region.id")


class Department(Base):
    """A responsible organisation with a region and the fields it answers for."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    region: Mapped[Region] = relationship()
    fields: Mapped[list[FieldDomain]] = relationship(secondary=department_fields)


class Indicator(Base):
    """A measured quantity with its unit, kind and physical range."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    field_code: Mapped[str] = mapped_column(ForeignKey("fields.code"))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(String(2000))


class Site(Base):
    """A monitored place: a mine, a river gauge, a station, a bridge."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(64))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    field_code: Mapped[str] = mapped_column(ForeignKey("fields.code"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    region: Mapped[Region] = relationship()
    department: Mapped[Department | None] = relationship()


class Series(Base):
    """Readings of one indicator at one site, with the interval it is expected to report at."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("site_id", "indicator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    interval_s: Mapped[float] = mapped_column(Float)

    site: Mapped[Site] = relationship()
    indicator: Mapped[Indicator] = relationship()


class CatalogueRevision(Base):
    """One row per catalogue load; caches compare the newest id to know when to reload."""

    __tablename__ = "catalogue_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(500))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

"""What routing needs from the catalogue (regions, departments, sites), cached by revision."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import Department, Region, Site, department_fields


@dataclass(frozen=True)
class RegionInfo:
    """A region: code, name, parent code, materialised path, level."""

    code: str
    name: str
    parent: str | None
    path: str
    level: str


@dataclass(frozen=True)
class DeptInfo:
    """A department with its region, fields and contact addresses."""

    id: int
    code: str
    name: str
    region: str
    fields: frozenset[str]
    contact: MappingProxyType[str, Any]


@dataclass(frozen=True)
class SiteInfo:
    """A site: region, field, kind, owner and labels (merged into warning labels)."""

    code: str
    name: str
    region: str
    field: str
    kind: str | None
    department: str | None
    labels: MappingProxyType[str, str]
    # What the site adds to its signals' labels: its labels, and its name as `site_name`.
    added: MappingProxyType[str, str]


@dataclass
class Directory:
    """Regions, departments by (region, field) and sites, as of one catalogue revision."""

    revision: int = 0
    regions: dict[str, RegionInfo] = field(default_factory=dict)
    departments: dict[str, DeptInfo] = field(default_factory=dict)
    departments_by_id: dict[int, DeptInfo] = field(default_factory=dict)
    by_region_field: dict[tuple[str, str], tuple[DeptInfo, ...]] = field(default_factory=dict)
    sites: dict[str, SiteInfo] = field(default_factory=dict)

    @classmethod
    def build(cls, session: Session) -> Directory:
        """Read the directory from the store."""
        out = cls(revision=catalogue.revision(session))
        codes = dict(session.execute(select(Region.id, Region.code)).all())
        for r in session.scalars(select(Region)):
            parent = codes.get(r.parent_id) if r.parent_id is not None else None
            out.regions[r.code] = RegionInfo(r.code, r.name, parent, r.path, r.level)
        fields: dict[int, set[str]] = {}
        for dept_id, code in session.execute(
            select(department_fields.c.department_id, department_fields.c.field_code)
        ):
            fields.setdefault(dept_id, set()).add(code)
        for d in session.scalars(select(Department)):
            info = DeptInfo(
                d.id,
                d.code,
                d.name,
                codes[d.region_id],
                frozenset(fields.get(d.id, ())),
                MappingProxyType(dict(d.contact or {})),
            )
            out.departments[d.code] = info
            out.departments_by_id[d.id] = info
        grouped: dict[tuple[str, str], list[DeptInfo]] = {}
        for info in sorted(out.departments.values(), key=lambda d: d.code):
            for f in info.fields:
                grouped.setdefault((info.region, f), []).append(info)
        out.by_region_field = {k: tuple(v) for k, v in grouped.items()}
        dept_codes = {d.id: d.code for d in out.departments.values()}
        for s in session.scalars(select(Site)):
            labels = {str(k): str(v) for k, v in (s.labels or {}).items()}
            out.sites[s.code] = SiteInfo(
                s.code,
                s.name,
                codes[s.region_id],
                s.field_code,
                s.kind,
                dept_codes.get(s.department_id) if s.department_id else None,
                MappingProxyType(labels),
                MappingProxyType({**labels, "site_name": labels.get("site_name", s.name)}),
            )
        return out


class DirectoryCache:
    """Keeps one directory and rebuilds it when the catalogue revision changes."""

    def __init__(self) -> None:
        self._current: Directory | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> Directory:
        """The directory for the store's current catalogue revision."""
        rev = catalogue.revision(session)
        with self._lock:
            if self._current is None or self._current.revision != rev:
                self._current = Directory.build(session)
            return self._current

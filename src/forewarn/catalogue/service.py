"""Catalogue queries, each filtered by the caller's scope."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from forewarn.catalogue.models import (
    CatalogueRevision,
    Department,
    FieldDomain,
    Indicator,
    Region,
    Series,
    Site,
)
from forewarn.errors import InvalidInput, NotFound
from forewarn.scope import ALL, Scope

T = TypeVar("T")


def revision(session: Session) -> int:
    """The id of the newest catalogue load (0 when nothing was ever loaded)."""
    return session.scalar(select(func.max(CatalogueRevision.id))) or 0


def paginate(session: Session, query: Select[T], *, limit: int, offset: int) -> tuple[list[T], int]:
    """One page of `query` and the number of rows it matches."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(session.scalars(query.limit(limit).offset(offset))), total or 0


def get_region(session: Session, code: str, *, scope: Scope = ALL) -> Region:
    """The region with `code`, if visible in `scope`."""
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None or not scope.allows_region(region.path):
        raise NotFound(f"region {code!r} not found", details={"region": code})
    return region


def check_field(session: Session, code: str, name: str = "field") -> str:
    """`code` if the catalogue has that field, else InvalidInput naming the parameter `name`."""
    if session.get(FieldDomain, code) is None:
        raise InvalidInput(f"{name}: unknown field {code!r}", details={"field": name})
    return code


def _within(session: Session, code: str, scope: Scope) -> str:
    return get_region(session, code, scope=scope).path


def query_regions(
    session: Session,
    *,
    scope: Scope = ALL,
    parent: str | None = None,
    level: str | None = None,
    within: str | None = None,
    q: str | None = None,
) -> Select[Region]:
    """Regions visible in `scope` (their subtrees and the ancestors above), filtered."""
    query = (
        select(Region)
        .options(selectinload(Region.parent))
        .where(scope.region_tree_clause(Region.path))
        .order_by(Region.path)
    )
    if parent is not None:
        query = query.where(Region.parent_id == get_region(session, parent, scope=scope).id)
    if level is not None:
        query = query.where(Region.level == level)
    if within is not None:
        query = query.where(
            Region.path.startswith(_within(session, within, scope), autoescape=True)
        )
    if q:
        query = query.where(
            Region.name.contains(q, autoescape=True) | Region.name_en.contains(q, autoescape=True)
        )
    return query


def query_departments(
    session: Session,
    *,
    scope: Scope = ALL,
    region: str | None = None,
    within: str | None = None,
    field: str | None = None,
) -> Select[Department]:
    """Departments whose region is in `scope`, filtered by region, subtree and field."""
    query = (
        select(Department)
        .join(Department.region)
        .options(selectinload(Department.fields), selectinload(Department.region))
        .where(scope.region_clause(Region.path))
        .order_by(Region.path, Department.code)
    )
    if scope.fields is not None:
        query = query.where(Department.fields.any(FieldDomain.code.in_(sorted(scope.fields))))
    if region is not None:
        query = query.where(Region.code == region)
    if within is not None:
        query = query.where(
            Region.path.startswith(_within(session, within, scope), autoescape=True)
        )
    if field is not None:
        query = query.where(Department.fields.any(FieldDomain.code == field))
    return query


def query_indicators(
    session: Session, *, scope: Scope = ALL, field: str | None = None, kind: str | None = None
) -> Select[Indicator]:
    """Indicators of the fields in `scope`."""
    query = (
        select(Indicator).where(scope.field_clause(Indicator.field_code)).order_by(Indicator.code)
    )
    if field is not None:
        query = query.where(Indicator.field_code == field)
    if kind is not None:
        query = query.where(Indicator.kind == kind)
    return query


def query_sites(
    session: Session,
    *,
    scope: Scope = ALL,
    region: str | None = None,
    within: str | None = None,
    field: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> Select[Site]:
    """Sites in `scope`, filtered."""
    query = (
        select(Site)
        .join(Site.region)
        .options(selectinload(Site.region), selectinload(Site.department))
        .where(scope.region_clause(Region.path), scope.field_clause(Site.field_code))
        .order_by(Site.code)
    )
    if region is not None:
        query = query.where(Region.code == region)
    if within is not None:
        query = query.where(
            Region.path.startswith(_within(session, within, scope), autoescape=True)
        )
    if field is not None:
        query = query.where(Site.field_code == field)
    if department is not None:
        query = query.where(Site.department.has(Department.code == department))
    if kind is not None:
        query = query.where(Site.kind == kind)
    if q:
        query = query.where(
            Site.name.contains(q, autoescape=True) | Site.code.contains(q, autoescape=True)
        )
    return query


def get_site(session: Session, code: str, *, scope: Scope = ALL) -> Site:
    """The site with `code`, if visible in `scope`."""
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None or not scope.allows(site.region.path, site.field_code):
        raise NotFound(f"site {code!r} not found", details={"site": code})
    return site


def query_series(
    session: Session,
    *,
    scope: Scope = ALL,
    site: str | None = None,
    indicator: str | None = None,
    field: str | None = None,
    within: str | None = None,
) -> Select[Series]:
    """Series of sites in `scope`, filtered."""
    query = (
        select(Series)
        .join(Series.site)
        .join(Site.region)
        .join(Series.indicator)
        .options(
            selectinload(Series.site).selectinload(Site.region),
            selectinload(Series.indicator),
        )
        .where(scope.region_clause(Region.path), scope.field_clause(Site.field_code))
        .order_by(Series.id)
    )
    if site is not None:
        query = query.where(Site.code == site)
    if indicator is not None:
        query = query.where(Indicator.code == indicator)
    if field is not None:
        query = query.where(Site.field_code == field)
    if within is not None:
        query = query.where(
            Region.path.startswith(_within(session, within, scope), autoescape=True)
        )
    return query


def get_series(session: Session, series_id: int, *, scope: Scope = ALL) -> Series:
    """The series with `series_id`, if visible in `scope`."""
    series = session.get(Series, series_id)
    if series is None or not scope.allows(series.site.region.path, series.site.field_code):
        raise NotFound(f"series {series_id} not found", details={"series": series_id})
    return series

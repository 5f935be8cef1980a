"""Read-only queries the pages need beyond the domain services (all scoped by the caller).

Each one is small and reads only: the last reading of many series at once, which series are
silent, the deepest region level with boundaries (what the map draws), counts per site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import FieldDomain, Region, Series, Site
from forewarn.readings.models import Reading
from forewarn.scope import Scope
from forewarn.timeutil import from_ms, to_ms

SILENT_AFTER_INTERVALS = 3
"""A series is silent when its newest reading is older than this many expected intervals."""
MAP_LEVELS = ("county", "city", "province", "township")
"""Region levels the map prefers, best first (the most detailed that is not too fine)."""
MAP_ALL_SITES = 300
"""The map marks every site of a scope holding at most this many (a county's, a city's, a small
province's); a larger scope's map marks only the sites under warning, which would otherwise be
lost among thousands of calm points."""


@dataclass(frozen=True)
class LastReading:
    """The newest reading of a series and whether the series has gone silent."""

    series: Series
    at: datetime | None
    value: float | None
    silent: bool


def is_silent(last_ms: int | None, interval_s: float, now: datetime) -> bool:
    """Silent: no reading at all, or none for more than a few expected intervals."""
    if last_ms is None:
        return True
    return to_ms(now) - last_ms > SILENT_AFTER_INTERVALS * interval_s * 1000


def last_readings(
    session: Session, series: Sequence[Series], now: datetime
) -> dict[int, LastReading]:
    """The newest reading (at or before `now`) of each series, by series id (index lookups)."""
    if not series:
        return {}
    now_ms = to_ms(now)
    newest = (
        select(func.max(Reading.time_ms))
        .where(Reading.series_id == Series.id, Reading.time_ms <= now_ms)
        .scalar_subquery()
    )
    ids = [s.id for s in series]
    rows = session.execute(select(Series.id, newest).where(Series.id.in_(ids))).all()
    times: dict[int, int | None] = dict(rows)
    pairs = [(sid, t) for sid, t in times.items() if t is not None]
    values: dict[int, float] = {}
    if pairs:
        wanted = select(Reading.series_id, Reading.value).where(
            Reading.series_id.in_([p[0] for p in pairs]),
            Reading.time_ms.in_({p[1] for p in pairs}),
        )
        exact = set(pairs)
        values = {sid: v for sid, v in session.execute(wanted).all() if (sid, times[sid]) in exact}
    out = {}
    for s in series:
        t = times.get(s.id)
        at = from_ms(t) if t is not None else None
        out[s.id] = LastReading(s, at, values.get(s.id), is_silent(t, s.interval_s, now))
    return out


def site_series(session: Session, site: Site) -> list[Series]:
    """The series of one site with their indicators, by indicator code."""
    query = (
        select(Series)
        .options(selectinload(Series.indicator))
        .where(Series.site_id == site.id)
        .order_by(Series.id)
    )
    return sorted(session.scalars(query), key=lambda s: s.indicator.code)


def series_of_sites(session: Session, site_ids: Sequence[int]) -> dict[int, list[Series]]:
    """The series of many sites, by site id."""
    out: dict[int, list[Series]] = {sid: [] for sid in site_ids}
    if not site_ids:
        return out
    query = select(Series).where(Series.site_id.in_(list(site_ids))).order_by(Series.id)
    for s in session.scalars(query):
        out[s.site_id].append(s)
    return out


def map_level(session: Session, scope: Scope) -> str | None:
    """The region level the situation map draws: the preferred level that has boundaries."""
    query = (
        select(Region.level)
        .where(Region.boundary.is_not(None), scope.region_clause(Region.path))
        .distinct()
    )
    present = set(session.scalars(query))
    return next((level for level in MAP_LEVELS if level in present), None)


def map_regions(session: Session, scope: Scope, level: str) -> list[Region]:
    """The regions of `level` inside the scope (the map's areas), without their geometry."""
    query = (
        select(Region)
        .where(Region.level == level, scope.region_clause(Region.path))
        .order_by(Region.path)
    )
    return list(session.scalars(query))


def map_sites(session: Session, scope: Scope, warned: Sequence[str]) -> list[Site]:
    """The sites the map marks: every located site in scope, or only those of `warned` when
    the scope holds more than `MAP_ALL_SITES`."""
    query = (
        select(Site)
        .join(Site.region)
        .where(
            Site.lon.is_not(None),
            Site.lat.is_not(None),
            scope.region_clause(Region.path),
            scope.field_clause(Site.field_code),
        )
        .order_by(Site.code)
    )
    sites = list(session.scalars(query.limit(MAP_ALL_SITES + 1)))
    if len(sites) <= MAP_ALL_SITES:
        return sites
    return list(session.scalars(query.where(Site.code.in_(sorted(set(warned))))))


def visible_regions(session: Session, scope: Scope) -> list[Region]:
    """Every region the caller may see (subtrees and the ancestors above), in tree order."""
    return list(session.scalars(catalogue.query_regions(session, scope=scope)))


def site_counts(session: Session, scope: Scope) -> dict[str, int]:
    """Number of visible sites per region path (each site counted in its own region)."""
    query = (
        select(Region.path, func.count(Site.id))
        .join(Site.region)
        .where(scope.region_clause(Region.path), scope.field_clause(Site.field_code))
        .group_by(Region.path)
    )
    return dict(session.execute(query).all())


def fields_in_scope(session: Session, scope: Scope) -> list[FieldDomain]:
    """The fields the caller may see, by code."""
    query = (
        select(FieldDomain).where(scope.field_clause(FieldDomain.code)).order_by(FieldDomain.code)
    )
    return list(session.scalars(query))

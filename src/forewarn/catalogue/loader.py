"""Load a checked catalogue file into the store (insert or update by code)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from forewarn.catalogue.check import RegionNode, check_catalogue, regions_in_order
from forewarn.catalogue.models import (
    CatalogueRevision,
    Department,
    FieldDomain,
    Indicator,
    Region,
    Series,
    Site,
)
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.warnings.moves import follow_region_moves
from forewarn.yamlsource import ConfigInvalid, YamlDocument


def known_codes(session: Session) -> dict[str, Any]:
    """Codes already in the store, for checking a file that refers to them."""
    return {
        "known_fields": set(session.scalars(select(FieldDomain.code))),
        "known_regions": stored_regions(session),
        "known_departments": set(session.scalars(select(Department.code))),
        "known_indicators": set(session.scalars(select(Indicator.code))),
    }


def stored_regions(session: Session) -> dict[str, RegionNode]:
    """Every stored region's level and parent code."""
    parent = aliased(Region)
    rows = session.execute(
        select(Region.code, Region.level, parent.code).outerjoin(
            parent, parent.id == Region.parent_id
        )
    )
    return {code: RegionNode(level, parent_code) for code, level, parent_code in rows}


def check(session: Session | None, doc: YamlDocument, cat: CatalogueFile) -> None:
    """Raise ConfigInvalid listing every problem; references may point into the store."""
    issues = check_catalogue(doc, cat, **(known_codes(session) if session is not None else {}))
    if issues:
        raise ConfigInvalid(issues)


def load(
    session: Session, doc: YamlDocument, cat: CatalogueFile, *, now: datetime
) -> dict[str, int]:
    """Check, then insert or update everything in `cat` by code; nothing is deleted."""
    check(session, doc, cat)
    for item in cat.fields:
        field = session.get(FieldDomain, item.code) or FieldDomain(code=item.code)
        field.name, field.name_zh = item.name, item.name_zh
        session.add(field)
    session.flush()
    regions = {r.code: r for r in session.scalars(select(Region))}
    for index in regions_in_order(cat):
        _upsert_region(session, regions, cat.regions[index])
    session.flush()
    follow_region_moves(session, _repath(regions.values()))
    fields = {f.code: f for f in session.scalars(select(FieldDomain))}
    departments = {d.code: d for d in session.scalars(select(Department))}
    for dept_in in cat.departments:
        dept = departments.get(dept_in.code) or Department(code=dept_in.code)
        dept.name, dept.name_en, dept.contact = dept_in.name, dept_in.name_en, dept_in.contact
        dept.region = regions[dept_in.region]
        dept.fields = [fields[c] for c in dept_in.fields]
        departments[dept.code] = dept
        session.add(dept)
    indicators = {i.code: i for i in session.scalars(select(Indicator))}
    for ind_in in cat.indicators:
        ind = indicators.get(ind_in.code) or Indicator(code=ind_in.code)
        low, high = ind_in.range or (None, None)
        ind.name, ind.name_zh, ind.unit, ind.kind = (
            ind_in.name,
            ind_in.name_zh,
            ind_in.unit,
            ind_in.kind,
        )
        ind.field_code, ind.min_value, ind.max_value = ind_in.field, low, high
        ind.description = ind_in.description
        indicators[ind.code] = ind
        session.add(ind)
    session.flush()
    series_count = _load_sites(session, cat, regions, departments, indicators)
    summary = {
        "fields": len(cat.fields),
        "regions": len(cat.regions),
        "departments": len(cat.departments),
        "indicators": len(cat.indicators),
        "sites": len(cat.sites),
        "series": series_count,
    }
    session.add(CatalogueRevision(loaded_at=now, source=doc.file[:500], summary=summary))
    session.flush()
    return summary


def _upsert_region(session: Session, regions: dict[str, Region], item: Any) -> None:
    region = regions.get(item.code) or Region(code=item.code)
    parent = regions.get(item.parent) if item.parent else None
    region.name, region.name_en, region.level = item.name, item.name_en, item.level
    region.parent = parent
    if region.path is None:  # a new region; moved ones get theirs in _repath
        region.path = (parent.path if parent else "/") + item.code + "/"
    region.boundary = item.boundary
    region.lon, region.lat = item.center if item.center else (None, None)
    regions[item.code] = region
    session.add(region)


def _repath(regions: Iterable[Region]) -> dict[str, str]:
    """Give every region the path of its parents as they now are; return old -> new paths."""
    by_id = {r.id: r for r in regions}
    moves: dict[str, str] = {}
    for region in by_id.values():
        path = _path_of(region, by_id)
        if path != region.path:
            moves[region.path] = path
            region.path = path
    return moves


def _path_of(region: Region, by_id: dict[int, Region]) -> str:
    codes = [region.code]
    parent_id = region.parent_id
    while parent_id is not None and parent_id in by_id and len(codes) <= len(by_id):
        codes.append(by_id[parent_id].code)
        parent_id = by_id[parent_id].parent_id
    return "/" + "/".join(reversed(codes)) + "/"


def _load_sites(
    session: Session,
    cat: CatalogueFile,
    regions: dict[str, Region],
    departments: dict[str, Department],
    indicators: dict[str, Indicator],
) -> int:
    sites = {s.code: s for s in session.scalars(select(Site))}
    existing = {(s.site_id, s.indicator_id): s for s in session.scalars(select(Series))}
    count = 0
    for site_in in cat.sites:
        site = sites.get(site_in.code) or Site(code=site_in.code)
        site.name, site.name_en, site.kind = site_in.name, site_in.name_en, site_in.kind
        site.region = regions[site_in.region]
        site.field_code = site_in.field
        site.department = departments[site_in.department] if site_in.department else None
        site.lon, site.lat = site_in.location if site_in.location else (None, None)
        site.labels = dict(site_in.labels)
        session.add(site)
        session.flush()
        for series_in in site_in.series:
            indicator = indicators[series_in.indicator]
            series = existing.get((site.id, indicator.id)) or Series(
                site_id=site.id, indicator_id=indicator.id
            )
            series.interval_s = series_in.interval_s
            session.add(series)
            count += 1
    session.flush()
    return count

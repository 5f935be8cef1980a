"""Catalogue read API: regions, departments, fields, indicators, sites, series."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from forewarn.api.deps import PageDep, ScopeDep, SessionDep, require
from forewarn.api.schemas import Page
from forewarn.auth.permissions import Permission
from forewarn.catalogue import service
from forewarn.catalogue.models import Department, FieldDomain, Region, Series, Site
from forewarn.catalogue.schemas import (
    DepartmentRead,
    FieldRead,
    IndicatorRead,
    RegionRead,
    SeriesRead,
    SiteRead,
)

router = APIRouter(tags=["catalogue"], dependencies=[require(Permission.CATALOGUE_READ)])

Within = Annotated[str | None, Query(description="Region code: only objects in its subtree.")]


def region_read(region: Region) -> RegionRead:
    """API shape of a region."""
    center = (region.lon, region.lat) if region.lon is not None and region.lat is not None else None
    return RegionRead(
        id=region.id,
        code=region.code,
        name=region.name,
        name_en=region.name_en,
        level=region.level,
        parent_code=region.parent.code if region.parent else None,
        center=center,
        has_boundary=region.boundary is not None,
    )


def department_read(dept: Department) -> DepartmentRead:
    """API shape of a department."""
    return DepartmentRead(
        id=dept.id,
        code=dept.code,
        name=dept.name,
        name_en=dept.name_en,
        region_code=dept.region.code,
        fields=sorted(f.code for f in dept.fields),
    )


def site_read(site: Site) -> SiteRead:
    """API shape of a site."""
    location = (site.lon, site.lat) if site.lon is not None and site.lat is not None else None
    return SiteRead(
        id=site.id,
        code=site.code,
        name=site.name,
        name_en=site.name_en,
        kind=site.kind,
        region_code=site.region.code,
        field=site.field_code,
        department_code=site.department.code if site.department else None,
        location=location,
        labels=site.labels or {},
    )


def series_read(series: Series) -> SeriesRead:
    """API shape of a series."""
    return SeriesRead(
        id=series.id,
        site_code=series.site.code,
        indicator_code=series.indicator.code,
        region_code=series.site.region.code,
        field=series.site.field_code,
        unit=series.indicator.unit,
        kind=series.indicator.kind,
        interval_s=series.interval_s,
    )


@router.get("/fields", response_model=list[FieldRead])
def list_fields(session: SessionDep, scope: ScopeDep) -> list[FieldRead]:
    """Fields (domains) of risk known to the platform."""
    rows = session.scalars(select(FieldDomain).order_by(FieldDomain.code))
    return [
        FieldRead.model_validate(f) for f in rows if scope.fields is None or f.code in scope.fields
    ]


@router.get("/regions", response_model=Page[RegionRead])
def list_regions(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    parent: Annotated[str | None, Query(description="Only direct children of this region.")] = None,
    level: Annotated[str | None, Query(description="province, city, county or township.")] = None,
    within: Within = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the name.")] = None,
) -> Page[RegionRead]:
    """Regions visible to the caller."""
    query = service.query_regions(
        session, scope=scope, parent=parent, level=level, within=within, q=q
    )
    items, total = service.paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[region_read(r) for r in items], total=total)


@router.get("/regions/geojson")
def regions_geojson(
    session: SessionDep, scope: ScopeDep, within: Within = None, level: str | None = None
) -> dict[str, Any]:
    """Boundaries of the visible regions as a GeoJSON FeatureCollection."""
    query = service.query_regions(session, scope=scope, within=within, level=level)
    features = [
        {
            "type": "Feature",
            "id": r.code,
            "properties": {"code": r.code, "name": r.name, "name_en": r.name_en, "level": r.level},
            "geometry": r.boundary,
        }
        for r in session.scalars(query)
        if r.boundary is not None and scope.allows(r.path, None)
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/regions/{code}", response_model=RegionRead)
def get_region(code: str, session: SessionDep, scope: ScopeDep) -> RegionRead:
    """One region by code."""
    return region_read(service.get_region(session, code, scope=scope))


@router.get("/departments", response_model=Page[DepartmentRead])
def list_departments(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    region: Annotated[str | None, Query(description="Departments of exactly this region.")] = None,
    within: Within = None,
    field: Annotated[str | None, Query(description="Departments answering for this field.")] = None,
) -> Page[DepartmentRead]:
    """Departments visible to the caller."""
    query = service.query_departments(
        session, scope=scope, region=region, within=within, field=field
    )
    items, total = service.paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[department_read(d) for d in items], total=total)


@router.get("/indicators", response_model=Page[IndicatorRead])
def list_indicators(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    field: str | None = None,
    kind: Annotated[str | None, Query(description="gauge or count.")] = None,
) -> Page[IndicatorRead]:
    """Indicators of the caller's fields."""
    query = service.query_indicators(session, scope=scope, field=field, kind=kind)
    items, total = service.paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(
        items=[
            IndicatorRead(
                id=i.id,
                code=i.code,
                name=i.name,
                name_zh=i.name_zh,
                unit=i.unit,
                kind=i.kind,
                field=i.field_code,
                min_value=i.min_value,
                max_value=i.max_value,
            )
            for i in items
        ],
        total=total,
    )


@router.get("/sites", response_model=Page[SiteRead])
def list_sites(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    region: Annotated[str | None, Query(description="Sites of exactly this region.")] = None,
    within: Within = None,
    field: str | None = None,
    department: Annotated[str | None, Query(description="Owner department code.")] = None,
    kind: str | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in name or code.")] = None,
) -> Page[SiteRead]:
    """Sites visible to the caller."""
    query = service.query_sites(
        session,
        scope=scope,
        region=region,
        within=within,
        field=field,
        department=department,
        kind=kind,
        q=q,
    )
    items, total = service.paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[site_read(s) for s in items], total=total)


@router.get("/sites/{code}", response_model=SiteRead)
def get_site(code: str, session: SessionDep, scope: ScopeDep) -> SiteRead:
    """One site by code."""
    return site_read(service.get_site(session, code, scope=scope))


@router.get("/series", response_model=Page[SeriesRead])
def list_series(
    session: SessionDep,
    scope: ScopeDep,
    page: PageDep,
    site: Annotated[str | None, Query(description="Site code.")] = None,
    indicator: Annotated[str | None, Query(description="Indicator code.")] = None,
    field: str | None = None,
    within: Within = None,
) -> Page[SeriesRead]:
    """Series visible to the caller."""
    query = service.query_series(
        session, scope=scope, site=site, indicator=indicator, field=field, within=within
    )
    items, total = service.paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[series_read(s) for s in items], total=total)


@router.get("/series/{series_id}", response_model=SeriesRead)
def get_series(series_id: int, session: SessionDep, scope: ScopeDep) -> SeriesRead:
    """One series by id."""
    return series_read(service.get_series(session, series_id, scope=scope))

"""Sites and regions: lists with their current state, and one page each."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import FieldDomain, Region
from forewarn.warnings import service as warnings_service
from forewarn.warnings.models import Warning
from forewarn.web import board, queries
from forewarn.web.desk import names
from forewarn.web.errors import WebRoute
from forewarn.web.format import name_of
from forewarn.web.render import language, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 100
RECENT_WARNINGS = 20
Short = Annotated[str | None, Query(max_length=64)]
Search = Annotated[str | None, Query(max_length=100)]


def by_site(warnings: list[Warning]) -> dict[str, list[Warning]]:
    """Firing warnings grouped by site code."""
    out: dict[str, list[Warning]] = {}
    for w in warnings:
        if w.site_code:
            out.setdefault(w.site_code, []).append(w)
    return out


def firing_in(region: Region, warnings: list[Warning]) -> list[Warning]:
    """Firing warnings that concern `region` (inside it, or raised for a region above)."""
    return [w for w in warnings if w.region_path and board.covers(region.path, w.region_path)]


@router.get("/sites", dependencies=[require(Permission.CATALOGUE_READ)])
def sites(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    field: Short = None,
    region: Short = None,
    q: Search = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Sites with their series, silent series and firing warnings."""
    scope = principal.scope
    query = catalogue.query_sites(
        session, scope=scope, field=field or None, within=region or None, q=q or None
    )
    items, total = catalogue.paginate(session, query, limit=PAGE_SIZE, offset=offset)
    series = queries.series_of_sites(session, [s.id for s in items])
    last = queries.last_readings(session, [x for xs in series.values() for x in xs], now)
    context = {
        "items": items,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "series": series,
        "silent": {sid: sum(last[x.id].silent for x in xs) for sid, xs in series.items()},
        "firing": by_site(board.firing_warnings(session, scope)),
        "filters": {"field": field or "", "region": region or "", "q": q or ""},
        **names(session, scope, language(request)),
    }
    return page(request, "sites.html", context, now=now)


def site_context(session: Session, principal: Principal, code: str, now: Any) -> dict[str, Any]:
    """A site, its series with their last readings, and its warnings."""
    site = catalogue.get_site(session, code, scope=principal.scope)
    series = queries.site_series(session, site)
    query = warnings_service.query_warnings(session, scope=principal.scope, site=site.code)
    return {
        "site": site,
        "series": series,
        "last": queries.last_readings(session, series, now),
        "warnings": list(session.scalars(query.limit(RECENT_WARNINGS))),
    }


@router.get("/sites/{code}", dependencies=[require(Permission.CATALOGUE_READ)])
def site_page(
    code: str, request: Request, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> Response:
    """One site: its sensors, their last readings (silent ones marked) and its warnings."""
    context = site_context(session, principal, code, now)
    field = session.get(FieldDomain, context["site"].field_code)
    context["field_name"] = name_of(field, language(request)) if field else ""
    return page(request, "site.html", context, now=now)


def region_rows(
    regions: list[Region], warnings: list[Warning], counts: dict[str, int]
) -> list[dict[str, Any]]:
    """Each region with its highest firing level, firing warnings and sites in its subtree."""
    rows = []
    for region in regions:
        concern = firing_in(region, warnings)
        rows.append(
            {
                "region": region,
                "depth": region.path.strip("/").count("/"),
                "level": max((w.level or 0 for w in concern), default=0),
                "firing": len(concern),
                "sites": sum(n for p, n in counts.items() if p.startswith(region.path)),
            }
        )
    return rows


@router.get("/regions", dependencies=[require(Permission.CATALOGUE_READ)])
def regions(
    request: Request, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> Response:
    """The visible region tree with its current state."""
    scope = principal.scope
    visible = queries.visible_regions(session, scope)
    firing = board.firing_warnings(session, scope)
    rows = region_rows(visible, firing, queries.site_counts(session, scope))
    return page(request, "regions.html", {"rows": rows}, now=now)


@router.get("/regions/{code}", dependencies=[require(Permission.CATALOGUE_READ)])
def region_page(
    code: str, request: Request, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> Response:
    """One region: its sub-regions, departments, sites and warnings."""
    scope = principal.scope
    region = catalogue.get_region(session, code, scope=scope)
    query = catalogue.query_regions(session, scope=scope, parent=code)
    children = cast(list[Region], session.scalars(query).all())
    firing = board.firing_warnings(session, scope)
    counts = queries.site_counts(session, scope)
    site_query = catalogue.query_sites(session, scope=scope, within=code)
    warn_query = warnings_service.query_warnings(session, scope=scope, within=code)
    context = {
        "region": region,
        "rows": region_rows(children, firing, counts),
        "state": region_rows([region], firing, counts)[0],
        "departments": list(
            session.scalars(catalogue.query_departments(session, scope=scope, region=code))
        ),
        "sites": list(session.scalars(site_query.limit(PAGE_SIZE))),
        "warnings": list(session.scalars(warn_query.limit(RECENT_WARNINGS))),
    }
    return page(request, "region.html", context, now=now)

"""The situation page: the map of the caller's regions by highest firing level, counts by field
and level, the newest events; ``/situation/live`` is the fragment the page polls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.warnings.models import Warning
from forewarn.web import board, queries
from forewarn.web.errors import WebRoute
from forewarn.web.format import LEVELS, name_of, title_of
from forewarn.web.render import language, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
NEWEST_EVENTS = 12


@router.get("/")
def home(request: Request) -> Response:
    """The console starts at the situation page."""
    return RedirectResponse("/situation", status_code=303)


def map_entry(state: board.RegionState, name: str, lang: str) -> dict[str, Any]:
    """What the map draws for one region or site: its level (0: none) and warning titles."""
    view = LEVELS.get(state.level)
    return {
        "code": state.code,
        "name": name,
        "level": state.level,
        "key": view.key if view else "none",
        "roman": view.roman if view else "",
        "zh": view.zh if view else "",
        "count": len(state.warnings),
        "titles": [title_of(w, lang) for w in state.warnings[:5]],
    }


def map_state(
    states: dict[str, board.RegionState], names: dict[str, str], lang: str
) -> list[dict[str, Any]]:
    """The map's regions: one entry per region with its level and warning titles."""
    return [map_entry(state, names.get(code, code), lang) for code, state in states.items()]


def map_site_points(
    session: Session, principal: Principal, firing: list[Warning], lang: str
) -> list[dict[str, Any]]:
    """The map's sites (see `queries.map_sites`), with their place and their level."""
    warned = [w.site_code for w in firing if w.site_code]
    sites = queries.map_sites(session, principal.scope, warned)
    states = board.site_states((s.code for s in sites), firing)
    return [
        {**map_entry(states[s.code], name_of(s, lang), lang), "lon": s.lon, "lat": s.lat}
        for s in sites
    ]


def live_context(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    """Everything that refreshes: map state, counts, newest events, top warnings."""
    scope = principal.scope
    firing = board.firing_warnings(session, scope)
    level = queries.map_level(session, scope)
    regions = queries.map_regions(session, scope, level) if level else []
    states = board.region_states(regions, firing)
    names = {r.code: name_of(r, lang) for r in regions}
    counts = board.level_counts(firing)
    fields = queries.fields_in_scope(session, scope)
    return {
        "firing": firing,
        "map_level": level,
        "map_state": {
            "regions": map_state(states, names, lang),
            "sites": map_site_points(session, principal, firing, lang) if level else [],
        },
        "warned_regions": sorted(
            (s for s in states.values() if s.level), key=lambda s: (-s.level, names[s.code])
        ),
        "region_names": names,
        "counts": counts,
        "fields": fields,
        "events": board.newest_events(session, scope, limit=NEWEST_EVENTS),
    }


@router.get("/situation", dependencies=[require(Permission.WARNINGS_READ)])
def situation(
    request: Request, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> Response:
    """The situation page."""
    context = live_context(session, principal, language(request))
    return page(request, "situation.html", context, now=now)


@router.get("/situation/live", dependencies=[require(Permission.WARNINGS_READ)])
def situation_live(
    request: Request, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> Response:
    """The refreshing part of the situation page (polled by htmx)."""
    context = live_context(session, principal, language(request))
    return page(request, "situation_live.html", context, now=now)


def as_of(now: datetime) -> str:
    """ISO time of a refresh (for ``data-as-of``)."""
    return now.isoformat()

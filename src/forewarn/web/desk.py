"""The warning desk: a live queue filterable by level, field, region and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import Department
from forewarn.common import Level
from forewarn.scope import Scope
from forewarn.warnings import escalation as esc
from forewarn.warnings import service as warnings_service
from forewarn.warnings.lifecycle import FIRING, OPEN, Status
from forewarn.warnings.models import Warning
from forewarn.web import queries
from forewarn.web.errors import WebRoute
from forewarn.web.format import name_of, parse_level
from forewarn.web.i18n import N_
from forewarn.web.render import language, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50
STATUS_CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": (N_("open (pending, active, acknowledged)"), tuple(sorted(s.value for s in OPEN))),
    "firing": (N_("firing (active, acknowledged)"), tuple(sorted(s.value for s in FIRING))),
    **{s.value: (s.value, (s.value,)) for s in Status},
    "all": (N_("all"), ()),
}
"""Status filter value -> (label, statuses it selects)."""
Short = Annotated[str | None, Query(max_length=64)]


@dataclass(frozen=True)
class Filters:
    """The desk's filters as given in the query string (empty: no filter)."""

    level: str | None = None
    field: str | None = None
    region: str | None = None
    status: str = "open"
    offset: int = 0

    def query(self, **override: Any) -> str:
        """The query string of these filters (with `override` applied)."""
        values = {
            "level": self.level,
            "field": self.field,
            "region": self.region,
            "status": self.status,
            "offset": self.offset or None,
        } | override
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def names(session: Session, scope: Scope, lang: str) -> dict[str, Any]:
    """Display names of the visible regions and fields, by code."""
    regions = queries.visible_regions(session, scope)
    fields = queries.fields_in_scope(session, scope)
    return {
        "regions": regions,
        "fields": fields,
        "region_names": {r.code: name_of(r, lang) for r in regions},
        "field_names": {f.code: name_of(f, lang) for f in fields},
    }


def queue(session: Session, scope: Scope, filters: Filters) -> tuple[list[Any], int]:
    """One page of the queue, most severe and newest first, and the number of matches."""
    level = parse_level(filters.level)
    statuses = STATUS_CHOICES.get(filters.status, STATUS_CHOICES["open"])[1]
    query = warnings_service.query_warnings(
        session,
        scope=scope,
        status=statuses,
        level=level.label if level else None,
        field=filters.field or None,
        within=filters.region or None,
        sort="level",
    )
    return catalogue.paginate(session, query, limit=PAGE_SIZE, offset=filters.offset)


@dataclass(frozen=True)
class Attention:
    """What a duty officer weighs on an active warning: since when nobody acknowledged it,
    whether that is past its level's time to acknowledge, and where its escalation stands."""

    since: datetime
    overdue: bool
    step: int
    steps: int
    due: datetime | None


def attention(w: Warning, now: datetime) -> Attention | None:
    """The attention an active (unacknowledged) warning calls for; None for other statuses."""
    since = w.escalation_started_at or w.activated_at
    if w.status != Status.ACTIVE.value or since is None:
        return None
    found = esc.chain(w.escalation, Level(w.level) if w.level else None)
    ack_within = found.get("ack_within_s") if found else None
    overdue = ack_within is not None and (now - since).total_seconds() > ack_within
    steps = len(found["steps"]) if found else 0
    return Attention(since, overdue, w.escalation_step, steps, w.escalation_due_at)


def departments_of(session: Session, items: list[Warning], lang: str) -> dict[int, str]:
    """Names of the responsible departments of `items`, by id."""
    ids = {w.department_id for w in items if w.department_id is not None}
    if not ids:
        return {}
    found = session.scalars(select(Department).where(Department.id.in_(ids)))
    return {d.id: name_of(d, lang) for d in found}


def desk_context(
    request: Request, session: Session, scope: Scope, filters: Filters
) -> dict[str, Any]:
    """The queue and what the filter form needs."""
    items, total = queue(session, scope, filters)
    now = request.app.state.clock.now()
    lang = language(request)
    return {
        "filters": filters,
        "items": items,
        "total": total,
        "page_size": PAGE_SIZE,
        "status_choices": STATUS_CHOICES,
        "attention": lambda w: attention(w, now),
        "departments": departments_of(session, items, lang),
        **names(session, scope, lang),
    }


def desk_filters(
    level: Short = None,
    field: Short = None,
    region: Short = None,
    status: Short = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Filters:
    """The desk's filters from the query string (unknown status: the open warnings)."""
    return Filters(
        level=level or None,
        field=field or None,
        region=region or None,
        status=status if status in STATUS_CHOICES else "open",
        offset=max(0, offset),
    )


@router.get("/warnings", dependencies=[require(Permission.WARNINGS_READ)])
def desk(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    filters: Annotated[Filters, Depends(desk_filters)],
) -> Response:
    """The warning desk."""
    context = desk_context(request, session, principal.scope, filters)
    return page(request, "desk.html", context, now=now)


@router.get("/warnings/queue", dependencies=[require(Permission.WARNINGS_READ)])
def desk_queue(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    filters: Annotated[Filters, Depends(desk_filters)],
) -> Response:
    """The queue alone (polled by htmx, and swapped in when a filter changes)."""
    context = desk_context(request, session, principal.scope, filters)
    response = page(request, "desk_queue.html", context, now=now)
    if request.headers.get("hx-request"):
        # The address bar follows the filters, so a reload or a shared link shows the same.
        response.headers["HX-Replace-Url"] = f"/warnings?{filters.query()}"
    return response

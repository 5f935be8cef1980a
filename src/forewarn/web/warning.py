"""One warning's page: release content, explanation, chart, time line and the caller's actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.models import User
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import Department, FieldDomain, Region, Series
from forewarn.common import Level
from forewarn.errors import ForewarnError, InvalidTransition
from forewarn.timeutil import to_ms
from forewarn.warnings import service as warnings_service
from forewarn.warnings.lifecycle import OPEN, Action, State, Status, on_action
from forewarn.warnings.models import Silence, Warning, WarningEvent
from forewarn.warnings.timeline import current_explanation
from forewarn.web import chart
from forewarn.web.actions import SILENCE_HOURS
from forewarn.web.errors import WebRoute
from forewarn.web.format import name_of
from forewarn.web.publishing import publication_context
from forewarn.web.render import language, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
INAPP_DEPARTMENT = "department:"  # in-app targets: a department's inbox


def target_names(session: Session, events: list[WarningEvent], lang: str) -> dict[str, str]:
    """Names of the departments whose in-app inboxes appear as targets on a time line."""
    ids = set()
    for ev in events:
        target = ev.data.get("target") if isinstance(ev.data, dict) else None
        if isinstance(target, str) and target.startswith(INAPP_DEPARTMENT):
            number = target.removeprefix(INAPP_DEPARTMENT)
            if number.isdigit():
                ids.add(int(number))
    if not ids:
        return {}
    found = session.scalars(select(Department).where(Department.id.in_(sorted(ids))))
    return {f"{INAPP_DEPARTMENT}{d.id}": name_of(d, lang) for d in found}


def series_of(session: Session, warning: Warning, principal: Principal) -> Series | None:
    """The series a warning watches (by its ``series`` label, else site and indicator)."""
    labels = warning.labels or {}
    sid = labels.get("series", "")
    try:
        if sid.isdigit():
            return catalogue.get_series(session, int(sid), scope=principal.scope)
        if labels.get("site") and labels.get("indicator"):
            query = catalogue.query_series(
                session, scope=principal.scope, site=labels["site"], indicator=labels["indicator"]
            )
            return cast(Series | None, session.scalar(query))
    except ForewarnError:
        return None
    return None


def allowed(principal: Principal, warning: Warning) -> dict[str, bool]:
    """Which actions the caller may take on the warning now (role, write scope, status)."""
    if not principal.acting_scope.allows(warning.region_path, warning.field):
        return {}
    state = State(Status(warning.status), Level(warning.level) if warning.level else None)

    def can(action: Action, permission: Permission) -> bool:
        if not principal.has(permission):
            return False
        try:
            on_action(state, action)
        except InvalidTransition:
            return False
        return True

    return {
        "ack": can(Action.ACK, Permission.WARNINGS_ACK),
        "assign": can(Action.ASSIGN, Permission.WARNINGS_ASSIGN),
        "comment": can(Action.COMMENT, Permission.WARNINGS_COMMENT),
        "escalate": can(Action.ESCALATE, Permission.WARNINGS_ESCALATE)
        and warnings_service.has_next_step(warning),
        "lift": can(Action.LIFT, Permission.WARNINGS_LIFT),
        "silence": principal.has(Permission.SILENCES_WRITE) and Status(warning.status) in OPEN,
    }


def chart_window(warning: Warning, series: Series, now: datetime) -> tuple[datetime, datetime]:
    """The time span the warning's chart shows: its life with some history before it."""
    end = warning.ended_at or now
    life = end - warning.started_at
    pad = max(life / 2, timedelta(seconds=24 * series.interval_s), timedelta(hours=1))
    return warning.started_at - pad, min(now, end + pad / 2) + timedelta(milliseconds=1)


def warning_chart(
    session: Session,
    warning: Warning,
    events: list[WarningEvent],
    series: Series | None,
    now: datetime,
    *,
    lang: str,
    tz: str,
) -> dict[str, Any] | None:
    """Everything the warning's chart draws (None when the warning has no series)."""
    if series is None:
        return None
    start, end = chart_window(warning, series, now)
    explanations = chart.explanations_of(warning, events)
    base = chart.baseline(current_explanation(warning.explanation, events))
    return {
        **chart.series_meta(series, name_of(series.indicator, lang), tz),
        "points": chart.points(session, series.id, start, end),
        "thresholds": chart.level_marks(chart.thresholds(explanations)),
        "baseline": {"kind": base[0], "value": base[1]} if base else None,
        "periods": chart.period_marks(chart.level_periods(events), now),
        "start": to_ms(start),
        "end": to_ms(end),
    }


def warning_context(
    request: Request, session: Session, principal: Principal, warning_id: int, now: datetime
) -> dict[str, Any]:
    """The warning, its time line, chart data and the caller's actions."""
    warning = warnings_service.get_warning(session, warning_id, scope=principal.scope)
    events = warnings_service.timeline(session, warning.id)
    series = series_of(session, warning, principal)
    lang = language(request)
    tz = request.app.state.settings.timezone
    return {
        "warning": warning,
        "explanation": current_explanation(warning.explanation, events),  # the latest level's
        "events": list(reversed(events)),
        "target_names": target_names(session, events, lang),
        "series": series,
        "chart": warning_chart(session, warning, events, series, now, lang=lang, tz=tz),
        "actions": allowed(principal, warning),
        "mute": mute_view(session, warning.muted_by),
        "assignees": assignees(session, warning),
        "silence_hours": SILENCE_HOURS,
        "region": _region(session, warning, principal),
        **publication_context(session, warning, principal),
    }


def assignees(session: Session, warning: Warning) -> list[User]:
    """People the warning could be assigned to, offered to the form (free text stays allowed):
    active users of departments in its region and the regions above it that answer for its
    field (the staff of other fields are not shown to the people of this one)."""
    codes = [code for code in warning.region_path.split("/") if code]
    query = (
        select(User)
        .join(Department, User.department_id == Department.id)
        .join(Region, Department.region_id == Region.id)
        .where(
            User.active.is_(True),
            Region.code.in_(codes),
            Department.fields.any(FieldDomain.code == warning.field),
        )
        .order_by(User.username)
        .limit(200)
    )
    return list(session.scalars(query))


def mute_view(session: Session, muted_by: str | None) -> dict[str, Any] | None:
    """What the page says of the mute holding this warning's notices back: a silence's end,
    author and reason, the warning that inhibits it, or flapping (not the stored code)."""
    if not muted_by:
        return None
    kind, _, rest = muted_by.partition(":")
    if kind == "silence" and rest.isdigit():
        found = session.get(Silence, int(rest))
        if found is not None:
            return {"kind": kind, "until": found.ends_at, "by": found.created_by,
                    "reason": found.reason}  # fmt: skip
    if kind == "inhibited":
        source = rest.rpartition(":")[2]
        return {"kind": kind, "source": int(source) if source.isdigit() else None}
    return {"kind": kind}


def _region(session: Session, warning: Warning, principal: Principal) -> Any:
    if not warning.region_code:
        return None
    try:
        return catalogue.get_region(session, warning.region_code, scope=principal.scope)
    except ForewarnError:
        return None


@router.get("/warnings/{warning_id:int}", dependencies=[require(Permission.WARNINGS_READ)])
def warning_page(
    warning_id: int,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
) -> Response:
    """One warning."""
    context = warning_context(request, session, principal, warning_id, now)
    return page(request, "warning.html", context, now=now)


@router.get("/warnings/{warning_id:int}/timeline", dependencies=[require(Permission.WARNINGS_READ)])
def warning_timeline(
    warning_id: int,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
) -> Response:
    """The time line alone (polled by htmx)."""
    warning = warnings_service.get_warning(session, warning_id, scope=principal.scope)
    events = list(reversed(warnings_service.timeline(session, warning.id)))
    names = target_names(session, events, language(request))
    context = {"warning": warning, "events": events, "target_names": names}
    return page(request, "warning_timeline.html", context, now=now)

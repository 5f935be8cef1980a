"""The series explorer: pick a site and indicator, see its readings over a range (downsampled on
the server), with thresholds and past warnings marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import Series, Site
from forewarn.errors import InvalidInput
from forewarn.timeutil import parse_duration, to_ms
from forewarn.warnings import service as warnings_service
from forewarn.warnings.models import Warning
from forewarn.warnings.timeline import level_explanations
from forewarn.web import chart, queries
from forewarn.web.errors import WebRoute
from forewarn.web.format import LEVELS, name_of
from forewarn.web.render import language, page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RANGES = ("6h", "1d", "7d", "30d", "1y", "5y")
"""Spans the explorer offers (``1y`` is 365 days)."""
TARGET_INTERVALS = 200
"""The default span shows at least this many expected intervals."""
PAST_WARNINGS = 50
Code = Annotated[str | None, Query(max_length=64)]


@dataclass(frozen=True)
class Span:
    """The time range shown."""

    start: datetime
    end: datetime
    key: str


def span_seconds(key: str) -> float:
    """Seconds of a range key (``1y`` = 365 days)."""
    return 365 * 86400.0 * int(key[:-1]) if key.endswith("y") else parse_duration(key)


def default_range(interval_s: float) -> str:
    """The shortest offered range holding TARGET_INTERVALS expected intervals."""
    wanted = TARGET_INTERVALS * interval_s
    return next((k for k in RANGES if span_seconds(k) >= wanted), RANGES[-1])


def pick_span(key: str | None, end: datetime | None, interval_s: float, now: datetime) -> Span:
    """The span for a range key ending at `end` (default: now)."""
    chosen = key if key in RANGES else default_range(interval_s)
    stop = min(end, now) if end is not None else now
    return Span(stop - timedelta(seconds=span_seconds(chosen)), stop, chosen)


def parse_end(text: str | None, tz: str) -> datetime | None:
    """An end time from a ``datetime-local`` field, in the display zone."""
    if not text:
        return None
    from zoneinfo import ZoneInfo

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"end: not a date and time: {text!r}", details={"field": "end"}
        ) from None
    return value.replace(tzinfo=ZoneInfo(tz)) if value.tzinfo is None else value


def past_warnings(
    session: Session, principal: Principal, series: Series, span: Span
) -> list[Warning]:
    """Warnings on this series whose life overlaps the span, newest first."""
    query = warnings_service.query_warnings(
        session, scope=principal.scope, site=series.site.code, start=span.start, end=span.end
    )
    found = cast(list[Warning], session.scalars(query.limit(PAST_WARNINGS * 4)).all())
    code = series.indicator.code
    return [w for w in found if (w.labels or {}).get("indicator") in (code, None)][:PAST_WARNINGS]


def warning_marks(warnings: list[Warning], now: datetime) -> list[dict[str, Any]]:
    """One shaded area per past warning that fired, at its highest level."""
    return [
        {
            "start": to_ms(w.activated_at or w.started_at),
            "end": to_ms(w.ended_at or now),
            "open": w.ended_at is None,
            "level": w.highest_level,
            "key": LEVELS[w.highest_level].key,
            "roman": LEVELS[w.highest_level].roman,
            "zh": LEVELS[w.highest_level].zh,
            "id": w.id,
        }
        for w in warnings
        if w.activated_at is not None and w.highest_level in LEVELS
    ]


def explorer_chart(
    session: Session,
    series: Series,
    span: Span,
    warnings: list[Warning],
    now: datetime,
    *,
    lang: str,
    tz: str,
) -> dict[str, Any]:
    """The chart of the chosen series and span."""
    opened = [w.explanation or {} for w in warnings]
    explanations = opened + level_explanations(session, [w.id for w in warnings])
    return {
        **chart.series_meta(series, name_of(series.indicator, lang), tz),
        "points": chart.points(session, series.id, span.start, span.end),
        "thresholds": chart.level_marks(chart.thresholds(explanations)),
        "baseline": None,
        "periods": warning_marks(warnings, now),
        "start": to_ms(span.start),
        "end": to_ms(span.end),
    }


def choose(
    session: Session, principal: Principal, site_code: str | None, indicator: str | None
) -> tuple[Site | None, list[Series], Series | None]:
    """The chosen site, its series, and the chosen series (the first when none is named)."""
    if not site_code:
        return None, [], None
    site = catalogue.get_site(session, site_code, scope=principal.scope)
    series = queries.site_series(session, site)
    chosen = next((s for s in series if s.indicator.code == indicator), None)
    return site, series, chosen or (series[0] if series else None)


@router.get("/series", dependencies=[require(Permission.READINGS_READ)])
def explorer(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    site: Code = None,
    indicator: Code = None,
    range: Annotated[str | None, Query(max_length=8)] = None,
    end: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The series explorer."""
    lang, tz = language(request), request.app.state.settings.timezone
    chosen_site, series_list, series = choose(session, principal, site, indicator)
    context: dict[str, Any] = {
        "sites": list(session.scalars(catalogue.query_sites(session, scope=principal.scope))),
        "site": chosen_site,
        "series_list": series_list,
        "series": series,
        "ranges": RANGES,
        "end_value": end or "",
        "chart": None,
        "span": None,
        "warnings": [],
    }
    if series is not None:
        span = pick_span(range, parse_end(end, tz), series.interval_s, now)
        warnings = past_warnings(session, principal, series, span)
        context |= {
            "span": span,
            "warnings": warnings,
            "last": queries.last_readings(session, [series], now)[series.id],
            "chart": explorer_chart(session, series, span, warnings, now, lang=lang, tz=tz),
        }
    return page(request, "series.html", context, now=now)

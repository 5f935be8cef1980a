"""Render pages: one Jinja2 environment per language, and the context every page shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from forewarn import __version__
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.errors import PermissionDenied
from forewarn.timeutil import format_duration
from forewarn.web import format as fmt
from forewarn.web.i18n import LANG_COOKIE, LANG_PARAM, LANGUAGES, N_, negotiate, translations

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE_AGE_S = 365 * 86400
REFRESH_S = 10
"""How often (wall seconds) live parts of pages refresh; ``app.state.web_refresh_s`` overrides."""


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation, shown when the caller holds `permission`."""

    path: str
    label: str
    permission: Permission


NAV = (
    NavItem("/situation", N_("Situation"), Permission.WARNINGS_READ),
    NavItem("/warnings", N_("Warning desk"), Permission.WARNINGS_READ),
    NavItem("/silences", N_("Silences"), Permission.SILENCES_READ),
    NavItem("/series", N_("Series"), Permission.READINGS_READ),
    NavItem("/sites", N_("Sites"), Permission.CATALOGUE_READ),
    NavItem("/regions", N_("Regions"), Permission.CATALOGUE_READ),
)


@cache
def environment(lang: str) -> Environment:
    """The template environment of `lang` (translations installed, autoescaping on)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        level_view=fmt.level_view,
        levels=fmt.LEVELS,
        event_names=fmt.EVENT_NAMES,
        system_names=fmt.SYSTEM_NAMES,
        detector_names=fmt.DETECTOR_NAMES,
        cause_names=fmt.CAUSE_NAMES,
        delivery_kinds=fmt.DELIVERY_KINDS,
        annotation_names=fmt.ANNOTATION_NAMES,
        fmt_number=fmt.fmt_number,
        name_of=lambda obj: fmt.name_of(obj, lang),
        title_of=lambda warning: fmt.title_of(warning, lang),
        version=__version__,
    )
    env.filters["duration"] = lambda seconds: format_duration(round(seconds))
    return env


def language(request: Request) -> str:
    """The language of this request (switch parameter, cookie, Accept-Language)."""
    return negotiate(
        param=request.query_params.get(LANG_PARAM),
        cookie=request.cookies.get(LANG_COOKIE),
        accept=request.headers.get("accept-language"),
    )


def gettext(request: Request) -> Any:
    """The ``gettext`` of the request's language (for messages built in Python)."""
    return translations(language(request)).gettext


def principal_of(request: Request) -> Principal | None:
    """The authenticated caller, if any."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal


def csrf_of(request: Request) -> str | None:
    """The CSRF token of the caller's web session (None when not signed in by cookie)."""
    from forewarn.auth.web import csrf_for

    try:
        return csrf_for(request)
    except PermissionDenied:
        return None


def lang_url(request: Request, lang: str) -> str:
    """The current page's address with the language switched to `lang`."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != LANG_PARAM]
    params.append((LANG_PARAM, lang))
    return f"{request.url.path}?{urlencode(params)}"


def base_context(request: Request, now: datetime) -> dict[str, Any]:
    """What every page needs: caller, language, CSRF token, navigation, clock and time zone."""
    lang = language(request)
    tz = ZoneInfo(request.app.state.settings.timezone)
    principal = principal_of(request)
    return {
        "request": request,
        "lang": lang,
        "languages": LANGUAGES,
        "lang_url": lambda code: lang_url(request, code),
        "principal": principal,
        "can": lambda perm: principal is not None and principal.has(perm),
        "P": Permission,
        "csrf_token": csrf_of(request),
        "nav": [n for n in NAV if principal is not None and principal.has(n.permission)],
        "path": request.url.path,
        "now": now,
        "refresh_s": getattr(request.app.state, "web_refresh_s", REFRESH_S),
        "tz_name": request.app.state.settings.timezone,
        "fmt_time": lambda at, seconds=False: fmt.fmt_time(at, tz, seconds=seconds),
        "fmt_ago": lambda at: fmt.fmt_ago(at, now, lang),
        "fmt_span": lambda seconds: fmt.fmt_span(seconds, lang),
        "fmt_iso": lambda text: fmt.fmt_iso(text, tz),
        "status_name": lambda status: status_name(status, lang),
    }


def status_name(status: str, lang: str) -> str:
    """A warning status (or a status filter) as people read it in `lang`."""
    return translations(lang).gettext(fmt.STATUS_NAMES.get(status, status))


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    now: datetime,
    status_code: int = 200,
) -> Response:
    """Render `template` for the request's language; remember an explicit language switch."""
    ctx = base_context(request, now) | context
    html = environment(ctx["lang"]).get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    remember_language(request, response)
    return response


def remember_language(request: Request, response: Response) -> None:
    """Set the language cookie when the request switched language with ``?lang=``."""
    chosen = request.query_params.get(LANG_PARAM)
    if chosen in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=LANG_COOKIE_AGE_S, path="/", samesite="lax"
        )

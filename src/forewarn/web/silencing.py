"""The silences page: what is muted in the caller's scope, by whom, why and until when, so that
the next duty officer sees it at handover; and ending a silence now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.warnings import silences
from forewarn.warnings.muting import SilenceState
from forewarn.web.errors import WebRoute
from forewarn.web.i18n import N_
from forewarn.web.render import page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
CURRENT = [SilenceState.ACTIVE, SilenceState.PENDING]
STATES = {"current": N_("running or to come"), "expired": N_("expired")}
"""The page's filter: silences that mute now or will, or those that ended."""


@router.get("/silences", dependencies=[require(Permission.SILENCES_READ)])
def silences_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    state: Annotated[str, Query(pattern="^(current|expired)$")] = "current",
) -> Response:
    """The silences reaching into the caller's scope, newest first."""
    wanted = [SilenceState.EXPIRED] if state == "expired" else CURRENT
    items: list[dict[str, Any]] = []
    for which in wanted:
        rows, _total = silences.list_silences(
            session, scope=principal.scope, now=now, state=which, limit=200
        )
        for s in rows:
            can_end = (
                which is not SilenceState.EXPIRED
                and principal.has(Permission.SILENCES_WRITE)
                and silences.manageable(s, principal.acting_scope)
            )
            items.append({"silence": s, "state": which.value, "can_end": can_end})
    context = {"items": items, "state": state, "states": STATES}
    return page(request, "silences.html", context, now=now)


@router.post("/silences/{silence_id:int}/expire", dependencies=[require(Permission.SILENCES_WRITE)])
def expire(
    silence_id: int, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> Response:
    """End a silence now; its expiry is then told on the warnings it muted."""
    silences.expire_silence(
        session, silence_id, scope=principal.acting_scope, actor=principal.name, now=now
    )
    return RedirectResponse("/silences?done=1", status_code=303)

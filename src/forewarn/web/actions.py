"""What a duty officer does to a warning from its page: each form posts here (with the session's
CSRF token, checked by the authentication middleware), the same service as the API acts (and
is audited there), and the browser goes back to the warning's page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, require
from forewarn.auth.permissions import Permission
from forewarn.warnings import service as warnings_service
from forewarn.warnings import silences
from forewarn.warnings.models import Warning
from forewarn.warnings.routes import app_desk
from forewarn.warnings.timeline import record_event
from forewarn.web.errors import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Text = Annotated[str, Form(max_length=4000)]
SILENCE_HOURS = (1, 4, 12, 24, 72)
"""Durations offered for silencing a warning from its page."""


def back(warning_id: int, done: str) -> Response:
    """Go back to the warning's page, saying what was done."""
    # to the notice saying it was done (on a phone the time line is screens below it)
    return RedirectResponse(f"/warnings/{warning_id}?done={done}#done", status_code=303)


@router.post("/warnings/{warning_id:int}/ack", dependencies=[require(Permission.WARNINGS_ACK)])
def acknowledge(
    warning_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    comment: Text = "",
) -> Response:
    """Acknowledge the warning (its escalation stops)."""
    warnings_service.acknowledge(
        session,
        warning_id,
        scope=principal.acting_scope,
        actor=principal.name,
        now=now,
        comment=comment or None,
    )
    return back(warning_id, "ack")


@router.post(
    "/warnings/{warning_id:int}/assign", dependencies=[require(Permission.WARNINGS_ASSIGN)]
)
def assign(
    warning_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    assignee: Annotated[str, Form(max_length=200)],
) -> Response:
    """Assign the warning to someone."""
    warnings_service.assign(
        session,
        warning_id,
        scope=principal.acting_scope,
        actor=principal.name,
        now=now,
        assignee=assignee,
    )
    return back(warning_id, "assign")


@router.post(
    "/warnings/{warning_id:int}/comment", dependencies=[require(Permission.WARNINGS_COMMENT)]
)
def comment(
    warning_id: int, session: SessionDep, principal: CurrentPrincipal, now: NowDep, text: Text
) -> Response:
    """Add a comment to the time line."""
    warnings_service.comment(
        session,
        warning_id,
        scope=principal.acting_scope,
        actor=principal.name,
        now=now,
        text=text,
    )
    return back(warning_id, "comment")


@router.post(
    "/warnings/{warning_id:int}/escalate", dependencies=[require(Permission.WARNINGS_ESCALATE)]
)
def escalate(
    warning_id: int,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    reason: Text,
) -> Response:
    """Take the next step of the warning's escalation chain now, with a reason."""
    warnings_service.escalate(
        session,
        warning_id,
        scope=principal.acting_scope,
        actor=principal.name,
        now=now,
        reason=reason,
        desk=app_desk(request),
    )
    return back(warning_id, "escalate")


@router.post("/warnings/{warning_id:int}/lift", dependencies=[require(Permission.WARNINGS_LIFT)])
def lift(
    warning_id: int, session: SessionDep, principal: CurrentPrincipal, now: NowDep, reason: Text
) -> Response:
    """Lift the warning, with a reason."""
    warnings_service.lift(
        session,
        warning_id,
        scope=principal.acting_scope,
        actor=principal.name,
        now=now,
        reason=reason,
    )
    return back(warning_id, "lift")


def silence_matchers(warning: Warning) -> list[str]:
    """Matchers that select this warning's subject: its rule and identifying labels."""
    labels = warning.labels or {}
    found = [f'rule="{warning.rule}"']
    found += [f'{key}="{labels[key]}"' for key in ("site", "indicator") if labels.get(key)]
    if len(found) == 1 and warning.region_code:
        found.append(f'region="{warning.region_code}"')
    return found


@router.post(
    "/warnings/{warning_id:int}/silence", dependencies=[require(Permission.SILENCES_WRITE)]
)
def silence(
    warning_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    hours: Annotated[int, Form(ge=1, le=max(SILENCE_HOURS))],
    reason: Text,
) -> Response:
    """Mute the notifications of this warning's subject for some hours."""
    warning = warnings_service.get_warning(session, warning_id, scope=principal.acting_scope)
    made = silences.create_silence(
        session,
        matchers=silence_matchers(warning),
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        reason=reason,
        actor=principal.name,
        scope=principal.acting_scope,
        now=now,
    )
    # the next duty officer reads on the warning who muted its notices, why and until when
    record_event(
        session, warning_id=warning.id, kind="silenced", actor=principal.name, time=now,
        data={"silence": made.id, "reason": made.reason, "until": made.ends_at.isoformat(),
              "matchers": list(made.matchers)},
    )  # fmt: skip
    return back(warning_id, "silence")

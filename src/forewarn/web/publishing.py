"""Public release of a warning from its page: draft the public text, approve it (four eyes).

The publishing service does the work (and writes the time line); approving issues the CAP
message at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from forewarn.api.deps import CurrentPrincipal, NowDep, SessionDep, SettingsDep, require
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.common import Level
from forewarn.errors import InvalidInput
from forewarn.publish import service as publish
from forewarn.publish.compose import default_text
from forewarn.publish.schemas import PublicationDraftIn
from forewarn.warnings.lifecycle import FIRING, Status
from forewarn.warnings.models import Warning
from forewarn.web.actions import back
from forewarn.web.errors import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ZH, EN = "zh-CN", "en"
Headline = Annotated[str, Form(max_length=160)]
Body = Annotated[str, Form(max_length=4000)]


def publication_context(session: Session, warning: Warning, principal: Principal) -> dict[str, Any]:
    """The warning's public release as the page shows it, and what the caller may do to it."""
    pub = publish.get_publication(session, warning.id)
    firing = Status(warning.status) in FIRING and warning.level is not None
    in_scope = principal.acting_scope.allows(warning.region_path, warning.field)
    text = (pub.draft or pub.approved) if pub is not None else None
    if text is None and firing:
        text = default_text(
            title=warning.title,
            level=Level(warning.level or 1),
            content=warning.content or {},
            message=warning.message,
        )
    draftable = firing and in_scope and (pub is None or pub.cancelled_at is None)
    pending = pub is not None and pub.draft is not None
    return {
        "publication": pub,
        "cap_messages": publish.messages_of(session, warning.id) if pub is not None else [],
        "public_text": text or {},
        "can_draft": draftable and principal.has(Permission.WARNINGS_PUBLISH_DRAFT),
        "can_approve": pending
        and firing
        and in_scope
        and principal.has(Permission.WARNINGS_PUBLISH_APPROVE),
        "own_draft": pending and pub is not None and pub.drafted_by == principal.name,
    }


def _texts(**pairs: str) -> dict[str, str]:
    return {lang: text for lang, text in pairs.items() if text.strip()}


@router.post(
    "/warnings/{warning_id:int}/publication/draft",
    dependencies=[require(Permission.WARNINGS_PUBLISH_DRAFT)],
)
def draft(
    warning_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    headline_zh: Headline = "",
    headline_en: Headline = "",
    description_zh: Body = "",
    instruction_zh: Body = "",
) -> Response:
    """Write the public text of the warning (it is published once someone else approves it)."""
    try:
        body = PublicationDraftIn(
            headline=_texts(**{ZH: headline_zh, EN: headline_en}),
            description=_texts(**{ZH: description_zh}),
            instruction=_texts(**{ZH: instruction_zh}),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{field}: {first['msg']}", details={"field": field}) from None
    publish.draft_publication(
        session, warning_id, body, who=principal, scope=principal.acting_scope, now=now
    )
    return back(warning_id, "draft")


@router.post(
    "/warnings/{warning_id:int}/publication/approve",
    dependencies=[require(Permission.WARNINGS_PUBLISH_APPROVE)],
)
def approve(
    warning_id: int,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """Approve the pending draft: the CAP message is issued."""
    publish.approve_publication(
        session,
        warning_id,
        who=principal,
        scope=principal.acting_scope,
        now=now,
        settings=settings,
    )
    return back(warning_id, "approve")

"""Public-warning API: draft and approve a publication, read its CAP; the public CAP feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from forewarn.api.deps import NowDep, ScopeDep, SessionDep, SettingsDep, WriteScopeDep, require
from forewarn.auth.permissions import Permission
from forewarn.auth.principal import Principal
from forewarn.errors import NotFound
from forewarn.publish import service
from forewarn.publish.feed import atom_feed
from forewarn.publish.schemas import PublicationDraftIn, PublicationRead
from forewarn.warnings.service import get_warning

router = APIRouter(tags=["publishing"])
feeds = APIRouter(tags=["publishing"])
P = Permission
CAP_XML = "application/cap+xml"
ATOM_XML = "application/atom+xml"
Identifier = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:@-]{1,200}$")]


def _read(session: SessionDep, warning_id: int, base_url: str) -> PublicationRead:
    pub = service.get_publication(session, warning_id)
    if pub is None:
        raise NotFound(f"warning {warning_id} has no publication", details={"warning": warning_id})
    return PublicationRead.of(pub, service.messages_of(session, warning_id), base_url)


@router.get(
    "/warnings/{warning_id}/publication",
    response_model=PublicationRead,
    dependencies=[require(P.WARNINGS_READ)],
)
def get_publication(
    warning_id: int, session: SessionDep, scope: ScopeDep, settings: SettingsDep
) -> PublicationRead:
    """The warning's public release: draft, approved text and the CAP messages issued."""
    get_warning(session, warning_id, scope=scope)
    return _read(session, warning_id, settings.public_base_url)


@router.post("/warnings/{warning_id}/publication", response_model=PublicationRead)
def draft_publication(
    warning_id: int, body: PublicationDraftIn, session: SessionDep, scope: WriteScopeDep,
    now: NowDep, settings: SettingsDep,
    who: Annotated[Principal, require(P.WARNINGS_PUBLISH_DRAFT)],
) -> PublicationRead:  # fmt: skip
    """Draft (or revise) the public text; it is published only once approved."""
    service.draft_publication(session, warning_id, body, who=who, scope=scope, now=now)
    return _read(session, warning_id, settings.public_base_url)


@router.post("/warnings/{warning_id}/publication/approve", response_model=PublicationRead)
def approve_publication(
    warning_id: int, session: SessionDep, scope: WriteScopeDep, now: NowDep,
    settings: SettingsDep, who: Annotated[Principal, require(P.WARNINGS_PUBLISH_APPROVE)],
) -> PublicationRead:  # fmt: skip
    """Approve the draft (by a department at or above the warning's region): CAP is issued."""
    service.approve_publication(
        session, warning_id, who=who, scope=scope, now=now, settings=settings
    )
    return _read(session, warning_id, settings.public_base_url)


@router.get(
    "/warnings/{warning_id}/cap",
    response_class=Response,
    dependencies=[require(P.WARNINGS_READ)],
    responses={200: {"content": {CAP_XML: {}}, "description": "The newest CAP 1.2 message."}},
)
def latest_cap(warning_id: int, session: SessionDep, scope: ScopeDep) -> Response:
    """The newest CAP 1.2 message issued for the warning."""
    message = service.latest_message(session, warning_id, scope=scope)
    return Response(message.xml.encode("utf-8"), media_type=CAP_XML)


@feeds.get(
    "/feeds/cap.atom",
    response_class=Response,
    responses={200: {"content": {ATOM_XML: {}}, "description": "Atom feed of public warnings."}},
)
def cap_feed(session: SessionDep, now: NowDep, settings: SettingsDep) -> Response:
    """Public (no login): Atom index of the approved public warnings in force."""
    body = atom_feed(session, now=now, settings=settings)
    return Response(body, media_type=ATOM_XML)


@feeds.get(
    "/feeds/cap/{identifier}.xml",
    response_class=Response,
    responses={200: {"content": {CAP_XML: {}}, "description": "One CAP 1.2 message."}},
)
def cap_document(identifier: Identifier, session: SessionDep) -> Response:
    """Public (no login): one issued CAP message by identifier."""
    message = service.public_message(session, identifier)
    return Response(message.xml.encode("utf-8"), media_type=CAP_XML)

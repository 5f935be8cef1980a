"""The in-app inbox API: list the caller's notifications, mark them read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from forewarn.api.deps import CurrentPrincipal, NowDep, PageDep, SessionDep, require
from forewarn.api.schemas import ApiModel, Page
from forewarn.auth.permissions import Permission
from forewarn.catalogue.service import paginate
from forewarn.notify import inbox

router = APIRouter(tags=["notifications"])


class InboxItemRead(ApiModel):
    """One in-app notification."""

    id: int
    created_at: datetime
    warning_id: int | None
    department_id: int | None
    user_id: int | None
    reason: str
    subject: str
    body: str
    payload: dict[str, Any]
    read_at: datetime | None


@router.get(
    "/inbox", response_model=Page[InboxItemRead], dependencies=[require(Permission.WARNINGS_READ)]
)
def list_inbox(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    unread: Annotated[bool, Query(description="Only items not yet read.")] = False,
) -> Page[InboxItemRead]:
    """In-app notifications for the caller and the caller's department, newest first."""
    query = inbox.query_inbox(principal, unread_only=unread)
    items, total = paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[InboxItemRead.model_validate(i) for i in items], total=total)


@router.post(
    "/inbox/{item_id}/read",
    response_model=InboxItemRead,
    dependencies=[require(Permission.WARNINGS_READ)],
)
def read_item(
    item_id: int, session: SessionDep, principal: CurrentPrincipal, now: NowDep
) -> InboxItemRead:
    """Mark an inbox item read."""
    return InboxItemRead.model_validate(
        inbox.mark_read(session, item_id, principal=principal, now=now)
    )

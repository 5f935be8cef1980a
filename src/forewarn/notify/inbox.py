"""The in-app inbox: what the in-app channel stored for a user or their department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from forewarn.auth.principal import Principal
from forewarn.errors import NotFound
from forewarn.notify.models import InboxItem


def query_inbox(principal: Principal, *, unread_only: bool = False) -> Select[InboxItem]:
    """Items addressed to the principal or to its department, newest first."""
    mine = []
    if principal.kind == "user" and principal.id is not None:
        mine.append(InboxItem.user_id == principal.id)
    if principal.department_id is not None:
        mine.append(InboxItem.department_id == principal.department_id)
    query = select(InboxItem).where(or_(*mine) if mine else false())
    if unread_only:
        query = query.where(InboxItem.read_at.is_(None))
    return query.order_by(InboxItem.id.desc())


def mark_read(session: Session, item_id: int, *, principal: Principal, now: datetime) -> InboxItem:
    """Mark one of the principal's items read (the first reading time is kept)."""
    item = session.scalar(query_inbox(principal).where(InboxItem.id == item_id))
    if item is None:
        raise NotFound(f"inbox item {item_id} not found", details={"item": item_id})
    if item.read_at is None:
        item.read_at = now
    return item

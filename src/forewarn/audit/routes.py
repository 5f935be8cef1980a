"""Audit API: read the log (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from forewarn.api.deps import PageDep, SessionDep, require
from forewarn.api.schemas import Page
from forewarn.audit.schemas import AuditEntryRead
from forewarn.audit.service import query_entries
from forewarn.auth.permissions import Permission
from forewarn.catalogue.service import paginate

router = APIRouter(tags=["audit"])


@router.get(
    "/audit",
    response_model=Page[AuditEntryRead],
    dependencies=[require(Permission.AUDIT_READ)],
)
def list_audit(
    session: SessionDep,
    page: PageDep,
    entity: Annotated[str | None, Query(max_length=64, description="Table name.")] = None,
    entity_id: Annotated[str | None, Query(max_length=200)] = None,
    actor: Annotated[str | None, Query(max_length=200, description="e.g. user:alice")] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[AuditEntryRead]:
    """Audit entries, newest first."""
    query = query_entries(entity=entity, entity_id=entity_id, actor=actor, action=action)
    items, total = paginate(session, query, limit=page.limit, offset=page.offset)
    return Page(items=[AuditEntryRead.model_validate(e) for e in items], total=total)

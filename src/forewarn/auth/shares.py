"""Scope shares: read access granted to a department beyond its own region subtree and fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forewarn.auth.models import ScopeShare
from forewarn.auth.service import department_by_code, region_of
from forewarn.catalogue.models import Department, FieldDomain
from forewarn.errors import InvalidInput, NotFound


def create_share(
    session: Session,
    *,
    department: str,
    region: str | None,
    field: str | None,
    now: datetime,
    created_by: str,
    note: str | None = None,
) -> ScopeShare:
    """Let `department` read a region subtree and/or a field in addition to its own scope."""
    if region is None and field is None:
        raise InvalidInput("give a region, a field or both", details={"field": "region"})
    if field is not None and session.get(FieldDomain, field) is None:
        raise NotFound(f"field {field!r} not found", details={"field": field})
    share = ScopeShare(
        department=department_by_code(session, department),
        region=region_of(session, region) if region is not None else None,
        field_code=field,
        note=note,
        created_at=now,
        created_by=created_by,
    )
    session.add(share)
    session.flush()
    return share


def delete_share(session: Session, share_id: int) -> None:
    """Withdraw a share."""
    share = session.get(ScopeShare, share_id)
    if share is None:
        raise NotFound(f"share {share_id} not found", details={"share": share_id})
    session.delete(share)
    session.flush()


def query_shares(department: str | None = None) -> Any:
    """Shares by department, with their region and department loaded."""
    query = (
        select(ScopeShare)
        .join(ScopeShare.department)
        .options(
            selectinload(ScopeShare.department),
            selectinload(ScopeShare.region),
        )
        .order_by(Department.code, ScopeShare.id)
    )
    if department is not None:
        query = query.where(Department.code == department)
    return query

"""Wire shape of the audit log."""

from __future__ import annotations

from datetime import datetime

from forewarn.api.schemas import ApiModel


class AuditEntryRead(ApiModel):
    """One entry of the audit log."""

    id: int
    at: datetime
    actor: str
    client: str | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None
    prev_hash: str
    hash: str

"""Check the audit chain end to end and name the first entry that does not fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

from forewarn.audit.chain import GENESIS, entry_hash
from forewarn.audit.models import AuditEntry

_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]
BATCH = 5_000


@dataclass(frozen=True)
class Verdict:
    """Outcome of a check: entries checked, the head hash, and the first break if any."""

    checked: int
    head_hash: str
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when every entry fits the chain."""
        return self.broken_id is None


def check_entry(row: dict[str, Any], prev_id: int, prev_hash: str) -> str | None:
    """Why `row` does not follow (prev_id, prev_hash), or None when it does."""
    if row["id"] != prev_id + 1:
        return f"entry ids jump from {prev_id} to {row['id']} (entries removed?)"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the hash of the entry before (entry removed or altered)"
    if entry_hash(row) != row["hash"]:
        return "content does not match its hash (entry altered)"
    return None


def verify(connection: Connection) -> Verdict:
    """Walk the whole log in id order; stop at the first entry that breaks the chain."""
    prev_id, prev_hash, checked = 0, GENESIS, 0
    while True:
        rows = connection.execute(
            select(_TABLE).where(_TABLE.c.id > prev_id).order_by(_TABLE.c.id).limit(BATCH)
        ).mappings()
        batch = [dict(r) for r in rows]
        if not batch:
            return Verdict(checked=checked, head_hash=prev_hash)
        for row in batch:
            reason = check_entry(row, prev_id, prev_hash)
            if reason is not None:
                return Verdict(checked, prev_hash, broken_id=row["id"], reason=reason)
            prev_id, prev_hash = row["id"], row["hash"]
            checked += 1

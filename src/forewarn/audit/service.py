"""Append to the audit log (serialised so the chain never forks) and read it back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, insert, select, text
from sqlalchemy.orm import Session

from forewarn.audit.chain import GENESIS, entry_hash, jsonable
from forewarn.audit.models import AuditEntry

# Key of the PostgreSQL advisory lock that serialises appends (any constant; "fwaudit").
LOCK_KEY = 0x6677617564697400
_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]


def _lock(connection: Connection) -> None:
    """Hold the chain until the transaction ends (SQLite: writers already hold the write lock)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def head(connection: Connection) -> tuple[int, str]:
    """(id, hash) of the newest entry, or (0, GENESIS) for an empty log."""
    row = connection.execute(
        select(_TABLE.c.id, _TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def append(connection: Connection, entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chain `entries` (at, actor, client, action, entity, entity_id, before, after) and insert."""
    if not entries:
        return []
    _lock(connection)
    last_id, last_hash = head(connection)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        last_id += 1
        row = {
            "id": last_id,
            "at": entry["at"],
            "actor": str(entry.get("actor") or "system")[:200],
            "client": (str(entry["client"])[:100] if entry.get("client") else None),
            "action": str(entry["action"])[:32],
            "entity": str(entry["entity"])[:64],
            "entity_id": (str(entry["entity_id"])[:200] if entry.get("entity_id") else None),
            "before": jsonable(entry.get("before")),
            "after": jsonable(entry.get("after")),
            "prev_hash": last_hash,
        }
        row["hash"] = last_hash = entry_hash(row)
        rows.append(row)
    connection.execute(insert(_TABLE), rows)
    return rows


def wall_clock() -> datetime:
    """The audit log records real (wall-clock) time, also under the demo's simulated clock."""
    return datetime.now(UTC)


def clock_of(session: Session) -> Callable[[], datetime]:
    """The clock of `session` for audit times (``session.info["audit_clock"]``, else the wall)."""
    clock: Callable[[], datetime] = session.info.get("audit_clock", wall_clock)
    return clock


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Log one entry that no ORM change describes (an ingest batch, a refused login).

    Like every entry it is chained when the session commits, and dropped if it rolls back.
    """
    from forewarn.audit.listener import queue

    entry = {
        "at": clock_of(session)(),
        "actor": session.info.get("actor", "system"),
        "client": session.info.get("client"),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }
    queue(session, [entry])


def query_entries(
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> Select[AuditEntry]:
    """Entries newest first, filtered."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return query

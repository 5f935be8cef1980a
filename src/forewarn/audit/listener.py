"""Record every ORM insert, update and delete in the audit log, from a session listener.

The actor and client address come from ``session.info`` ("actor", "client"), set by the unit
of work (the request's session dependency, a CLI command). Tables opt out with
``__audit__ = False`` on the model (the log itself, the notification outbox); attributes named
in ``__audit_secret__`` are recorded as changed but never with their value. The readings bulk
path bypasses the ORM: an ingest batch is logged as one entry by its caller.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, UOWTransaction
from sqlalchemy.sql.selectable import Join

from forewarn.audit.service import append, clock_of

REDACTED = "<redacted>"
# Tables whose changes are bookkeeping of machines, not changes of record.
EXCLUDED_TABLES = frozenset({"audit_log", "notifications"})


def _table_name(mapper: Mapper[Any]) -> str:
    """The mapped table's name; for a class mapped to a join of tables, its first table's."""
    table: Any = mapper.local_table
    while isinstance(table, Join):
        table = table.left
    return str(getattr(table, "name", ""))


def _audited(mapper: Mapper[Any]) -> bool:
    table = _table_name(mapper)
    return table not in EXCLUDED_TABLES and getattr(mapper.class_, "__audit__", True)


def _identity(obj: Any) -> str:
    state: InstanceState[Any] = inspect(obj)
    return "/".join(str(v) for v in state.mapper.primary_key_from_instance(obj))


def _snapshot(state: InstanceState[Any], secret: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in state.dict:
            out[attr.key] = REDACTED if attr.key in secret else state.dict[attr.key]
    for rel in state.mapper.relationships:
        if rel.secondary is not None and rel.key in state.dict:
            out[rel.key] = sorted(_identity(o) for o in state.dict[rel.key] or ())
    return out


def _changes(state: InstanceState[Any], secret: frozenset[str]) -> tuple[dict[str, Any], ...]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new and hist.deleted:
            continue
        before[attr.key] = REDACTED if attr.key in secret else old
        after[attr.key] = REDACTED if attr.key in secret else new
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            kept = [_identity(o) for o in hist.unchanged]
            before[rel.key] = sorted(kept + [_identity(o) for o in hist.deleted])
            after[rel.key] = sorted(kept + [_identity(o) for o in hist.added])
    return before, after


def _entries(session: Session) -> list[dict[str, Any]]:
    base = {
        "at": clock_of(session)(),
        "actor": session.info.get("actor", "system"),
        "client": session.info.get("client"),
    }
    out: list[dict[str, Any]] = []
    for action, objects in (
        ("insert", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            state: InstanceState[Any] = inspect(obj)
            if not _audited(state.mapper):
                continue
            secret: frozenset[str] = getattr(state.mapper.class_, "__audit_secret__", frozenset())
            if action == "update":
                before, after = _changes(state, secret)
                if not before and not after:
                    continue
            elif action == "insert":
                before, after = {}, _snapshot(state, secret)
            else:
                before, after = _snapshot(state, secret), {}
            entity = _table_name(state.mapper)
            out.append(
                base
                | {
                    "action": action,
                    "entity": entity,
                    "entity_id": _identity(obj),
                    "before": before or None,
                    "after": after or None,
                }
            )
    return out


PENDING = "audit_pending"


def queue(session: Session, entries: list[dict[str, Any]]) -> None:
    """Hold entries until the session commits (tagged with the transaction they belong to)."""
    if entries:
        tx = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(PENDING, []).extend((tx, e) for e in entries)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    queue(session, _entries(session))


def _before_commit(session: Session) -> None:
    # Chained only now, at the end of the transaction: the chain lock is then held for the
    # commit alone, after every row lock the transaction took, so appends cannot deadlock.
    if session.get_nested_transaction() is not None:
        return
    session.flush()
    pending = session.info.pop(PENDING, [])
    if pending:
        append(session.connection(), [entry for _tx, entry in pending])


def _inside(tx: Any, ancestor: Any) -> bool:
    while tx is not None:
        if tx is ancestor:
            return True
        tx = tx.parent
    return False


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    pending = session.info.get(PENDING)
    if pending:
        kept = [(tx, e) for tx, e in pending if not _inside(tx, previous_transaction)]
        session.info[PENDING] = kept


LISTENERS = (
    ("after_flush", _after_flush),
    ("before_commit", _before_commit),
    ("after_soft_rollback", _after_soft_rollback),
)


def install() -> None:
    """Audit every Session of this process (idempotent)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

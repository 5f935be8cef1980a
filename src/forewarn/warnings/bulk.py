"""Set-based writes on the session's own connection, without per-row ORM/Core overhead.

The warnings hot path writes thousands of rows per batch (time-line events, changed columns,
group members, outbox rows). SQLAlchemy's per-row bind processing costs more than the database
itself, so these writes go to the DB-API cursor of the session's connection (same transaction)
with values adapted exactly as the column types would: aware datetimes stored as SQLAlchemy
stores them (naive UTC text on SQLite), JSON as its text, booleans as the backend wants them.
Only the warnings tables and the outbox are written this way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Table
from sqlalchemy.orm import Session

from forewarn.db import UTCDateTime

Adapt = Callable[[Any], Any]


@lru_cache(maxsize=8192)
def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value


@lru_cache(maxsize=512)
def _plan(
    table: Table, names: tuple[str, ...], dialect: str
) -> tuple[list[str], list[Adapt | None]]:
    """Placeholders and value adapters for `names` of `table` on `dialect`."""
    holders, adapters = [], []
    for name in names:
        kind = table.c[name].type
        mark = "?" if dialect == "sqlite" else "%s"
        adapt: Adapt | None = None
        if isinstance(kind, UTCDateTime):
            adapt = _sqlite_time if dialect == "sqlite" else _aware
        elif isinstance(kind, JSON):
            adapt = _json
            mark = mark if dialect == "sqlite" else "%s::json"
        elif isinstance(kind, Boolean) and dialect == "sqlite":
            adapt = int
        holders.append(mark)
        adapters.append(adapt)
    return holders, adapters


def _values(
    rows: Sequence[dict[str, Any]], names: Sequence[str], adapters: Sequence[Adapt | None]
) -> list[Any]:
    get = itemgetter(*names)
    fix = [(i, a) for i, a in enumerate(adapters) if a is not None]
    if len(names) == 1:
        adapt = fix[0][1] if fix else None
        return [(_one(adapt, get(row)),) for row in rows]
    if not fix:
        return [get(row) for row in rows]
    out = []
    # JSON values are often the very same object on many rows (one payload per recipient,
    # one routing per region and field, one escalation snapshot): encode each object once.
    seen: dict[int, Any] = {}
    for row in rows:
        values = list(get(row))
        for i, adapt in fix:
            value = values[i]
            if value is None:
                continue
            if adapt is _json:
                key = id(value)
                if key not in seen:
                    seen[key] = _json(value)
                values[i] = seen[key]
            else:
                values[i] = adapt(value)
        out.append(values)
    return out


def _one(adapt: Adapt | None, value: Any) -> Any:
    return adapt(value) if adapt is not None and value is not None else value


def _cursor(session: Session) -> tuple[Any, str]:
    connection = session.connection()
    return connection.connection.driver_connection.cursor(), connection.dialect.name  # type: ignore[union-attr]


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """INSERT rows (all with the same keys); with `ignore_conflicts`, clashing rows are skipped."""
    if not rows:
        return
    cursor, dialect = _cursor(session)
    names = tuple(rows[0])
    holders, adapters = _plan(table, names, dialect)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(holders)})"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    cursor.executemany(sql, _values(rows, names, adapters))


def insert_returning_ids(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """INSERT rows and return their new ids, in order."""
    if not rows:
        return []
    cursor, dialect = _cursor(session)
    names = tuple(rows[0])
    holders, adapters = _plan(table, names, dialect)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(holders)})"
    values = _values(rows, names, adapters)
    if dialect == "sqlite":
        # One executemany under the write lock: rowids are consecutive up to the last one.
        cursor.executemany(sql, values)
        last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
        return list(range(last - len(values) + 1, last + 1))
    cursor.executemany(sql + " RETURNING id", values, returning=True)
    ids = []
    while True:
        ids.append(cursor.fetchone()[0])
        if not cursor.nextset():
            break
    return ids


def update_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: tuple[str, ...] = ("id",)
) -> None:
    """UPDATE rows by their key columns, each with only the columns it carries."""
    if not rows:
        return
    cursor, dialect = _cursor(session)
    by_names: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_names.setdefault(tuple(sorted(k for k in row if k not in keys)), []).append(row)
    for names, part in by_names.items():
        if not names:
            continue
        holders, adapters = _plan(table, names + keys, dialect)
        sets = ", ".join(f"{n} = {h}" for n, h in zip(names, holders, strict=False))
        where = " AND ".join(f"{k} = {h}" for k, h in zip(keys, holders[len(names) :], strict=True))
        cursor.executemany(
            f"UPDATE {table.name} SET {sets} WHERE {where}", _values(part, names + keys, adapters)
        )


def _reader(kind: Any, dialect: str) -> Adapt | None:
    if isinstance(kind, UTCDateTime):
        if dialect == "sqlite":
            return _read_sqlite_time
        return _read_aware
    if isinstance(kind, Boolean) and dialect == "sqlite":
        return bool
    return None


@lru_cache(maxsize=65536)
def _read_sqlite_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _read_aware(value: datetime) -> datetime:
    return value.astimezone(UTC)


def fetch(
    session: Session,
    table: Table,
    names: Sequence[str],
    key: str,
    values: Sequence[Any],
    *,
    where: str = "",
    params: Sequence[Any] = (),
    lock: bool = False,
) -> list[dict[str, Any]]:
    """Rows of `table` whose `key` is among `values` (in slices), as dicts of `names`.

    Datetimes come back aware UTC and booleans as bools; JSON columns come back as the driver
    gives them (text on SQLite: see ``decide.parse_json``). `where` is extra SQL with ``?``
    placeholders for `params` (datetimes among them are adapted for the backend).
    """
    if not values:
        return []
    cursor, dialect = _cursor(session)
    readers = [(i, r) for i, n in enumerate(names) if (r := _reader(table.c[n].type, dialect))]
    extra = [
        _sqlite_time(p) if dialect == "sqlite" and isinstance(p, datetime) else p for p in params
    ]
    cond = where.replace("?", "%s") if dialect != "sqlite" else where
    out: list[dict[str, Any]] = []
    for start in range(0, len(values), 900):
        part = list(values[start : start + 900])
        if dialect == "sqlite":
            test, args = f"{key} IN ({', '.join('?' * len(part))})", [*part, *extra]
        else:
            test, args = f"{key} = ANY(%s)", [part, *extra]
        sql = f"SELECT {', '.join(names)} FROM {table.name} WHERE {test}"
        sql += f" AND ({cond})" if cond else ""
        sql += f" ORDER BY {key}" + (" FOR UPDATE" if lock and dialect != "sqlite" else "")
        cursor.execute(sql, args)
        for row in cursor.fetchall():
            if readers:
                row = list(row)
                for i, read in readers:
                    if row[i] is not None:
                        row[i] = read(row[i])
            out.append(dict(zip(names, row, strict=True)))
    return out

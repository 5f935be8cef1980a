"""Set-based writes and reads on the session's own connection, without per-row ORM/Core overhead.

The warnings hot path writes thousands of rows per batch (time-line events, changed columns,
group members, outbox rows). SQLAlchemy's per-row bind processing costs more than the database
itself, so these statements go to the DB-API cursor of the session's connection (same
transaction) with values adapted exactly as the column types would: aware datetimes stored as
SQLAlchemy stores them (naive UTC text on SQLite), JSON as its text, booleans as the backend
wants them. On SQLite a write is one ``executemany``; on PostgreSQL it is one statement whatever
the number of rows (``COPY`` for rows that cannot clash, else ``INSERT ... SELECT FROM
unnest(arrays)``, ``UPDATE ... FROM unnest``, the arrays sent in binary, which spares the server
parsing long texts), and
new ids are drawn from the table's sequence first, so they come back in order. A set of keys is
passed as one parameter (``= ANY(array)`` on PostgreSQL, ``IN (SELECT value FROM json_each(?))``
on SQLite), so no statement is built or repeated per slice of keys. Only the warnings tables and
the outbox are written this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Float, Integer, Table
from sqlalchemy.orm import Session

from forewarn.db import UTCDateTime
from forewarn.memo import Memo

Adapt = Callable[[Any], Any]


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# A column's adapter and reader of times are memos' look-ups: a batch writes and reads the
# same few instants thousands of times, and a known one costs no Python call.
_sqlite_time: Adapt = Memo(_utc_text, 8192).__getitem__


def _json(value: Any) -> str | None:
    # orjson: several times faster than json.dumps on the hot path; same JSON (compact, UTF-8),
    # and NaN becomes null, which PostgreSQL's json type would refuse as NaN anyway.
    return None if value is None else orjson.dumps(value).decode()


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value


def _pg_array(kind: Any) -> str:
    """The PostgreSQL array type a column's values travel in (JSON as text, cast back)."""
    if isinstance(kind, UTCDateTime):
        return "timestamptz[]"
    if isinstance(kind, JSON):
        return "text[]"
    if isinstance(kind, Boolean):
        return "bool[]"
    if isinstance(kind, Float):
        return "float8[]"
    if isinstance(kind, Integer):
        return "int8[]"
    return "text[]"


@lru_cache(maxsize=512)
def _plan(
    table: Table, names: tuple[str, ...], dialect: str
) -> tuple[list[str], list[Adapt | None]]:
    """Placeholders (SQLite) or array types (PostgreSQL) and value adapters for `names`."""
    holders, adapters = [], []
    for name in names:
        kind = table.c[name].type
        adapt: Adapt | None = None
        if isinstance(kind, UTCDateTime):
            adapt = _sqlite_time if dialect == "sqlite" else _aware
        elif isinstance(kind, JSON):
            adapt = _json
        elif isinstance(kind, Boolean) and dialect == "sqlite":
            adapt = int
        elif isinstance(kind, Float) and dialect != "sqlite":
            adapt = float  # one array type even when a value is an int
        holders.append("?" if dialect == "sqlite" else _pg_array(kind))
        adapters.append(adapt)
    return holders, adapters


def _column(values: list[Any], adapt: Adapt | None) -> list[Any]:
    if adapt is None:
        return values
    if adapt is _json:
        # JSON values are often the very same object on many rows (one payload per recipient,
        # one routing per region and field, one escalation snapshot): encode each object once.
        seen: dict[int, Any] = {}
        out: list[Any] = []
        for v in values:
            if v is None:
                out.append(None)
                continue
            key = id(v)
            text = seen.get(key)
            if text is None:
                text = seen[key] = _json(v)
            out.append(text)
        return out
    return [None if v is None else adapt(v) for v in values]


def _columns(
    rows: Sequence[dict[str, Any]], names: Sequence[str], adapters: Sequence[Adapt | None]
) -> list[list[Any]]:
    """The rows' values column by column, adapted."""
    return [
        _column([row[name] for row in rows], adapt)
        for name, adapt in zip(names, adapters, strict=True)
    ]


def _values(
    rows: Sequence[dict[str, Any]], names: Sequence[str], adapters: Sequence[Adapt | None]
) -> list[Any]:
    if not any(adapters):
        get = itemgetter(*names)
        return [(get(row),) for row in rows] if len(names) == 1 else [get(row) for row in rows]
    return list(zip(*_columns(rows, names, adapters), strict=True))


def _cursor(session: Session) -> tuple[Any, str]:
    connection = session.connection()
    return connection.connection.driver_connection.cursor(), connection.dialect.name  # type: ignore[union-attr]


def _select_unnest(table: Table, names: Sequence[str], types: Sequence[str]) -> str:
    """``SELECT u.a, u.b::json ... FROM unnest(%s::t[], ...) AS u(a, b, ...)``."""
    cols = [f"u.{n}::json" if isinstance(table.c[n].type, JSON) else f"u.{n}" for n in names]
    arrays = ", ".join(f"%b::{t}" for t in types)
    return f"SELECT {', '.join(cols)} FROM unnest({arrays}) AS u({', '.join(names)})"


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """INSERT rows (all with the same keys); with `ignore_conflicts`, clashing rows are
    skipped. How many rows were inserted."""
    if not rows:
        return 0
    cursor, dialect = _cursor(session)
    names = tuple(rows[0])
    holders, adapters = _plan(table, names, dialect)
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if dialect == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(holders)})"
        cursor.executemany(sql + tail, _values(rows, names, adapters))
        return int(cursor.rowcount)
    if not ignore_conflicts:  # COPY: the cheapest way in for rows that cannot clash
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in zip(*_columns(rows, names, adapters), strict=True):
                copy.write_row(row)
        return len(rows)
    select = _select_unnest(table, names, holders)
    cursor.execute(
        f"INSERT INTO {table.name} ({', '.join(names)}) {select}{tail}",
        _columns(rows, names, adapters),
    )
    return int(cursor.rowcount)


def insert_returning_ids(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """INSERT rows and return their new ids, in order."""
    if not rows:
        return []
    cursor, dialect = _cursor(session)
    if dialect == "sqlite":
        names = tuple(rows[0])
        holders, adapters = _plan(table, names, dialect)
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(holders)})"
        # One executemany under the write lock: rowids are consecutive up to the last one.
        cursor.executemany(sql, _values(rows, names, adapters))
        last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
        return list(range(last - len(rows) + 1, last + 1))
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table.name, len(rows)],
    )
    ids = [int(r[0]) for r in cursor.fetchall()]
    insert_rows(session, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids


def update_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: tuple[str, ...] = ("id",)
) -> None:
    """UPDATE rows by their key columns, each with only the columns it carries (a key given
    twice: the last row wins, as with one statement per row)."""
    if not rows:
        return
    by_names: dict[frozenset[str], dict[Any, dict[str, Any]]] = {}
    get_key = itemgetter(*keys)
    for row in rows:
        by_names.setdefault(frozenset(row), {})[get_key(row)] = row
    for columns, found in by_names.items():
        names = tuple(sorted(columns.difference(keys)))
        if names:
            get = itemgetter(*names, *keys)
            update_values(session, table, names, keys, [get(row) for row in found.values()])


def update_values(
    session: Session,
    table: Table,
    names: tuple[str, ...],
    keys: tuple[str, ...],
    values: Sequence[tuple[Any, ...]],
) -> None:
    """UPDATE columns `names` of the rows whose `keys` match: each of `values` holds the new
    values of `names` then the key values (one statement whatever the number of rows)."""
    if not values:
        return
    cursor, dialect = _cursor(session)
    holders, adapters = _plan(table, names + keys, dialect)
    if dialect == "sqlite":
        sets = ", ".join(f"{n} = ?" for n in names)
        where = " AND ".join(f"{k} = ?" for k in keys)
        rows = list(zip(*_transposed(values, adapters), strict=True)) if any(adapters) else values
        cursor.executemany(f"UPDATE {table.name} SET {sets} WHERE {where}", rows)
        return
    sets = ", ".join(
        f"{n} = u.{n}::json" if isinstance(table.c[n].type, JSON) else f"{n} = u.{n}" for n in names
    )
    arrays = ", ".join(f"%b::{t}" for t in holders)
    where = " AND ".join(f"t.{k} = u.{k}" for k in keys)
    sql = (
        f"UPDATE {table.name} AS t SET {sets} FROM unnest({arrays}) "
        f"AS u({', '.join(names + keys)}) WHERE {where}"
    )
    cursor.execute(sql, _transposed(values, adapters))


def _transposed(values: Sequence[tuple[Any, ...]], adapters: Sequence[Adapt | None]) -> list[Any]:
    """Rows of values as columns, each adapted."""
    columns = zip(*values, strict=True)
    return [_column(list(c), adapt) for c, adapt in zip(columns, adapters, strict=True)]


def _reader(kind: Any, dialect: str) -> Adapt | None:
    if isinstance(kind, UTCDateTime):
        if dialect == "sqlite":
            return _read_sqlite_time
        return _read_aware
    if isinstance(kind, Boolean) and dialect == "sqlite":
        return bool
    return None


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


_read_sqlite_time: Adapt = Memo(_parse_utc, 65_536).__getitem__


def _read_aware(value: datetime) -> datetime:
    return value.astimezone(UTC)


def among(column: str, values: Sequence[Any], dialect: str) -> tuple[str, Any]:
    """SQL testing that `column` is one of `values`, and its one parameter."""
    if dialect == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(?))", orjson.dumps(list(values)).decode()
    return f"{column} = ANY(%s)", list(values)


def query(
    session: Session,
    sql: str,
    params: Sequence[Any] = (),
    *,
    types: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """Rows of a raw SELECT written with ``?`` placeholders. `types`: the column types of the
    selected columns (datetimes come back aware UTC, booleans as bools); datetimes among
    `params` are adapted for the backend."""
    cursor, dialect = _cursor(session)
    if dialect == "sqlite":
        args = [_sqlite_time(p) if isinstance(p, datetime) else p for p in params]
    else:
        sql, args = sql.replace("?", "%s"), list(params)
    cursor.execute(sql, args)
    rows = cursor.fetchall()
    readers = [(i, r) for i, k in enumerate(types) if (r := _reader(k, dialect)) is not None]
    if not readers or not rows:
        return rows  # type: ignore[no-any-return]
    # Column by column: one comprehension per converted column instead of a loop per value.
    columns: list[Any] = list(zip(*rows, strict=True))
    for i, read in readers:
        columns[i] = [None if v is None else read(v) for v in columns[i]]
    return list(zip(*columns, strict=True))


def delete_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: tuple[str, ...]
) -> None:
    """DELETE the rows whose key columns equal those of `rows`."""
    if not rows:
        return
    cursor, dialect = _cursor(session)
    holders, adapters = _plan(table, keys, dialect)
    if dialect == "sqlite":
        where = " AND ".join(f"{k} = ?" for k in keys)
        cursor.executemany(f"DELETE FROM {table.name} WHERE {where}", _values(rows, keys, adapters))
        return
    arrays = ", ".join(f"%b::{t}" for t in holders)
    where = " AND ".join(f"t.{k} = u.{k}" for k in keys)
    cursor.execute(
        f"DELETE FROM {table.name} AS t USING unnest({arrays}) AS u({', '.join(keys)}) "
        f"WHERE {where}",
        _columns(rows, keys, adapters),
    )


def execute(session: Session, sql: str, params: Sequence[Any] = ()) -> int:
    """Run a raw statement written with ``?`` placeholders; the rows it changed."""
    cursor, dialect = _cursor(session)
    if dialect != "sqlite":
        sql = sql.replace("?", "%s")
    cursor.execute(sql, list(params))
    return int(cursor.rowcount)

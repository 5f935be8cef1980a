"""Warning rows in bulk across their two tables: the narrow state row (``warnings``) and the
details written when the warning opens (``warning_details``), joined one to one by id.

The hot path reads and writes warnings as dicts of column names (those of ``Warning``); these
helpers send each column to its table, so a change of state rewrites only the state row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.orm import Session

from forewarn.warnings import bulk
from forewarn.warnings.models import DETAIL_NAMES, DETAILS, STATE, STATE_NAMES, table_for

FROM = f"{STATE.name} AS w JOIN {DETAILS.name} AS d ON d.warning_id = w.id"
STATE_COLUMNS = tuple(c.name for c in STATE.columns if c.name != "id")
DETAIL_COLUMNS = tuple(c.name for c in DETAILS.columns if c.name != "warning_id")


def column(name: str) -> str:
    """The SQL of a warning column in ``FROM`` (``w.`` state, ``d.`` details)."""
    return f"d.{name}" if name in DETAIL_NAMES else f"w.{name}"


def _needs_details(names: Iterable[str]) -> bool:
    return any(n in DETAIL_NAMES for n in names)


def fetch(
    session: Session,
    names: Sequence[str],
    key: str,
    values: Sequence[Any],
    *,
    where: str = "",
    params: Sequence[Any] = (),
    lock: bool = False,
) -> list[dict[str, Any]]:
    """Warnings whose column `key` is among `values`, as dicts of `names`.

    Datetimes come back aware UTC and booleans as bools; JSON columns come back as their text
    (parse them with ``decide.parse_json``, memoised). `where` is extra SQL on ``w.``/``d.``
    columns with ``?`` placeholders for `params`; `lock` locks the state rows on PostgreSQL.
    Reads the details table only when a column needs it.
    """
    if not values:
        return []
    dialect = session.get_bind().dialect.name
    joined = _needs_details([*names, key]) or "d." in where
    source = FROM if joined else f"{STATE.name} AS w"
    cols = []
    for n in names:
        sql = column(n)
        if dialect != "sqlite" and isinstance(table_for(n).c[n].type, JSON):
            sql += "::text"
        cols.append(sql)
    test, arg = bulk.among(column(key), values, dialect)
    sql = f"SELECT {', '.join(cols)} FROM {source} WHERE {test}"
    sql += f" AND ({where})" if where else ""
    sql += f" ORDER BY {column(key)}"
    if lock and dialect != "sqlite":
        sql += " FOR UPDATE OF w"
    types = [table_for(n).c[n].type for n in names]
    rows = bulk.query(session, sql, [arg, *params], types=types)
    # A row of the SELECT has exactly its columns; zip's `strict` keyword alone costs some
    # 2,000 instructions a call, on thousands of rows a batch.
    return [dict(zip(names, row)) for row in rows]  # noqa: B905


def insert(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new warnings given with every column but ``id``; their ids, in order."""
    if not rows:
        return []
    states = [{k: r[k] for k in STATE_COLUMNS} for r in rows]
    ids = bulk.insert_returning_ids(session, STATE, states)
    details = [
        {"warning_id": wid, **{k: r[k] for k in DETAIL_COLUMNS}}
        for wid, r in zip(ids, rows, strict=True)
    ]
    bulk.insert_rows(session, DETAILS, details)
    return ids


def update(session: Session, changes: Iterable[tuple[int, dict[str, Any], Iterable[str]]]) -> None:
    """Update warnings: for each (id, columns, names), write the named columns, each in its
    table (one statement per table and set of names)."""
    by_names: dict[frozenset[str], list[tuple[int, dict[str, Any]]]] = {}
    for wid, row, names in changes:
        by_names.setdefault(frozenset(names), []).append((wid, row))
    for names, part in by_names.items():
        for table, wanted, key in (
            (STATE, STATE_NAMES, "id"),
            (DETAILS, DETAIL_NAMES, "warning_id"),
        ):
            columns = tuple(sorted(n for n in names if n in wanted and n != key))
            if not columns:
                continue
            get = itemgetter(*columns)  # a value for one column, a tuple for more
            if len(columns) == 1:
                values = [(get(row), wid) for wid, row in part]
            else:
                values = [(*get(row), wid) for wid, row in part]
            bulk.update_values(session, table, columns, (key,), values)

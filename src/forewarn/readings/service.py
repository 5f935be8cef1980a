"""The readings store: bulk insert that stores each (series, time) once, and window queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forewarn.errors import ForewarnError
from forewarn.readings.models import Reading

_SQLITE_INSERT = (
    "INSERT OR IGNORE INTO readings (series_id, time_ms, value, quality) VALUES (?,?,?,?)"
)
_PG_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS readings_in "
    "(series_id integer, time_ms bigint, value double precision, quality smallint) "
    "ON COMMIT DELETE ROWS"
)
_PG_MERGE = (
    "INSERT INTO readings (series_id, time_ms, value, quality) "
    "SELECT series_id, time_ms, value, quality FROM readings_in "
    "ON CONFLICT (series_id, time_ms) DO NOTHING"
)


@dataclass(frozen=True)
class Window:
    """Readings of one series in time order: epoch-ms times and values."""

    times_ms: NDArray[np.int64]
    values: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.times_ms.size)


def insert(
    session: Session,
    series_ids: NDArray[np.int64],
    times_ms: NDArray[np.int64],
    values: NDArray[np.float64],
    quality: NDArray[np.int16] | None = None,
) -> int:
    """Store validated readings; return how many were new (the rest were already stored)."""
    if series_ids.size == 0:
        return 0
    if quality is None:
        quality = np.zeros(series_ids.size, dtype=np.int16)
    # Key order makes B-tree writes local; the sort is stable, so the first of equal keys wins.
    order = np.lexsort((times_ms, series_ids))
    series_ids, times_ms, values, quality = (
        series_ids[order],
        times_ms[order],
        values[order],
        quality[order],
    )
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        rows = zip(
            series_ids.tolist(), times_ms.tolist(), values.tolist(), quality.tolist(), strict=True
        )
        cursor = raw.cursor()  # type: ignore[union-attr]
        cursor.executemany(_SQLITE_INSERT, rows)
        return int(cursor.rowcount)
    if connection.dialect.name == "postgresql":
        return _insert_postgresql(raw, series_ids, times_ms, values, quality)
    raise ForewarnError(
        f"the readings store supports SQLite and PostgreSQL, not {connection.dialect.name}"
    )


def _insert_postgresql(
    raw: Any,
    series_ids: NDArray[np.int64],
    times_ms: NDArray[np.int64],
    values: NDArray[np.float64],
    quality: NDArray[np.int16],
) -> int:
    rows = zip(
        series_ids.tolist(), times_ms.tolist(), values.tolist(), quality.tolist(), strict=True
    )
    text = "".join(f"{s}\t{t}\t{v!r}\t{q}\n" for s, t, v, q in rows)
    with raw.cursor() as cursor:
        cursor.execute(_PG_STAGE)
        with cursor.copy("COPY readings_in FROM STDIN") as copy:
            copy.write(text)
        cursor.execute(_PG_MERGE)
        inserted = int(cursor.rowcount)
        cursor.execute("TRUNCATE readings_in")
    return inserted


def count(session: Session, series_id: int | None = None) -> int:
    """Number of stored readings, of one series or of all."""
    query = select(func.count()).select_from(Reading)
    if series_id is not None:
        query = query.where(Reading.series_id == series_id)
    return session.scalar(query) or 0


def window(
    session: Session, series_id: int, *, start_ms: int | None = None, end_ms: int | None = None
) -> Window:
    """Readings of `series_id` with start <= time < end, in time order."""
    query = select(Reading.time_ms, Reading.value).where(Reading.series_id == series_id)
    if start_ms is not None:
        query = query.where(Reading.time_ms >= start_ms)
    if end_ms is not None:
        query = query.where(Reading.time_ms < end_ms)
    rows = session.execute(query.order_by(Reading.time_ms)).all()
    if not rows:
        return Window(np.empty(0, np.int64), np.empty(0, np.float64))
    times = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    return Window(times, values)


def last_times(session: Session) -> dict[int, int]:
    """The newest reading time of every series that has readings."""
    query = select(Reading.series_id, func.max(Reading.time_ms)).group_by(Reading.series_id)
    return dict(session.execute(query))


def downsample(win: Window, max_points: int) -> Window:
    """At most `max_points` readings keeping each time bucket's minimum and maximum (M4-style)."""
    n = len(win)
    if n <= max_points or max_points < 2:
        return win
    buckets = max(1, max_points // 2)
    t = win.times_ms
    span = int(t[-1] - t[0]) + 1
    bucket = ((t - t[0]).astype(np.float64) * buckets / span).astype(np.int64)
    order = np.lexsort((win.values, bucket))  # by bucket, then by value
    bounds = np.flatnonzero(np.diff(bucket[order])) + 1
    first = np.concatenate(([0], bounds))
    last = np.concatenate((bounds - 1, [n - 1]))
    keep = np.unique(np.concatenate((order[first], order[last])))  # time order restored
    return Window(t[keep], win.values[keep])

"""What a round of group flushes reads from the store, in a fixed number of set-based queries.

Due groups (claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL); every member with the few
columns planning needs, as tuples (one join); the mutes that hold (silences only when one runs;
inhibition as one self-join that returns only the targets a firing source hits); and, for the
warnings a flush tells, the columns notifications show (with routing and release content of
the lead warnings).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from forewarn.warnings import bulk
from forewarn.warnings import rows as warning_rows
from forewarn.warnings.decide import parse_json
from forewarn.warnings.directory import Directory
from forewarn.warnings.effects import dialect_of
from forewarn.warnings.models import STATE, GroupMember, InhibitKey, WarningGroup, table_of
from forewarn.warnings.muting import inhibited_by, silenced_by
from forewarn.warnings.routing import warning_labels
from forewarn.warnings.silences import running_silences

_W = STATE
_M = table_of(GroupMember)
_G = table_of(WarningGroup)
_K = table_of(InhibitKey)
GROUP_COLUMNS = ("id", "route", "receiver", "labels", "last_flush_at", "repeat_interval_s",
                 "flush_seq")  # fmt: skip
DETAIL_COLUMNS = ("id", "title", "rule", "field", "region_code", "site_code", "message",
                  "started_at", "department_id")  # fmt: skip


class Row(NamedTuple):
    """A member of a due group as planning sees it: membership and the warning's state."""

    group_id: int
    id: int
    notified: str | None
    notified_level: int | None
    notified_at: datetime | None
    member_muted: str | None
    status: str
    level: int | None
    flapping: bool
    muted_by: str | None
    last_event_id: int | None
    last_change: str | None


def _json_text(name: str, dialect: str) -> str:
    return f"{name}::text" if dialect != "sqlite" else name


def due_groups(
    session: Session, now: datetime, group_ids: Sequence[int] | None, limit: int
) -> list[dict[str, Any]]:
    """Groups whose next flush is due at `now` (optionally only some), most overdue first."""
    dialect = dialect_of(session)
    cols = [_json_text(c, dialect) if c == "labels" else c for c in GROUP_COLUMNS]
    sql = f"SELECT {', '.join(cols)} FROM {_G.name} WHERE next_flush_at <= ?"
    params: list[Any] = [now]
    if group_ids is not None:
        test, arg = bulk.among("id", group_ids, dialect)
        sql += f" AND {test}"
        params.append(arg)
    sql += f" ORDER BY next_flush_at, id LIMIT {int(limit)}"
    if dialect == "postgresql":
        sql += " FOR UPDATE SKIP LOCKED"
    types = [_G.c[c].type for c in GROUP_COLUMNS]
    out = []
    for row in bulk.query(session, sql, params, types=types):
        group = dict(zip(GROUP_COLUMNS, row))  # noqa: B905 (a row has its SELECT's columns)
        group["labels"] = parse_json(group["labels"]) or {}
        out.append(group)
    return out


MEMBER_COLUMNS = ("group_id", "warning_id", "notified", "notified_level", "notified_at",
                  "muted_by")  # fmt: skip
STATE_COLUMNS = ("id", "status", "level", "flapping", "muted_by", "last_event_id", "last_change")


def members(session: Session, group_ids: Sequence[int]) -> dict[int, list[Row]]:
    """Each group's members, by warning id (two indexed look-ups, not a join whose plan would
    depend on the store's statistics)."""
    out: dict[int, list[Row]] = {g: [] for g in group_ids}
    dialect = dialect_of(session)
    test, arg = bulk.among("group_id", group_ids, dialect)
    links = bulk.query(
        session,
        f"SELECT {', '.join(MEMBER_COLUMNS)} FROM {_M.name} WHERE {test}",
        [arg],
        types=[_M.c[c].type for c in MEMBER_COLUMNS],
    )
    ids = sorted({link[1] for link in links})
    if not ids:
        return out
    test, arg = bulk.among("id", ids, dialect)
    states = {
        row[0]: row[1:]
        for row in bulk.query(
            session,
            f"SELECT {', '.join(STATE_COLUMNS)} FROM {_W.name} WHERE {test}",
            [arg],
            types=[_W.c[c].type for c in STATE_COLUMNS],
        )
    }
    for link in sorted(links, key=itemgetter(0, 1)):
        out[link[0]].append(Row(*link, *states[link[1]]))
    return out


def _silenced(
    session: Session, directory: Directory, ids: list[int], now: datetime
) -> dict[int, str]:
    silences = running_silences(session, now)
    if not silences:
        return {}
    names = ("id", "labels", "rule", "level", "field", "region_code", "region_path",
             "department_id")  # fmt: skip
    out = {}
    for r in warning_rows.fetch(session, names, "id", ids):
        r["labels"] = parse_json(r["labels"]) or {}
        found = silenced_by(
            silences, warning_labels(r, directory), r["region_path"], r["field"], now
        )
        if found is not None:
            out[r["id"]] = f"silence:{found}"
    return out


INHIBITED_SQL = (
    f"SELECT t.warning_id, t.key, s.warning_id FROM {_K.name} AS t JOIN {_K.name} AS s "
    "ON s.key = t.key AND s.role = 'source' WHERE t.role = 'target' AND {test} "
    "ORDER BY t.warning_id, t.key, s.warning_id"
)


def _inhibited(session: Session, ids: list[int]) -> dict[int, str]:
    """Targets that a firing source inhibits (only hits come back from the store)."""
    test, arg = bulk.among("t.warning_id", ids, dialect_of(session))
    hits: dict[int, tuple[list[str], dict[str, list[int]]]] = {}
    for wid, key, source in bulk.query(session, INHIBITED_SQL.format(test=test), [arg]):
        keys, sources = hits.setdefault(wid, ([], {}))
        if key not in sources:
            keys.append(key)
        sources.setdefault(key, []).append(source)
    out = {}
    for wid, (keys, sources) in hits.items():
        found = inhibited_by(keys, sources, wid)
        if found is not None:
            out[wid] = found
    return out


def mutes(
    session: Session, directory: Directory, rows: dict[int, Row], now: datetime
) -> dict[int, str | None]:
    """Warning-level mutes: silence, then inhibition, then flapping (None: not muted)."""
    ids = sorted(rows)
    silenced = _silenced(session, directory, ids, now) if ids else {}
    inhibited = _inhibited(session, ids) if ids else {}
    return {
        wid: silenced.get(wid) or inhibited.get(wid) or ("flapping" if r.flapping else None)
        for wid, r in rows.items()
    }


def details(
    session: Session, told: Sequence[int], leads: Sequence[int]
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """The columns notifications show of `told` warnings; routing and content of `leads`."""
    shown = {r["id"]: r for r in warning_rows.fetch(session, DETAIL_COLUMNS, "id", sorted(told))}
    lead_json = {}
    for r in warning_rows.fetch(session, ("id", "routing", "content"), "id", sorted(set(leads))):
        lead_json[r["id"]] = {
            "routing": parse_json(r["routing"]) or {},
            "content": parse_json(r["content"]) or {},
        }
    return shown, lead_json

"""Store-side effects shared by signals, people's acts and the clock: group membership, group
timers, the inhibition index. Set-based: a few statements per batch, each taking its set of
keys as one parameter (``bulk.among``), whatever the number of warnings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from forewarn.warnings import bulk
from forewarn.warnings.desk import Desk
from forewarn.warnings.grouping import next_flush_at
from forewarn.warnings.models import GroupMember, InhibitKey, WarningGroup, table_of
from forewarn.warnings.policy import Route
from forewarn.warnings.routing import group_key, group_labels

_G = table_of(WarningGroup)
_M = table_of(GroupMember)
_K = table_of(InhibitKey)


def dialect_of(session: Session) -> str:
    """The backend's dialect name (``sqlite`` or ``postgresql``)."""
    return session.get_bind().dialect.name


def insert_ignore(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping those that clash with a unique key (both backends); how many new."""
    return bulk.insert_rows(session, model.__table__, rows, ignore_conflicts=True)


def update_by_id(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: tuple[str, ...] = ("id",)
) -> None:
    """Update rows by their key columns, each with only the columns it carries."""
    bulk.update_rows(session, table, rows, keys)


@dataclass(frozen=True)
class Routed:
    """A warning about to be grouped: its id, match labels and responsible departments."""

    warning_id: int
    labels: Mapping[str, str]
    departments: tuple[int, ...]


def memberships(session: Session, warning_ids: Sequence[int]) -> dict[int, set[int]]:
    """The groups each warning belongs to."""
    out: dict[int, set[int]] = {w: set() for w in warning_ids}
    if not warning_ids:
        return out
    test, arg = bulk.among("warning_id", warning_ids, dialect_of(session))
    for wid, gid in bulk.query(
        session, f"SELECT warning_id, group_id FROM {_M.name} WHERE {test}", [arg]
    ):
        out[wid].add(gid)
    return out


def _dynamic(desk: Desk, receiver: str) -> bool:
    found = desk.policy.receivers.get(receiver)
    return found is None or any(t.split(":")[0] in ("responsible", "parent") for t in found.to)


def join_groups(
    session: Session,
    routed: Sequence[Routed],
    desk: Desk,
    now: datetime,
    held: dict[int, set[int]],
) -> set[int]:
    """Put each warning into the groups of the routes it matches now; all its group ids.

    Memberships are sticky: a receiver told of a warning also hears how it ends, even when a
    level change no longer routes the warning to it. `held`: the warnings' memberships as the
    caller read them (updated in place); only memberships not held yet are inserted.
    """
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    pairs: list[tuple[int, tuple[str, str]]] = []
    keys: dict[tuple[Any, ...], str] = {}  # group keys repeat: hash each identity once
    dynamic: dict[str, bool] = {}
    for item in routed:
        for route in desk.routes_for(item.labels):
            per_dept = dynamic.get(route.receiver)
            if per_dept is None:
                per_dept = dynamic[route.receiver] = _dynamic(desk, route.receiver)
            depts = item.departments if per_dept else ()
            values = tuple(item.labels.get(n, "") for n in route.group_by)
            memo = (route.id, values, depts) if "..." not in route.group_by else None
            key = keys.get(memo) if memo is not None else None
            if key is None:
                key = group_key(route, item.labels, depts)
                if memo is not None:
                    keys[memo] = key
            ident = (route.id, key)
            pairs.append((item.warning_id, ident))
            if ident not in wanted:
                wanted[ident] = _group_row(route, key, item.labels, depts, now)
    ids = _group_ids(session, wanted)
    members = []
    for wid, ident in pairs:
        gid = ids[ident]
        groups = held.setdefault(wid, set())
        if gid not in groups:
            groups.add(gid)
            members.append({"group_id": gid, "warning_id": wid})
    insert_ignore(session, GroupMember, members)  # ignore: another process may have joined
    return set().union(*(held[r.warning_id] for r in routed)) if routed else set()


def _group_row(
    route: Route, key: str, labels: Mapping[str, str], depts: tuple[int, ...], now: datetime
) -> dict[str, Any]:
    return {
        "route": route.id,
        "key": key,
        "labels": group_labels(route, labels),
        "receiver": route.receiver,
        "departments": list(depts),
        "group_wait_s": route.group_wait_s,
        "group_interval_s": route.group_interval_s,
        "repeat_interval_s": route.repeat_interval_s,
        "created_at": now,
        "flush_seq": 0,
    }


def _find_groups(
    session: Session, wanted: Mapping[tuple[str, str], dict[str, Any]]
) -> dict[tuple[str, str], int]:
    pairs = sorted(wanted)
    if dialect_of(session) == "sqlite":
        test, arg = bulk.among("key", sorted({k for _r, k in pairs}), "sqlite")
        rows = bulk.query(session, f"SELECT route, key, id FROM {_G.name} WHERE {test}", [arg])
        return {(r, k): i for r, k, i in rows if (r, k) in wanted}
    # Through the (route, key) index: `key = ANY(array)` alone would scan every group.
    sql = (
        f"SELECT g.route, g.key, g.id FROM {_G.name} AS g "
        "JOIN unnest(%b::text[], %b::text[]) AS u(route, key) "
        "ON g.route = u.route AND g.key = u.key"
    )
    rows = bulk.query(session, sql, [[r for r, _k in pairs], [k for _r, k in pairs]])
    return {(r, k): i for r, k, i in rows}


def _group_ids(
    session: Session, wanted: Mapping[tuple[str, str], dict[str, Any]]
) -> dict[tuple[str, str], int]:
    if not wanted:
        return {}
    ids = _find_groups(session, wanted)
    missing = [row for ident, row in wanted.items() if ident not in ids]
    if missing:
        insert_ignore(session, WarningGroup, missing)
        ids.update(_find_groups(session, {(r["route"], r["key"]): r for r in missing}))
    return ids


TIMING = ("id", "created_at", "last_flush_at", "next_flush_at", "group_wait_s", "group_interval_s")


def dirty_groups(session: Session, group_ids: Iterable[int], now: datetime) -> list[int]:
    """Plan a flush of each group (after its group wait or interval); the ids due at `now`."""
    ids = sorted(set(group_ids))
    if not ids:
        return []
    test, arg = bulk.among("id", ids, dialect_of(session))
    rows = bulk.query(
        session,
        f"SELECT {', '.join(TIMING)} FROM {_G.name} WHERE {test}",
        [arg],
        types=[_G.c[n].type for n in TIMING],
    )
    due: list[int] = []
    updates: list[dict[str, Any]] = []
    for gid, created, last, current, wait_s, interval_s in rows:
        at = next_flush_at(
            created_at=created,
            last_flush_at=last,
            current=current,
            now=now,
            group_wait_s=wait_s,
            group_interval_s=interval_s,
        )
        if at != current:
            updates.append({"id": gid, "next_flush_at": at})
        if at <= now:
            due.append(gid)
    update_by_id(session, _G, updates)
    return sorted(due)


def sync_inhibit_keys(
    session: Session, keys: Mapping[int, tuple[Sequence[str], Sequence[str]]]
) -> set[str]:
    """Replace the (source, target) inhibition keys of each warning; source keys it dropped.

    Only the difference is written: keys a warning no longer holds are deleted, new ones
    inserted.
    """
    if not keys:
        return set()
    test, arg = bulk.among("warning_id", list(keys), dialect_of(session))
    old = bulk.query(session, f"SELECT warning_id, key, role FROM {_K.name} WHERE {test}", [arg])
    held = {(wid, key, role) for wid, key, role in old}
    wanted = {
        (wid, k, role)
        for wid, (sources, targets) in keys.items()
        for role, values in (("source", sources), ("target", targets))
        for k in values
    }
    gone = held - wanted
    dropped = {k for _w, k, role in gone if role == "source"}
    bulk.delete_rows(
        session,
        _K,
        [{"key": k, "role": r, "warning_id": w} for w, k, r in sorted(gone)],
        ("key", "role", "warning_id"),
    )
    added = [{"key": k, "role": r, "warning_id": w} for w, k, r in sorted(wanted - held)]
    insert_ignore(session, InhibitKey, added)
    return dropped


def sources_for(session: Session, keys: Iterable[str]) -> dict[str, list[int]]:
    """Firing source warnings under each key."""
    wanted = sorted(set(keys))
    out: dict[str, list[int]] = {}
    if not wanted:
        return out
    test, arg = bulk.among("key", wanted, dialect_of(session))
    sql = f"SELECT key, warning_id FROM {_K.name} WHERE {test} AND role = 'source'"
    for key, wid in bulk.query(session, sql, [arg]):
        out.setdefault(key, []).append(wid)
    return out


def targets_of(session: Session, keys: Iterable[str]) -> list[int]:
    """Warnings that could be inhibited under any of `keys`."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    test, arg = bulk.among("key", wanted, dialect_of(session))
    sql = f"SELECT DISTINCT warning_id FROM {_K.name} WHERE {test} AND role = 'target'"
    return sorted(wid for (wid,) in bulk.query(session, sql, [arg]))


def groups_of(session: Session, warning_ids: Sequence[int]) -> set[int]:
    """All groups of the given warnings."""
    found = memberships(session, warning_ids)
    return set().union(*found.values()) if found else set()

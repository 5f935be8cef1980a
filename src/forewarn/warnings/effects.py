"""Store-side effects shared by signals, people's acts and the clock: group membership, group
timers, the inhibition index. Set-based (a few statements per batch, not per warning)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from forewarn.warnings import bulk
from forewarn.warnings.desk import Desk
from forewarn.warnings.grouping import next_flush_at
from forewarn.warnings.models import GroupMember, InhibitKey, WarningGroup, table_of
from forewarn.warnings.routing import group_key, group_labels

CHUNK = 900


def among(column: Any, values: Sequence[Any]) -> Any:
    """``column IN values`` as one expanding parameter (no statement built per value)."""
    return column.in_(bindparam(None, list(values), expanding=True))


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """`values` in slices of at most `size` (bind-parameter limits)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_ignore(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping those that clash with a unique key (both backends)."""
    bulk.insert_rows(session, model.__table__, rows, ignore_conflicts=True)


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
    for part in chunks(list(warning_ids)):
        rows = session.execute(
            select(GroupMember.warning_id, GroupMember.group_id).where(
                among(GroupMember.warning_id, part)
            )
        )
        for wid, gid in rows:
            out[wid].add(gid)
    return out


def _dynamic(desk: Desk, receiver: str) -> bool:
    found = desk.policy.receivers.get(receiver)
    return found is None or any(t.split(":")[0] in ("responsible", "parent") for t in found.to)


def join_groups(session: Session, routed: Sequence[Routed], desk: Desk, now: datetime) -> set[int]:
    """Put each warning into the groups of the routes it matches now; all its group ids.

    Memberships are sticky: a receiver told of a warning also hears how it ends, even when a
    level change no longer routes the warning to it.
    """
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    pairs: list[tuple[int, tuple[str, str]]] = []
    for item in routed:
        for route in desk.routes_for(item.labels):
            depts = item.departments if _dynamic(desk, route.receiver) else ()
            ident = (route.id, group_key(route, item.labels, depts))
            pairs.append((item.warning_id, ident))
            wanted.setdefault(
                ident,
                {
                    "route": route.id,
                    "key": ident[1],
                    "labels": group_labels(route, item.labels),
                    "receiver": route.receiver,
                    "departments": list(depts),
                    "group_wait_s": route.group_wait_s,
                    "group_interval_s": route.group_interval_s,
                    "repeat_interval_s": route.repeat_interval_s,
                    "created_at": now,
                    "flush_seq": 0,
                },
            )
    ids = _group_ids(session, wanted)
    members = [{"group_id": ids[ident], "warning_id": wid} for wid, ident in pairs]
    insert_ignore(session, GroupMember, members)
    current = memberships(session, [r.warning_id for r in routed])
    return set().union(*current.values()) if current else set()


def _group_ids(
    session: Session, wanted: Mapping[tuple[str, str], dict[str, Any]]
) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    keys = sorted({k for _r, k in wanted})
    for part in chunks(keys):
        rows = session.execute(
            select(WarningGroup.route, WarningGroup.key, WarningGroup.id).where(
                among(WarningGroup.key, part)
            )
        )
        ids.update({(r, k): i for r, k, i in rows if (r, k) in wanted})
    missing = [row for ident, row in wanted.items() if ident not in ids]
    if missing:
        insert_ignore(session, WarningGroup, missing)
        for part in chunks(sorted({r["key"] for r in missing})):
            rows = session.execute(
                select(WarningGroup.route, WarningGroup.key, WarningGroup.id).where(
                    among(WarningGroup.key, part)
                )
            )
            ids.update({(r, k): i for r, k, i in rows if (r, k) in wanted})
    return ids


def dirty_groups(session: Session, group_ids: Iterable[int], now: datetime) -> list[int]:
    """Plan a flush of each group (after its group wait or interval); the ids due at `now`."""
    due: list[int] = []
    updates: list[dict[str, Any]] = []
    for part in chunks(sorted(set(group_ids))):
        rows = session.execute(
            select(
                WarningGroup.id,
                WarningGroup.created_at,
                WarningGroup.last_flush_at,
                WarningGroup.next_flush_at,
                WarningGroup.group_wait_s,
                WarningGroup.group_interval_s,
            ).where(among(WarningGroup.id, part))
        )
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
    update_by_id(session, table_of(WarningGroup), updates)
    return due


def sync_inhibit_keys(
    session: Session, keys: Mapping[int, tuple[Sequence[str], Sequence[str]]]
) -> set[str]:
    """Replace the (source, target) inhibition keys of each warning; source keys it dropped."""
    dropped: set[str] = set()
    ids = list(keys)
    for part in chunks(ids):
        old = session.execute(
            select(InhibitKey.warning_id, InhibitKey.key).where(
                among(InhibitKey.warning_id, part), InhibitKey.role == "source"
            )
        )
        for wid, key in old:
            if key not in keys[wid][0]:
                dropped.add(key)
        session.execute(delete(InhibitKey).where(among(InhibitKey.warning_id, part)))
    rows = [
        {"key": k, "role": role, "warning_id": wid}
        for wid, (sources, targets) in keys.items()
        for role, values in (("source", sources), ("target", targets))
        for k in set(values)
    ]
    insert_ignore(session, InhibitKey, rows)
    return dropped


def sources_for(session: Session, keys: Iterable[str]) -> dict[str, list[int]]:
    """Firing source warnings under each key."""
    out: dict[str, list[int]] = {}
    for part in chunks(sorted(set(keys))):
        rows = session.execute(
            select(InhibitKey.key, InhibitKey.warning_id).where(
                among(InhibitKey.key, part), InhibitKey.role == "source"
            )
        )
        for key, wid in rows:
            out.setdefault(key, []).append(wid)
    return out


def targets_of(session: Session, keys: Iterable[str]) -> list[int]:
    """Warnings that could be inhibited under any of `keys`."""
    out: set[int] = set()
    for part in chunks(sorted(set(keys))):
        out.update(
            session.scalars(
                select(InhibitKey.warning_id).where(
                    among(InhibitKey.key, part), InhibitKey.role == "target"
                )
            )
        )
    return sorted(out)


def groups_of(session: Session, warning_ids: Sequence[int]) -> set[int]:
    """All groups of the given warnings."""
    found = memberships(session, warning_ids)
    return set().union(*found.values()) if found else set()

"""``apply_signals``: the engine's signals become warnings, time-line events and notifications.

One batch costs a handful of set-based statements whatever its size: load the light columns of
the batch's warnings (locked on PostgreSQL), decide in memory, insert new warnings and events,
update only the columns that changed, refresh the inhibition index, join notification groups,
and flush the groups that are due. Idempotent per signal: a signal already applied (same
state, level and time) or older than what its warning has seen changes nothing. Never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy.orm import Session

from forewarn.detect.signals import Signal
from forewarn.warnings import effects, gcpause, rows
from forewarn.warnings.decide import Decider, Draft, parse_json
from forewarn.warnings.desk import Desk
from forewarn.warnings.lifecycle import FIRING, OPEN, STATUS
from forewarn.warnings.muting import source_keys, target_keys
from forewarn.warnings.timeline import append_events

LIGHT = (
    "id", "fingerprint", "open_fingerprint", "rule", "status", "level", "highest_level", "title",
    "message", "field", "region_code", "site_code", "department_id", "started_at",
    "activated_at", "ended_at", "last_signal_at", "last_signal_key", "last_event_id",
    "reactivations", "flapping", "escalation_started_at", "escalation_step",
    "escalation_due_at", "changes", "escalation",
)  # fmt: skip
REPLAY_HORIZON = timedelta(days=1)


@dataclass
class ApplyResult:
    """What a batch did."""

    signals: int = 0
    ignored: int = 0
    created: int = 0
    changed: int = 0
    events: int = 0
    notifications: int = 0
    warning_ids: set[int] = field(default_factory=set)


def _load(
    session: Session, fingerprints: Sequence[str], since: datetime
) -> dict[str, dict[str, Any]]:
    """The current warning of each fingerprint: the open one, else the latest recent one."""
    found: dict[str, dict[str, Any]] = {}
    where = "w.open_fingerprint IS NOT NULL OR w.ended_at >= ?"
    loaded = rows.fetch(
        session, LIGHT, "fingerprint", sorted(set(fingerprints)), where=where, params=[since],
        lock=True,
    )  # fmt: skip
    for row in loaded:
        current = found.get(row["fingerprint"])
        if current is None or (
            current["open_fingerprint"] is None
            and (row["open_fingerprint"] is not None or row["id"] > current["id"])
        ):
            found[row["fingerprint"]] = row
    for row in found.values():
        row["changes"] = parse_json(row["changes"]) or []
        row["escalation"] = parse_json(row["escalation"])
    return found


def _decide(
    decider: Decider,
    signals: Iterable[Signal],
    loaded: dict[str, dict[str, Any]],
    result: ApplyResult,
) -> list[Draft]:
    drafts: dict[int, Draft] = {}
    current = {fp: Draft(row, before=(row["status"], row["level"])) for fp, row in loaded.items()}
    # By fingerprint, then time: two stable sorts, each on one key, cost half of one sort on
    # (fingerprint, at) tuples (a batch's signals mostly share one time).
    ordered = sorted(signals, key=attrgetter("at"))
    ordered.sort(key=attrgetter("fingerprint"))
    for signal in ordered:
        result.signals += 1
        changed, _replaced = decider.apply(current.get(signal.fingerprint), signal)
        if changed is None:
            result.ignored += 1
            continue
        current[signal.fingerprint] = changed
        drafts[id(changed)] = changed
    return list(drafts.values())


_LAST_EVENT = ("last_event_id",)


_OPEN_FINGERPRINT = ("open_fingerprint",)


def _write(session: Session, drafts: list[Draft]) -> None:
    new = [d for d in drafts if d.new]
    # A batch may end a warning and open the next of its fingerprint (an engine catching up):
    # the ended one gives its open fingerprint up before the new one takes it.
    opening = {d.row["open_fingerprint"] for d in new if d.row["open_fingerprint"]}
    freed = [
        (d.row["id"], d.row, _OPEN_FINGERPRINT)
        for d in drafts
        if not d.new and d.row["open_fingerprint"] is None and d.row["fingerprint"] in opening
    ]
    if freed:
        rows.update(session, freed)
    for d, wid in zip(new, rows.insert(session, [d.row for d in new]), strict=True):
        d.row["id"] = wid
    events, owners = [], []
    for d in drafts:
        wid = d.row["id"]
        for index, e in enumerate(d.events):
            e["warning_id"] = wid
            events.append(e)
            owners.append((d, index))
    for (d, index), eid in zip(owners, append_events(session, events), strict=True):
        if index in d.state_events:
            d.put({"last_event_id": eid})
    changed = [(d.row["id"], d.row, d.dirty) for d in drafts if not d.new]
    # a new warning's events are written after it (they need its id): their id follows it
    opened = [(d.row["id"], d.row, _LAST_EVENT) for d in new if d.row.get("last_event_id")]
    rows.update(session, [*changed, *opened])


def _keys_may_change(desk: Desk, d: Draft) -> bool:
    if d.new or not d.moved:
        return d.new
    status, level = d.before
    now_status = d.row["status"]
    firing = (status in FIRING) != (now_status in FIRING)
    opened = (status in OPEN) != (now_status in OPEN)
    return firing or opened or (desk.inhibition_reads_level and level != d.row["level"])


def refresh_inhibition(
    session: Session, desk: Desk, decider: Decider, drafts: Sequence[Draft]
) -> set[int]:
    """Update the inhibition index of warnings whose keys may have changed; the groups of
    targets that a source stopped inhibiting."""
    rules = desk.policy.inhibit_rules
    if not rules:
        return set()
    keys: dict[int, tuple[list[str], list[str]]] = {}
    for d in drafts:
        if not _keys_may_change(desk, d):
            continue
        labels = decider.labels_for(d.row, d.row["level"])
        status = STATUS[d.row["status"]]
        keys[d.row["id"]] = (
            source_keys(rules, labels) if status in FIRING else [],
            target_keys(rules, labels) if status in OPEN else [],
        )
    dropped = effects.sync_inhibit_keys(session, keys) if keys else set()
    released = effects.targets_of(session, dropped) if dropped else []
    return effects.groups_of(session, released) if released else set()


def _groups(
    session: Session, desk: Desk, decider: Decider, drafts: Sequence[Draft], now: datetime
) -> set[int]:
    """Groups to plan a flush for: join the routes a warning matches when they may have
    changed (new, newly firing, or a level change that routes elsewhere), else its groups."""
    join, stay = [], []
    for d in drafts:
        if not d.notify:
            continue
        labels = decider.labels_for(d.row, d.row["level"])
        status, level = d.before
        if (
            not d.new
            and status in FIRING
            and (level == d.row["level"] or not desk.routes_move(labels, level, d.row["level"]))
        ):
            stay.append(d.row["id"])
            continue
        found = decider.responsibility(d.row["region_code"], d.row["field"])
        join.append(effects.Routed(d.row["id"], labels, tuple(x.id for x in found.departments)))
    held = effects.memberships(session, [r.warning_id for r in join] + stay)  # one read
    groups = effects.join_groups(session, join, desk, now, held) if join else set()
    return groups.union(*(held[w] for w in stay))


def apply_signals(
    session: Session, signals: Sequence[Signal], *, now: datetime, desk: Desk | None = None
) -> ApplyResult:
    """Apply a batch of engine signals; groups that are due are flushed into the outbox."""
    if not signals:
        return ApplyResult()
    with gcpause.paused():
        return _apply(session, signals, now, desk or Desk())


def _apply(session: Session, signals: Sequence[Signal], now: datetime, desk: Desk) -> ApplyResult:
    from forewarn.warnings.dispatch import flush_groups

    result = ApplyResult()
    decider = Decider(desk, desk.directory(session), now)
    horizon = max(timedelta(seconds=desk.policy.lifecycle.reactivate_within_s), REPLAY_HORIZON)
    loaded = _load(session, [s.fingerprint for s in signals], min(s.at for s in signals) - horizon)
    drafts = _decide(decider, signals, loaded, result)
    if not drafts:
        return result
    _write(session, drafts)
    result.created = sum(d.new for d in drafts)
    result.changed = len(drafts) - result.created
    result.events = sum(len(d.events) for d in drafts)
    result.warning_ids = {d.row["id"] for d in drafts}
    groups = refresh_inhibition(session, desk, decider, drafts)
    groups |= _groups(session, desk, decider, drafts, now)
    due = effects.dirty_groups(session, groups, now) if groups else []
    if due:
        result.notifications = flush_groups(session, desk, now=now, group_ids=due).notifications
    return result

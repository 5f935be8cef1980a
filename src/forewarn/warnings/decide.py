"""From one signal and a warning's current columns to its new columns and time-line events.

Pure given its inputs (policy, catalogue directory, route decisions, `now`): the caller loads
rows and writes what `Draft` says; nothing here touches the store. Only light columns are
loaded for existing warnings: labels come from the signal (they identify its subject), the
responsible departments from the cached directory, and the release content is written once,
at the first activation (its level is the warning's current level, filled in when read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from forewarn.common import Level
from forewarn.detect.signals import Signal, SignalState
from forewarn.memo import Memo
from forewarn.warnings import content as release
from forewarn.warnings import escalation as esc
from forewarn.warnings.content import LABEL, LEVEL
from forewarn.warnings.desk import Desk
from forewarn.warnings.directory import Directory
from forewarn.warnings.lifecycle import (
    FIRING,
    OPEN,
    STATUS,
    TEXT,
    Action,
    Escalation,
    Flapping,
    State,
    Status,
    Step,
    flapping_after,
    reactivates,
    signal_step,
)
from forewarn.warnings.routing import Responsibility, match_labels, walk_up
from forewarn.warnings.timeline import ENGINE
from forewarn.warnings.titles import default_title

_ACTIVE, _PENDING = TEXT[Status.ACTIVE], TEXT[Status.PENDING]
# Enum members as module globals: on Python 3.11 `Status.ACTIVE` and the like go through the
# enum metaclass's `__getattr__` hook, about a thousand instructions each, several per signal.
_PEND, _FIRE, _RESOLVE = Action.PEND, Action.FIRE, Action.RESOLVE
_START, _STOP, _RETIME = Escalation.START, Escalation.STOP, Escalation.RETIME
_ENDED = frozenset({Status.RESOLVED, Status.LIFTED})
ACTIONS = {
    SignalState.PENDING: Action.PEND,
    SignalState.FIRING: Action.FIRE,
    SignalState.RESOLVED: Action.RESOLVE,
}


def _parse_text(raw: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # text json.dumps wrote with NaN or Infinity in it
        return json.loads(raw)


_parse = Memo(_parse_text, 4096).__getitem__


def parse_json(raw: Any) -> Any:
    """A JSON column read as text, parsed (memoised: snapshots repeat; do not mutate); values
    the driver already decoded (PostgreSQL) pass through."""
    if isinstance(raw, str):
        return _parse(raw) if raw else None
    return raw


@dataclass(slots=True)
class Draft:
    """A warning being changed by a batch: its columns, what changed, events to append."""

    row: dict[str, Any]
    new: bool = False
    dirty: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    state_events: list[int] = field(default_factory=list)  # indexes of status/level events
    notify: bool = False
    moved: bool = False  # status or level changed: inhibition keys need refreshing
    before: tuple[str | None, int | None] = (None, None)  # (status, level) when loaded

    @property
    def state(self) -> State:
        """The lifecycle view of the row."""
        level = self.row["level"]
        return State(STATUS[self.row["status"]], LEVEL.get(level), self.row["ended_at"])

    def set(self, **values: Any) -> None:
        """Change columns (those whose value differs will be written)."""
        self.put(values)

    def put(self, values: dict[str, Any]) -> None:
        """Change columns given as a mapping (those whose value differs will be written)."""
        row, dirty = self.row, self.dirty
        for name, value in values.items():
            if name not in row or row[name] != value:
                row[name] = value
                dirty.add(name)

    def put1(self, name: str, value: Any) -> None:
        """Change one column (written if its value differs): ``put`` without a mapping."""
        row = self.row
        if name not in row or row[name] != value:
            row[name] = value
            self.dirty.add(name)

    def event(
        self,
        kind: str,
        at: datetime,
        *,
        state: bool = False,
        level: int | None = None,
        status: str | None = None,
        rule: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Queue a time-line event as its row (``state``: it moves status or level); the
        warning's id is filled in when it is written."""
        if state:
            self.state_events.append(len(self.events))
        self.events.append(
            {"warning_id": None, "time": at, "kind": kind, "actor": ENGINE, "level": level,
             "status": status, "rule": rule, "data": data or {}}
        )  # fmt: skip


@lru_cache(maxsize=4096)
def _key_head(state: SignalState, level: Level | None, at: datetime) -> str:
    # Memoised: the signals of a batch share a few states, levels and times.
    return f"{state.value}:{LABEL[level] if level else '-'}:{at.isoformat()}"[:200]


def signal_key(signal: Signal) -> str:
    """What makes a signal the same signal when it is sent again."""
    return _key_head(signal.state, signal.level, signal.at)


def is_stale(row: dict[str, Any], signal: Signal) -> bool:
    """A signal already applied, or older than what the warning has seen."""
    last = row.get("last_signal_at")
    if last is not None and (
        signal.at < last or (signal.at == last and row.get("last_signal_key") == signal_key(signal))
    ):
        return True
    ended = row.get("ended_at")
    return row["status"] not in OPEN and ended is not None and signal.at <= ended


def _evidence(signal: Signal) -> dict[str, Any]:
    data: dict[str, Any] = {"value": signal.value, "score": signal.score, "message": signal.message}
    if signal.explanation:
        data["explanation"] = signal.explanation
    if signal.evidence:
        data["evidence"] = [
            {
                "rule": e.rule,
                "fingerprint": e.fingerprint,
                "level": e.level.label if e.level else None,
                "value": e.value,
                "at": e.at.isoformat(),
                "message": e.message,
            }
            for e in signal.evidence
        ]
    return data


def _default_title(signal: Signal, labels: dict[str, str]) -> str:
    """``<rule name> — <site name or region>`` when the rule's annotations give no title."""
    name = signal.explanation.get("rule_name")
    where = labels.get("site_name") or labels.get("region_name") or labels.get("region")
    return default_title(name if isinstance(name, str) and name else signal.rule, where)


def routing_json(found: Responsibility, field_code: str) -> dict[str, Any]:
    """How routing found the responsible departments, as stored on the warning."""
    return {
        "departments": [d.code for d in found.departments],
        "department_ids": [d.id for d in found.departments],
        "region": found.region,
        "walked": list(found.walked),
        "why": found.explain(field_code),
    }


class Decider:
    """Applies signals to drafts for one batch (policy and directory fixed for the batch)."""

    def __init__(self, desk: Desk, directory: Directory, now: datetime) -> None:
        self.desk = desk
        self.policy = desk.policy
        self.directory = directory
        self.now = now
        self._found: dict[tuple[str, str], Responsibility] = {}
        self._routing: dict[tuple[str, str], dict[str, Any]] = {}
        self._labels: dict[tuple[Any, ...], tuple[dict[str, str], dict[str, str]]] = {}
        self._offsets: dict[tuple[Any, ...], tuple[Any, timedelta | None]] = {}

    def responsibility(self, region: str | None, field_code: str) -> Responsibility:
        """The responsible departments at `region` for `field_code` (memoised per batch)."""
        key = (region or "", field_code)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = walk_up(self.directory, region, field_code)
        return found

    def _routing_of(self, region: str, field_code: str, found: Responsibility) -> dict[str, Any]:
        """``routing_json``, one shared object per region and field in a batch."""
        routing = self._routing.get((region, field_code))
        if routing is None:
            routing = self._routing[(region, field_code)] = routing_json(found, field_code)
        return routing

    def labels_of(self, signal: Signal) -> dict[str, str]:
        """The signal's labels completed with its site's labels and name."""
        labels = dict(signal.labels)
        site = self.directory.sites.get(labels.get("site", ""))
        if site is not None:
            for name, value in site.added.items():
                labels.setdefault(name, value)
        return labels

    def labels_for(self, row: dict[str, Any], level: int | None) -> dict[str, str]:
        """The labels routes and mutes match on, at `level` (memoised per batch: the labels
        object of a row is replaced, never changed, when a signal brings new ones)."""
        labels = row["labels"]
        key = (id(labels), row["rule"], row["field"], row["region_code"], level)
        found = self._labels.get(key)
        if found is not None and found[0] is labels:
            return found[1]
        where = self.responsibility(row["region_code"], row["field"])
        primary = where.primary
        made = match_labels(
            labels,
            rule=row["rule"],
            level=LEVEL.get(level),
            field=row["field"],
            region=self.directory.regions.get(row["region_code"] or ""),
            department=primary.code if primary else None,
        )
        self._labels[key] = (labels, made)
        return made

    def new_row(self, signal: Signal, labels: dict[str, str]) -> dict[str, Any]:
        """Columns of a new warning for `signal`'s subject."""
        site = self.directory.sites.get(labels.get("site", ""))
        region_code = labels.get("region") or (site.region if site else None)
        region = self.directory.regions.get(region_code or "")
        field_code = labels.get("field") or (site.field if site else "")
        found = self.responsibility(region.code if region else None, field_code)
        notes = release.annotations_of(signal.explanation)
        title = notes.get("title") or notes.get("summary") or _default_title(signal, labels)
        primary = found.primary
        return {
            "id": None,
            "fingerprint": signal.fingerprint,
            "open_fingerprint": signal.fingerprint,
            "rule": signal.rule,
            "status": _PENDING,
            "level": None,
            "highest_level": None,
            "title": title[:500],
            "message": signal.message,
            "labels": labels,
            "field": field_code,
            "region_code": region.code if region else region_code,
            "region_path": region.path if region else "/",
            "site_code": site.code if site else labels.get("site"),
            "department_id": primary.id if primary else None,
            "routing": self._routing_of(region.code if region else "", field_code, found),
            "content": {},
            "explanation": signal.explanation,
            "value": signal.value,
            "score": signal.score,
            "started_at": signal.started_at,
            "activated_at": None,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "assignee": None,
            "ended_at": None,
            "ended_by": None,
            "end_reason": None,
            "updated_at": self.now,
            "last_signal_at": None,
            "last_signal_key": None,
            "last_event_id": None,
            "last_change": None,
            "reactivations": 0,
            "flapping": False,
            "changes": [],
            "muted_by": None,
            "escalation": None,
            "escalation_started_at": None,
            "escalation_step": 0,
            "escalation_due_at": None,
        }

    def apply(self, draft: Draft | None, signal: Signal) -> tuple[Draft | None, Draft | None]:
        """Apply one signal; (the draft it changed or created, or None; a draft it replaced)."""
        action = ACTIONS[signal.state]
        state: State | None = None
        if draft is not None:
            if is_stale(draft.row, signal):
                return None, None
            state = draft.state
            if state.status not in OPEN and not (
                action is _FIRE
                and reactivates(state, signal.at, self.policy.lifecycle.reactivate_within_s)
            ):
                if action is _RESOLVE:
                    return None, None
                if action is _PEND and reactivates(
                    state, signal.at, self.policy.lifecycle.reactivate_within_s
                ):
                    return None, None  # the rule's `for` runs: its firing signal re-activates this
                state = None
        if state is None:
            step = signal_step(None, None, action, signal.level)
        else:
            step = signal_step(state.status, state.level, action, signal.level)
        if step is None:
            return None, None
        labels = self.labels_of(signal)
        if state is not None and draft is not None:
            target, before = draft, state
            target.row["labels"] = labels
        else:
            target = Draft(self.new_row(signal, labels), new=True)
            before = target.state
        self._step(target, step, signal, before)
        return target, (draft if target is not draft else None)

    def _step(self, d: Draft, step: Step, signal: Signal, before: State) -> None:
        rule, at, changed = step.rule, signal.at, step.changed
        level = int(step.level) if step.level else None
        status = TEXT[step.status]
        change = rule.event
        values = {
            "status": status,
            "level": level,
            "last_signal_at": at,
            "last_signal_key": signal_key(signal),
            "value": signal.value,
            "score": signal.score,
            "message": signal.message or d.row["message"],
            "updated_at": self.now,
            "last_change": change,
        }
        if level is not None and level > (d.row["highest_level"] or 0):
            values["highest_level"] = level
        data: dict[str, Any] = _evidence(signal) if rule.sets_level else {"value": signal.value}
        if d.new and rule.sets_level and signal.explanation:
            # Written once with the details; later explanations live on their level events.
            values["explanation"] = signal.explanation
        if change == "level_changed" and before.level is not None and step.level is not None:
            data.update(from_level=LABEL[before.level], to_level=LABEL[step.level])
            values["last_change"] = "level_raised" if step.level > before.level else "level_lowered"
        d.put(values)
        d.event(
            rule.event,
            at,
            state=changed or rule.to is not None,
            level=int(step.level) if rule.sets_level and step.level else None,
            status=status if rule.to is not None else None,
            rule=rule.name,
            data=data,
        )
        self._columns(d, rule.name, step, signal)
        self._escalation(d, rule.escalation, at)
        d.notify = d.notify or rule.notify
        d.moved = d.moved or changed
        if changed:
            self._flapping(d, at)

    def _columns(self, d: Draft, rule: str, step: Step, signal: Signal) -> None:
        at = signal.at
        first = d.row["activated_at"] is None and step.status in FIRING
        if first:
            d.put1("activated_at", at)
        if rule == "reactivate":
            d.set(
                ended_at=None,
                ended_by=None,
                end_reason=None,
                open_fingerprint=d.row["fingerprint"],
                reactivations=d.row["reactivations"] + 1,
                acknowledged_at=None,
                acknowledged_by=None,
            )
        if rule == "unack_on_raise":
            d.put({"acknowledged_at": None, "acknowledged_by": None})
        if step.status in _ENDED and d.row["ended_at"] is None:
            d.put({"ended_at": at, "open_fingerprint": None, "end_reason": "condition gone"})
        if first:
            d.put1("content", self._content(d, step.level, signal))

    def _content(self, d: Draft, level: Level | None, signal: Signal) -> dict[str, Any]:
        region = self.directory.regions.get(d.row["region_code"] or "")
        area = [{"code": region.code, "name": region.name}] if region else []
        primary = self.directory.departments_by_id.get(d.row["department_id"] or -1)
        return release.release_content(
            rule=d.row["rule"],
            title=d.row["title"],
            level=level,
            started_at=d.row["started_at"],
            issued_at=d.row["activated_at"],
            area=area,
            annotations=release.annotations_of(signal.explanation),
            issuer={"code": primary.code, "name": primary.name} if primary else None,
        )

    def _escalation(self, d: Draft, how: Escalation, at: datetime) -> None:
        level = LEVEL.get(d.row["level"])
        if how is _START:
            routes = self.desk.routes_for(self.labels_for(d.row, d.row["level"]))
            name = next((r.escalation for r in routes if r.escalation), None)
            snap = self.desk.snapshot(name)
            d.set(
                escalation=snap,
                escalation_started_at=at,
                escalation_step=0,
                escalation_due_at=esc.due_at(snap, level, at, 0),
            )
        elif how is _STOP and d.row["escalation_due_at"] is not None:
            d.put1("escalation_due_at", None)
        elif how is _RETIME and d.row["status"] == _ACTIVE:
            started = d.row["escalation_started_at"] or at
            due = self._due(d.row["escalation"], level, started, d.row["escalation_step"])
            if due != d.row["escalation_due_at"]:
                d.put1("escalation_due_at", due)

    def _due(
        self, snap: dict[str, Any] | None, level: Level | None, started: datetime, taken: int
    ) -> datetime | None:
        """``escalation.due_at``, its offset memoised per snapshot object, level and step."""
        key = (id(snap), level, taken)
        found = self._offsets.get(key)
        if found is None or found[0] is not snap:
            due = esc.due_at(snap, level, started, taken)
            found = self._offsets[key] = (snap, None if due is None else due - started)
        return None if found[1] is None else started + found[1]

    def _flapping(self, d: Draft, at: datetime) -> None:
        life = self.policy.lifecycle
        was = bool(d.row["flapping"])
        after = flapping_after(
            Flapping(d.row["changes"] or (), was),
            now=at,
            changed=True,
            window_s=life.flap_window_s,
            max_changes=life.flap_max_changes,
        )
        d.put1("changes", after.changes)  # a tuple: stored as the same JSON array
        if after.flapping != was:
            d.put1("flapping", after.flapping)
            kind = "flapping_started" if after.flapping else "flapping_stopped"
            d.event(
                kind,
                at,
                data={"changes_in_window": len(after.changes), "window_s": life.flap_window_s},
            )

"""From one signal and a warning's current columns to its new columns and time-line events.

Pure given its inputs (policy, catalogue directory, route decisions, `now`): the caller loads
rows and writes what `Draft` says; nothing here touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forewarn.common import Level
from forewarn.detect.signals import Signal, SignalState
from forewarn.warnings import content as release
from forewarn.warnings import escalation as esc
from forewarn.warnings.desk import Desk
from forewarn.warnings.directory import Directory
from forewarn.warnings.lifecycle import (
    FIRING,
    OPEN,
    Action,
    Escalation,
    Flapping,
    State,
    Status,
    Step,
    flapping_after,
    on_signal,
    reactivates,
)
from forewarn.warnings.routing import walk_up, warning_labels
from forewarn.warnings.timeline import ENGINE

ACTIONS = {
    SignalState.PENDING: Action.PEND,
    SignalState.FIRING: Action.FIRE,
    SignalState.RESOLVED: Action.RESOLVE,
}


@dataclass
class Draft:
    """A warning being changed by a batch: its columns, what changed, events to append."""

    row: dict[str, Any]
    new: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)
    state_events: list[int] = field(default_factory=list)  # indexes of status/level events
    change: str | None = None  # what the last of them did (becomes ``last_change``)
    notify: bool = False
    moved: bool = False  # status or level changed: inhibition keys need refreshing

    @property
    def state(self) -> State:
        """The lifecycle view of the row."""
        level = self.row["level"]
        return State(
            Status(self.row["status"]), Level(level) if level else None, self.row["ended_at"]
        )

    def set(self, **values: Any) -> None:
        """Change columns."""
        self.row.update(values)

    def event(self, kind: str, at: datetime, *, state: bool = False, **extra: Any) -> None:
        """Queue a time-line event (``state``: it moves status or level)."""
        if state:
            self.state_events.append(len(self.events))
        self.events.append({"kind": kind, "time": at, "actor": ENGINE, **extra})


def signal_key(signal: Signal) -> str:
    """What makes a signal the same signal when it is sent again."""
    level = signal.level.label if signal.level else "-"
    return f"{signal.state.value}:{level}:{signal.at.isoformat()}"[:200]


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
    head = name if isinstance(name, str) and name else signal.rule
    return f"{head} — {where}" if where else head


class Decider:
    """Applies signals to drafts for one batch (policy and directory fixed for the batch)."""

    def __init__(self, desk: Desk, directory: Directory, now: datetime) -> None:
        self.desk = desk
        self.policy = desk.policy
        self.directory = directory
        self.now = now

    def labels_for(self, row: dict[str, Any], level: int | None) -> dict[str, str]:
        """The labels routes and mutes match on, at `level`."""
        return warning_labels({**row, "level": level}, self.directory)

    def new_row(self, signal: Signal) -> dict[str, Any]:
        """Columns of a new warning for `signal`'s subject."""
        labels = dict(signal.labels)
        site = self.directory.sites.get(labels.get("site", ""))
        if site is not None:
            for key, value in site.labels.items():
                labels.setdefault(key, value)
            labels.setdefault("site_name", site.name)
        region_code = labels.get("region") or (site.region if site else None)
        region = self.directory.regions.get(region_code or "")
        field_code = labels.get("field") or (site.field if site else "")
        found = walk_up(self.directory, region.code if region else None, field_code)
        notes = release.annotations_of(signal.explanation)
        title = notes.get("title") or notes.get("summary") or _default_title(signal, labels)
        primary = found.primary
        return {
            "id": None,
            "fingerprint": signal.fingerprint,
            "open_fingerprint": signal.fingerprint,
            "rule": signal.rule,
            "status": Status.PENDING.value,
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
            "routing": {
                "departments": [d.code for d in found.departments],
                "department_ids": [d.id for d in found.departments],
                "region": found.region,
                "walked": list(found.walked),
                "why": found.explain(field_code),
            },
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
                action is Action.FIRE
                and reactivates(state, signal.at, self.policy.lifecycle.reactivate_within_s)
            ):
                if action is Action.RESOLVE:
                    return None, None
                state = None
        step = on_signal(state, action, signal.level)
        if step is None:
            return None, None
        target = draft if state is not None else Draft(self.new_row(signal), new=True)
        self._step(target, step, signal)
        return target, (draft if target is not draft else None)

    def _step(self, d: Draft, step: Step, signal: Signal) -> None:
        rule, at, before = step.rule, signal.at, d.state
        d.set(
            status=step.status.value,
            level=int(step.level) if step.level else None,
            last_signal_at=at,
            last_signal_key=signal_key(signal),
            value=signal.value,
            score=signal.score,
            message=signal.message or d.row["message"],
            explanation=signal.explanation or d.row["explanation"],
            updated_at=self.now,
        )
        if step.level is not None:
            d.set(highest_level=max(int(step.level), d.row["highest_level"] or 0))
        data = (
            _evidence(signal)
            if rule.sets_level
            else {"value": signal.value, "message": signal.message}
        )
        change = rule.event
        if rule.event == "level_changed" and before.level is not None and step.level is not None:
            data.update(from_level=before.level.label, to_level=step.level.label)
            change = "level_raised" if step.level > before.level else "level_lowered"
        d.event(
            rule.event,
            at,
            state=step.changed or rule.to is not None,
            level=int(step.level) if rule.sets_level and step.level else None,
            status=step.status.value if rule.to is not None else None,
            rule=rule.name,
            data=data,
        )
        d.set(last_change=change)
        self._columns(d, rule.name, step, signal)
        self._escalation(d, rule.escalation, at)
        d.notify = d.notify or rule.notify
        d.moved = d.moved or step.changed
        if step.changed:
            self._flapping(d, at)

    def _columns(self, d: Draft, rule: str, step: Step, signal: Signal) -> None:
        at = signal.at
        if rule in ("fire", "open_firing", "reactivate") and d.row["activated_at"] is None:
            d.set(activated_at=at)
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
            d.set(acknowledged_at=None, acknowledged_by=None)
        if step.status in (Status.RESOLVED, Status.LIFTED) and d.row["ended_at"] is None:
            d.set(ended_at=at, open_fingerprint=None, end_reason="condition gone")
        if step.status in FIRING:
            d.set(content=self._content(d, step.level, signal))

    def _content(self, d: Draft, level: Level | None, signal: Signal) -> dict[str, Any]:
        if d.row["content"]:
            return release.with_level(d.row["content"], level)
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
        level = Level(d.row["level"]) if d.row["level"] else None
        if how is Escalation.START:
            routes = self.desk.routes_for(self.labels_for(d.row, d.row["level"]))
            name = next((r.escalation for r in routes if r.escalation), None)
            snap = esc.snapshot(self.policy, name, now=self.now)
            d.set(
                escalation=snap,
                escalation_started_at=at,
                escalation_step=0,
                escalation_due_at=esc.due_at(snap, level, at, 0),
            )
        elif how is Escalation.STOP:
            d.set(escalation_due_at=None)
        elif how is Escalation.RETIME and d.row["status"] == Status.ACTIVE.value:
            started = d.row["escalation_started_at"] or at
            d.set(
                escalation_due_at=esc.due_at(
                    d.row["escalation"], level, started, d.row["escalation_step"]
                )
            )

    def _flapping(self, d: Draft, at: datetime) -> None:
        life = self.policy.lifecycle
        before = Flapping(tuple(d.row["changes"] or ()), bool(d.row["flapping"]))
        after = flapping_after(
            before,
            now=at,
            changed=True,
            window_s=life.flap_window_s,
            max_changes=life.flap_max_changes,
        )
        d.set(changes=list(after.changes), flapping=after.flapping)
        if after.flapping != before.flapping:
            kind = "flapping_started" if after.flapping else "flapping_stopped"
            d.event(
                kind,
                at,
                data={"changes_in_window": len(after.changes), "window_s": life.flap_window_s},
            )

"""The warning lifecycle: one status, a transition table of named rules, flapping (all pure).

Statuses: ``pending`` (condition holding, ``for`` not yet reached) -> ``active`` ->
``acknowledged`` -> ``resolved`` (condition gone) or ``lifted`` (ended by a person, with a
reason). A resolved warning that fires again within ``reactivate_within`` is re-activated
instead of replaced. The level moves inside the warning; raising the level of an acknowledged
warning hands it back to ``active`` (someone must look again), lowering it does not.

Every transition carries the name of the rule that allowed it; it is written on the time line.
Anything the table does not allow raises :class:`forewarn.errors.InvalidTransition`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from forewarn.common import Level
from forewarn.errors import InvalidTransition
from forewarn.memo import Memo


class Status(StrEnum):
    """Where a warning stands."""

    PENDING = "pending"
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    LIFTED = "lifted"


STATUS = {s.value: s for s in Status}  # faster than Status(value) on hot paths
TEXT = {s: s.value for s in Status}  # faster than `.value` (a descriptor written in Python)
OPEN = frozenset({Status.PENDING, Status.ACTIVE, Status.ACKNOWLEDGED})
FIRING = frozenset({Status.ACTIVE, Status.ACKNOWLEDGED})


class Action(StrEnum):
    """What can happen to a warning: a signal from the engine, or a person's act."""

    PEND = "pend"
    FIRE = "fire"
    RESOLVE = "resolve"
    ACK = "ack"
    ASSIGN = "assign"
    COMMENT = "comment"
    ESCALATE = "escalate"
    LIFT = "lift"


class Escalation(StrEnum):
    """What a transition does to the acknowledgement clock."""

    KEEP = "keep"  # nothing changes
    START = "start"  # the clock starts now (first activation, re-activation, un-acknowledgement)
    STOP = "stop"  # acknowledged or ended: no more escalation
    RETIME = "retime"  # the level changed: due times follow the new level's chain


@dataclass(frozen=True)
class Rule:
    """One row of the transition table."""

    name: str
    to: Status | None  # None: the status stays as it is
    event: str  # kind of the time-line event written
    notify: bool
    escalation: Escalation = Escalation.KEEP
    sets_level: bool = False


_E = Escalation
_S = Status
# (status or None for "no warning yet", action, level move) -> rule. Level move is "up", "down",
# "same" for FIRE and "-" otherwise. A missing key is an invalid transition (or, for engine
# signals, a no-op: see `on_signal`).
TABLE: dict[tuple[Status | None, Action, str], Rule] = {
    (None, Action.PEND, "-"): Rule("open_pending", _S.PENDING, "pending", False, sets_level=True),
    (None, Action.FIRE, "-"): Rule("open_firing", _S.ACTIVE, "activated", True, _E.START, True),
    (_S.PENDING, Action.FIRE, "-"): Rule("fire", _S.ACTIVE, "activated", True, _E.START, True),
    (_S.PENDING, Action.RESOLVE, "-"): Rule("pending_cleared", _S.RESOLVED, "resolved", False),
    (_S.ACTIVE, Action.FIRE, "up"): Rule("raise", None, "level_changed", True, _E.RETIME, True),
    (_S.ACTIVE, Action.FIRE, "down"): Rule("lower", None, "level_changed", True, _E.RETIME, True),
    (_S.ACTIVE, Action.RESOLVE, "-"): Rule("resolve", _S.RESOLVED, "resolved", True, _E.STOP),
    (_S.ACTIVE, Action.ACK, "-"): Rule("ack", _S.ACKNOWLEDGED, "acknowledged", False, _E.STOP),
    # A person takes the next escalation step now (nobody has acknowledged: the warning is active).
    (_S.ACTIVE, Action.ESCALATE, "-"): Rule("escalate", None, "escalated", True),
    (_S.ACKNOWLEDGED, Action.FIRE, "up"): Rule(
        "unack_on_raise", _S.ACTIVE, "level_changed", True, _E.START, True
    ),
    (_S.ACKNOWLEDGED, Action.FIRE, "down"): Rule(
        "lower_acknowledged", None, "level_changed", True, sets_level=True
    ),
    (_S.ACKNOWLEDGED, Action.RESOLVE, "-"): Rule("resolve", _S.RESOLVED, "resolved", True),
    (_S.RESOLVED, Action.FIRE, "-"): Rule(
        "reactivate", _S.ACTIVE, "reactivated", True, _E.START, True
    ),
    (_S.RESOLVED, Action.LIFT, "-"): Rule("lift_resolved", _S.LIFTED, "lifted", True),
}
for _status in OPEN:
    TABLE[(_status, Action.LIFT, "-")] = Rule("lift", _S.LIFTED, "lifted", True, _E.STOP)
    TABLE[(_status, Action.ASSIGN, "-")] = Rule("assign", None, "assigned", False)
for _status in Status:
    TABLE[(_status, Action.COMMENT, "-")] = Rule("comment", None, "commented", False)
TABLE[(_S.PENDING, Action.PEND, "-")] = Rule(
    "pending_level", None, "pending", False, sets_level=True
)


class State(NamedTuple):
    """What the lifecycle needs to know about a warning (a tuple: one is built per signal)."""

    status: Status
    level: Level | None
    ended_at: datetime | None = None


class Step(NamedTuple):
    """The outcome of a transition: the rule, and the warning's status and level after it."""

    rule: Rule
    status: Status
    level: Level | None

    @property
    def changed(self) -> bool:
        """Whether status or level moved (what flapping counts)."""
        return self.rule.to is not None or self.rule.event == "level_changed"


def _move(old: Level | None, new: Level | None) -> str:
    if new is None or old is None or new == old:
        return "same"
    return "up" if new > old else "down"


def _key(
    state: State | None, action: Action, level: Level | None
) -> tuple[Status | None, Action, str]:
    status = state.status if state is not None else None
    if action is Action.FIRE and status in FIRING:
        assert state is not None
        return (status, action, _move(state.level, level))
    return (status, action, "-")


def _apply(state: State | None, rule: Rule, level: Level | None) -> Step:
    status = rule.to if rule.to is not None else (state.status if state else Status.PENDING)
    new_level = level if rule.sets_level and level is not None else (state.level if state else None)
    return Step(rule=rule, status=status, level=new_level)


def on_signal(state: State | None, action: Action, level: Level | None) -> Step | None:
    """The step an engine signal causes, or None when it changes nothing (a repeat, a stale
    resolve, a pending signal for a warning that already fires). `state` None: no warning yet.
    """
    if action not in (Action.PEND, Action.FIRE, Action.RESOLVE):
        raise ValueError(f"{action} is not a signal action")
    if state is None and action is Action.RESOLVE:
        return None
    rule = TABLE.get(_key(state, action, level))
    if rule is None:
        return None
    if rule.name == "pending_level" and state is not None and level == state.level:
        return None
    return _apply(state, rule, level)


@lru_cache(maxsize=1024)
def signal_step(
    status: Status | None, level: Level | None, action: Action, signal_level: Level | None
) -> Step | None:
    """``on_signal`` for a warning at `status` and `level` (None: no warning yet), memoised:
    a step depends on nothing else of the warning."""
    return on_signal(None if status is None else State(status, level), action, signal_level)


def on_action(state: State, action: Action) -> Step:
    """The step a person's act causes; InvalidTransition when the table does not allow it."""
    rule = TABLE.get(_key(state, action, None))
    if rule is None or action in (Action.PEND, Action.FIRE, Action.RESOLVE):
        allowed = sorted(a.value for (s, a, _m) in TABLE if s is state.status and a in _PEOPLE)
        raise InvalidTransition(
            f"cannot {action.value} a warning that is {state.status.value}",
            details={"status": state.status.value, "action": action.value, "allowed": allowed},
        )
    return _apply(state, rule, None)


_PEOPLE = frozenset({Action.ACK, Action.ASSIGN, Action.COMMENT, Action.ESCALATE, Action.LIFT})


def reactivates(state: State, at: datetime, window_s: float) -> bool:
    """Whether a firing signal at `at` re-activates this resolved warning (else: a new one)."""
    if state.status is not Status.RESOLVED or state.ended_at is None:
        return False
    return (at - state.ended_at).total_seconds() <= window_s


class Flapping(NamedTuple):
    """Recent change times (epoch seconds, oldest first) and whether the warning flaps."""

    changes: Sequence[float] = ()  # as read (a list) or as decided (a tuple)
    flapping: bool = False


# Memoised: a batch's signals share a few times, and an aware datetime's timestamp costs about
# 2,000 instructions.
_SECONDS: Memo[datetime, int] = Memo(lambda at: int(at.timestamp()), 1024)
_whole_seconds = _SECONDS.__getitem__


def flapping_after(
    flap: Flapping, *, now: datetime, changed: bool, window_s: float, max_changes: int
) -> Flapping:
    """Record a change (when `changed`) and decide flapping with hysteresis.

    A warning starts flapping when more than `max_changes` level or status changes fall within
    `window_s`, and stops only when at most half as many remain (so it does not flap in and out
    of flapping). Call with ``changed=False`` to let time pass.
    """
    t = _whole_seconds(now)  # plenty for windows of minutes, cheap to store
    kept = [c for c in flap.changes if t - c <= window_s]
    if changed:
        kept.append(t)
    count = min(len(kept), 2 * max_changes + 2)
    limit = max_changes // 2 if flap.flapping else max_changes
    return Flapping(tuple(kept[-count:]) if count else (), count > limit)

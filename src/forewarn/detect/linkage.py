"""Linkage rules: combine the states of other rules per region group and time window.

A member rule *counts* in a group (the region at ``group_by`` level that its series lie in) from
the instant one of its series fires at or above the member's level until ``window`` after the
last such series stopped. The linkage's condition holds while at least ``at_least`` member rules
count; its level is the rule's ``level`` or the highest level among the contributing signals.
It then moves like a detector rule: pending for ``for``, firing, resolved after
``keep_firing_for``; its signals carry the contributing member signals as ``evidence``.

Member signals are processed in time order up to the engine's clock (``advance(now)``), with the
window expiries and timers interleaved at their exact instants, so the result does not depend on
how the readings were chunked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forewarn.common import Level
from forewarn.detect.explain import clean, iso, level_values, render_all
from forewarn.detect.labels import REGION_LEVELS, fingerprint
from forewarn.detect.ruleset import LinkageRule
from forewarn.detect.signals import Signal, SignalState
from forewarn.timeutil import format_duration, from_ms, to_ms


@dataclass
class Member:
    """One member series in a group: when it started and stopped counting, its last signal."""

    rule: str
    since: int
    until: int | None
    signal: Signal

    def counts_at(self, t: int, window_ms: int) -> bool:
        """Whether it counts at instant `t`."""
        return self.since <= t and (self.until is None or t < self.until + window_ms)


@dataclass
class Group:
    """A linkage rule's state in one region group."""

    key: str
    labels: dict[str, str]
    members: dict[str, Member] = field(default_factory=dict)
    state: str = "normal"
    level: int = 0
    since: int | None = None
    clear_since: int | None = None
    evidence: tuple[Signal, ...] = ()


STATES = {"pending": SignalState.PENDING, "resolved": SignalState.RESOLVED}


class LinkageRuntime:
    """One linkage rule and its groups."""

    def __init__(self, rule: LinkageRule, region_names: dict[str, str]) -> None:
        self.rule = rule
        self.window_ms = round(rule.window_s * 1000)
        self.for_ms = round(rule.for_s * 1000)
        self.keep_ms = round(rule.keep_s * 1000)
        self.min_level = dict(rule.members)
        self.region_names = region_names
        self.groups: dict[str, Group] = {}

    def _group(self, sig: Signal) -> Group | None:
        key = sig.labels.get(f"region_{self.rule.group_by}")
        if not key:
            return None
        group = self.groups.get(key)
        if group is None:
            codes = sig.labels.get("region_path", "").split("/")
            path = "/".join(codes[: codes.index(key) + 1]) if key in codes else key
            labels = {"region": key, "region_name": self.region_names.get(key, key)}
            # Without its own field, a linkage rule takes its members' (the first one seen).
            field_ = self.rule.field or sig.labels.get("field", "")
            labels |= {"region_path": path, "linkage": self.rule.id, "field": field_}
            labels |= {
                f"region_{lvl}": sig.labels[f"region_{lvl}"]
                for lvl in REGION_LEVELS[: REGION_LEVELS.index(self.rule.group_by) + 1]
                if sig.labels.get(f"region_{lvl}")
            }
            group = self.groups[key] = Group(key, labels)
        return group

    def on_member(self, sig: Signal, t: int) -> None:
        """Note a member rule's signal at instant `t`."""
        group = self._group(sig)
        if group is None:
            return
        low = self.min_level.get(sig.rule)
        counting = sig.state is SignalState.FIRING and (low is None or (sig.level or 0) >= low)
        member = group.members.get(sig.fingerprint)
        if counting:
            if member is None or member.until is not None:
                group.members[sig.fingerprint] = Member(sig.rule, t, None, sig)
            else:
                member.signal = sig
        elif member is not None and member.until is None:
            member.until = t
            member.signal = sig

    def due(self) -> int | None:
        """The earliest instant at which some group's state may change on its own."""
        times = [t for g in self.groups.values() for t in self._timers(g)]
        return min(times) if times else None

    def _timers(self, group: Group) -> list[int]:
        out = [m.until + self.window_ms for m in group.members.values() if m.until is not None]
        if group.state == "pending" and group.since is not None:
            out.append(group.since + self.for_ms)
        if group.state == "firing" and group.clear_since is not None:
            out.append(group.clear_since + self.keep_ms)
        return out

    def evaluate(self, t: int) -> list[Signal]:
        """Re-evaluate every group at instant `t`; return the linkage signals."""
        out = []
        for key in sorted(self.groups):
            group = self.groups[key]
            out += self._step(group, t)
            self._forget(group, t)
            if group.state == "normal" and not group.members:
                del self.groups[key]
        return out

    def _forget(self, group: Group, t: int) -> None:
        for fp in [f for f, m in group.members.items() if not m.counts_at(t, self.window_ms)]:
            if group.members[fp].until is not None:
                del group.members[fp]

    def _condition(self, group: Group, t: int) -> tuple[int, tuple[Signal, ...]]:
        active = [m for m in group.members.values() if m.counts_at(t, self.window_ms)]
        rules = {m.rule for m in active}
        if len(rules) < self.rule.at_least:
            return 0, ()
        ranked = sorted(active, key=lambda m: (self._order(m.rule), m.signal.fingerprint))
        evidence = tuple(m.signal for m in ranked)
        if self.rule.level is not None:
            return int(self.rule.level), evidence
        return max(int(s.level or 1) for s in evidence), evidence

    def _order(self, rule_id: str) -> int:
        return [m for m, _ in self.rule.members].index(rule_id)

    def _step(self, group: Group, t: int) -> list[Signal]:
        new, evidence = self._condition(group, t)
        out: list[Signal] = []
        if group.state == "pending" and group.since is not None and group.since + self.for_ms <= t:
            group.state = "firing"
            out.append(self._signal(group, group.since + self.for_ms, "firing", "for"))
        clear = group.clear_since
        if group.state == "firing" and clear is not None and clear + self.keep_ms <= t:
            out.append(self._resolve(group, clear + self.keep_ms, "keep_firing_for"))
        if new:
            group.evidence = evidence
        out += self._move(group, new, t)
        return out

    def _move(self, group: Group, new: int, t: int) -> list[Signal]:
        if group.state == "normal":
            if not new:
                return []
            group.since, group.level = t, new
            group.state = "firing" if self.for_ms == 0 else "pending"
            return [self._signal(group, t, group.state, "members")]
        if not new:
            if group.state == "pending":
                return [self._resolve(group, t, "members")]
            if group.clear_since is None:
                if self.keep_ms == 0:
                    return [self._resolve(group, t, "members")]
                group.clear_since = t
            return []
        group.clear_since = None
        if new != group.level:
            group.level = new
            kind = "pending" if group.state == "pending" else "level"
            return [self._signal(group, t, kind, "members")]
        return []

    def retire(self, t: int) -> list[Signal]:
        """Resolve every open group (the rule was taken out of the file or edited, so nothing
        will judge its groups any more)."""
        return [
            self._resolve(group, t, "rule_removed")
            for group in self.groups.values()
            if group.state != "normal"
        ]

    def _resolve(self, group: Group, t: int, cause: str) -> Signal:
        sig = self._signal(group, t, "resolved", cause)
        group.state, group.level, group.since, group.clear_since = "normal", 0, None, None
        group.evidence = ()
        return sig

    def _params(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "members": [{"rule": r, "level": lv.label if lv else None} for r, lv in rule.members],
            "group_by": rule.group_by,
            "window_s": rule.window_s,
            "at_least": rule.at_least,
            "level": rule.level.label if rule.level else "highest",
        }

    def _signal(self, group: Group, t: int, transition: str, cause: str) -> Signal:
        rule = self.rule
        level = Level(group.level) if group.level else None
        started = group.since if group.since is not None else t
        at, start = from_ms(t), from_ms(started)
        members = sorted({s.rule for s in group.evidence}, key=self._order)
        values: dict[str, Any] = {
            "count": len(members),
            "members": ", ".join(members),
            "rule": rule.id,
            "rule_name": rule.name,
            "detector": "linkage",
            "state": transition,
            "at": iso(at),
            "started_at": iso(start),
            "duration_s": (t - started) / 1000,
            "duration": format_duration(round((t - started) / 1000)),
            **level_values(level),
        }
        template = rule.resolved_message if transition == "resolved" else rule.message
        message, annotations = render_all(template, rule.annotations, values, group.labels)
        explanation = {
            "rule": rule.id,
            "rule_name": rule.name,
            **({"rule_name_en": rule.name_en} if rule.name_en else {}),
            "field": group.labels.get("field") or rule.field,
            "detector": "linkage",
            "params": self._params(),
            "transition": transition,
            "cause": cause,
            "group": group.key,
            "active_members": members,
            "count": len(members),
            "for_s": rule.for_s,
            "keep_firing_for_s": rule.keep_s,
            "started_at": iso(start),
            "annotations": annotations,
        }
        return Signal(
            rule=rule.id,
            fingerprint=fingerprint(rule.id, {f"region_{rule.group_by}": group.key}),
            labels=dict(group.labels),
            state=STATES.get(transition, SignalState.FIRING),
            level=level,
            at=at,
            started_at=start,
            value=clean(float(len(members))),
            score=max((s.score for s in group.evidence), default=0.0),
            message=message,
            explanation=explanation,
            evidence=group.evidence,
        )


class LinkageSet:
    """All linkage rules: buffers member signals and replays them in time order up to `now`."""

    def __init__(self, rules: list[LinkageRule], region_names: dict[str, str]) -> None:
        self.runtimes = [LinkageRuntime(rule, region_names) for rule in rules]
        self.by_member: dict[str, list[LinkageRuntime]] = {}
        for rt in self.runtimes:
            for member, _ in rt.rule.members:
                self.by_member.setdefault(member, []).append(rt)
        self.pending: list[tuple[int, Signal]] = []

    def offer(self, signals: list[Signal]) -> None:
        """Buffer the member signals among `signals` (in the engine's order)."""
        self.pending.extend((to_ms(s.at), s) for s in signals if s.rule in self.by_member)

    def run(self, now: int) -> list[Signal]:
        """Process buffered member signals and timers up to `now`, in time order."""
        if not self.runtimes:
            return []
        take = sorted((p for p in self.pending if p[0] <= now), key=lambda p: p[0])
        self.pending = [p for p in self.pending if p[0] > now]
        out: list[Signal] = []
        i = 0
        while True:
            times = [rt.due() for rt in self.runtimes]
            timer = min((t for t in times if t is not None), default=None)
            event = take[i][0] if i < len(take) else None
            t = min(x for x in (timer, event, now + 1) if x is not None)
            if t > now:
                return out
            while i < len(take) and take[i][0] == t:
                for rt in self.by_member[take[i][1].rule]:
                    rt.on_member(take[i][1], t)
                i += 1
            for rt in self.runtimes:
                out += rt.evaluate(t)

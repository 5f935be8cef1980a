"""Muting decisions (pure): silences, inhibition rules, and the time intervals of a route.

A *silence* mutes the warnings its matchers select while it runs, and only inside the scope of
the person who created it (a county officer's silence never mutes another county's warnings).
An *inhibition rule* mutes target warnings while a firing source warning shares their `equal`
labels (a silent sensor mutes the value warnings of its site; a provincial red flood warning
mutes county yellow ones of the same river). Both mute notifications, never the time line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from forewarn.memo import Memo
from forewarn.scope import Scope
from forewarn.warnings.matchers import Matcher, match_all, parse_matchers
from forewarn.warnings.policy import InhibitRule, Route
from forewarn.warnings.timeintervals import TimeInterval


class SilenceState(StrEnum):
    """Where a silence stands at an instant."""

    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SilenceView:
    """What muting needs of a silence."""

    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    scope: Scope

    @classmethod
    def of(
        cls,
        id: int,
        matchers: Sequence[str],
        starts_at: datetime,
        ends_at: datetime,
        region_paths: Sequence[str] | None,
        fields: Sequence[str] | None,
    ) -> SilenceView:
        """Build from stored columns."""
        scope = Scope(
            tuple(region_paths) if region_paths is not None else None,
            frozenset(fields) if fields is not None else None,
        )
        return cls(id, parse_matchers(matchers), starts_at, ends_at, scope)


def silence_state(starts_at: datetime, ends_at: datetime, now: datetime) -> SilenceState:
    """Pending before its start, active until its end (exclusive), expired after."""
    if now < starts_at:
        return SilenceState.PENDING
    return SilenceState.ACTIVE if now < ends_at else SilenceState.EXPIRED


def silenced_by(
    silences: Iterable[SilenceView],
    labels: Mapping[str, str],
    region_path: str,
    field: str,
    now: datetime,
) -> int | None:
    """The id of the first running silence that mutes this warning, if any."""
    for s in silences:
        if silence_state(s.starts_at, s.ends_at, now) is not SilenceState.ACTIVE:
            continue
        if s.scope.allows(region_path, field) and match_all(s.matchers, labels):
            return s.id
    return None


def _key_text(key: tuple[str, tuple[str, ...]]) -> str:
    name, values = key
    return f"{name}|{json.dumps(list(values), ensure_ascii=False, separators=(',', ':'))}"[:300]


# Memoised: json.dumps with options builds an encoder per call; rules and sites repeat.
_KEYS: Memo[tuple[str, tuple[str, ...]], str] = Memo(_key_text, 65_536)


def _key(rule: InhibitRule, labels: Mapping[str, str]) -> str:
    return _KEYS[(rule.name, tuple(labels.get(name, "") for name in rule.equal))]


def source_keys(rules: Sequence[InhibitRule], labels: Mapping[str, str]) -> list[str]:
    """Keys under which a firing warning with `labels` inhibits others."""
    return [_key(r, labels) for r in rules if match_all(r.source, labels)]


def target_keys(rules: Sequence[InhibitRule], labels: Mapping[str, str]) -> list[str]:
    """Keys under which a warning with `labels` can be inhibited."""
    return [_key(r, labels) for r in rules if match_all(r.target, labels)]


def inhibited_by(
    targets: Sequence[str], sources: Mapping[str, Sequence[int]], warning_id: int
) -> str | None:
    """``inhibited:<rule>:<source id>`` for the first firing source sharing a key (not itself)."""
    for key in targets:
        for source in sources.get(key, ()):
            if source != warning_id:
                return f"inhibited:{key.split('|', 1)[0]}:{source}"
    return None


def time_muted(route: Route, intervals: Mapping[str, TimeInterval], now: datetime) -> str | None:
    """Why a route may not notify at `now` (a mute interval, or outside its active ones)."""
    for name in route.mute_time_intervals:
        interval = intervals.get(name)
        if interval is not None and interval.contains(now):
            return f"mute_time:{name}"
    if route.active_time_intervals and not any(
        intervals[n].contains(now) for n in route.active_time_intervals if n in intervals
    ):
        return f"outside:{','.join(route.active_time_intervals)}"
    return None

"""The notification policy: compiled from its YAML file (``policyfile``), checked with locations.

``load_policy(path)`` reads, checks and compiles a file; ``default_policy()`` is what runs when
no file is given. A file with errors is refused whole (:class:`forewarn.yamlsource.ConfigInvalid`
lists every issue with file, line and field), so a running system keeps its last good policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from types import MappingProxyType
from typing import Any

from forewarn.common import Level
from forewarn.timeutil import parse_duration
from forewarn.warnings.matchers import Matcher, parse_matchers
from forewarn.warnings.policyfile import PolicyFile, RouteIn
from forewarn.warnings.timeintervals import TimeInterval
from forewarn.yamlsource import ConfigInvalid, ConfigIssue, YamlDocument, parse_yaml, read_yaml
from forewarn.yamlsource import validate_model as _validate

ALL_LABELS = "..."


@dataclass(frozen=True)
class Route:
    """A compiled route node: its own matchers and the settings it inherited or set."""

    id: str
    matchers: tuple[Matcher, ...]
    receiver: str
    group_by: tuple[str, ...]
    group_wait_s: float
    group_interval_s: float
    repeat_interval_s: float
    continue_: bool
    active_time_intervals: tuple[str, ...]
    mute_time_intervals: tuple[str, ...]
    escalation: str | None
    inhibit_lower_levels: bool
    children: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Receiver:
    """Recipients: `to` (responsible, parent[:N], department:<code>), channels, explicit targets."""

    name: str
    to: tuple[str, ...]
    channels: tuple[str, ...]
    targets: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class InhibitRule:
    """A firing source mutes matching targets that share the `equal` labels."""

    name: str
    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...]


@dataclass(frozen=True)
class Lifecycle:
    """Re-activation window and flapping thresholds."""

    reactivate_within_s: float = 3600.0
    flap_window_s: float = 3600.0
    flap_max_changes: int = 6


@dataclass(frozen=True)
class Feed:
    """A feed whose sites (selected by matchers) must keep sending."""

    name: str
    matchers: tuple[Matcher, ...]
    silent_after_s: float
    level: Level
    field: str | None


@dataclass(frozen=True)
class Heartbeats:
    """Heartbeat settings: site silence = no reading for max(intervals x interval, min)."""

    sites: bool = True
    check_every_s: float = 60.0
    intervals: float = 3.0
    min_silence_s: float = 900.0
    level: Level = Level.YELLOW
    feeds: tuple[Feed, ...] = ()


@dataclass(frozen=True)
class Policy:
    """Everything the warnings layer decides by: routes, receivers, mutes, escalation."""

    root: Route
    receivers: MappingProxyType[str, Receiver]
    time_intervals: MappingProxyType[str, TimeInterval]
    inhibit_rules: tuple[InhibitRule, ...]
    escalations: MappingProxyType[str, dict[str, Any]]
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    heartbeats: Heartbeats = field(default_factory=Heartbeats)
    source: str = "<default>"


_ROOT_DEFAULTS = {
    "receiver": "responsible",
    "group_by": ["rule", "region"],
    "group_wait": "30s",
    "group_interval": "5m",
    "repeat_interval": "4h",
    "active_time_intervals": [],
    "mute_time_intervals": [],
    "escalation": None,
    "inhibit_lower_levels": True,
}


ROOT_ID = "{}"
_MAX_ID = 100  # characters of `warning_groups.route`


def route_ids(parent_id: str, siblings: Sequence[tuple[Matcher, ...]]) -> list[str]:
    """The ids of sibling routes: the parent's id and each route's own matchers, as
    Alertmanager keys its routes, so that adding, removing or moving other routes leaves a
    route's id (and its groups) alone; siblings with equal matchers are told apart by order."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for matchers in siblings:
        key = f"{parent_id}/{{{','.join(sorted(str(m) for m in matchers))}}}"
        n = seen[key] = seen.get(key, -1) + 1
        full = key if n == 0 else f"{key}#{n}"
        ids.append(full if len(full) <= _MAX_ID else f"#{sha256(full.encode()).hexdigest()[:40]}")
    return ids


def _compile_route(
    node: RouteIn, parent: dict[str, Any], route_id: str, matchers: tuple[Matcher, ...]
) -> Route:
    settings = dict(parent)
    for key in _ROOT_DEFAULTS:
        value = getattr(node, key)
        if value is not None:
            settings[key] = value
    parsed = [parse_matchers(child.matchers) for child in node.routes]  # each compiled once
    children = tuple(
        _compile_route(child, settings, child_id, child_matchers)
        for child, child_id, child_matchers in zip(
            node.routes, route_ids(route_id, parsed), parsed, strict=True
        )
    )
    return Route(
        id=route_id,
        matchers=matchers,
        receiver=settings["receiver"],
        group_by=tuple(settings["group_by"]),
        group_wait_s=parse_duration(settings["group_wait"]),
        group_interval_s=parse_duration(settings["group_interval"]),
        repeat_interval_s=parse_duration(settings["repeat_interval"]),
        continue_=node.continue_,
        active_time_intervals=tuple(settings["active_time_intervals"]),
        mute_time_intervals=tuple(settings["mute_time_intervals"]),
        escalation=settings["escalation"],
        inhibit_lower_levels=bool(settings["inhibit_lower_levels"]),
        children=children,
    )


def _escalation(levels: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of an escalation policy (what is snapshotted onto a warning)."""
    out: dict[str, Any] = {}
    for key, chain in levels.items():
        out[Level.parse(key).label] = {
            "ack_within_s": parse_duration(chain.ack_within),
            "steps": [
                {"after_s": parse_duration(s.after), "notify": s.notify} for s in chain.steps
            ],
        }
    return out


def compile_policy(model: PolicyFile, source: str, time_zone: str = "UTC") -> Policy:
    """The runtime form of a validated and checked policy file; `time_zone` is that of time
    intervals that name none (the platform's display time zone)."""
    root = _compile_route(
        model.routes, _ROOT_DEFAULTS, ROOT_ID, parse_matchers(model.routes.matchers)
    )
    receivers = {
        r.name: Receiver(
            r.name, tuple(r.to), tuple(r.channels), tuple((t.channel, t.target) for t in r.targets)
        )
        for r in model.receivers
    }
    for name, to in BUILTIN_RECEIVERS.items():
        receivers.setdefault(name, Receiver(name, to, _ALL_CHANNELS))
    intervals = {
        t.name: TimeInterval(
            t.name, t.time_zone or time_zone, tuple(e.build() for e in t.intervals)
        )
        for t in model.time_intervals
    }
    inhibit = tuple(
        InhibitRule(
            i.name,
            parse_matchers(i.source_matchers),
            parse_matchers(i.target_matchers),
            tuple(i.equal),
        )
        for i in model.inhibit_rules
    )
    life = model.lifecycle
    beats = model.heartbeats
    feeds = tuple(
        Feed(
            f.name,
            parse_matchers(f.matchers),
            parse_duration(f.silent_after),
            Level.parse(f.level),
            f.field,
        )
        for f in beats.feeds
    )
    return Policy(
        root=root,
        receivers=MappingProxyType(receivers),
        time_intervals=MappingProxyType(intervals),
        inhibit_rules=inhibit,
        escalations=MappingProxyType({e.name: _escalation(e.levels) for e in model.escalations}),
        lifecycle=Lifecycle(
            parse_duration(life.reactivate_within),
            parse_duration(life.flapping.window),
            life.flapping.max_changes,
        ),
        heartbeats=Heartbeats(
            beats.sites,
            parse_duration(beats.check_every),
            beats.intervals,
            parse_duration(beats.min_silence),
            Level.parse(beats.level),
            feeds,
        ),
        source=source,
    )


_ALL_CHANNELS = ("inapp", "email", "webhook", "wecom", "dingtalk")
# Receivers every policy has unless it defines them itself (on every channel).
BUILTIN_RECEIVERS = {
    "responsible": ("responsible",),
    "parent": ("parent",),
    "grandparent": ("parent:2",),
}


def _route_nodes(
    node: RouteIn, path: tuple[str | int, ...]
) -> list[tuple[RouteIn, tuple[str | int, ...]]]:
    out = [(node, path)]
    for i, child in enumerate(node.routes):
        out += _route_nodes(child, (*path, "routes", i))
    return out


def _duplicates(doc: YamlDocument, section: str, names: list[str]) -> list[ConfigIssue]:
    seen: set[str] = set()
    issues = []
    for i, name in enumerate(names):
        if name in seen:
            issues.append(doc.issue((section, i, "name"), f"duplicate name {name!r}"))
        seen.add(name)
    return issues


def check_policy(doc: YamlDocument, model: PolicyFile) -> list[ConfigIssue]:
    """Every cross-reference problem: unknown receivers, intervals, escalations; duplicates."""
    issues = _duplicates(doc, "receivers", [r.name for r in model.receivers])
    issues += _duplicates(doc, "time_intervals", [t.name for t in model.time_intervals])
    issues += _duplicates(doc, "inhibit_rules", [i.name for i in model.inhibit_rules])
    issues += _duplicates(doc, "escalations", [e.name for e in model.escalations])
    receivers = {r.name for r in model.receivers} | set(BUILTIN_RECEIVERS)
    intervals = {t.name for t in model.time_intervals}
    escalations = {e.name for e in model.escalations}
    if model.routes.matchers:
        issues.append(doc.issue(("routes", "matchers"), "the root route matches everything"))
    for node, path in _route_nodes(model.routes, ("routes",)):
        if node.receiver is not None and node.receiver not in receivers:
            issues.append(doc.issue((*path, "receiver"), f"unknown receiver {node.receiver!r}"))
        if node.escalation is not None and node.escalation not in escalations:
            issues.append(
                doc.issue((*path, "escalation"), f"unknown escalation {node.escalation!r}")
            )
        for key in ("active_time_intervals", "mute_time_intervals"):
            for i, name in enumerate(getattr(node, key) or []):
                if name not in intervals:
                    issues.append(doc.issue((*path, key, i), f"unknown time interval {name!r}"))
        if node.group_by and ALL_LABELS in node.group_by and len(node.group_by) > 1:
            issues.append(doc.issue((*path, "group_by"), "'...' (all labels) stands alone"))
    for e, esc in enumerate(model.escalations):
        for key, chain in esc.levels.items():
            for s, step in enumerate(chain.steps):
                if step.notify not in receivers:
                    where = ("escalations", e, "levels", key, "steps", s, "notify")
                    issues.append(doc.issue(where, f"unknown receiver {step.notify!r}"))
    for r, receiver in enumerate(model.receivers):
        if not receiver.to and not receiver.targets:
            issues.append(doc.issue(("receivers", r), "a receiver needs `to` or `targets`"))
    return issues


def policy_from_document(doc: YamlDocument, *, time_zone: str = "UTC") -> Policy:
    """Validate, check and compile a parsed policy document (ConfigInvalid on any error);
    `time_zone`: that of time intervals that name none."""
    model = _validate(doc, PolicyFile)
    issues = check_policy(doc, model)
    if issues:
        raise ConfigInvalid(issues)
    return compile_policy(model, doc.file, time_zone)


def describe(doc: YamlDocument) -> str:
    """Check a policy document (``forewarn check``): a one-line summary, or ConfigInvalid."""
    policy = policy_from_document(doc)
    routes = sum(1 for _ in _walk(policy.root))
    return (
        f"policy: {routes} routes, {len(policy.receivers)} receivers, "
        f"{len(policy.time_intervals)} time intervals, {len(policy.inhibit_rules)} inhibit rules, "
        f"{len(policy.escalations)} escalations, {len(policy.heartbeats.feeds)} feeds"
    )


def _walk(route: Route) -> list[Route]:
    return [route, *(r for child in route.children for r in _walk(child))]


def load_policy(path: Path, *, time_zone: str = "UTC") -> Policy:
    """Read, check and compile a policy file (`time_zone`: of intervals that name none)."""
    return policy_from_document(read_yaml(path), time_zone=time_zone)


def parse_policy(text: str, file: str = "<string>", *, time_zone: str = "UTC") -> Policy:
    """Check and compile policy YAML text (`time_zone`: of intervals that name none)."""
    return policy_from_document(parse_yaml(text, file), time_zone=time_zone)


DEFAULT_POLICY_YAML = """\
# The policy forewarn runs when none is given (see docs/warnings.md).
routes:
  receiver: responsible
  group_by: [rule, region]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  escalation: standard
  routes:
    - matchers: ['level>=red']
      group_wait: 0s
      group_interval: 1m
      repeat_interval: 1h
receivers:
  - name: responsible
    to: [responsible]
  - name: parent
    to: [parent]
  - name: grandparent
    to: ['parent:2']
inhibit_rules:
  - name: silent_site
    source_matchers: ['rule="heartbeat.site"']
    target_matchers: ['rule!~"heartbeat[.].*"']
    equal: [site]
escalations:
  - name: standard
    levels:
      red: {ack_within: 15m, steps: [{notify: parent}, {after: 30m, notify: grandparent}]}
      orange: {ack_within: 30m, steps: [{notify: parent}, {after: 1h, notify: grandparent}]}
      yellow: {ack_within: 2h, steps: [{notify: parent}]}
"""


def default_policy() -> Policy:
    """The built-in policy (``DEFAULT_POLICY_YAML``)."""
    return parse_policy(DEFAULT_POLICY_YAML, "<default policy>")

"""Check a rules file across its parts and compile it into a ``RuleSet`` the engine runs.

Every problem is reported with file, line and field (``forewarn.yamlsource``); a file with any
error is refused whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from forewarn.common import Level
from forewarn.detect import detectors
from forewarn.detect.conditions import Condition, parse_condition
from forewarn.detect.detectors.base import DetectorSpec
from forewarn.detect.labels import Matcher
from forewarn.detect.rules import AtLeast, LevelIn, Match, MatchOps, RuleIn, RulesFile
from forewarn.detect.templates import check_template
from forewarn.timeutil import parse_duration
from forewarn.yamlsource import (
    ConfigInvalid,
    ConfigIssue,
    YamlDocument,
    parse_yaml,
    read_yaml,
    validate_model,
)

DEFAULT_MESSAGE = (
    "{rule_name}: {labels[site_name]} {labels[indicator]} = {value:.4g} {labels[unit]} "
    "({level_zh}预警 {level_roman}, {detector} measure {measure:.3g}, threshold {threshold:.4g})"
)
DEFAULT_RESOLVED = "{rule_name}: {labels[site_name]} {labels[indicator]} back to normal"
DEFAULT_LINKAGE = "{rule_name}: {members} in {labels[region_name]} ({level_zh}预警 {level_roman})"
DEFAULT_LINKAGE_RESOLVED = "{rule_name}: {labels[region_name]} back to normal"


@dataclass(frozen=True)
class LevelRule:
    """One level of a detector rule."""

    level: Level
    enter: Condition
    exit: Condition


@dataclass(frozen=True)
class _Common:
    id: str
    name: str
    name_en: str | None
    index: int
    digest: str
    description: str | None
    field: str | None
    for_s: float
    keep_s: float
    message: str
    resolved_message: str
    annotations: dict[str, str]


@dataclass(frozen=True)
class DetectorRule(_Common):
    """A compiled detector rule."""

    matchers: tuple[Matcher, ...]
    detector: DetectorSpec
    params: Any
    params_doc: dict[str, Any]
    levels: tuple[LevelRule, ...]
    missing_policy: str
    missing_after: float  # seconds, or a multiple of the interval when missing_factor
    missing_factor: bool
    missing_level: Level


@dataclass(frozen=True)
class LinkageRule(_Common):
    """A compiled linkage rule."""

    members: tuple[tuple[str, Level | None], ...]
    group_by: str
    window_s: float
    at_least: int
    level: Level | None  # None: the highest level among the contributing signals


Rule = DetectorRule | LinkageRule


@dataclass(frozen=True)
class RuleSet:
    """The enabled rules of a file, in file order."""

    rules: tuple[Rule, ...]
    source: str = "<rules>"
    disabled: tuple[str, ...] = field(default=())

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id."""
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def detector_rules(self) -> list[DetectorRule]:
        """The detector rules."""
        return [r for r in self.rules if isinstance(r, DetectorRule)]

    @property
    def linkage_rules(self) -> list[LinkageRule]:
        """The linkage rules."""
        return [r for r in self.rules if isinstance(r, LinkageRule)]


class _Issues:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.items: list[ConfigIssue] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        self.items.append(self.doc.issue(path, message))


def _digest(rule: RuleIn) -> str:
    text = json.dumps(rule.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _level(text: str | None, issues: _Issues, path: tuple[str | int, ...]) -> Level | None:
    if text is None:
        return None
    try:
        return Level.parse(text)
    except ValueError as exc:
        issues.add(path, str(exc))
        return None


def _matchers(match: Match | None) -> tuple[Matcher, ...]:
    if match is None:
        return ()
    out = []
    builtin = match.model_dump(exclude={"labels"}, exclude_none=True, by_alias=True)
    for name in builtin:
        value = getattr(match, name)
        op, values = value.op() if isinstance(value, MatchOps) else ("eq", (value,))
        out.append(Matcher(name, op, values))
    for name, value in match.labels.items():
        op, values = value.op() if isinstance(value, MatchOps) else ("eq", (value,))
        out.append(Matcher(name, op, values, site_label=True))
    return tuple(out)


def _detector(rule: RuleIn, at: tuple[str | int, ...], issues: _Issues) -> tuple[Any, Any]:
    raw = dict(rule.detector or {})
    kind = raw.pop("type", None)
    spec = detectors.get(str(kind)) if kind is not None else None
    if spec is None:
        known = ", ".join(detectors.names())
        issues.add((*at, "detector", "type"), f"unknown detector {kind!r} (known: {known})")
        return None, None
    try:
        return spec, spec.params.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            issues.add((*at, "detector", *loc), err["msg"])
    return None, None


def _levels(
    rule: RuleIn, spec: DetectorSpec | None, at: tuple[str | int, ...], issues: _Issues
) -> tuple[LevelRule, ...]:
    if not rule.levels:
        issues.add((*at, "levels"), "a detector rule needs at least one level")
        return ()
    out: dict[Level, LevelRule] = {}
    for key, value in rule.levels.items():
        where = (*at, "levels", key)
        level = _level(key, issues, where)
        spec_in = LevelIn(enter=value) if isinstance(value, str) else value
        try:
            enter = parse_condition(spec_in.enter)
            exit_ = parse_condition(spec_in.exit) if spec_in.exit else enter.complement()
        except ValueError as exc:
            issues.add(where, str(exc))
            continue
        if level is None:
            continue
        if level in out:
            issues.add(where, f"level {level.label} is given twice")
        if enter.upward == exit_.upward:
            issues.add((*where, "exit"), "the exit condition must point the other way")
        elif _constant_overlap(enter, exit_):
            issues.add((*where, "exit"), f"exit {exit_} overlaps enter {enter}")
        if spec is not None and spec.mode == "silence" and (spec_in.exit or not enter.upward):
            issues.add(where, "silence levels take only an enter condition with > or >=")
        out[level] = LevelRule(level, enter, exit_)
    ordered = tuple(out[k] for k in sorted(out))
    _check_order(ordered, at, issues)
    return ordered


def _constant_overlap(enter: Condition, exit_: Condition) -> bool:
    """A value satisfying both enter and exit (only decidable for constant thresholds)."""
    if enter.threshold.label is not None or exit_.threshold.label is not None:
        return False
    e, x = enter.threshold.offset, exit_.threshold.offset
    beyond = x > e if enter.upward else x < e
    return beyond or (x == e and enter.holds(e, e) and exit_.holds(e, x))


def _check_order(levels: tuple[LevelRule, ...], at: tuple[str | int, ...], issues: _Issues) -> None:
    if len({lr.enter.upward for lr in levels}) > 1:
        issues.add((*at, "levels"), "all levels must use the same direction (> or <)")
        return
    for low, high in pairwise(levels):
        a, b = low.enter.threshold, high.enter.threshold
        if a.label is None and b.label is None:
            worse = b.offset > a.offset if low.enter.upward else b.offset < a.offset
            if not worse:
                issues.add(
                    (*at, "levels", high.level.label),
                    f"{high.level.label} must enter beyond {low.level.label} ({b} vs {a})",
                )


def _templates(rule: RuleIn, at: tuple[str | int, ...], issues: _Issues) -> None:
    texts = {"message": rule.message, "resolved_message": rule.resolved_message}
    texts |= {f"annotations.{k}": v for k, v in rule.annotations.items()}
    for name, text in texts.items():
        for problem in check_template(text) if text else []:
            issues.add((*at, *name.split(".")), problem)


def _compile_detector(rule: RuleIn, index: int, issues: _Issues) -> DetectorRule | None:
    at: tuple[str | int, ...] = ("rules", index)
    spec, params = _detector(rule, at, issues)
    levels = _levels(rule, spec, at, issues)
    missing = rule.missing
    if missing is not None and spec is not None and spec.mode == "silence":
        issues.add((*at, "missing"), "a silence rule has no missing-data policy")
    after = (missing.after if missing else "3x") or "3x"
    factor = isinstance(after, str) and after.strip().endswith("x")
    missing_level = _level(missing.level if missing else None, issues, (*at, "missing", "level"))
    if missing_level is not None and levels and missing_level not in {lr.level for lr in levels}:
        defined = "/".join(lr.level.label for lr in levels)
        issues.add(
            (*at, "missing", "level"),
            f"{missing_level.label} is not a level of this rule ({defined}): it has no threshold",
        )
    if spec is None or params is None or not levels:
        return None
    return DetectorRule(
        **_common(rule, index, DEFAULT_MESSAGE, DEFAULT_RESOLVED),
        matchers=_matchers(rule.match),
        detector=spec,
        params=params,
        params_doc=params.model_dump(mode="json", by_alias=True),
        levels=levels,
        missing_policy=missing.policy if missing else "keep",
        missing_after=float(after.strip()[:-1]) if factor else parse_duration(after),  # type: ignore[union-attr]
        missing_factor=factor,
        missing_level=missing_level or levels[0].level,
    )


def _common(rule: RuleIn, index: int, message: str, resolved: str) -> dict[str, Any]:
    field_ = rule.field
    if field_ is None and rule.match is not None and isinstance(rule.match.field, str):
        field_ = rule.match.field
    return {
        "id": rule.id,
        "name": rule.name,
        "name_en": rule.name_en,
        "index": index,
        "digest": _digest(rule),
        "description": rule.description,
        "field": field_,
        "for_s": parse_duration(rule.for_),
        "keep_s": parse_duration(rule.keep_firing_for),
        "message": rule.message or message,
        "resolved_message": rule.resolved_message or resolved,
        "annotations": dict(rule.annotations),
    }


def _compile_linkage(
    rule: RuleIn, index: int, kinds: dict[str, str], issues: _Issues
) -> LinkageRule | None:
    at: tuple[str | int, ...] = ("rules", index, "linkage")
    link = rule.linkage
    assert link is not None
    members = []
    for j, member in enumerate(link.members()):
        if member.rule == rule.id:
            issues.add((*at, "rules", j), "a linkage rule cannot include itself")
        elif kinds.get(member.rule) != "detector":
            what = "a linkage rule" if member.rule in kinds else "no enabled rule"
            issues.add((*at, "rules", j), f"{member.rule!r} is {what}; members are detector rules")
        members.append((member.rule, _level(member.level, issues, (*at, "rules", j, "level"))))
    need = len(members) if link.require == "all" else 1
    if isinstance(link.require, AtLeast):
        need = link.require.at_least
        if need > len(members):
            issues.add((*at, "require"), f"at_least {need} exceeds the {len(members)} members")
    level = None
    if rule.level not in (None, "highest"):
        level = _level(rule.level, issues, ("rules", index, "level"))
    return LinkageRule(
        **_common(rule, index, DEFAULT_LINKAGE, DEFAULT_LINKAGE_RESOLVED),
        members=tuple(members),
        group_by=link.group_by,
        window_s=parse_duration(link.window),
        at_least=need,
        level=level,
    )


def compile_rules(doc: YamlDocument, model: RulesFile) -> RuleSet:
    """Cross-check and compile; raise ConfigInvalid listing every problem."""
    issues = _Issues(doc)
    seen: dict[str, int] = {}
    for i, rule in enumerate(model.rules):
        if rule.id in seen:
            issues.add(("rules", i, "id"), f"duplicate rule id {rule.id!r} (rule {seen[rule.id]})")
        seen.setdefault(rule.id, i)
    enabled = [(i, r) for i, r in enumerate(model.rules) if r.enabled]
    kinds = {r.id: ("linkage" if r.linkage else "detector") for _, r in enabled}
    compiled: list[Rule | None] = []
    for i, rule in enabled:
        _templates(rule, ("rules", i), issues)
        if rule.linkage is not None:
            compiled.append(_compile_linkage(rule, i, kinds, issues))
        else:
            compiled.append(_compile_detector(rule, i, issues))
    if issues.items:
        raise ConfigInvalid(issues.items)
    disabled = tuple(r.id for r in model.rules if not r.enabled)
    return RuleSet(tuple(r for r in compiled if r is not None), doc.file, disabled)


def parse_rules(doc: YamlDocument) -> RuleSet:
    """Validate and compile a parsed rules document."""
    return compile_rules(doc, validate_model(doc, RulesFile))


def load_rules(path: Path) -> RuleSet:
    """Read, validate and compile a rules file; raise ConfigInvalid with every problem."""
    return parse_rules(read_yaml(path))


def rules_from_text(text: str, file: str = "<rules>") -> RuleSet:
    """Compile rules from YAML text (tests, API)."""
    return parse_rules(parse_yaml(text, file))


def check_rules_file(doc: YamlDocument) -> str:
    """``forewarn check`` for rules files: a one-line summary, or ConfigInvalid."""
    ruleset = parse_rules(doc)
    kinds: dict[str, int] = {}
    for rule in ruleset.detector_rules:
        kinds[rule.detector.name] = kinds.get(rule.detector.name, 0) + 1
    detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    return (
        f"rules: {len(ruleset.rules)} enabled ({detail}; "
        f"{len(ruleset.linkage_rules)} linkage), {len(ruleset.disabled)} disabled"
    )


def describe(model: BaseModel) -> dict[str, Any]:
    """A JSON-ready view of a model (used in explanations)."""
    return model.model_dump(mode="json", by_alias=True)

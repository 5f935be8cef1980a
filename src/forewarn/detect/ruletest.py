"""Unit tests for rules, in YAML (in the spirit of ``promtool test rules``).

A test file names the rule files under test, the series (inline or from a catalogue file), and
tests: input readings in a compact notation and the warnings expected. ``run_file`` evaluates
each test through the engine in batch and compares the warnings (firing episodes) with the
expected ones; a failure lists the missing and the unexpected warnings. Format: docs/rules.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forewarn.detect.backtest import Episode, warnings_of
from forewarn.detect.engine import evaluate
from forewarn.detect.labels import SeriesInfo
from forewarn.detect.rules import RuleIn, RulesFile
from forewarn.detect.ruleset import RuleSet, compile_rules, load_rules
from forewarn.detect.series import load_catalogue_series
from forewarn.timeutil import parse_duration, parse_instant, to_ms
from forewarn.yamlsource import ConfigInvalid, read_yaml, validate_model

_TOKEN = re.compile(r"^(?:(_)|([-+]?[\d.eE+-]+?)(?:([-+][\d.eE]+))?(?:x(\d+))?)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def expand(values: str) -> list[float | None]:
    """``"1 2 0.5x3 1+1x3 _"`` -> 1, 2, 0.5, 0.5, 0.5, 1, 2, 3, None (``_``: no reading)."""
    out: list[float | None] = []
    for token in values.split():
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError(f"bad value {token!r}: use v, vxN, a+bxN, a-bxN or _")
        blank, start, step, times = match.groups()
        if blank:
            out.append(None)
            continue
        count = int(times) if times else 1
        first, delta = float(start), float(step) if step else 0.0
        out.extend(first + delta * k for k in range(count))
    return out


class SeriesDef(_Strict):
    """A series defined inline."""

    id: str
    labels: dict[str, str] = Field(default_factory=dict)
    site_labels: dict[str, str] = Field(default_factory=dict)
    interval: str | float = 0.0


class InputDef(_Strict):
    """Readings of one series: ``values`` every ``interval`` from the test's start."""

    series: str
    interval: str | float
    values: str
    offset: str | float = 0.0

    @field_validator("values")
    @classmethod
    def _values(cls, value: str) -> str:
        expand(value)
        return value


class ExpectDef(_Strict):
    """An expected warning: rule, series, highest level, start and (optionally) end, relative
    to the test's start (durations) or absolute (ISO 8601)."""

    rule: str
    series: str | None = None
    level: str
    start: str | float | datetime
    end: str | float | datetime | None = None
    open: bool | None = None  # True: still firing at the end of the test


class CaseDef(_Strict):
    """One test."""

    name: str
    start: str | datetime = "2026-01-01T00:00:00Z"
    until: str | float | datetime | None = None
    input: list[InputDef]
    rules: list[str] | None = None
    expect: list[ExpectDef] = Field(default_factory=list)


class CaseFile(_Strict):
    """A rule-test file."""

    rule_files: list[str] = Field(default_factory=list)
    rules: list[RuleIn] = Field(default_factory=list)
    catalogue: str | None = None
    series: list[SeriesDef] = Field(default_factory=list)
    tests: list[CaseDef] = Field(min_length=1)


@dataclass
class Outcome:
    """The result of one test."""

    name: str
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the test passed."""
        return not (self.missing or self.unexpected or self.error)


def _instant(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("time has no UTC offset (add Z or +08:00)")
        return value.astimezone(UTC)
    return parse_instant(value)


def _at(text: str | float | datetime, start: datetime) -> datetime:
    if isinstance(text, datetime):
        return _instant(text)
    if isinstance(text, str) and ("T" in text or (text[:1].isdigit() and "-" in text)):
        return parse_instant(text)
    return start + timedelta(seconds=parse_duration(text))


def _describe(rule: str, series: str, level: str, start: datetime, end: datetime | None) -> str:
    tail = f" until {end.isoformat()}" if end else " (open)"
    return f"{rule} on {series}: {level} from {start.isoformat()}{tail}"


def _episode(ep: Episode) -> tuple[str, str, str, datetime, datetime | None]:
    return (ep.rule, ",".join(ep.series), ep.level, ep.start, ep.end)


def _matches(exp: ExpectDef, got: tuple[Any, ...], start: datetime) -> bool:
    rule, series, level, began, end = got
    if exp.rule != rule or exp.level != level or _at(exp.start, start) != began:
        return False
    if exp.series is not None and exp.series != series:
        return False
    if exp.open is not None and exp.open != (end is None):
        return False
    return exp.end is None or end == _at(exp.end, start)


def run_test(test: CaseDef, ruleset: RuleSet, series: list[SeriesInfo]) -> Outcome:
    """Evaluate one test and compare its warnings with the expected ones."""
    start = _instant(test.start)
    ids: list[str] = []
    times: list[int] = []
    values: list[float] = []
    known = {str(s.id) for s in series}
    named = {item.series for item in test.input}
    series = [s for s in series if str(s.id) in named]  # a test's world: the series it feeds
    for item in test.input:
        if item.series not in known:
            return Outcome(test.name, error=f"input names unknown series {item.series!r}")
        step = parse_duration(item.interval)
        first = start + timedelta(seconds=parse_duration(item.offset))
        for k, value in enumerate(expand(item.values)):
            if value is not None:
                ids.append(item.series)
                times.append(to_ms(first + timedelta(seconds=k * step)))
                values.append(value)
    end = to_ms(_at(test.until, start)) if test.until is not None else max(times, default=0)
    by_name = {str(s.id): s.id for s in series}
    signals = evaluate(
        ruleset, series, [by_name[i] for i in ids], times, values, start=start, end=end
    )
    got = [_episode(e) for e in warnings_of(signals) if test.rules is None or e.rule in test.rules]
    outcome = Outcome(test.name)
    unmatched = list(got)
    for exp in test.expect:
        hit = next((g for g in unmatched if _matches(exp, g, start)), None)
        if hit is None:
            began = _at(exp.start, start)
            ending = _at(exp.end, start) if exp.end is not None else None
            outcome.missing.append(_describe(exp.rule, exp.series or "*", exp.level, began, ending))
        else:
            unmatched.remove(hit)
    outcome.unexpected = [_describe(*g) for g in unmatched]
    return outcome


def _ruleset(path: Path, spec: CaseFile) -> RuleSet:
    """The rules under test: one rule file (errors point into it), or inline rules."""
    if spec.rule_files and spec.rules:
        raise ConfigInvalid(
            [read_yaml(path).issue(("rules",), "give rule_files or inline rules, not both")]
        )
    if len(spec.rule_files) > 1:
        raise ConfigInvalid([read_yaml(path).issue(("rule_files",), "name one rules file")])
    if spec.rule_files:
        return load_rules(path.parent / spec.rule_files[0])
    return compile_rules(read_yaml(path), RulesFile(rules=spec.rules))


def load(path: Path) -> tuple[CaseFile, RuleSet, list[SeriesInfo]]:
    """Read a test file, its rules and its series (ConfigInvalid on errors)."""
    spec = validate_model(read_yaml(path), CaseFile)
    ruleset = _ruleset(path, spec)
    series = [
        SeriesInfo(s.id, {**s.labels, "series": s.id}, s.site_labels, parse_duration(s.interval))
        for s in spec.series
    ]
    if spec.catalogue:
        series += load_catalogue_series(path.parent / spec.catalogue)
    return spec, ruleset, series


def run_file(path: Path) -> list[Outcome]:
    """Run every test of a file."""
    spec, ruleset, series = load(path)
    return [run_test(test, ruleset, series) for test in spec.tests]


__all__ = ["ConfigInvalid", "Outcome", "expand", "load", "run_file", "run_test"]

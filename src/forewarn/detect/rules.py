"""The rules file format (YAML): Pydantic models of what a file may say.

``forewarn.detect.ruleset`` checks what the models cannot see alone (detector parameters, level
order, linkage references, templates) and compiles the file into a ``RuleSet``. The format is
documented in ``docs/rules.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from forewarn.patterns import compile_pattern
from forewarn.timeutil import parse_duration

RULE_ID = r"^[a-z0-9][a-z0-9_.\-]{0,99}$"
Duration = str | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _duration(value: Duration) -> Duration:
    parse_duration(value)
    return value


class MatchOps(_Strict):
    """One operator on a label: exactly one of eq, ne, regex, not_regex, in, not_in."""

    eq: str | None = None
    ne: str | None = None
    regex: str | None = None
    not_regex: str | None = None
    in_: list[str] | None = Field(None, alias="in", min_length=1)
    not_in: list[str] | None = Field(None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _stringify(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: [str(v) for v in val] if isinstance(val, list) else _text(val)
                for k, val in data.items()
            }
        return data

    @model_validator(mode="after")
    def _one(self) -> MatchOps:
        given = list(self.model_fields_set)
        if len(given) != 1:
            raise ValueError("give exactly one of eq, ne, regex, not_regex, in, not_in")
        for pattern in (self.regex, self.not_regex):
            if pattern is not None:
                try:
                    compile_pattern(pattern)
                except ValueError as exc:
                    raise ValueError(f"bad regular expression: {exc}") from None
        return self

    def op(self) -> tuple[str, tuple[str, ...]]:
        """(operator, values)."""
        for name in ("eq", "ne", "regex", "not_regex"):
            value = getattr(self, name)
            if value is not None:
                return name, (value,)
        if self.in_ is not None:
            return "in", tuple(self.in_)
        return "not_in", tuple(self.not_in or ())


def _text(value: Any) -> Any:
    """Numbers in matchers (unquoted region codes, orders) are compared as text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


MatchValue = str | MatchOps


class Match(_Strict):
    """Label matchers; every one must pass. ``region`` selects the region's whole subtree."""

    series: MatchValue | None = None
    site: MatchValue | None = None
    site_kind: MatchValue | None = None
    indicator: MatchValue | None = None
    kind: MatchValue | None = None
    field: MatchValue | None = None
    region: MatchValue | None = None
    labels: dict[str, MatchValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _stringify(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = {k: _text(v) for k, v in data.items() if k != "labels"}
        if isinstance(data.get("labels"), dict):
            out["labels"] = {k: _text(v) for k, v in data["labels"].items()}
        elif "labels" in data:
            out["labels"] = data["labels"]
        return out


class LevelIn(_Strict):
    """A level's enter condition and, optionally, its exit condition (hysteresis)."""

    enter: str
    exit: str | None = None


class MissingIn(_Strict):
    """What to do when a series stops reporting: after ``after`` (``3x`` = three expected
    intervals, or a duration), treat the condition as normal, alerting, or keep it."""

    after: Duration = "3x"
    policy: Literal["keep", "normal", "alerting"] = "keep"
    level: str | None = None

    @field_validator("after")
    @classmethod
    def _after(cls, value: Duration) -> Duration:
        if isinstance(value, str) and value.strip().endswith("x"):
            factor = float(value.strip()[:-1])
            if not factor > 0:
                raise ValueError("the multiple of the interval must be positive")
            return value
        if parse_duration(value) <= 0:
            raise ValueError("must be a positive duration or a multiple like 3x")
        return value


class MemberIn(_Strict):
    """A member of a linkage: a rule id and the lowest level that counts."""

    rule: str
    level: str | None = None


class AtLeast(_Strict):
    """At least ``at_least`` members."""

    at_least: int = Field(ge=1)


class LinkageIn(_Strict):
    """Combine other rules' states per region group within a time window."""

    rules: list[str | MemberIn] = Field(min_length=1)
    group_by: Literal["province", "city", "county", "township"]
    window: Duration
    require: Literal["all", "any"] | AtLeast = "all"

    @field_validator("window")
    @classmethod
    def _window(cls, value: Duration) -> Duration:
        if parse_duration(value) <= 0:
            raise ValueError("must be a positive duration")
        return value

    def members(self) -> list[MemberIn]:
        """The members in full form."""
        return [MemberIn(rule=m) if isinstance(m, str) else m for m in self.rules]


class RuleIn(_Strict):
    """One rule: a detector rule (match + detector + levels) or a linkage rule."""

    id: str = Field(pattern=RULE_ID)
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=4000)
    field: str | None = None
    enabled: bool = True
    match: Match | None = None
    detector: dict[str, Any] | None = None
    levels: dict[str, str | LevelIn] | None = None
    linkage: LinkageIn | None = None
    level: str | None = None
    for_: Duration = Field(0.0, alias="for")
    keep_firing_for: Duration = 0.0
    missing: MissingIn | None = None
    message: str | None = Field(None, max_length=2000)
    resolved_message: str | None = Field(None, max_length=2000)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("for_", "keep_firing_for")
    @classmethod
    def _durations(cls, value: Duration) -> Duration:
        return _duration(value)

    @model_validator(mode="after")
    def _kind(self) -> RuleIn:
        if self.linkage is None and self.detector is None:
            raise ValueError("a rule needs a detector (with levels) or a linkage")
        if self.linkage is not None:
            extra = [k for k in ("match", "detector", "levels", "missing") if getattr(self, k)]
            if extra:
                raise ValueError(f"a linkage rule cannot have {', '.join(extra)}")
        elif self.level is not None:
            raise ValueError("'level' belongs to linkage rules; detector rules use 'levels'")
        return self


class RulesFile(_Strict):
    """A rules file: ``rules:`` and a list of rules."""

    rules: list[RuleIn] = Field(default_factory=list)

"""Level conditions: ``">= 0.8"``, ``"> $warning_stage"``, ``"<= 0.9 * $nominal_mpa - 0.05"``.

A condition compares a detector's measure with a threshold. The threshold is a number or an
expression on one numeric site label (gauges differ per site), resolved per series when a rule
is bound to it. Operators are coded as small integers for the numba kernels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

GT, GE, LT, LE = 1, 2, 3, 4
OPS = {">": GT, ">=": GE, "<": LT, "<=": LE}
OP_TEXT = {v: k for k, v in OPS.items()}
COMPLEMENT = {GT: LE, GE: LT, LT: GE, LE: GT}

_UNSIGNED = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER = rf"[-+]?{_UNSIGNED}"
_LABEL = r"\$([A-Za-z_][A-Za-z0-9_]*)"
_CONDITION = re.compile(r"^\s*(>=|<=|>|<)\s*(.+?)\s*$")
_CONSTANT = re.compile(rf"^({_NUMBER})$")
_EXPRESSION = re.compile(rf"^(?:({_NUMBER})\s*\*\s*)?{_LABEL}(?:\s*([-+])\s*({_UNSIGNED}))?$")


class Unresolved(ValueError):
    """A threshold refers to a site label that the series lacks or that is not a number."""


@dataclass(frozen=True)
class Threshold:
    """``factor * $label + offset``, or the constant ``offset`` when ``label`` is None."""

    offset: float
    label: str | None = None
    factor: float = 1.0

    def resolve(self, site_labels: Mapping[str, str]) -> float:
        """The number for one series; raise Unresolved when the label is missing or bad."""
        if self.label is None:
            return self.offset
        raw = site_labels.get(self.label)
        if raw is None:
            raise Unresolved(f"site label {self.label!r} is missing")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise Unresolved(f"site label {self.label!r} is not a number ({raw!r})") from None
        if not math.isfinite(value):
            raise Unresolved(f"site label {self.label!r} is not finite ({raw!r})")
        return self.factor * value + self.offset

    def __str__(self) -> str:
        if self.label is None:
            return f"{self.offset:g}"
        text = f"${self.label}" if self.factor == 1.0 else f"{self.factor:g} * ${self.label}"
        if self.offset:
            text += f" {'+' if self.offset > 0 else '-'} {abs(self.offset):g}"
        return text


@dataclass(frozen=True)
class Condition:
    """``measure <op> threshold``."""

    op: int
    threshold: Threshold

    @property
    def upward(self) -> bool:
        """True for ``>``/``>=`` (danger grows with the measure)."""
        return self.op in (GT, GE)

    def complement(self) -> Condition:
        """The negated condition (used as the exit when a level gives none)."""
        return Condition(COMPLEMENT[self.op], self.threshold)

    def holds(self, measure: float, threshold: float) -> bool:
        """Whether ``measure <op> threshold`` (NaN never holds)."""
        return compare(measure, self.op, threshold)

    def __str__(self) -> str:
        return f"{OP_TEXT[self.op]} {self.threshold}"


def compare(measure: float, op: int, threshold: float) -> bool:
    """``measure <op> threshold`` for an operator code."""
    if op == GT:
        return measure > threshold
    if op == GE:
        return measure >= threshold
    if op == LT:
        return measure < threshold
    return measure <= threshold


def parse_threshold(text: str | float) -> Threshold:
    """Parse a threshold: a number, or ``[number *] $label [+|- number]``."""
    if isinstance(text, bool):
        raise ValueError("a threshold is a number or an expression on a $label")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise ValueError("threshold is not finite")
        return Threshold(float(text))
    expr = str(text).strip()
    if _CONSTANT.match(expr):
        return parse_threshold(float(expr))
    found = _EXPRESSION.match(expr)
    if found is None:
        raise ValueError(f"bad threshold {text!r}: use a number or [number *] $label [+|- number]")
    factor = float(found.group(1)) if found.group(1) else 1.0
    offset = float(found.group(4)) if found.group(4) else 0.0
    if found.group(3) == "-":
        offset = -offset
    return Threshold(offset, found.group(2), factor)


def parse_condition(text: str) -> Condition:
    """Parse ``">= 0.8"`` or ``"> 1.1 * $warning_stage + 0.5"``; raise ValueError when bad."""
    if not isinstance(text, str):
        raise ValueError("a condition is a string such as '>= 0.8' or '> $warning_stage'")
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(f"bad condition {text!r}: start with >, >=, < or <=")
    try:
        threshold = parse_threshold(match.group(2))
    except ValueError as exc:
        raise ValueError(f"bad condition {text!r}: {exc}") from None
    return Condition(OPS[match.group(1)], threshold)

"""Safe message templates: ``"{labels[site_name]}: CH4 {value:.2f}% (threshold {threshold})"``.

A template may name only the variables listed here and labels as ``labels[name]``: no attribute
access, no other indexing, no nested format specs. ``check_template`` proves at check time that
it renders (every format spec is tried on a sample value), and ``render`` never raises: missing
numbers render as ``nan`` and missing labels as an empty string.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from typing import Any

NUMBERS = frozenset(
    {"value", "measure", "score", "threshold", "baseline", "scale", "duration_s", "count"}
)
TEXTS = frozenset(
    {
        "rule",
        "rule_name",
        "detector",
        "level",
        "level_roman",
        "level_zh",
        "level_name",
        "state",
        "at",
        "started_at",
        "duration",
        "members",
    }
)
_LABEL_FIELD = re.compile(r"^labels\[([A-Za-z0-9_.\-]+)\]$")
_FORMATTER = string.Formatter()


def _field_kind(name: str) -> str | None:
    if name in NUMBERS:
        return "number"
    if name in TEXTS or _LABEL_FIELD.match(name):
        return "text"
    return None


def check_template(text: str) -> list[str]:
    """Every problem of a template (empty when it is safe to render)."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError as exc:
        return [f"bad template: {exc}"]
    problems = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name == "" or name.isdigit():
            problems.append("positional fields ({} or {0}) are not allowed; name a variable")
            continue
        kind = _field_kind(name)
        if kind is None:
            known = ", ".join(sorted(NUMBERS | TEXTS))
            problems.append(f"unknown variable {name!r} (known: {known}, labels[NAME])")
            continue
        if conversion not in (None, "s", "r"):
            problems.append(f"{{{name}}}: conversion !{conversion} is not allowed")
            continue
        if spec and "{" in spec:
            problems.append(f"{{{name}}}: nested fields in a format spec are not allowed")
            continue
        sample: Any = 1.5 if kind == "number" and conversion is None else "x"
        try:
            format(sample, spec or "")
        except (ValueError, TypeError) as exc:
            problems.append(f"{{{name}:{spec}}}: {exc}")
    return problems


class _Labels(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _value(name: str, values: Mapping[str, Any], labels: _Labels) -> Any:
    match = _LABEL_FIELD.match(name)
    if match:
        return labels[match.group(1)]
    if name in NUMBERS:
        number = values.get(name)
        if isinstance(number, int) and not isinstance(number, bool):
            return number  # counts render as integers
        return float("nan") if number is None else float(number)
    return str(values.get(name, ""))


def render(text: str, values: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """Render a checked template; never raises (an unexpected failure returns the raw text)."""
    bag = _Labels(labels)
    out = []
    try:
        for literal, name, spec, conversion in _FORMATTER.parse(text):
            out.append(literal)
            if name is None:
                continue
            item = _value(name, values, bag)
            if conversion == "r":
                item = repr(item)
            elif conversion == "s":
                item = str(item)
            if isinstance(item, float) and not math.isfinite(item) and spec:
                out.append("nan" if math.isnan(item) else str(item))
                continue
            out.append(format(item, spec or ""))
    except (ValueError, TypeError, KeyError):
        return text
    return "".join(out)

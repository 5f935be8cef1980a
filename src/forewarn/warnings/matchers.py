"""Label matchers, as in Alertmanager, plus ordered comparison for levels and numbers.

``name=value``, ``name!=value``, ``name=~regex``, ``name!~regex`` (anchored RE2 syntax, as
Alertmanager's: matching takes time linear in the label's length, so no pattern can stall the
engine), and ``name>=value``, ``name>value``, ``name<=value``, ``name<value``: for ``level`` the
order is the warning ladder (``level>=orange`` is orange or red; ``IV``..``I`` and
``blue``..``red`` both work, bare numbers do not: ``1`` would be read as Level I, red, by some and
as the first rung, blue, by others), for other labels a numeric comparison (a label that is not a
number does not match). Values may be quoted (``rule="pm10 high"``); an unquoted value may not
begin with an operator's character, so ``rule=="x"`` or ``level=>orange`` is an error, not a
matcher on ``="x"``. A missing label matches as the empty string.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from forewarn.common import Level
from forewarn.memo import Memo
from forewarn.patterns import compile_pattern

_SEEN_MAX = 4096  # label values remembered per regex matcher
MAX_LENGTH = 4000  # characters of one matcher, as of the other texts people write
_SYNTAX = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|>=|<=|=|>|<)\s*(.*?)\s*$")
_ORDER: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Matcher:
    """One condition on one label."""

    name: str
    op: str
    value: str
    # regex ops: whether a label value matches, remembered per value (label values repeat; RE2
    # from Python costs about 1 µs a match, a remembered answer one dict look-up)
    _full: Memo[str, bool] | None = field(default=None, compare=False, repr=False)
    _bound: float | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether `labels` satisfy this condition."""
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        if self._full is not None:
            found = self._full[actual]
            return found if self.op == "=~" else not found
        number = _rank(self.name, actual)
        return number is not None and _ORDER[self.op](number, self._bound or 0.0)

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


_RANKS = {
    **{lv.label: float(lv) for lv in Level},
    **{lv.roman: float(lv) for lv in Level},
}


def _rank(name: str, text: str) -> float | None:
    if name == "level":
        fast = _RANKS.get(text)
        if fast is not None:
            return fast
        try:
            return float(Level.parse(text))
        except ValueError:
            return None
    try:
        return float(text)
    except ValueError:
        return None


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def parse_matcher(text: str) -> Matcher:
    """Parse ``name op value``; ValueError with a reason when it is malformed."""
    if not isinstance(text, str):
        raise ValueError("a matcher is a string such as 'field=\"production_safety\"'")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"a matcher has at most {MAX_LENGTH} characters, this one {len(text)}")
    found = _SYNTAX.match(text)
    if found is None:
        raise ValueError(f"bad matcher {text!r}; use name=value, !=, =~, !~, >=, >, <=, <")
    name, op, raw = found.group(1), found.group(2), found.group(3)
    if raw and raw[0] in "=~!<>":
        raise ValueError(
            f"bad matcher {text!r}: the operator is {op!r}, its value begins with {raw[0]!r}"
        )
    if raw and raw[0] in "\"'" and (len(raw) < 2 or raw[-1] != raw[0]):
        raise ValueError(f"bad matcher {text!r}: the quote of its value is not closed")
    value = _unquote(raw)
    if op in ("=~", "!~"):
        try:
            pattern = compile_pattern(value)
            full: Memo[str, bool] = Memo(lambda t: pattern.fullmatch(t) is not None, _SEEN_MAX)
            return Matcher(name, op, value, _full=full)
        except ValueError as exc:
            raise ValueError(f"bad regular expression in {text!r}: {exc}") from None
    if op in _ORDER:
        bound = _rank(name, value)
        if bound is None:
            what = "a level (blue..red or IV..I)" if name == "level" else "a number"
            raise ValueError(f"{text!r}: {op} needs {what}")
        return Matcher(name, op, value, _bound=bound)
    return Matcher(name, op, value)


def parse_matchers(texts: Sequence[str]) -> tuple[Matcher, ...]:
    """Parse a list of matchers (all must hold)."""
    return tuple(parse_matcher(t) for t in texts)


def match_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher holds (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)

"""Time helpers: everything inside is timezone-aware UTC; readings use epoch milliseconds."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from forewarn.memo import Memo

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def utcnow() -> datetime:
    """The current time, aware, in UTC (only entry points call this; decisions take `now`)."""
    return datetime.now(UTC)


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601 with an explicit offset; raise ValueError for naive or malformed times."""
    if not isinstance(text, str):
        raise ValueError("time must be an ISO 8601 string")
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time has no UTC offset (add Z or +08:00)")
    return value.astimezone(UTC)


# Memoised: an aware datetime's text costs some ten thousand instructions (its offset is
# formatted each time), a `timedelta` built from a keyword thousands; hot paths repeat a few.
_ISO: Memo[tuple[datetime, object], str] = Memo(lambda key: key[0].isoformat(), 65_536)
_SPANS: Memo[float, timedelta] = Memo(lambda seconds: timedelta(seconds=seconds), 4096)


def iso(value: datetime) -> str:
    """``value.isoformat()``, memoised (equal instants in other zones keep their own text)."""
    return _ISO[(value, value.tzinfo)]


def span(seconds: float) -> timedelta:
    """``timedelta(seconds=seconds)``, memoised."""
    return _SPANS[seconds]


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime of epoch milliseconds."""
    return EPOCH + timedelta(milliseconds=int(ms))


def parse_duration(text: str | int | float) -> float:
    """Seconds in a duration such as ``90s``, ``5m``, ``1h30m``, ``7d`` (numbers are seconds)."""
    if isinstance(text, bool):
        raise ValueError("duration must be a string like 5m or a number of seconds")
    try:
        total = float(text) if isinstance(text, int | float) else _parse_duration_text(text)
    except OverflowError:  # an int beyond float's range
        total = math.inf
    if not math.isfinite(total):
        raise ValueError("duration must be a finite number of seconds")
    if total < 0:
        raise ValueError("duration must not be negative")
    return total


def _parse_duration_text(text: str) -> float:
    raw = text.strip()
    pos, total = 0, 0.0
    for match in _DURATION.finditer(raw):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_S[match.group(2)]
        pos = match.end()
    if pos != len(raw) or not raw:
        raise ValueError(f"bad duration {text!r}; use e.g. 30s, 5m, 2h, 1d, 1h30m")
    return total


def format_duration(seconds: float) -> str:
    """Shortest exact form of a duration in seconds (``3600`` -> ``1h``)."""
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNIT_S[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


_SPAN_NAMES = (
    ("year", 365.25 * 86_400.0),
    ("day", 86_400.0),
    ("hour", 3600.0),
    ("minute", 60.0),
    ("second", 1.0),
)


def _count(count: int, name: str) -> str:
    return f"{count} {name}" + ("" if count == 1 else "s")


def describe_span(seconds: float) -> str:
    """A span in words: its largest unit and the next, rounded down (``3 years 32 days``)."""
    if seconds < 1:
        return "less than a second" if seconds > 0 else "0 seconds"
    at = next(i for i, (_name, size) in enumerate(_SPAN_NAMES) if seconds >= size)
    name, size = _SPAN_NAMES[at]
    words = [_count(int(seconds // size), name)]
    if at + 1 < len(_SPAN_NAMES):
        next_name, next_size = _SPAN_NAMES[at + 1]
        rest = int(seconds % size // next_size)
        if rest:
            words.append(_count(rest, next_name))
    return " ".join(words)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

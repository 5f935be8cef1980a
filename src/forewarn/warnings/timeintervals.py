"""Named time intervals (as in Alertmanager), evaluated in their own time zone (pure).

An interval is a list of entries; it contains an instant when any entry does. An entry
restricts by ``times`` (``HH:MM`` start inclusive, end exclusive, end may be ``24:00``),
``weekdays`` (``monday:friday``, ``sunday``), ``days_of_month`` (``1:5``, ``-1`` for the last
day) and ``months`` (``january:march``, ``12``); a missing restriction allows everything.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = tuple(m.lower() for m in calendar.month_name[1:])


def _minutes(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"bad time {text!r}; use HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError(f"bad time {text!r}; use 00:00 to 24:00")
    return value


def _one(text: str, names: tuple[str, ...], low: int, high: int) -> int:
    word = text.strip().lower()
    if word in names:
        return names.index(word) + low
    try:
        value = int(word)
    except ValueError:
        raise ValueError(f"bad value {text!r}") from None
    if not (low <= abs(value) <= high) or (value < 0 and names):
        raise ValueError(f"{text!r} is out of range {low}..{high}")
    return value


def _ranges(
    items: list[str], names: tuple[str, ...], low: int, high: int
) -> tuple[tuple[int, int], ...]:
    out = []
    for item in items:
        first, sep, last = str(item).partition(":")
        start = _one(first, names, low, high)
        end = _one(last, names, low, high) if sep else start
        if (start < 0) == (end < 0) and start > end:  # a day of month may count from the end
            raise ValueError(f"range {item!r} runs backwards")
        out.append((start, end))
    return tuple(out)


@dataclass(frozen=True)
class Entry:
    """One conjunction of restrictions (empty tuples allow everything)."""

    times: tuple[tuple[int, int], ...] = ()
    weekdays: tuple[tuple[int, int], ...] = ()
    days_of_month: tuple[tuple[int, int], ...] = ()
    months: tuple[tuple[int, int], ...] = ()

    @classmethod
    def parse(
        cls,
        *,
        times: list[dict[str, str]] | None = None,
        weekdays: list[str] | None = None,
        days_of_month: list[str] | None = None,
        months: list[str] | None = None,
    ) -> Entry:
        """Build an entry from its YAML form; ValueError names the bad part."""
        spans = []
        for span in times or []:
            start, end = _minutes(span["start"]), _minutes(span["end"])
            if start >= end:
                raise ValueError(f"time range {span['start']}-{span['end']} is empty")
            spans.append((start, end))
        return cls(
            times=tuple(spans),
            weekdays=_ranges([str(w) for w in weekdays or []], WEEKDAYS, 0, 6),
            days_of_month=_ranges([str(d) for d in days_of_month or []], (), 1, 31),
            months=_ranges([str(m) for m in months or []], MONTHS, 1, 12),
        )

    def contains(self, local: datetime) -> bool:
        """Whether a local (zone-converted) instant satisfies every restriction."""
        minute = local.hour * 60 + local.minute
        if self.times and not any(a <= minute < b for a, b in self.times):
            return False
        if self.weekdays and not any(a <= local.weekday() <= b for a, b in self.weekdays):
            return False
        if self.months and not any(a <= local.month <= b for a, b in self.months):
            return False
        if self.days_of_month:
            last = calendar.monthrange(local.year, local.month)[1]
            day = local.day

            def norm(d: int) -> int:
                return d if d > 0 else last + 1 + d

            if not any(norm(a) <= day <= norm(b) for a, b in self.days_of_month):
                return False
        return True


@dataclass(frozen=True)
class TimeInterval:
    """A named set of entries in one time zone."""

    name: str
    zone: str
    entries: tuple[Entry, ...]

    def contains(self, instant: datetime) -> bool:
        """Whether the aware `instant` falls in any entry."""
        local = instant.astimezone(ZoneInfo(self.zone))
        return any(e.contains(local) for e in self.entries)


def check_zone(name: str) -> str:
    """`name` if it is a known IANA time zone, else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)"
        ) from None
    return name

"""Chart data for a series: downsampled readings, thresholds, baseline and warning periods.

Pure functions turn a warning's explanation and time line into marks; ``series_chart`` reads the
readings through the readings service (downsampled server-side).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from forewarn.catalogue.models import Series
from forewarn.readings import service as readings
from forewarn.timeutil import to_ms
from forewarn.warnings.models import Warning, WarningEvent
from forewarn.warnings.timeline import explanation_of
from forewarn.web.format import LEVELS

MAX_POINTS = 800
"""Most points a chart receives (min and max of each time bucket are kept)."""
LEVEL_EVENTS = frozenset({"pending", "activated", "level_changed", "reactivated"})
END_EVENTS = frozenset({"resolved", "lifted"})
BASELINE_KEYS = ("baseline", "expected")


@dataclass(frozen=True)
class Period:
    """A stretch of time a warning spent at one level (end None: still going)."""

    start: datetime
    end: datetime | None
    level: int


def level_periods(events: Iterable[WarningEvent]) -> list[Period]:
    """The periods at each level, from the time line's level and end events (oldest first)."""
    out: list[Period] = []
    current: tuple[datetime, int] | None = None
    for ev in events:
        if ev.kind in LEVEL_EVENTS and ev.level is not None and ev.kind != "pending":
            if current is not None:
                out.append(Period(current[0], ev.time, current[1]))
            current = (ev.time, ev.level)
        elif ev.kind in END_EVENTS and current is not None:
            out.append(Period(current[0], ev.time, current[1]))
            current = None
    if current is not None:
        out.append(Period(current[0], None, current[1]))
    return out


def compares_value(explanation: Mapping[str, Any]) -> bool:
    """Whether the detector compared the reading itself (so thresholds belong on its chart)."""
    measure, value = explanation.get("measure"), explanation.get("value")
    return measure is not None and value is not None and measure == value


def thresholds(explanations: Iterable[Mapping[str, Any]]) -> dict[int, float]:
    """Enter value of each level seen in the explanations (the latest wins)."""
    out: dict[int, float] = {}
    for exp in explanations:
        thr = exp.get("threshold")
        if not isinstance(thr, Mapping) or thr.get("enter_value") is None:
            continue
        rank = next((r for r, v in LEVELS.items() if v.key == thr.get("level")), None)
        if rank is not None and compares_value(exp):
            out[rank] = float(thr["enter_value"])
    return out


def baseline(explanation: Mapping[str, Any]) -> tuple[str, float] | None:
    """The baseline (or expected count) the detector compared with, if it gave one."""
    for key in BASELINE_KEYS:
        value = explanation.get(key)
        if isinstance(value, int | float):
            return key, float(value)
    return None


def explanations_of(warning: Warning, events: Sequence[WarningEvent]) -> list[dict[str, Any]]:
    """Every explanation the warning carried: the one it opened with, then its level events'."""
    found = [e for ev in events if (e := explanation_of(ev.data)) is not None]
    return [warning.explanation or {}, *found]


def points(session: Session, series_id: int, start: datetime, end: datetime) -> list[list[float]]:
    """Readings of a series in [start, end) as ``[epoch ms, value]``, downsampled."""
    win = readings.window(session, series_id, start_ms=to_ms(start), end_ms=to_ms(end))
    win = readings.downsample(win, MAX_POINTS)
    return [
        [int(t), float(v)] for t, v in zip(win.times_ms.tolist(), win.values.tolist(), strict=True)
    ]


def level_marks(levels: Mapping[int, float]) -> list[dict[str, Any]]:
    """Threshold lines for the chart, most severe first."""
    return [
        {
            "level": rank,
            "key": LEVELS[rank].key,
            "roman": LEVELS[rank].roman,
            "zh": LEVELS[rank].zh,
            "value": value,
        }
        for rank, value in sorted(levels.items(), reverse=True)
    ]


def period_marks(periods: Iterable[Period], now: datetime) -> list[dict[str, Any]]:
    """Shaded firing periods for the chart."""
    return [
        {
            "start": to_ms(p.start),
            "end": to_ms(p.end or now),
            "open": p.end is None,
            "level": p.level,
            "key": LEVELS[p.level].key,
            "roman": LEVELS[p.level].roman,
            "zh": LEVELS[p.level].zh,
        }
        for p in periods
        if p.level in LEVELS
    ]


def series_meta(series: Series, name: str, tz: str) -> dict[str, Any]:
    """What the chart shows about the series itself."""
    return {"series": series.id, "name": name, "unit": series.indicator.unit, "tz": tz}

"""Backtests: run rules over recorded readings and score the warnings against labelled events.

A *warning* is one firing episode of one fingerprint: it starts at its first ``firing`` signal
and ends at its ``resolved`` signal (or stays open). It belongs to the series of its signals; a
linkage warning belongs to the series of its evidence. With labels (event windows
``series,start,end``):

- a window is *detected* when a warning of its series starts inside it (start <= t <= end); its
  delay is the time from the window's start to the first such warning;
- a warning is a *true positive* when it starts inside a window of its series, otherwise a
  *false alarm*;
- precision = true positives / warnings, recall = detected windows / windows, F1 their harmonic
  mean (null when undefined), mean delay over detected windows, and false alarms per series-day
  (series-days: the summed span, first to last reading, of every series in the readings).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

from forewarn.detect.labels import SeriesInfo
from forewarn.detect.signals import Signal, SignalState
from forewarn.errors import InvalidInput
from forewarn.timeutil import from_ms, parse_instant, to_ms


@dataclass
class Episode:
    """One firing episode: a warning the rules would have raised."""

    rule: str
    fingerprint: str
    series: tuple[str, ...]
    start: datetime
    end: datetime | None
    level: str
    message: str
    levels: list[tuple[datetime, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule": self.rule,
            "fingerprint": self.fingerprint,
            "series": list(self.series),
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z") if self.end else None,
            "max_level": self.level,
            "message": self.message,
            "levels": [[t.isoformat().replace("+00:00", "Z"), lv] for t, lv in self.levels],
        }


@dataclass(frozen=True)
class Window:
    """A labelled event of one series."""

    series: str
    start: datetime
    end: datetime


def _series_of(sig: Signal) -> tuple[str, ...]:
    if sig.evidence:
        return tuple(sorted({s for e in sig.evidence for s in _series_of(e)}))
    return (sig.labels.get("series", ""),)


def warnings_of(signals: Iterable[Signal]) -> list[Episode]:
    """The firing episodes in `signals` (in time order)."""
    open_: dict[str, Episode] = {}
    out: list[Episode] = []
    for sig in signals:
        current = open_.get(sig.fingerprint)
        level = sig.level.label if sig.level else ""
        if sig.state is SignalState.FIRING:
            if current is None:
                current = Episode(
                    sig.rule, sig.fingerprint, _series_of(sig), sig.at, None, level, sig.message
                )
                open_[sig.fingerprint] = current
                out.append(current)
            elif sig.level and sig.level > _rank(current.level):
                current.level = level
            current.levels.append((sig.at, level))
        elif sig.state is SignalState.RESOLVED and current is not None:
            current.end = sig.at
            del open_[sig.fingerprint]
    return out


def _rank(label: str) -> int:
    return {"blue": 1, "yellow": 2, "orange": 3, "red": 4}.get(label, 0)


def score(
    warnings: Sequence[Episode], windows: Sequence[Window], spans: dict[str, tuple[int, int]]
) -> dict[str, float | None]:
    """Precision, recall, F1, mean delay (s) and false alarms per series-day."""
    by_series: dict[str, list[Window]] = {}
    for w in windows:
        by_series.setdefault(w.series, []).append(w)
    first_hit: dict[Window, datetime] = {}
    true_pos = false_alarms = 0
    for warning in warnings:
        hits = [
            w
            for s in warning.series
            for w in by_series.get(s, [])
            if w.start <= warning.start <= w.end
        ]
        if hits:
            true_pos += 1
        else:
            false_alarms += 1
        for w in hits:
            if w not in first_hit or warning.start < first_hit[w]:
                first_hit[w] = warning.start
    precision = true_pos / len(warnings) if warnings else None
    recall = len(first_hit) / len(windows) if windows else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    delays = [(t - w.start).total_seconds() for w, t in first_hit.items()]
    days = sum((hi - lo) / 86_400_000 for lo, hi in spans.values())
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "mean_delay_s": sum(delays) / len(delays) if delays else None,
        "false_alarms_per_series_day": false_alarms / days if days > 0 else None,
    }


@dataclass
class Readings:
    """Readings of a CSV file, with series named as in the file."""

    names: list[str]
    times_ms: np.ndarray
    values: np.ndarray


def _time_ms(text: str) -> int:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return to_ms(parse_instant(text))


def _rows(path: Path, need: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = {h.strip() for h in reader.fieldnames or []}
        if not set(need) <= header:
            raise InvalidInput(f"{path}:1: header must hold {','.join(need)}")
        for number, row in enumerate(reader, start=2):
            yield number, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def read_readings(path: Path) -> Readings:
    """Read ``series,time,value`` (time ISO 8601 with offset, or epoch ms)."""
    names, times, values = [], [], []
    for number, row in _rows(path, ("series", "time", "value")):
        try:
            times.append(_time_ms(row["time"]))
            values.append(float(row["value"]))
        except ValueError as exc:
            raise InvalidInput(f"{path}:{number}: {exc}") from None
        names.append(row["series"])
    return Readings(names, np.array(times, dtype=np.int64), np.array(values, dtype=np.float64))


def read_windows(path: Path) -> list[Window]:
    """Read labels ``series,start,end``."""
    out = []
    for number, row in _rows(path, ("series", "start", "end")):
        try:
            start, end = from_ms(_time_ms(row["start"])), from_ms(_time_ms(row["end"]))
        except ValueError as exc:
            raise InvalidInput(f"{path}:{number}: {exc}") from None
        if end < start:
            raise InvalidInput(f"{path}:{number}: end is before start")
        out.append(Window(row["series"], start, end))
    return out


def series_for(readings: Readings, catalogue: Sequence[SeriesInfo] | None) -> list[SeriesInfo]:
    """The series the readings name: from the catalogue (by ``site/indicator`` or by the 1-based
    position, the id a fresh store gives it), else bare series labelled by their name."""
    if catalogue is not None:
        by_name = {str(info.id): info for info in catalogue}
        by_name |= {str(k): info for k, info in enumerate(catalogue, start=1)}
        missing = sorted(set(readings.names) - set(by_name))
        if missing:
            raise InvalidInput(f"series not in the catalogue: {', '.join(missing[:10])}")
        chosen = {by_name[n].id: by_name[n] for n in readings.names}
        return list(chosen.values())
    return [_bare(name, readings) for name in dict.fromkeys(readings.names)]


def _bare(name: str, readings: Readings) -> SeriesInfo:
    # a reading given twice (overlapping exports) is one reading: its zero gap is no interval
    times = np.unique(readings.times_ms[np.array(readings.names) == name])
    gaps = np.diff(times)
    interval = float(median(gaps.tolist())) / 1000 if gaps.size else 0.0
    labels = {"series": name}
    if "/" in name:
        labels["site"], labels["indicator"] = name.split("/", 1)
    return SeriesInfo(name, labels, {}, interval)


def spans(ids: Sequence[str], times_ms: np.ndarray) -> dict[str, tuple[int, int]]:
    """First and last reading time of each series."""
    out: dict[str, tuple[int, int]] = {}
    for sid, t in zip(ids, times_ms.tolist(), strict=True):
        lo, hi = out.get(sid, (t, t))
        out[sid] = (min(lo, t), max(hi, t))
    return out


@dataclass
class Result:
    """What a backtest found."""

    warnings: list[Episode]
    metrics: dict[str, float | None] | None
    signals: list[Signal]


def run(
    rules: Any,
    readings: Readings,
    windows: Sequence[Window] | None = None,
    catalogue: Sequence[SeriesInfo] | None = None,
) -> Result:
    """Evaluate `rules` over the readings in batch; score against `windows` when given."""
    from forewarn.detect.engine import evaluate

    series = series_for(readings, catalogue)
    canonical = {str(k): str(s.id) for k, s in enumerate(catalogue or [], start=1)}
    canonical |= {str(s.id): str(s.id) for s in series}
    names = [canonical.get(n, n) for n in readings.names]
    by_name = {str(s.id): s.id for s in series}
    ids = [by_name.get(n, n) for n in names]
    if not names:
        return Result([], None, [])
    signals = evaluate(
        rules, series, ids, readings.times_ms, readings.values, end=int(readings.times_ms.max())
    )
    warnings = warnings_of(signals)
    metrics = None
    if windows is not None:
        fixed = [Window(canonical.get(w.series, w.series), w.start, w.end) for w in windows]
        metrics = score(warnings, fixed, spans(names, readings.times_ms))
    return Result(warnings, metrics, signals)

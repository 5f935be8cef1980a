"""The detection engine: rules x series, stateful and incremental, driven by readings and a clock.

``ingest(series_ids, times_ms, values)`` runs every detector rule over a batch of readings and
returns the signals they cause; ``advance(now)`` lets time pass (``for`` and
``keep_firing_for`` timers, missing data, silence, linkage windows). The clock is a watermark:
``advance(now)`` says every reading with time <= now has been ingested. Fed that way, any
chunking of the readings and any interleaving of ``advance`` calls give the same signals as
``evaluate`` over the whole history at once (a property test holds them together).

Readings of one series must come in time order; a reading not newer than the series' last one
is dropped and counted as late. A reading behind the clock is applied at the clock's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from forewarn.detect import levels as lm
from forewarn.detect.explain import signals_of
from forewarn.detect.labels import SeriesId, SeriesInfo
from forewarn.detect.linkage import LinkageSet
from forewarn.detect.ruleset import RuleSet
from forewarn.detect.runtime import RuleRuntime
from forewarn.detect.signals import Signal
from forewarn.timeutil import to_ms

ACCEPTED, UNKNOWN, INVALID, LATE = 0, 1, 2, 3
_LOOKUP_SLACK = 1_000_000


@dataclass
class EngineStats:
    """Counters of what the engine saw."""

    accepted: int = 0
    unknown: int = 0
    invalid: int = 0
    late: int = 0
    signals: int = 0
    bind_errors: dict[str, dict[str, str]] = field(default_factory=dict)


@njit(cache=True)
def _triage(
    dense: NDArray[np.int64], t: NDArray[np.int64], x: NDArray[np.float64], last: NDArray[np.int64]
) -> NDArray[np.int8]:
    """Accept or reject each reading in order, advancing each series' last time."""
    out = np.empty(dense.size, dtype=np.int8)
    for i in range(dense.size):
        d = dense[i]
        if d < 0:
            out[i] = UNKNOWN
        elif not np.isfinite(x[i]):
            out[i] = INVALID
        elif t[i] <= last[d]:
            out[i] = LATE
        else:
            last[d] = t[i]
            out[i] = ACCEPTED
    return out


def as_ms(value: datetime | int) -> int:
    """Epoch ms of an aware datetime (ints pass through)."""
    return to_ms(value) if isinstance(value, datetime) else int(value)


def sort_key(sig: Signal, order: dict[str, int]) -> tuple[datetime, int, str]:
    """The engine's order of signals: time, rule position in the file, fingerprint."""
    return (sig.at, order.get(sig.rule, 1 << 30), sig.fingerprint)


class Engine:
    """Incremental evaluation of a rule set over a catalogue of series."""

    def __init__(
        self,
        rules: RuleSet,
        series: Sequence[SeriesInfo] = (),
        *,
        start: datetime | int | None = None,
    ) -> None:
        self.rules = rules
        self.start_ms = None if start is None else as_ms(start)
        self.clock_ms = lm.NEVER
        self.stats = EngineStats()
        self.runtimes = [RuleRuntime(r, start_ms=self.start_ms) for r in rules.detector_rules]
        self.order = {r.id: r.index for r in rules.rules}
        self.series: list[SeriesInfo] = []
        self._dense: dict[SeriesId, int] = {}
        self._last = np.empty(0, dtype=np.int64)
        self._lookup: NDArray[np.int64] | None = None
        self.region_names: dict[str, str] = {}
        self.linkage = LinkageSet(rules.linkage_rules, self.region_names)
        self.add_series(series)

    def add_series(self, infos: Sequence[SeriesInfo]) -> int:
        """Watch more series (ids already known are skipped); return how many were added."""
        new = [i for i in {i.id: i for i in infos}.values() if i.id not in self._dense]
        if not new:
            return 0
        first = len(self.series)
        for offset, info in enumerate(new):
            self._dense[info.id] = first + offset
            if info.labels.get("region"):
                self.region_names.setdefault(
                    info.labels["region"], info.labels.get("region_name", "")
                )
        self.series.extend(new)
        self._last = np.concatenate([self._last, np.full(len(new), lm.NEVER, dtype=np.int64)])
        since = self.clock_ms if self.clock_ms != lm.NEVER else self.start_ms
        for rt in self.runtimes:
            rt.bind(new, first, since_ms=since)
            if rt.bind_errors:
                self.stats.bind_errors[rt.rule.id] = dict(rt.bind_errors)
        self._lookup = self._int_lookup()
        return len(new)

    def _int_lookup(self) -> NDArray[np.int64] | None:
        ids = [i for i in self._dense if isinstance(i, int) and not isinstance(i, bool)]
        if not ids or len(ids) != len(self._dense):
            return None
        top = max(ids)
        if min(ids) < 0 or top > 4 * len(ids) + _LOOKUP_SLACK:
            return None
        table = np.full(top + 1, -1, dtype=np.int64)
        table[np.array(ids, dtype=np.int64)] = np.array(list(self._dense.values()), dtype=np.int64)
        return table

    def dense_of(self, series_ids: ArrayLike) -> NDArray[np.int64]:
        """Dense indices of series ids (-1 for unknown ones)."""
        ids = np.asarray(series_ids)
        if self._lookup is not None and ids.dtype.kind in "iu":
            ids = ids.astype(np.int64, copy=False)
            inside = (ids >= 0) & (ids < self._lookup.size)
            return np.where(inside, self._lookup[np.clip(ids, 0, self._lookup.size - 1)], -1)
        get = self._dense.get
        return np.fromiter(
            (get(i.item() if hasattr(i, "item") else i, -1) for i in ids),
            dtype=np.int64,
            count=ids.size,
        )

    def ingest(self, series_ids: ArrayLike, times_ms: ArrayLike, values: ArrayLike) -> list[Signal]:
        """Evaluate a batch of readings; return the signals it causes, in time order."""
        dense = self.dense_of(series_ids)
        t = np.asarray(times_ms, dtype=np.int64)
        x = np.asarray(values, dtype=np.float64)
        if not dense.size == t.size == x.size:
            raise ValueError("series_ids, times_ms and values must have the same length")
        verdict = _triage(dense, t, x, self._last)
        counts = np.bincount(verdict, minlength=4)
        self.stats.accepted += int(counts[ACCEPTED])
        self.stats.unknown += int(counts[UNKNOWN])
        self.stats.invalid += int(counts[INVALID])
        self.stats.late += int(counts[LATE])
        ok = verdict == ACCEPTED
        if not ok.all():
            dense, t, x = dense[ok], t[ok], x[ok]
        if dense.size == 0:
            return []
        t_s = t / 1000.0
        batches = [rt.process(dense, t, t_s, x, self.clock_ms) for rt in self.runtimes]
        signals = self._finish([b for b in batches if b is not None])
        self.linkage.offer(signals)
        return signals

    def advance(self, now: datetime | int) -> list[Signal]:
        """Let time pass up to `now` (a watermark); return the signals it causes."""
        now_ms = as_ms(now)
        if now_ms < self.clock_ms:
            return []
        self.clock_ms = now_ms
        batches = [rt.advance(now_ms) for rt in self.runtimes]
        signals = self._finish([b for b in batches if b is not None])
        self.linkage.offer(signals)
        linked = self.linkage.run(now_ms)
        self.stats.signals += len(linked)
        return sorted(signals + linked, key=lambda s: sort_key(s, self.order))

    def _finish(self, batches: list) -> list[Signal]:  # type: ignore[type-arg]
        found = signals_of(batches)
        found.sort(key=lambda item: item[:3])
        self.stats.signals += len(found)
        return [item[3] for item in found]

    def snapshot(self) -> bytes:
        """The engine's state as bytes (see ``forewarn.detect.snapshot``)."""
        from forewarn.detect.snapshot import snapshot

        return snapshot(self)

    def restore(self, data: bytes) -> dict[str, int]:
        """Continue from a snapshot; return the rows restored per rule id."""
        from forewarn.detect.snapshot import restore

        return restore(self, data)

    def state_bytes_per_series_rule(self) -> float:
        """Mean bytes of detector + level-machine state per (rule, series) row."""
        rows = sum(len(rt) for rt in self.runtimes)
        if rows == 0:
            return 0.0
        return sum(rt.state_bytes_per_row() * len(rt) for rt in self.runtimes) / rows


def evaluate(
    rules: RuleSet,
    series: Sequence[SeriesInfo],
    series_ids: ArrayLike,
    times_ms: ArrayLike,
    values: ArrayLike,
    *,
    start: datetime | int | None = None,
    end: datetime | int | None = None,
) -> list[Signal]:
    """Batch evaluation of a whole history through the same engine (readings in any order).

    Without `start`, silence and missing-data timers of a series begin at its first reading;
    with it, a series that never reports is silent from `start`. `end` (default: the last
    reading) is where the clock stops.
    """
    t = np.asarray(times_ms, dtype=np.int64)
    order = np.argsort(t, kind="stable")
    ids = np.asarray(series_ids)[order]
    if t.size == 0:
        return []
    engine = Engine(rules, series, start=start)
    out = engine.ingest(ids, t[order], np.asarray(values, dtype=np.float64)[order])
    out += engine.advance(end if end is not None else int(t.max()))
    return sorted(out, key=lambda s: sort_key(s, engine.order))

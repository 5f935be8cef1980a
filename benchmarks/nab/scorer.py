"""Clean-room NAB scorer, written from the rules in ``shared/BENCHMARKS.md`` §1 (no NAB code).

Each scorable row (after the probation period) gets a *sweep weight*: inside a window the
scaled sigmoid of its position (left edge -> 1, right edge -> about 0); outside, the scaled
sigmoid of its distance past the previous window (or -1 before the first window). A detection
is a row whose ``anomaly_score >= threshold``. Per window only the best detection counts (times
the TP weight); a window without detection costs the FN weight; every detection outside windows
adds its (negative) weight times the FP weight. The raw score of a set of files is normalised
with the null detector (no detections) and a perfect one (one detection at each left edge).

`Table.sweep` evaluates every distinct threshold at once (sorting and cumulative sums), which
is how NAB's corpus-wide threshold optimisation is reproduced in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

PROBATION_FRACTION = 0.15
PROBATION_CAP = 750  # 0.15 * 5000 rows


class Profile(NamedTuple):
    """Weights of one scoring profile."""

    tp: float
    fp: float
    fn: float


PROFILES: dict[str, Profile] = {
    "standard": Profile(tp=1.0, fp=0.11, fn=1.0),
    "reward_low_fp": Profile(tp=1.0, fp=0.22, fn=1.0),
    "reward_low_fn": Profile(tp=1.0, fp=0.11, fn=2.0),
}


def probation_length(n: int) -> int:
    """Rows at the start of a file of `n` rows that are never scored."""
    return min(int(np.floor(PROBATION_FRACTION * n)), PROBATION_CAP)


def scaled_sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """2/(1+e^{5x}) - 1, and -1 beyond x > 3 (far past a window)."""
    with np.errstate(over="ignore"):
        y = 2.0 / (1.0 + np.exp(5.0 * x)) - 1.0
    return np.where(x > 3.0, -1.0, y)


@dataclass(frozen=True)
class Layout:
    """Per-row scoring data of one file: scorable rows, their window (-1 outside) and weight."""

    scorable: NDArray[np.bool_]
    window: NDArray[np.int64]
    weight: NDArray[np.float64]

    @property
    def n_windows(self) -> int:
        """Windows with at least one scorable row (the others are not counted)."""
        return int(np.unique(self.window[self.scorable & (self.window >= 0)]).size)


def layout(n: int, windows: NDArray[np.int64]) -> Layout:
    """Sweep weights of a file of `n` rows with inclusive row windows ``[[left, right], ...]``."""
    rows = np.arange(n)
    window = np.full(n, -1, dtype=np.int64)
    weight = np.full(n, -1.0)
    max_tp = float(scaled_sigmoid(np.array([-1.0]))[0])
    for k, (left, right) in enumerate(windows):
        width = right - left + 1
        inside = rows[left : right + 1]
        window[left : right + 1] = k
        weight[left : right + 1] = scaled_sigmoid(-(right - inside + 1) / width) / max_tp
        after = rows[right + 1 : windows[k + 1][0] if k + 1 < len(windows) else n]
        weight[after] = scaled_sigmoid((after - right) / (width - 1.0))
    return Layout(scorable=rows >= probation_length(n), window=window, weight=weight)


class Sweep(NamedTuple):
    """Raw score at each candidate threshold (descending), ``inf`` meaning no detection."""

    thresholds: NDArray[np.float64]
    raw: NDArray[np.float64]


class Table:
    """The scorable rows of a set of files, concatenated, ready to score many detectors."""

    def __init__(self, layouts: Sequence[Layout]) -> None:
        self.sizes = np.array([lay.scorable.size for lay in layouts], dtype=np.int64)
        scorable = np.concatenate([lay.scorable for lay in layouts])
        file_of_row = np.repeat(np.arange(len(layouts)), self.sizes)
        offsets = np.cumsum([0] + [int(lay.window.max(initial=-1)) + 1 for lay in layouts])
        window = np.concatenate(
            [
                np.where(lay.window >= 0, lay.window + off, -1)
                for lay, off in zip(layouts, offsets[:-1], strict=True)
            ]
        )
        self.mask = scorable
        self.file = file_of_row[scorable]
        self.window = window[scorable]
        self.weight = np.concatenate([lay.weight for lay in layouts])[scorable]
        counted = np.unique(self.window[self.window >= 0])
        self.window_file = np.zeros(offsets[-1], dtype=np.int64)
        self.window_file[self.window[self.window >= 0]] = self.file[self.window >= 0]
        self.counted = np.zeros(offsets[-1], dtype=bool)
        self.counted[counted] = True
        self.n_files = len(layouts)

    @property
    def n_windows(self) -> int:
        """Windows that are scored."""
        return int(self.counted.sum())

    def windows_per_file(self) -> NDArray[np.int64]:
        """Scored windows of each file."""
        return np.bincount(self.window_file[self.counted], minlength=self.n_files)

    def null_raw(self, profile: Profile) -> float:
        """Raw score of a detector that never fires."""
        return -profile.fn * self.n_windows

    def perfect_raw(self, profile: Profile) -> float:
        """Raw score of one detection at the left edge of every window."""
        return profile.tp * self.n_windows

    def normalise(self, raw: float, profile: Profile) -> float:
        """100 * (raw - null) / (perfect - null)."""
        null, perfect = self.null_raw(profile), self.perfect_raw(profile)
        return 100.0 * (raw - null) / (perfect - null)

    def scorable_scores(self, scores: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
        """Concatenate per-file score arrays and keep the scorable rows."""
        flat = np.concatenate([np.asarray(s, dtype=np.float64) for s in scores])
        if flat.size != self.mask.size:
            raise ValueError(f"expected {self.mask.size} scores, got {flat.size}")
        return np.asarray(flat[self.mask], dtype=np.float64)

    def raw_per_file(
        self, scores: NDArray[np.float64], threshold: float, profile: Profile
    ) -> NDArray[np.float64]:
        """Raw score of each file at one threshold (`scores` from `scorable_scores`)."""
        hit = scores >= threshold
        out = ~(self.window >= 0)
        fp = np.bincount(self.file[hit & out], self.weight[hit & out], minlength=self.n_files)
        best = np.full(self.counted.size, -np.inf)
        inside = hit & ~out
        np.maximum.at(best, self.window[inside], self.weight[inside])
        per_window = np.where(np.isfinite(best), profile.tp * best, -profile.fn)
        per_window = np.where(self.counted, per_window, 0.0)
        tp_fn = np.bincount(self.window_file, per_window, minlength=self.n_files)
        return tp_fn + profile.fp * fp

    def sweep(self, scores: NDArray[np.float64], profile: Profile) -> Sweep:
        """Raw corpus score at every distinct threshold (and at +inf: no detection)."""
        cand = np.concatenate([[np.inf], np.unique(scores)[::-1]])
        out = self.window < 0
        # false positives: cumulative weight of the out-of-window rows, highest score first
        fp = _sum_at_or_above(scores[out], self.weight[out], cand)
        # true positives: per window, the running best weight as the threshold falls
        ev_s, ev_d = _window_events(scores[~out], self.window[~out], self.weight[~out], profile)
        tp = _sum_at_or_above(ev_s, ev_d, cand)
        raw = self.null_raw(profile) + tp + profile.fp * fp
        return Sweep(thresholds=cand, raw=raw)

    def best(self, scores: NDArray[np.float64], profile: Profile) -> tuple[float, float]:
        """NAB's optimised threshold (the highest one among ties) and its raw score."""
        sweep = self.sweep(scores, profile)
        k = int(np.argmax(sweep.raw))
        return float(sweep.thresholds[k]), float(sweep.raw[k])


def _sum_at_or_above(
    scores: NDArray[np.float64], values: NDArray[np.float64], thresholds: NDArray[np.float64]
) -> NDArray[np.float64]:
    """For each threshold, the sum of `values` whose score is at or above it."""
    order = np.argsort(-scores, kind="stable")
    cumulative = np.r_[0.0, np.cumsum(values[order])]
    at = np.searchsorted(-scores[order], -thresholds, side="right")
    return np.asarray(cumulative[at], dtype=np.float64)


def _window_events(
    scores: NDArray[np.float64],
    window: NDArray[np.int64],
    weight: NDArray[np.float64],
    profile: Profile,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(score, change of the raw score) each time a window's best detection improves."""
    order = np.lexsort((-scores, window))
    s, w, x = scores[order], window[order], weight[order]
    first = np.r_[True, w[1:] != w[:-1]]
    group = np.cumsum(first) - 1
    # running maximum within each window: offset groups so one accumulate does them all
    shifted = x + 4.0 * group
    best = np.maximum.accumulate(shifted) - 4.0 * group
    prev = np.r_[0.0, best[:-1]]
    delta = np.where(first, profile.tp * best + profile.fn, profile.tp * (best - prev))
    keep = first | (delta > 0)
    return s[keep], delta[keep]

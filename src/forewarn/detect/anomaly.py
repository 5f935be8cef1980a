"""General-purpose streaming anomaly score in [0, 1]: *range novelty* at several views.

A reading is anomalous when it goes beyond what the series has shown before. Three views of
the series are watched, each giving an *excess* (0 when nothing is new):

``level``
    the reading itself against the highest and lowest readings seen so far;
``smooth``
    an exponentially weighted mean of the readings (a sustained shift, not one spike) against
    the extremes of that mean;
``season``
    the distance of the reading from its hour-of-day profile, against the largest such
    distance seen so far (a normal value at an abnormal time).

For ``level`` and ``smooth`` the excess is the distance beyond the extremes as a fraction of
their range (``(x - high) / (high - low)``); for ``season`` it is the ratio to the record minus
one, weighted by the *strength* of the daily cycle (the share of the variance that the
hour-of-day profile explains), so a series without a daily cycle gets no seasonal alarms. The
remembered extremes slowly relax towards the long-run mean (``extreme_decay`` per reading), so
an old outlier does not blind the detector for ever. A long *familiarity* memory keeps the
``familiar`` most extreme values on each side of ``level`` and ``smooth``, relaxing far more
slowly (``familiar_decay``): the excess only counts beyond the ``familiar``-th of them, so a
level the series has reached that often before (a recurring spike, a saturated maximum) is
not new again once the extremes have relaxed (off by default).

A fourth part, ``new_level``, looks *inside* the remembered range: at the end of the warm-up
the range of the readings seen so far is cut into ``GRID_LEVELS`` equal levels and that grid is
extended, level by level, to 8 times the range on each side. A reading that falls within the
remembered extremes of ``level`` but on a level of the grid that the series has never visited
(a dip into a band it never used, the inside of a range that widened later) adds
``new_level * excess_scale`` to the largest excess of the other parts. The score is
``e / (e + excess_scale)`` for that total excess ``e``, so 0.5 means "beyond the extremes by
``excess_scale`` of their range" or "a new level". The first ``warmup`` readings of a series
only teach. Once the score was high, readings that do not beat the highest score of the last
``refractory`` to ``2 * refractory`` readings score 0: one event, one detection.

The kernel `step` is streaming by construction: all memory of a series is one row of the state
matrix, so feeding readings in any chunking gives the same scores. `explain` decomposes the
last score of a series into its named parts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

DAY_S = 86_400.0
SEASON_BINS = 24  # hour-of-day profile
ALARM_THRESHOLD = 0.5  # the score at which forewarn's default rules alarm

# State slots (float64) of one series.
_N = 0  # readings seen
_LEVEL = 1  # high, low, mean of the readings
_SMOOTH = 4  # ewma, then high, low, mean of the ewma
_SEASON_MAX = 8  # largest (decayed) seasonal distance
_BLOCK = 9  # refractory: max score in the current block, in the previous block, block age
_LAST = 12  # last excess of level, smooth, season; last raw score; suppressed (0/1)
_PROFILE = 17  # per hour-of-day bin: mean, mean absolute deviation, count
_STRENGTH = _PROFILE + 3 * SEASON_BINS  # long-run mean, total and residual variance
MAX_FAMILIAR = 8
_FAMILIAR = _STRENGTH + 3  # level up, level down, smooth up, smooth down: MAX_FAMILIAR each
GRID_LEVELS = 8  # levels in the range of the warm-up readings
_GRID_BINS = 17 * GRID_LEVELS  # the grid: 8 ranges below, the range itself, 8 ranges above
_BITS = 52  # visited flags per float64 slot (integers below 2**53 are exact)
_GRID = _FAMILIAR + 4 * MAX_FAMILIAR  # low and high of the warm-up; last new-level excess
_VISITED = _GRID + 3  # bit flags of the visited levels
STATE_WIDTH = _VISITED + (_GRID_BINS + _BITS - 1) // _BITS  # 130 slots = 1040 bytes per series
PARTS = ("level", "smooth", "season", "new_level")


class Params(BaseModel):
    """Parameters of the anomaly score (defaults: the mean of NAB's two folds; see docs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    smooth_alpha: float = Field(0.1, gt=0, le=1, description="weight of a reading in `smooth`")
    extreme_decay: float = Field(
        1.6e-4, ge=0, lt=1, description="per reading, how far extremes relax to the mean"
    )
    mean_alpha: float = Field(1e-3, gt=0, le=1, description="weight of a reading in long means")
    season_alpha: float = Field(0.1, gt=0, le=1, description="weight of a day in the profile")
    settle: int = Field(100, ge=1, description="readings before extremes are remembered")
    warmup: int = Field(300, ge=1, description="readings that only teach (score 0)")
    refractory: int = Field(100, ge=0, description="readings of suppression after a peak")
    excess_scale: float = Field(0.053, gt=0, description="excess that scores 0.5")
    familiar: int = Field(
        0, ge=0, le=MAX_FAMILIAR, description="times a level must be seen to be familiar (0: off)"
    )
    familiar_decay: float = Field(
        1e-5, ge=0, lt=1, description="per reading, how far familiar values relax to the mean"
    )
    new_level: float = Field(
        1.0, ge=0, description="excess added at a never-visited level, in excess_scale (0: off)"
    )

    def as_array(self) -> NDArray[np.float64]:
        """The parameters in the order the kernel reads them."""
        return np.array(
            [
                self.smooth_alpha,
                self.extreme_decay,
                self.mean_alpha,
                self.season_alpha,
                self.settle,
                self.warmup,
                self.refractory,
                self.excess_scale,
                self.familiar,
                self.familiar_decay,
                self.new_level,
            ],
            dtype=np.float64,
        )


def init_state(n: int) -> NDArray[np.float64]:
    """Fresh state for `n` series."""
    return np.zeros((n, STATE_WIDTH), dtype=np.float64)


@njit(cache=True)
def _familiar(
    st: NDArray[np.float64], at: int, v: float, m: int, mean: float, p: NDArray[np.float64]
) -> float:
    """Distance of `v` beyond the m-th largest remembered value at ``st[at:at+m]`` (kept in
    descending order, relaxing to `mean`); then remember `v`. Infinite until m are known."""
    for j in range(m):
        st[at + j] -= p[9] * (st[at + j] - mean)
    beyond = v - st[at + m - 1] if st[_N] > p[4] + m else math.inf
    k = min(int(st[_N] - p[4]), m) - 1  # the slot `v` may take: the last (or first free) one
    if k >= 0 and (st[_N] <= p[4] + m or v > st[at + k]):
        st[at + k] = v
        while k > 0 and st[at + k] > st[at + k - 1]:
            st[at + k], st[at + k - 1] = st[at + k - 1], st[at + k]
            k -= 1
    return beyond


@njit(cache=True)
def _novelty(
    st: NDArray[np.float64], at: int, fam: int, y: float, n: float, p: NDArray[np.float64]
) -> float:
    """Excess of `y` beyond the remembered extremes at ``st[at:at+3]`` and the familiar values
    at ``st[fam:]``; then remember `y`."""
    settle, decay, m = p[4], p[1], int(p[8])
    excess = 0.0
    if n > settle:
        high, low, mean = st[at], st[at + 1], st[at + 2]
        up, down = y - high, low - y
        if m > 0:
            up = min(up, _familiar(st, fam, y, m, mean, p))
            down = min(down, _familiar(st, fam + MAX_FAMILIAR, -y, m, -mean, p))
        span = high - low
        if span > 0.0:
            excess = max(up, down) / span
        elif y != high:
            excess = 1.0
        st[at] = max(y, high - decay * (high - mean))
        st[at + 1] = min(y, low + decay * (mean - low))
    elif n == settle:
        st[at] = y
        st[at + 1] = y
    st[at + 2] += max(p[2], 1.0 / n) * (y - st[at + 2])
    return max(excess, 0.0)


@njit(cache=True)
def _strength(st: NDArray[np.float64], x: float, expected: float, known: bool, n: float) -> float:
    """Share of the variance that the hour-of-day profile explains (0 when it explains none)."""
    a = max(1e-3, 1.0 / n)  # a long-run memory of about 1000 readings
    g = st[_STRENGTH]
    st[_STRENGTH] = g + a * (x - g)
    if known:
        st[_STRENGTH + 1] += a * ((x - g) ** 2 - st[_STRENGTH + 1])
        st[_STRENGTH + 2] += a * ((x - expected) ** 2 - st[_STRENGTH + 2])
    total = st[_STRENGTH + 1]
    return min(max(1.0 - st[_STRENGTH + 2] / total, 0.0), 1.0) if total > 0.0 else 0.0


@njit(cache=True)
def _season(st: NDArray[np.float64], t: float, x: float, n: float, p: NDArray[np.float64]) -> float:
    """Excess of the distance of `x` from its hour-of-day profile over the record distance,
    weighted by the strength of the daily cycle."""
    b = _PROFILE + 3 * int((t % DAY_S) / DAY_S * SEASON_BINS)
    mean, dev, count = st[b], st[b + 1], st[b + 2]
    dist = 0.0
    if count >= 3.0:
        dist = abs(x - mean) / (dev + 1e-9 * (abs(mean) + 1.0))
    record = st[_SEASON_MAX]
    excess = max(dist / record - 1.0, 0.0) if record > 0.0 else 0.0
    if n > p[4]:
        st[_SEASON_MAX] = max(dist, record * (1.0 - p[1]))
    w = max(p[3], 1.0 / (count + 1.0))
    st[b] = mean + w * (x - mean)
    st[b + 1] = dev + w * (abs(x - st[b]) - dev)
    st[b + 2] = count + 1.0
    return excess * _strength(st, x, mean, count >= 3.0, n)


@njit(cache=True)
def _refractory(st: NDArray[np.float64], score: float, refractory: float) -> float:
    """Zero a score that does not beat the recent peak (the last 1-2 blocks of readings)."""
    if refractory <= 0.0:
        return score
    recent = max(st[_BLOCK], st[_BLOCK + 1])
    st[_BLOCK] = max(st[_BLOCK], score)
    st[_BLOCK + 2] += 1.0
    if st[_BLOCK + 2] >= refractory:
        st[_BLOCK + 1] = st[_BLOCK]
        st[_BLOCK] = 0.0
        st[_BLOCK + 2] = 0.0
    return score if score > recent else 0.0


@njit(cache=True)
def _visit(st: NDArray[np.float64], level: int) -> bool:
    """Mark a level of the grid visited; True when it had never been visited."""
    slot, bit = _VISITED + level // _BITS, level % _BITS
    flags = np.int64(st[slot])
    if (flags >> bit) & 1:
        return False
    st[slot] = float(flags | (np.int64(1) << bit))
    return True


@njit(cache=True)
def _new_level(st: NDArray[np.float64], x: float, n: float, p: NDArray[np.float64]) -> bool:
    """Track the warm-up range, lay the grid at its end, then: is `x` on a new level?"""
    if n == 1.0 or n <= p[5]:
        st[_GRID] = x if n == 1.0 else min(st[_GRID], x)
        st[_GRID + 1] = x if n == 1.0 else max(st[_GRID + 1], x)
        if n == p[5]:  # the grid is laid: the warm-up range counts as visited
            for level in range(8 * GRID_LEVELS, 9 * GRID_LEVELS + 1):
                _visit(st, level)
        return False
    low, high = st[_GRID], st[_GRID + 1]
    width = max(high - low, 1e-9 * (abs(high) + 1.0)) / GRID_LEVELS
    position = min(max((x - low) / width, -8.0 * GRID_LEVELS), 9.0 * GRID_LEVELS + 0.5)
    return _visit(st, min(math.floor(position) + 8 * GRID_LEVELS, _GRID_BINS - 1))


@njit(cache=True)
def _one(st: NDArray[np.float64], t: float, x: float, p: NDArray[np.float64]) -> float:
    """Update one series' state with one reading and return its score."""
    n = st[_N] + 1.0
    st[_N] = n
    if n == 1.0:
        st[_SMOOTH] = x
    else:
        st[_SMOOTH] += max(p[0], 1.0 / n) * (x - st[_SMOOTH])
    e_level = _novelty(st, _LEVEL, _FAMILIAR, x, n, p)
    e_smooth = _novelty(st, _SMOOTH + 1, _FAMILIAR + 2 * MAX_FAMILIAR, st[_SMOOTH], n, p)
    e_season = _season(st, t, x, n, p)
    new = _new_level(st, x, n, p)  # beyond the extremes, `level` has already spoken
    e_new = p[10] * p[7] if new and e_level == 0.0 else 0.0
    if n <= p[5]:
        e_level = e_smooth = e_season = 0.0
    e = max(e_level, e_smooth, e_season) + e_new
    raw = e / (e + p[7])
    score = _refractory(st, raw, p[6])
    st[_LAST] = e_level
    st[_LAST + 1] = e_smooth
    st[_LAST + 2] = e_season
    st[_GRID + 2] = e_new
    st[_LAST + 3] = raw
    st[_LAST + 4] = 1.0 if score < raw else 0.0
    return score


@njit(cache=True)
def step(
    state: NDArray[np.float64],
    rows: NDArray[np.int64],
    t_s: NDArray[np.float64],
    x: NDArray[np.float64],
    params: NDArray[np.float64],
    out_score: NDArray[np.float64],
) -> None:
    """Feed readings in order: reading i (time ``t_s[i]`` s, value ``x[i]``) updates series
    ``rows[i]`` and its score goes to ``out_score[i]``. A NaN or infinite value is skipped
    (score 0)."""
    for i in range(rows.shape[0]):
        if not (math.isfinite(x[i]) and math.isfinite(t_s[i])):
            out_score[i] = 0.0
            continue
        out_score[i] = _one(state[rows[i]], t_s[i], x[i], params)


def score_series(
    t_s: NDArray[np.float64], x: NDArray[np.float64], params: Params | None = None
) -> NDArray[np.float64]:
    """Scores of one whole series (times in seconds, values), from a fresh state."""
    values = np.ascontiguousarray(x, dtype=np.float64)
    times = np.ascontiguousarray(t_s, dtype=np.float64)
    if values.shape != times.shape or values.ndim != 1:
        raise ValueError(f"t_s and x must be 1-d of one length, got {times.shape}, {values.shape}")
    out = np.zeros(values.shape[0], dtype=np.float64)
    rows = np.zeros(values.shape[0], dtype=np.int64)
    step(init_state(1), rows, times, values, (params or Params()).as_array(), out)
    return out


def _season_strength(state_row: NDArray[np.float64]) -> float:
    total, residual = state_row[_STRENGTH + 1], state_row[_STRENGTH + 2]
    return float(min(max(1.0 - residual / total, 0.0), 1.0)) if total > 0.0 else 0.0


def explain(state_row: NDArray[np.float64], params: Params | None = None) -> dict[str, Any]:
    """The named parts of the last score of one series (for warning explanations)."""
    parts = {name: float(state_row[_LAST + k]) for k, name in enumerate(PARTS[:3])}
    parts["new_level"] = float(state_row[_GRID + 2])
    p = params or Params()
    out = {
        "readings": int(state_row[_N]),
        "excess": parts,
        "driver": max(parts, key=lambda k: parts[k]) if max(parts.values()) > 0 else None,
        "raw_score": float(state_row[_LAST + 3]),
        "suppressed": bool(state_row[_LAST + 4]),
        "level_range": [float(state_row[_LEVEL + 1]), float(state_row[_LEVEL])],
        "smooth": float(state_row[_SMOOTH]),
        "smooth_range": [float(state_row[_SMOOTH + 2]), float(state_row[_SMOOTH + 1])],
        "season_strength": _season_strength(state_row),
        "familiar_range": None,
    }
    if p.familiar > 0 and state_row[_N] > p.settle + p.familiar:
        k = _FAMILIAR + p.familiar - 1  # the familiar-th highest, and lowest, remembered level
        out["familiar_range"] = [-float(state_row[k + MAX_FAMILIAR]), float(state_row[k])]
    return out

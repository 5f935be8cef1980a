"""Rate of change over a sliding time window (and the window's sum or mean).

The window of ``window`` seconds is cut into ``buckets`` equal, epoch-aligned buckets; each keeps
the count, mean value and mean time offset of its readings, so the state stays bounded however
often the series reports. The measure is the count-weighted least-squares slope through the
bucket means of the current and the previous ``buckets - 1`` buckets, expressed per ``per``
(default one hour): e.g. ``mm`` per hour for displacement, ``m`` per hour for a river stage.
It is NaN until the points span at least ``min_span`` of the window. The score is the measure's
position on the rule's thresholds.

The ``window`` detector keeps the same buckets and measures their ``sum`` (e.g. rainfall
accumulated over the last hours from hourly intensities: the sum of the readings) or ``mean``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import Field, field_validator

from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register
from forewarn.detect.labels import SeriesInfo
from forewarn.timeutil import parse_duration

MAX_BUCKETS = 6


class Params(DetectorParams):
    """Rate-of-change parameters."""

    window: str | float
    buckets: int = Field(MAX_BUCKETS, ge=2, le=MAX_BUCKETS)
    per: str | float = "1h"
    min_span: float = Field(0.5, gt=0.0, le=1.0, description="fraction of the window covered")

    @field_validator("window", "per")
    @classmethod
    def _duration(cls, value: str | float) -> str | float:
        if parse_duration(value) <= 0:
            raise ValueError("must be a positive duration")
        return value

    def as_array(self) -> NDArray[np.float64]:
        """``[bucket width s, buckets, per s, min span s]``."""
        window = parse_duration(self.window)
        return np.array(
            [window / self.buckets, self.buckets, parse_duration(self.per), self.min_span * window]
        )


def init(n: int, params: Params, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
    """State ``[current bucket, (count, mean value, mean offset) x buckets]``."""
    state = np.zeros((n, 1 + 3 * params.buckets), dtype=np.float64)
    state[:, 0] = -np.inf
    return state


@njit(cache=True)
def _advance(state: NDArray[np.float64], r: int, b: float, k: int) -> None:
    """Move row `r` to bucket `b`, emptying the buckets that fall out of the window."""
    cur = state[r, 0]
    if b == cur:
        return
    gap = b - cur
    steps = k if not gap < k else int(gap)
    for j in range(1, steps + 1):
        state[r, 1 + 3 * int((b - steps + j) % k)] = 0.0
    state[r, 0] = b


@njit(cache=True)
def _slope(
    state: NDArray[np.float64], r: int, b: float, k: int, width: float
) -> tuple[float, float, float]:
    """(slope per second, weighted mean value, time span) over the row's buckets."""
    sw = swt = swx = swtt = swtx = 0.0
    lo, hi = np.inf, -np.inf
    current = int(b % k)
    for slot in range(k):
        w = state[r, 1 + 3 * slot]
        if w == 0.0:
            continue
        age = (current - slot) % k
        t = -age * width + state[r, 3 + 3 * slot]
        xv = state[r, 2 + 3 * slot]
        sw += w
        swt += w * t
        swx += w * xv
        swtt += w * t * t
        swtx += w * t * xv
        lo, hi = min(lo, t), max(hi, t)
    if sw == 0.0:
        return np.nan, np.nan, 0.0
    den = sw * swtt - swt * swt
    if not hi > lo or den <= 0.0:
        return np.nan, swx / sw, 0.0
    return (sw * swtx - swt * swx) / den, swx / sw, hi - lo


@njit(cache=True)
def step(
    state: NDArray[np.float64],
    rows: NDArray[np.int64],
    t_s: NDArray[np.float64],
    x: NDArray[np.float64],
    params: NDArray[np.float64],
    out_measure: NDArray[np.float64],
    out_score: NDArray[np.float64],
    out_base: NDArray[np.float64],
    out_scale: NDArray[np.float64],
) -> None:
    """Fold each reading into its bucket and measure the slope over the window."""
    width, k, per, min_span = params[0], int(params[1]), params[2], params[3]
    for i in range(rows.size):
        r = rows[i]
        b = math.floor(t_s[i] / width)
        _advance(state, r, b, k)
        slot = int(b % k)
        c = 1 + 3 * slot
        n = state[r, c] + 1.0
        state[r, c] = n
        state[r, c + 1] += (x[i] - state[r, c + 1]) / n
        state[r, c + 2] += ((t_s[i] - b * width) - state[r, c + 2]) / n
        slope, mean, span = _slope(state, r, b, k, width)
        out_measure[i] = slope * per if span >= min_span else np.nan
        out_score[i] = np.nan
        out_base[i] = mean
        out_scale[i] = np.nan


SPEC = register(
    DetectorSpec(
        name="rate",
        params=Params,
        init=init,
        step=step,
        summary="least-squares slope over a sliding window",
        measure="change per `per` (default 1 h), slope of bucket means over `window`",
    )
)


class WindowParams(DetectorParams):
    """Window-aggregate parameters."""

    window: str | float
    buckets: int = Field(MAX_BUCKETS, ge=1, le=MAX_BUCKETS)
    measure: Literal["sum", "mean"] = "sum"

    @field_validator("window")
    @classmethod
    def _duration(cls, value: str | float) -> str | float:
        if parse_duration(value) <= 0:
            raise ValueError("must be a positive duration")
        return value

    def as_array(self) -> NDArray[np.float64]:
        """``[bucket width s, buckets, mean?]``."""
        width = parse_duration(self.window) / self.buckets
        return np.array([width, self.buckets, 1.0 if self.measure == "mean" else 0.0])


@njit(cache=True)
def window_step(
    state: NDArray[np.float64],
    rows: NDArray[np.int64],
    t_s: NDArray[np.float64],
    x: NDArray[np.float64],
    params: NDArray[np.float64],
    out_measure: NDArray[np.float64],
    out_score: NDArray[np.float64],
    out_base: NDArray[np.float64],
    out_scale: NDArray[np.float64],
) -> None:
    """Fold each reading into its bucket; measure the sum (or mean) of the window's readings."""
    width, k, mean = params[0], int(params[1]), params[2] > 0
    for i in range(rows.size):
        r = rows[i]
        b = math.floor(t_s[i] / width)
        _advance(state, r, b, k)
        c = 1 + 3 * int(b % k)
        n = state[r, c] + 1.0
        state[r, c] = n
        state[r, c + 1] += (x[i] - state[r, c + 1]) / n
        total = count = 0.0
        for slot in range(k):
            total += state[r, 1 + 3 * slot] * state[r, 2 + 3 * slot]
            count += state[r, 1 + 3 * slot]
        out_measure[i] = total / count if mean else total
        out_score[i] = np.nan
        out_base[i] = total / count
        out_scale[i] = np.nan


def window_init(n: int, params: WindowParams, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
    """Same layout as the rate detector's state."""
    state = np.zeros((n, 1 + 3 * params.buckets), dtype=np.float64)
    state[:, 0] = -np.inf
    return state


WINDOW = register(
    DetectorSpec(
        name="window",
        params=WindowParams,
        init=window_init,
        step=window_step,
        summary="sum or mean of the readings over a sliding window",
        measure="sum (or mean) of the readings in the last `window`",
    )
)

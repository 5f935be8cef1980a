"""Robust seasonal baseline: median and MAD of the same hour in past days or weeks.

Readings are averaged per clock hour (local time: ``utc_offset`` hours). Each completed hour is
stored in its slot: hour-of-day (``season: day``, 24 slots) or hour-of-week (``season: week``,
168 slots, Monday 00:00 first), keeping the last ``periods`` days or weeks. A reading is compared
with the values of its slot in earlier periods, pooled with ``pool`` neighbouring hours on each
side: measure ``z = (x - median) / max(1.4826 MAD, min_scale)`` (``|z|`` for both sides, ``-z``
for the lower side); score ``2 Phi(z) - 1``. NaN until ``min_count`` (default 8) past values
exist: the MAD of a handful of values is erratic.

This is a windowed detector: its state is ``3 + 2 * slots * periods`` float64 per series (day,
14 periods: 675 values, 5.4 KB; week, 4 periods: 1,347 values, 10.8 KB), beyond the 256-byte
budget of the streaming detectors. It is bounded by ``periods`` (at most 12 weeks or 60 days).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import Field, model_validator

from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register
from forewarn.detect.detectors.charts import SIDES
from forewarn.detect.labels import SeriesInfo

SLOTS = {"day": 24, "week": 168}
MAX_PERIODS = {"day": 60, "week": 12}
CUR, SUM, COUNT, VALUES = 0, 1, 2, 3


class Params(DetectorParams):
    """Seasonal-baseline parameters."""

    season: Literal["day", "week"] = "week"
    periods: int = Field(4, ge=1)
    pool: int = Field(1, ge=0, le=3, description="neighbouring hours pooled on each side")
    utc_offset: float = Field(8.0, ge=-12.0, le=14.0, description="local time, hours from UTC")
    min_count: int = Field(8, ge=1, description="past values needed (a MAD of few is erratic)")
    min_scale: float = Field(0.0, ge=0.0)
    side: Literal["both", "upper", "lower"] = "both"

    @model_validator(mode="after")
    def _bounded(self) -> Params:
        if self.periods > MAX_PERIODS[self.season]:
            raise ValueError(f"periods: at most {MAX_PERIODS[self.season]} for a {self.season}")
        return self

    def as_array(self) -> NDArray[np.float64]:
        """``[slots, periods, pool, offset h, min count, min scale, side]``."""
        return np.array(
            [
                SLOTS[self.season],
                self.periods,
                self.pool,
                self.utc_offset,
                self.min_count,
                self.min_scale,
                SIDES[self.side],
            ]
        )


def init(n: int, params: Params, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
    """Current hour, its sum and count, then per slot and period a value and its hour stamp."""
    cells = SLOTS[params.season] * params.periods
    state = np.full((n, VALUES + 2 * cells), np.nan, dtype=np.float64)
    state[:, CUR] = -np.inf
    state[:, SUM] = 0.0
    state[:, COUNT] = 0.0
    return state


@njit(cache=True)
def _normal_score(m: float) -> float:
    """``2 Phi(m) - 1`` for m >= 0, else 0 (kept here: numba caches per file)."""
    return math.erf(m / 1.4142135623730951) if m > 0.0 else 0.0


@njit(cache=True)
def _slot(hour: float, slots: int, offset: float) -> tuple[int, int]:
    """(slot, period number) of an epoch hour in local time (week slots start on Monday)."""
    local = hour + offset + (72.0 if slots == 168 else 0.0)
    period = math.floor(local / slots)
    return int(local - period * slots), int(period)


@njit(cache=True)
def _push(state: NDArray[np.float64], r: int, slots: int, periods: int, offset: float) -> None:
    """Store the completed hour's mean in its slot."""
    if state[r, COUNT] == 0.0:
        return
    slot, period = _slot(state[r, CUR], slots, offset)
    cell = slot * periods + period % periods
    state[r, VALUES + cell] = state[r, SUM] / state[r, COUNT]
    state[r, VALUES + slots * periods + cell] = state[r, CUR]


@njit(cache=True)
def _baseline(
    state: NDArray[np.float64], r: int, hour: float, p: NDArray[np.float64]
) -> tuple[float, float, int]:
    """(median, MAD, count) of the pooled slot values from earlier periods."""
    slots, periods, pool, offset = int(p[0]), int(p[1]), int(p[2]), p[3]
    buf = np.empty(periods * (2 * pool + 1))
    n = 0
    for d in range(-pool, pool + 1):
        slot, _ = _slot(hour + d, slots, offset)
        for k in range(periods):
            cell = slot * periods + k
            stamp = state[r, VALUES + slots * periods + cell]
            if stamp <= hour - slots + pool and stamp >= hour - periods * slots - pool:
                buf[n] = state[r, VALUES + cell]
                n += 1
    if n == 0:
        return np.nan, np.nan, 0
    vals = buf[:n]
    med = np.median(vals)
    return med, np.median(np.abs(vals - med)), n


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
    """Compare each reading with its slot's history, then add it to the current hour."""
    slots, periods, offset = int(params[0]), int(params[1]), params[3]
    min_count, min_scale, side = params[4], params[5], params[6]
    for i in range(rows.size):
        r = rows[i]
        hour = math.floor(t_s[i] / 3600.0)
        if hour != state[r, CUR]:
            _push(state, r, slots, periods, offset)
            state[r, CUR], state[r, SUM], state[r, COUNT] = hour, 0.0, 0.0
        med, mad, n = _baseline(state, r, hour, params)
        scale = max(1.4826 * mad, min_scale, 1e-9 * max(1.0, abs(med)))
        out_base[i], out_scale[i] = med, scale
        if n < min_count:
            out_measure[i], out_score[i] = np.nan, np.nan
        else:
            z = (x[i] - med) / scale
            m = abs(z) if side == 0.0 else (z if side == 1.0 else -z)
            out_measure[i], out_score[i] = m, _normal_score(m)
        state[r, SUM] += x[i]
        state[r, COUNT] += 1.0


SPEC = register(
    DetectorSpec(
        name="seasonal",
        params=Params,
        init=init,
        step=step,
        summary="robust z against the median/MAD of the same hour in past days or weeks",
        measure="(x - median) / (1.4826 MAD) of the same local hour in earlier periods",
        bounded=False,
    )
)

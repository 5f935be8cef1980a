"""Count-outbreak detectors: EARS C1/C2/C3 and Farrington flexible, wrapping ``detect.counts``.

Each (rule, series) row keeps a bounded history of the series' counts - exactly the look-back
the method uses (EARS: ``baseline + 5`` periods; Farrington: ``freq * b + w + 1``) - plus the
time of the last count and how many periods are stored (a new series has none: the method then
waits for enough history, as it would on the series' full record). Counts are placed by period:
a reading ``k`` expected intervals after the previous one leaves ``k - 1`` missing (NaN) periods
between them. Evaluating a count uses only the counts before it, so a batch gives the same
results as one reading at a time.

Measure (``measure``): ``ratio`` (default) = count / max(upper bound, 0.5) - at or above 1 the
method alarms; ``excess`` = count - upper bound; ``score``; ``alarm`` (1 when the method alarms).
Score: the method's own score. Baseline and scale in the explanation are the expected count and
the upper bound. Counts are evaluated in Python (one vectorised call per series and batch).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from forewarn.detect import counts as methods
from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register
from forewarn.detect.labels import SeriesInfo

T_PREV, INTERVAL, FILLED, HIST = 0, 1, 2, 3
PRESETS = {"noufaily_2013": methods.NOUFAILY_2013, "farrington_1996": methods.FARRINGTON_1996}


class _CountParams(DetectorParams):
    measure: Literal["ratio", "excess", "score", "alarm"] = "ratio"

    @abstractmethod
    def history(self) -> int:
        """Past periods kept per series."""

    @abstractmethod
    def evaluate(self, counts: NDArray[np.float64], indices: NDArray[np.int64]) -> Any:
        """Run the method at `indices`."""


class EarsParams(_CountParams):
    """EARS parameters (R ``earsC`` defaults, with a 0.5 floor on the baseline sd)."""

    method: Literal["C1", "C2", "C3"] = "C1"
    baseline: int = Field(7, ge=3, le=365)
    alpha: float | None = Field(None, gt=0.0, lt=1.0)
    min_sigma: float = Field(methods.ENGINE_MIN_SIGMA, ge=0.0)

    def history(self) -> int:
        """``baseline + 5`` periods (C3 looks two periods further back than C2)."""
        return self.baseline + 5

    def evaluate(self, counts: NDArray[np.float64], indices: NDArray[np.int64]) -> Any:
        """EARS at `indices`."""
        return methods.ears(
            counts,
            method=self.method,
            baseline=self.baseline,
            alpha=self.alpha,
            min_sigma=self.min_sigma,
            indices=indices,
        )


class FarringtonParams(_CountParams):
    """Farrington-flexible parameters: a preset and optional overrides."""

    preset: Literal["noufaily_2013", "farrington_1996"] = "noufaily_2013"
    freq: int = Field(52, ge=2, le=366)
    b: int | None = Field(None, ge=1, le=10)
    w: int | None = Field(None, ge=0, le=26)
    alpha: float | None = Field(None, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _valid(self) -> FarringtonParams:
        self.config()
        return self

    def config(self) -> methods.FarringtonConfig:
        """The preset with the overrides applied (raises ValueError when inconsistent)."""
        pairs = (("b", self.b), ("w", self.w), ("alpha", self.alpha))
        changes = {k: v for k, v in pairs if v is not None}  # w: 0 is a window of one week
        return PRESETS[self.preset].with_(**changes)

    def history(self) -> int:
        """``freq * b + w + 1`` periods."""
        config = self.config()
        return max(self.freq * config.b + config.w, config.limit54[1]) + 1

    def evaluate(self, counts: NDArray[np.float64], indices: NDArray[np.int64]) -> Any:
        """Farrington at `indices`."""
        return methods.farrington(counts, config=self.config(), freq=self.freq, indices=indices)


def _init(n: int, params: _CountParams, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
    state = np.full((n, HIST + params.history()), np.nan, dtype=np.float64)
    state[:, INTERVAL] = [info.interval_s for info in infos] if n else []
    state[:, FILLED] = 0.0
    return state


def _check(params: _CountParams, info: SeriesInfo) -> str | None:
    if info.interval_s <= 0:
        return "count detector: the series has no expected interval"
    return None


def _placed(
    state: NDArray[np.float64], r: int, t: NDArray[np.float64], x: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], float]:
    """The row's history with the new counts placed at their periods; their positions.

    A count less than half a period after the previous one is a revised report of the same
    period: it replaces that count (appending it shifted every later period by one, so that a
    weekly method's seasonal reference weeks were off for good after one revised report).
    """
    size = state.shape[1] - HIST
    hist = state[r, HIST + size - int(state[r, FILLED]) :]
    interval = state[r, INTERVAL]
    prev = state[r, T_PREV]
    out: list[float] = list(hist)
    positions = np.empty(x.size, dtype=np.int64)
    for j in range(x.size):
        periods = _periods(t[j], prev, interval)
        if periods <= 0 and out:
            out[-1] = float(x[j])
        else:
            out.extend([np.nan] * min(max(periods - 1, 0), size))
            out.append(float(x[j]))
            prev = t[j]
        positions[j] = len(out) - 1
    return np.array(out), positions, float(prev)


def _periods(t: float, prev: float, interval: float) -> int:
    """Periods from the previous count's time `prev` to `t` (1 when there is no previous one);
    0 or less: a revised report of the same period."""
    return round((t - prev) / interval) if not np.isnan(prev) and interval > 0 else 1


def _measure(kind: str, x: NDArray[np.float64], res: Any) -> NDArray[np.float64]:
    upper = np.asarray(res.upperbound, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            return np.asarray(x / np.maximum(upper, 0.5), dtype=np.float64)
        if kind == "excess":
            return np.asarray(x - upper, dtype=np.float64)
    if kind == "score":
        return np.asarray(res.score, dtype=np.float64)
    return np.where(np.isnan(upper), np.nan, res.alarm.astype(np.float64))


def step(
    state: NDArray[np.float64],
    rows: NDArray[np.int64],
    t_s: NDArray[np.float64],
    x: NDArray[np.float64],
    params: _CountParams,
    out_measure: NDArray[np.float64],
    out_score: NDArray[np.float64],
    out_base: NDArray[np.float64],
    out_scale: NDArray[np.float64],
) -> None:
    """Evaluate the new counts of each row in as few calls as streaming allows (a revised report
    starts a new call: the counts before it are judged on the history as it stood), keeping the
    last history periods."""
    outs = (out_measure, out_score, out_base, out_scale)
    order = np.argsort(rows, kind="stable")
    bounds = np.flatnonzero(np.diff(rows[order])) + 1
    for group in np.split(order, bounds):
        if group.size == 0:
            continue
        r = int(rows[group[0]])
        start = 0
        while start < group.size:
            end = _segment_end(state, r, t_s[group], start)
            _evaluate(state, r, group[start:end], t_s, x, params, outs)
            start = end


def _segment_end(state: NDArray[np.float64], r: int, t: NDArray[np.float64], start: int) -> int:
    """The index of the first revised report after `start` (or the end): where a call stops."""
    interval, prev = state[r, INTERVAL], state[r, T_PREV]
    for j in range(start, t.size):
        periods = _periods(t[j], prev, interval)
        if periods <= 0 and j > start:
            return j
        if periods > 0:
            prev = t[j]
    return int(t.size)


def _evaluate(
    state: NDArray[np.float64],
    r: int,
    idx: NDArray[np.int64],
    t_s: NDArray[np.float64],
    x: NDArray[np.float64],
    params: _CountParams,
    outs: tuple[NDArray[np.float64], ...],
) -> None:
    counts, positions, last = _placed(state, r, t_s[idx], x[idx])
    res = params.evaluate(counts, positions)
    out_measure, out_score, out_base, out_scale = outs
    out_measure[idx] = _measure(params.measure, x[idx], res)
    out_score[idx] = res.score
    out_base[idx] = res.expected
    out_scale[idx] = res.upperbound
    keep = min(state.shape[1] - HIST, counts.size)
    state[r, state.shape[1] - keep :] = counts[-keep:]
    state[r, FILLED] = keep
    state[r, T_PREV] = last


def _prepare(params: _CountParams) -> _CountParams:
    return params


EARS = register(
    DetectorSpec(
        name="ears",
        params=EarsParams,
        init=_init,
        step=step,
        prepare=_prepare,
        summary="EARS C1/C2/C3 outbreak detection on counts",
        measure="count / upper bound (ratio; >= 1 alarms), or excess, score, alarm",
        check_series=_check,
        base_name="expected",
        scale_name="upperbound",
    )
)
FARRINGTON = register(
    DetectorSpec(
        name="farrington",
        params=FarringtonParams,
        init=_init,
        step=step,
        prepare=_prepare,
        summary="Farrington flexible (1996 or Noufaily 2013) outbreak detection on counts",
        measure="count / upper bound (ratio; >= 1 alarms), or excess, score, alarm",
        check_series=_check,
        base_name="expected",
        scale_name="upperbound",
        bounded=False,
    )
)

"""EWMA and two-sided CUSUM control charts on the series' robust standardised residuals.

Both standardise each reading by the streaming robust location and scale of ``robust.py``
(``r = (x - loc) / scale``, computed before the reading updates them), so their parameters are
in units of the series' own scale and one rule fits gauges of very different sizes.

- EWMA: ``e = lam * r + (1 - lam) * e``; measure ``z = e / sqrt(lam / (2 - lam))`` (the EWMA in
  units of its own asymptotic standard deviation); score ``2 Phi(z) - 1``.
- CUSUM: ``S+ = min(cap, max(0, S+ + r - k))``, ``S- = min(cap, max(0, S- - r - k))``; measure
  ``max(S+, S-)`` (or one side); score ``1 - 2^(-S / h)`` (0.5 at the decision interval h).

``side`` picks ``both`` (default), ``upper`` or ``lower``; for EWMA ``both`` measures ``|z|``.
The measure is NaN during the first ``warmup`` readings.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import Field, model_validator

from forewarn.detect.detectors import robust
from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register, zeros_state

SIDES = {"both": 0.0, "upper": 1.0, "lower": 2.0}


class _Baseline(DetectorParams):
    adapt: float = Field(0.01, gt=0.0, le=0.5, description="baseline adaptation per reading")
    warmup: int = Field(20, ge=2, le=100_000, description="readings before the chart starts")
    clip: float = Field(2.5, gt=0.5, le=20.0, description="Huber clip of residuals, in scales")
    min_scale: float = Field(0.0, ge=0.0, description="floor on the scale, in series units")
    side: Literal["both", "upper", "lower"] = "both"


class EwmaParams(_Baseline):
    """EWMA chart parameters."""

    lam: float = Field(0.2, alias="lambda", gt=0.0, le=1.0)

    def as_array(self) -> NDArray[np.float64]:
        """``[lambda, adapt, warmup, clip, kappa, min_scale, side]``."""
        return np.array(
            [
                self.lam,
                self.adapt,
                self.warmup,
                self.clip,
                robust.kappa(self.clip),
                self.min_scale,
                SIDES[self.side],
            ]
        )


class CusumParams(_Baseline):
    """CUSUM chart parameters."""

    k: float = Field(0.5, ge=0.0, le=10.0, description="allowance, in scales")
    h: float = Field(5.0, gt=0.0, description="decision interval for the score, in scales")
    cap: float | None = Field(None, gt=0.0, description="ceiling on the sums (default 4 h)")

    @model_validator(mode="after")
    def _cap(self) -> CusumParams:
        if self.cap is not None and self.cap < self.h:
            raise ValueError("cap must be at least h")
        return self

    def as_array(self) -> NDArray[np.float64]:
        """``[k, adapt, warmup, clip, kappa, min_scale, side, h, cap]``."""
        cap = self.cap if self.cap is not None else 4.0 * self.h
        return np.array(
            [
                self.k,
                self.adapt,
                self.warmup,
                self.clip,
                robust.kappa(self.clip),
                self.min_scale,
                SIDES[self.side],
                self.h,
                cap,
            ]
        )


@njit(cache=True)
def ewma_step(
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
    """State ``[n, loc, scale, e]``."""
    lam, adapt, warmup, clip, kap, min_scale, side = params[:7]
    norm = math.sqrt(lam / (2.0 - lam))
    for i in range(rows.size):
        r = rows[i]
        res, loc, scale = robust.update(state, r, x[i], adapt, warmup, clip, kap, min_scale)
        out_base[i], out_scale[i] = loc, scale
        if math.isnan(res):
            out_measure[i], out_score[i] = np.nan, np.nan
            continue
        e = lam * res + (1.0 - lam) * state[r, 3]
        state[r, 3] = e
        z = e / norm
        m = abs(z) if side == 0.0 else (z if side == 1.0 else -z)
        out_measure[i] = m
        out_score[i] = robust.normal_score(m)


@njit(cache=True)
def cusum_step(
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
    """State ``[n, loc, scale, S+, S-]``."""
    k, adapt, warmup, clip, kap, min_scale, side, h, cap = params[:9]
    for i in range(rows.size):
        r = rows[i]
        res, loc, scale = robust.update(state, r, x[i], adapt, warmup, clip, kap, min_scale)
        out_base[i], out_scale[i] = loc, scale
        if math.isnan(res):
            out_measure[i], out_score[i] = np.nan, np.nan
            continue
        hi = min(cap, max(0.0, state[r, 3] + res - k))
        lo = min(cap, max(0.0, state[r, 4] - res - k))
        state[r, 3], state[r, 4] = hi, lo
        m = max(hi, lo) if side == 0.0 else (hi if side == 1.0 else lo)
        out_measure[i] = m
        out_score[i] = 1.0 - 2.0 ** (-m / h)


EWMA = register(
    DetectorSpec(
        name="ewma",
        params=EwmaParams,
        init=zeros_state(robust.WIDTH + 1),
        step=ewma_step,
        summary="EWMA control chart on robust standardised residuals",
        measure="the EWMA of residuals in units of its standard deviation (|z| for both sides)",
    )
)
CUSUM = register(
    DetectorSpec(
        name="cusum",
        params=CusumParams,
        init=zeros_state(robust.WIDTH + 2),
        step=cusum_step,
        summary="two-sided CUSUM control chart on robust standardised residuals",
        measure="the cumulative sum in units of the series' scale (larger side for both)",
    )
)

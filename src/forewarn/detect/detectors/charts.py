"""EWMA and two-sided CUSUM control charts on the series' robust standardised residuals.

Both standardise each reading by a streaming robust location and scale (below)
(``r = (x - loc) / scale``, computed before the reading updates them), so their parameters are
in units of the series' own scale and one rule fits gauges of very different sizes.

- EWMA: ``e = lam * r + (1 - lam) * e``; measure ``z = e / sqrt(lam / (2 - lam))`` (the EWMA in
  units of its own asymptotic standard deviation); score ``2 Phi(z) - 1``.
- CUSUM: ``S+ = min(cap, max(0, S+ + r - k))``, ``S- = min(cap, max(0, S- - r - k))``; measure
  ``max(S+, S-)`` (or one side); score ``1 - 2^(-S / h)`` (0.5 at the decision interval h).

``side`` picks ``both`` (default), ``upper`` or ``lower``; for EWMA ``both`` measures ``|z|``.
The measure is NaN during the first ``warmup`` readings.

The robust location and scale (state columns ``[n, loc, scale]``): the first ``warmup``
readings give the mean and standard deviation (Welford). After that each reading's standardised
residual ``r = (x - loc) / scale`` is clipped to ``[-c, c]`` (Huber) and both estimates move:

- ``loc += adapt * scale * psi(r)``
- ``scale^2 = (1 - a) scale^2 + a (scale psi(r))^2 / kappa(c)`` with ``a = adapt / 4``

where ``kappa(c) = E[min(Z^2, c^2)]`` for a standard normal Z keeps the scale unbiased for
Gaussian noise. A single outlier therefore moves the baseline by at most ``adapt * c`` scales.

The helpers live in this module because numba's cache only notices changes to a kernel's own
file.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import Field, model_validator

from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register, zeros_state

SIDES = {"both": 0.0, "upper": 1.0, "lower": 2.0}
N, LOC, SCALE = 0, 1, 2
WIDTH = 3
SCALE_RATE = 0.25  # the scale learns four times slower than the location: a shift moves the
# baseline first, and a sustained one does not quickly inflate the scale that measures it
_SQRT2 = math.sqrt(2.0)


def kappa(c: float) -> float:
    """``E[min(Z^2, c^2)]`` for a standard normal Z."""
    phi = math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi)
    inside = math.erf(c / _SQRT2)
    return inside - 2.0 * c * phi + c * c * (1.0 - inside)


@njit(cache=True)
def effective_scale(scale: float, loc: float, min_scale: float) -> float:
    """The scale used to standardise: at least ``min_scale`` and a tiny relative floor."""
    floor = 1e-9 * max(1.0, abs(loc))
    return max(scale, min_scale, floor)


@njit(cache=True)
def robust_update(
    state: NDArray[np.float64],
    r: int,
    x: float,
    adapt: float,
    warmup: float,
    clip: float,
    kap: float,
    min_scale: float,
) -> tuple[float, float, float]:
    """Fold `x` into row `r`; return (residual before the update, loc, scale used).

    The residual is NaN until ``warmup`` readings have been seen, and after that for as long as
    they have all been equal without a ``min_scale``: a flat warm-up gives no scale, and
    standardising by the relative floor alone turned a sensor's first 1 ppm after a run of zeros
    into hundreds of millions of standard deviations.
    """
    n = state[r, N]
    loc = state[r, LOC]
    if n < warmup or (state[r, SCALE] == 0.0 and min_scale <= 0.0):
        n1 = n + 1.0
        delta = x - loc if n > 0 else 0.0
        loc = x if n == 0 else loc + delta / n1
        m2 = state[r, SCALE] + delta * (x - loc)
        state[r, N], state[r, LOC] = n1, loc
        state[r, SCALE] = m2 if n1 < warmup else math.sqrt(m2 / max(n1 - 1.0, 1.0))
        return np.nan, loc, np.nan
    scale = effective_scale(state[r, SCALE], loc, min_scale)
    res = (x - loc) / scale
    psi = min(max(res, -clip), clip)
    state[r, LOC] = loc + adapt * scale * psi
    rate = adapt * SCALE_RATE
    var = (1.0 - rate) * state[r, SCALE] ** 2 + rate * (scale * psi) ** 2 / kap
    state[r, SCALE] = math.sqrt(var)
    state[r, N] = n + 1.0
    return res, loc, scale


@njit(cache=True)
def normal_score(m: float) -> float:
    """``2 Phi(m) - 1`` for m >= 0, else 0: the two-sided normal tail mass inside ``|z| < m``."""
    if not m > 0.0:
        return 0.0
    return math.erf(m / 1.4142135623730951)


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
                kappa(self.clip),
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
                kappa(self.clip),
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
        res, loc, scale = robust_update(state, r, x[i], adapt, warmup, clip, kap, min_scale)
        out_base[i], out_scale[i] = loc, scale
        if math.isnan(res):
            out_measure[i], out_score[i] = np.nan, np.nan
            continue
        e = lam * res + (1.0 - lam) * state[r, 3]
        state[r, 3] = e
        z = e / norm
        m = abs(z) if side == 0.0 else (z if side == 1.0 else -z)
        out_measure[i] = m
        out_score[i] = normal_score(m)


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
        res, loc, scale = robust_update(state, r, x[i], adapt, warmup, clip, kap, min_scale)
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
        init=zeros_state(WIDTH + 1),
        step=ewma_step,
        summary="EWMA control chart on robust standardised residuals",
        measure="the EWMA of residuals in units of its standard deviation (|z| for both sides)",
    )
)
CUSUM = register(
    DetectorSpec(
        name="cusum",
        params=CusumParams,
        init=zeros_state(WIDTH + 2),
        step=cusum_step,
        summary="two-sided CUSUM control chart on robust standardised residuals",
        measure="the cumulative sum in units of the series' scale (larger side for both)",
    )
)

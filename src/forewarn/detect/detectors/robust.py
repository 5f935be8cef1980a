"""A streaming robust estimate of a series' location and scale (shared by EWMA and CUSUM).

State columns ``[n, loc, scale]``. The first ``warmup`` readings give the mean and standard
deviation (Welford). After that each reading's standardised residual ``r = (x - loc) / scale``
is clipped to ``[-c, c]`` (Huber) and both estimates move by ``adapt``:

- ``loc += adapt * scale * psi(r)``
- ``scale^2 = (1 - adapt) scale^2 + adapt (scale psi(r))^2 / kappa(c)``

where ``kappa(c) = E[min(Z^2, c^2)]`` for a standard normal Z keeps the scale unbiased for
Gaussian noise. A single outlier therefore moves the baseline by at most ``adapt * c`` scales.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

N, LOC, SCALE = 0, 1, 2
WIDTH = 3
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
def update(
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

    The residual is NaN until ``warmup`` readings have been seen.
    """
    n = state[r, N]
    loc = state[r, LOC]
    if n < warmup:
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
    var = (1.0 - adapt) * state[r, SCALE] ** 2 + adapt * (scale * psi) ** 2 / kap
    state[r, SCALE] = math.sqrt(var)
    state[r, N] = n + 1.0
    return res, loc, scale


@njit(cache=True)
def normal_score(m: float) -> float:
    """``2 Phi(m) - 1`` for m >= 0, else 0: the two-sided normal tail mass inside ``|z| < m``."""
    if not m > 0.0:
        return 0.0
    return math.erf(m / 1.4142135623730951)

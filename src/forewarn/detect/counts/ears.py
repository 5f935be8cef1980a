"""EARS C1, C2 and C3 (Hutwagner et al. 2003), as specified by R surveillance's ``earsC``.

For each evaluated index t, a baseline of ``baseline`` past counts gives a mean and a sample
standard deviation: C1 uses t-B..t-1, C2 and C3 leave a two-step guard band (t-B-2..t-3).
C1/C2 alarm when the count exceeds ``mean + z(1-alpha) * max(sd, min_sigma)``. C3 follows
``earsC`` exactly: with C2(j) the standardised count at j, its bound is
``max(0, x_t + sigma_t * (z - S))`` where ``S = sum_{j=t-1,t-2} max(0, C2(j) - 1)``, so it alarms
when the two previous C2 excesses add up to more than z (and x_t > 0).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from forewarn.detect.counts._base import CountResult, as_counts, finish, resolve_indices

EarsMethod = Literal["C1", "C2", "C3"]
#: R's earsC default alpha per method (used when ``alpha`` is None).
DEFAULT_ALPHA: dict[str, float] = {"C1": 0.001, "C2": 0.001, "C3": 0.025}
#: Floor on the baseline sd that the rule engine uses (R's default, 0, gives nan on flat zeros).
ENGINE_MIN_SIGMA = 0.5
_GUARD = {"C1": 0, "C2": 2, "C3": 2}
_FIRST = {"C1": 0, "C2": 2, "C3": 4}


def ears(
    counts: ArrayLike,
    *,
    method: EarsMethod = "C1",
    baseline: int = 7,
    alpha: float | None = None,
    min_sigma: float = 0.0,
    indices: ArrayLike | None = None,
) -> CountResult:
    """EARS C1/C2/C3 bounds, alarms and scores at `indices` (default: all with enough history)."""
    z = norm.ppf(1.0 - _check(method, baseline, alpha, min_sigma))
    x = as_counts(counts)
    idx = resolve_indices(indices, x.size, baseline + _FIRST[method])
    obs = x[idx].astype(np.float64) if idx.size else np.empty(0)
    mean, sigma = _stats(x, idx - _GUARD[method], baseline, min_sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "C3":
            lagged = _excess(x, idx - 1, baseline, min_sigma) + _excess(
                x, idx - 2, baseline, min_sigma
            )
            upper = np.maximum(0.0, obs + sigma * (z - lagged))
            current = np.maximum(0.0, (obs - mean) / sigma - 1.0)
            score = norm.cdf(np.nan_to_num(current + lagged, nan=-np.inf))
        else:
            upper = mean + z * sigma
            score = norm.cdf(np.nan_to_num((obs - mean) / sigma, nan=-np.inf))
    return finish(obs, mean, upper, score, idx)


def _check(method: str, baseline: int, alpha: float | None, min_sigma: float) -> float:
    """Validate the parameters; return the alpha to use."""
    if method not in _GUARD:
        raise ValueError(f"method: expected one of C1, C2, C3, got {method!r}")
    if isinstance(baseline, bool) or not isinstance(baseline, int | np.integer) or baseline < 3:
        raise ValueError(f"baseline: expected an integer >= 3, got {baseline!r}")
    a = DEFAULT_ALPHA[method] if alpha is None else alpha
    if not 0.0 < a < 1.0:
        raise ValueError(f"alpha: expected 0 < alpha < 1, got {alpha!r}")
    if not min_sigma >= 0.0 or not np.isfinite(min_sigma):
        raise ValueError(f"min_sigma: expected a finite value >= 0, got {min_sigma!r}")
    return float(a)


def _stats(
    x: NDArray[np.float64], ends: NDArray[np.int64], baseline: int, min_sigma: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and floored sd of x[e-baseline:e] for each end e (nan where the window is short)."""
    mean = np.full(ends.size, np.nan)
    sigma = np.full(ends.size, np.nan)
    ok = ends >= baseline
    if x.size >= baseline and ok.any():
        windows = sliding_window_view(x, baseline)[ends[ok] - baseline]
        mean[ok] = windows.mean(axis=1)
        sigma[ok] = np.maximum(windows.std(axis=1, ddof=1), min_sigma)
    return mean, sigma


def _excess(
    x: NDArray[np.float64], at: NDArray[np.int64], baseline: int, min_sigma: float
) -> NDArray[np.float64]:
    """max(0, C2(j) - 1) at each j, with R's propagation of 0/0 as nan and x/0 as inf."""
    mean, sigma = _stats(x, at - 2, baseline, min_sigma)
    obs = np.where(at >= 0, x[np.clip(at, 0, None)], np.nan)
    return np.maximum(0.0, (obs - mean) / sigma - 1.0)

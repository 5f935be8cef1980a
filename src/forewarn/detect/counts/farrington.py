"""Farrington (1996) and Noufaily et al. (2013) outbreak detection ("Farrington flexible").

For each evaluated week t a quasi-Poisson log-linear GLM is fitted to past counts only:
the 2w+1-week windows around t - freq*i (i = 1..b) form the reference level of a seasonal
factor; with ``no_periods`` > 1 the weeks between those windows form ``no_periods - 1`` further
levels (Noufaily). The ``past_weeks_not_included`` weeks before t (and t itself) are left out.
The fit is repeated with weights that shrink weeks whose Anscombe residual exceeds
``weights_threshold`` (past outbreaks). A linear trend is kept only if b >= 3, its p-value is
below ``p_threshold_trend`` and the prediction does not exceed the largest count in the fit.
The threshold is the (1-alpha) quantile of the predictive distribution: a normal approximation
on the 2/3-power scale (``delta``, 1996) or a negative binomial with the fitted mean and
dispersion (``nbPlugin``; ``muan`` plugs in the (1-alpha) quantile of the mean). No bound (nan)
when fewer than ``limit54[0]`` cases were reported in the last ``limit54[1]`` weeks.
With ``window`` > 1 (forewarn's variant, not in the papers) the total of the last ``window``
weeks is tested instead of the current count. The model itself lives in ``model.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from forewarn.detect.counts._base import CountResult, as_counts, finish, resolve_indices
from forewarn.detect.counts._threshold import threshold
from forewarn.detect.counts.config import NOUFAILY_2013, FarringtonConfig
from forewarn.detect.counts.model import design, predict

Array = NDArray[np.float64]


def farrington(
    counts: ArrayLike,
    *,
    config: FarringtonConfig = NOUFAILY_2013,
    freq: int = 52,
    indices: ArrayLike | None = None,
) -> CountResult:
    """Farrington-flexible bounds, alarms and scores at `indices` (default: all with history)."""
    if isinstance(freq, bool) or not isinstance(freq, int | np.integer) or freq < 2:
        raise ValueError(f"freq: expected an integer >= 2, got {freq!r}")
    lay = design(config, int(freq))
    x = as_counts(counts)
    idx = resolve_indices(indices, x.size, freq * config.b + config.w)
    m = idx.size
    expected, upper, score = np.full(m, np.nan), np.full(m, np.nan), np.zeros(m)
    obs = x[idx] if m else np.empty(0)
    ready = idx + lay.offsets.min() >= 0 if lay.offsets.size else np.zeros(m, dtype=bool)
    if ready.any():
        rows = idx[ready][:, None] + lay.offsets[None, :]
        y = x[rows]
        pred = predict(lay, y, config)
        previous = _previous(x, idx[ready], config.window)
        e, u, s = threshold(pred, obs[ready], previous, config)
        expected[ready], upper[ready], score[ready] = e, u, s
    upper[~_enough_cases(x, idx, config.limit54)] = np.nan
    return finish(obs, expected, upper, score, idx)


def _enough_cases(x: Array, idx: NDArray[np.int64], limit54: tuple[int, int]) -> NDArray[np.bool_]:
    """At least `cases` counts in the `period` weeks ending at each index (a nan in them: False)."""
    cases, period = limit54
    total = np.concatenate(([0.0], np.cumsum(np.nan_to_num(x))))
    gaps = np.concatenate(([0], np.cumsum(np.isnan(x))))
    start = np.maximum(idx + 1 - period, 0)
    recent = total[idx + 1] - total[start]
    return np.asarray((recent >= cases) & (gaps[idx + 1] == gaps[start]))


def _previous(x: Array, idx: NDArray[np.int64], window: int) -> Array:
    """Total of the window-1 counts before each index (nan if one is missing or before 0)."""
    total = np.zeros(idx.size)
    for lag in range(1, window):
        at = idx - lag
        total += np.where(at >= 0, x[np.maximum(at, 0)], np.nan)
    return total

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from forewarn.detect.counts import glm
from forewarn.detect.counts._base import CountResult, as_counts, finish, resolve_indices
from forewarn.detect.counts._threshold import threshold
from forewarn.detect.counts.config import NOUFAILY_2013, FarringtonConfig
from forewarn.detect.counts.reweight import anscombe_weights, trend_pvalue

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Design:
    """The fit layout relative to the evaluated week: offsets (< 0) and model matrices."""

    offsets: NDArray[np.int64]  # (n,) which past weeks enter the fit, relative to t
    x_trend: Array  # (n, p) intercept (reference level), time, other seasonal levels
    x_plain: Array  # the same without the time column


def design(config: FarringtonConfig, freq: int) -> Design:
    """Offsets and design matrices for `config` (the same for every week with full history)."""
    b, w, p = config.b, config.w, config.no_periods
    if 2 * w + 1 > freq:
        raise ValueError(f"w: windows of 2w+1={2 * w + 1} weeks do not fit in freq={freq}")
    gap = freq - 2 * w - 1
    if p > 1 and gap < p - 1:
        raise ValueError(f"no_periods: {p} periods do not fit between windows of {2 * w + 1}")
    level = dict.fromkeys(range(-w, 1), p)
    for i in range(1, b + 1):
        ref = -freq * i
        level.update(dict.fromkeys(range(ref - w, ref + w + 1), p))
        if p > 1:
            sizes = np.full(p - 1, gap // (p - 1)) + (np.arange(p - 1) < gap % (p - 1))
            starts = ref + w + 1 + np.concatenate(([0], np.cumsum(sizes)))
            for j in range(p - 1):
                level.update(dict.fromkeys(range(starts[j], starts[j + 1]), j + 1))
    keep = sorted(o for o in level if o < -config.excluded_recent)
    offsets = np.array(keep, dtype=np.int64)
    levels = np.array([level[o] for o in keep])
    others = [np.where(levels == j, 1.0, 0.0) for j in range(1, p) if (levels == j).any()]
    ones = np.ones(offsets.size)
    x_plain = np.column_stack([ones, *others])
    x_trend = np.column_stack([ones, offsets.astype(np.float64), *others])
    return Design(offsets, x_trend, x_plain)


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
        e, u, s = threshold(pred.eta, pred.var_eta, pred.phi, obs[ready], config)
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


@dataclass(frozen=True)
class Prediction:
    """Per evaluated week: linear predictor at t, its variance, dispersion, and trend slope."""

    eta: Array
    var_eta: Array
    phi: Array
    slope: Array  # change of the linear predictor per time step (0 without a trend)

    @staticmethod
    def missing(m: int) -> Prediction:
        """m predictions that could not be made (nan)."""
        return Prediction(*(np.full(m, np.nan) for _ in range(4)))

    def fill(self, where: NDArray[np.bool_], src: Prediction, pick: NDArray[np.bool_]) -> None:
        """Copy src's entries `pick` into this prediction's entries `where` (same count)."""
        for name in ("eta", "var_eta", "phi", "slope"):
            getattr(self, name)[where] = getattr(src, name)[pick]


def predict(lay: Design, y: Array, config: FarringtonConfig) -> Prediction:
    """The model's prediction for each row of past counts y (nan where no model fits)."""
    present = np.isfinite(y)
    y = np.where(present, y, 0.0)
    prior = present.astype(np.float64)
    out = Prediction.missing(y.shape[0])
    plain = np.ones(y.shape[0], dtype=bool)
    if config.trend:
        trend, keep = _fit(lay.x_trend, y, prior, config, with_trend=True)
        out.fill(keep, trend, keep)
        plain = ~keep
    if plain.any():
        flat, ok = _fit(lay.x_plain, y[plain], prior[plain], config, with_trend=False)
        out.fill(plain, flat, np.ones(ok.size, dtype=bool))
        out.eta[np.flatnonzero(plain)[~ok]] = np.nan
    return out


def _fit(
    x: Array, y: Array, prior: Array, config: FarringtonConfig, with_trend: bool
) -> tuple[Prediction, NDArray[np.bool_]]:
    """Fit, reweight and predict at t; the mask says which problems this model serves."""
    iters, tol = config.glm_max_iter, config.glm_tol
    first = glm.fit(x, y, prior, max_iter=iters, tol=tol)
    phi = np.maximum(first.pearson(y), 1.0)
    final, weights = first, prior
    if config.reweight:
        weights = prior * anscombe_weights(first, x, y, prior, phi, config.weights_threshold)
        final = glm.fit(x, y, weights, max_iter=iters, tol=tol)
        phi = np.maximum(final.pearson(y), 1.0)
    disp = _variance_dispersion(final, y, weights, config)
    eta = final.beta[:, 0]
    ok = first.converged
    slope = np.zeros(eta.size)
    if with_trend:
        slope = final.beta[:, 1]
        pvalue = trend_pvalue(final, disp, index=1)
        fits_data = np.exp(eta) <= np.max(np.where(prior > 0, y, -np.inf), axis=1)
        ok = ok & (config.b >= 3) & (pvalue < config.p_threshold_trend) & fits_data
    return Prediction(eta, final.cov[:, 0, 0] * disp, phi, slope), ok


def _variance_dispersion(fit: glm.GlmFit, y: Array, weights: Array, cfg: FarringtonConfig) -> Array:
    """Dispersion that scales the coefficient covariance (trend test, prediction variance).

    The method uses the Pearson estimate of the final fit. R surveillance 1.20.3 computes it
    with the prior weights standing in for the working weights, i.e. sum(w (y-mu)^2/mu^2)/df;
    ``r_compat`` reproduces that.
    """
    if cfg.r_compat and cfg.reweight:
        with np.errstate(divide="ignore", invalid="ignore"):
            total = np.sum(weights * ((y - fit.mu) / fit.mu) ** 2, axis=1)
            return np.where(fit.df_resid > 0, total / np.maximum(fit.df_resid, 1), np.nan)
    return fit.pearson(y)

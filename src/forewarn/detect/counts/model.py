"""The Farrington-flexible baseline model: which past weeks enter the fit, and the fit itself.

A quasi-Poisson log-linear GLM over past counts only, with the reference windows as the base
level of a seasonal factor, an optional linear trend (kept under the 1996 rules), and a refit
that down-weights past outbreaks. ``predict`` returns, for each evaluated week, the linear
predictor at that week, its variance, the dispersion and the trend slope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forewarn.detect.counts import glm
from forewarn.detect.counts.config import FarringtonConfig
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

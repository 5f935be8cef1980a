"""Down-weighting of past outbreaks (Anscombe residuals) and the trend significance test."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import t as student_t

from forewarn.detect.counts.glm import GlmFit

Array = NDArray[np.float64]


def anscombe_residuals(fit: GlmFit, x: Array, y: Array, phi: Array) -> Array:
    """Standardised Anscombe residuals 3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)) / sqrt(phi (1 - h))."""
    mu = fit.mu
    raw = 1.5 * (np.cbrt(y) ** 2 * mu ** (-1.0 / 6.0) - np.sqrt(mu))
    with np.errstate(divide="ignore", invalid="ignore"):
        return raw / np.sqrt(phi[:, None] * (1.0 - fit.hat(x)))


def anscombe_weights(
    fit: GlmFit, x: Array, y: Array, prior: Array, phi: Array, threshold: float
) -> Array:
    """Weights s^-2 above `threshold`, 1 otherwise, scaled to sum to the number of observations.

    Observations with zero prior weight (missing counts) keep weight 0.
    """
    s = anscombe_residuals(fit, x, y, phi)
    high = (s > threshold) & (prior > 0)
    with np.errstate(divide="ignore"):
        raw = np.where(high, s**-2.0, 1.0) * (prior > 0)
    total = raw.sum(axis=1, keepdims=True)
    count = (prior > 0).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, raw * count / total, 0.0)


def trend_pvalue(fit: GlmFit, dispersion: Array, index: int) -> Array:
    """Two-sided t-test p-value of coefficient `index` (dispersion estimated: t with df)."""
    se = np.sqrt(fit.cov[:, index, index] * dispersion)
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = fit.beta[:, index] / se
    df = np.maximum(fit.df_resid, 1)
    p = 2.0 * student_t.sf(np.abs(tval), df)
    return np.where((fit.df_resid > 0) & np.isfinite(p), p, np.nan)

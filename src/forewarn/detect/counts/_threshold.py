"""Farrington thresholds: 2/3-power normal approximation (1996) or negative binomial (2013)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import nbinom, norm, poisson

from forewarn.detect.counts.config import FarringtonConfig
from forewarn.detect.counts.model import Prediction

Array = NDArray[np.float64]
_EXPONENT = {"2/3": 2.0 / 3.0, "1/2": 0.5, "none": 1.0}


def threshold(
    pred: Prediction, y: Array, previous: Array, config: FarringtonConfig
) -> tuple[Array, Array, Array]:
    """Expected count, upper bound for y and score (1 - p-value) for each prediction.

    With ``config.window`` = L > 1 the statistic is y plus `previous` (the counts of the L-1
    weeks before), tested against the negative binomial of their total; the bound on y is then
    the total's quantile minus `previous` (never below 0).
    """
    z = norm.ppf(1.0 - config.alpha)
    with np.errstate(over="ignore", invalid="ignore"):
        mu0 = np.exp(pred.eta)
        if config.threshold_method == "delta":
            e = _EXPONENT[config.powertrans]
            upper, score = _delta(mu0, pred.var_eta, pred.phi, y, z, e)
            return mu0, upper, score
        plug = mu0
        if config.threshold_method == "muan":
            plug = np.exp(pred.eta + z * np.sqrt(pred.var_eta))
        steps = np.arange(config.window)
        total = plug * np.exp(-np.outer(np.nan_to_num(pred.slope), steps)).sum(axis=1)
        upper, score = _negbin(total, pred.phi, y + previous, config.alpha)
    return mu0, np.maximum(upper - previous, 0.0), score


def _delta(
    mu0: Array, var_eta: Array, phi: Array, y: Array, z: float, e: float
) -> tuple[Array, Array]:
    """Normal approximation of the predictive on the y^e scale (Farrington 1996)."""
    tau = phi + mu0 * var_eta  # phi + var(mu0_hat) / mu0 with var(mu0_hat) = mu0^2 var(eta)
    if e == 1.0:
        scale = mu0
    elif e == 0.5:
        scale = np.full(mu0.shape, 0.25)
    else:
        scale = 4.0 / 9.0 * np.cbrt(mu0)
    se = np.sqrt(tau * scale)
    upper = (mu0**e + z * se) ** (1.0 / e)
    score = norm.cdf((y**e - mu0**e) / se)
    return upper, score


def _negbin(mean: Array, phi: Array, y: Array, alpha: float) -> tuple[Array, Array]:
    """Negative binomial with `mean` and variance phi*mean (Poisson when phi == 1)."""
    upper = np.full(mean.shape, np.nan)
    score = np.zeros(mean.shape)
    ok = np.isfinite(mean) & np.isfinite(phi)
    over = ok & (phi > 1.0)
    pois = ok & ~over
    if over.any():
        size, prob = mean[over] / (phi[over] - 1.0), 1.0 / phi[over]
        upper[over] = nbinom.ppf(1.0 - alpha, size, prob)
        score[over] = nbinom.cdf(y[over] - 1.0, size, prob)
    if pois.any():
        upper[pois] = poisson.ppf(1.0 - alpha, mean[pois])
        score[pois] = poisson.cdf(y[pois] - 1.0, mean[pois])
    return upper, score

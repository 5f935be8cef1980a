"""Quasi-Poisson log-linear GLM fitted by IRLS, batched over many response vectors.

Every problem shares one design matrix ``X`` (n x p) and has its own response row ``y`` and
prior-weight row ``w`` (0 drops an observation, e.g. a missing count). IRLS starts from
``mu = y + 0.1`` and stops when the deviance changes by less than ``tol`` relative to
``|deviance| + 0.1`` or after ``max_iter`` steps (problems that do not settle are flagged, as a
non-converged ``glm`` would be). The dispersion is Pearson's chi-square over the residual
degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class GlmFit:
    """Fits of m problems: coefficients, fitted means, unscaled covariance, diagnostics."""

    beta: Array  # (m, p)
    mu: Array  # (m, n) fitted means
    cov: Array  # (m, p, p) inverse of X'WX at the last IRLS step
    work: Array  # (m, n) working weights of the last IRLS step (prior weight x mu)
    converged: NDArray[np.bool_]  # (m,)
    df_resid: NDArray[np.int64]  # (m,) observations with positive weight minus p

    def pearson(self, y: Array) -> Array:
        """Pearson dispersion: working weights times squared working residuals, over df.

        At convergence this is sum(w (y-mu)^2 / mu) / df; like R's summary.glm it takes the
        working weights of the last IRLS step, so it matches R to rounding.
        """
        resid = (y - self.mu) / self.mu
        return _per_df(np.sum(self.work * resid**2, axis=1), self.df_resid)

    def hat(self, x: Array) -> Array:
        """Leverages h_i = work_i x_i' cov x_i."""
        return np.asarray(self.work * np.einsum("np,mpq,nq->mn", x, self.cov, x))


def _per_df(total: Array, df: NDArray[np.int64]) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(df > 0, total / np.maximum(df, 1), np.nan)


def deviance(y: Array, mu: Array, w: Array) -> Array:
    """Poisson deviance per problem (rows of y, mu, w)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return np.asarray(2.0 * np.sum(w * term, axis=1), dtype=np.float64)


def fit(x: Array, y: Array, w: Array, *, max_iter: int = 25, tol: float = 1e-8) -> GlmFit:
    """Fit log E[y] = x beta by IRLS for every row of y (prior weights w, same shape as y)."""
    m, n = y.shape
    p = x.shape[1]
    y0 = np.where(w > 0, y, 0.0)
    mu = y0 + 0.1
    eta = np.log(mu)
    beta = np.zeros((m, p))
    cov = np.full((m, p, p), np.nan)
    work = np.zeros((m, n))
    dev_old = deviance(y0, mu, w)
    active = np.ones(m, dtype=bool)
    converged = np.zeros(m, dtype=bool)
    for _ in range(max_iter):
        a = np.flatnonzero(active)
        if a.size == 0:
            break
        ww = w[a] * mu[a]
        z = eta[a] + (y0[a] - mu[a]) / mu[a]
        xtwx = np.einsum("mn,np,nq->mpq", ww, x, x)
        xtwz = np.einsum("mn,np->mp", ww * z, x)
        b, inv, ok = _solve(xtwx, xtwz)
        eta_a = np.clip(b @ x.T, -700.0, 700.0)
        beta[a], cov[a], work[a] = b, inv, ww
        eta[a], mu[a] = eta_a, np.exp(eta_a)
        dev = deviance(y0[a], mu[a], w[a])
        done = np.abs(dev - dev_old[a]) / (np.abs(dev) + 0.1) < tol
        dev_old[a] = dev
        converged[a] = done & ok
        active[a] = ~done & ok
    df = np.sum(w > 0, axis=1) - p
    return GlmFit(beta, mu, cov, work, converged, df.astype(np.int64))


def _solve(a: Array, b: Array) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Batched solve of a x = b with the inverses; singular systems give nan and ok=False."""
    ok = np.isfinite(a).all(axis=(1, 2)) & (np.linalg.cond(a) < 1e13)
    inv = np.full(a.shape, np.nan)
    sol = np.full(b.shape, np.nan)
    if ok.any():
        inv[ok] = np.linalg.inv(a[ok])
        sol[ok] = np.einsum("mpq,mq->mp", inv[ok], b[ok])
    return sol, inv, ok

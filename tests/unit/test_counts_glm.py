"""The batched quasi-Poisson IRLS against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.detect.counts import glm
from forewarn.detect.counts.reweight import anscombe_weights, trend_pvalue


def test_intercept_only_fits_the_weighted_mean() -> None:
    y = np.array([[1.0, 4, 2, 8, 5], [0, 0, 3, 0, 1]])
    w = np.array([[1.0, 1, 1, 1, 1], [2, 1, 1, 0.5, 0.5]])
    fit = glm.fit(np.ones((5, 1)), y, w)
    assert fit.converged.all()
    np.testing.assert_allclose(fit.mu[:, 0], (w * y).sum(1) / w.sum(1), rtol=1e-10)


def test_group_factor_fits_group_means_and_pearson_dispersion() -> None:
    x = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    y = np.array([[2.0, 4, 6, 10, 12, 14]])
    fit = glm.fit(x, y, np.ones_like(y))
    np.testing.assert_allclose(fit.mu[0], [4, 4, 4, 12, 12, 12], rtol=1e-10)
    pearson = ((y - fit.mu) ** 2 / fit.mu).sum() / (6 - 2)
    # R-style: working weights of the last IRLS step, equal to the textbook value at convergence
    np.testing.assert_allclose(fit.pearson(y), [pearson], rtol=1e-4)
    assert fit.df_resid.tolist() == [4]


def test_zero_weight_is_the_same_as_dropping_the_row() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(30.0)
    x = np.column_stack([np.ones(30), t])
    y = rng.poisson(np.exp(1 + 0.03 * t)).astype(float)
    w = np.ones(30)
    w[7] = 0.0
    with_zero = glm.fit(x, y[None], w[None])
    dropped = glm.fit(np.delete(x, 7, 0), np.delete(y, 7)[None], np.ones((1, 29)))
    np.testing.assert_allclose(with_zero.beta, dropped.beta, rtol=1e-8)
    np.testing.assert_allclose(with_zero.pearson(y[None]), dropped.pearson(np.delete(y, 7)[None]))


def test_batch_rows_are_independent() -> None:
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(40), np.arange(40.0) / 40])
    y = rng.poisson(5, (3, 40)).astype(float)
    batch = glm.fit(x, y, np.ones_like(y))
    for i in range(3):
        one = glm.fit(x, y[i : i + 1], np.ones((1, 40)))
        np.testing.assert_allclose(one.beta[0], batch.beta[i], rtol=1e-12)


def test_non_convergence_is_flagged() -> None:
    y = np.zeros((1, 50))  # the MLE of the mean is 0: IRLS creeps towards it
    fit = glm.fit(np.ones((50, 1)), y, np.ones_like(y), max_iter=5)
    assert not fit.converged[0]


def test_singular_design_is_flagged_not_raised() -> None:
    x = np.column_stack([np.ones(10), np.ones(10)])
    fit = glm.fit(x, np.full((1, 10), 3.0), np.ones((1, 10)))
    assert not fit.converged[0]
    assert np.isnan(fit.beta).all()


def test_anscombe_weights_shrink_outliers_and_keep_the_total() -> None:
    y = np.array([[4.0, 5, 6, 5, 4, 30, 5, 6]])
    prior = np.ones_like(y)
    fit = glm.fit(np.ones((8, 1)), y, prior)
    weights = anscombe_weights(fit, np.ones((8, 1)), y, prior, np.array([1.0]), 2.58)
    assert weights[0, 5] < 0.2 * weights[0, 0]
    assert weights.sum() == pytest.approx(8.0)


def test_trend_pvalue_is_small_for_a_clear_trend_and_large_for_none() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(60.0)
    x = np.column_stack([np.ones(60), t])
    y = np.vstack([rng.poisson(np.exp(1 + 0.04 * t)), rng.poisson(np.full(60, 8.0))]).astype(float)
    fit = glm.fit(x, y, np.ones_like(y))
    p = trend_pvalue(fit, fit.pearson(y), index=1)
    assert p[0] < 1e-6
    assert p[1] > 0.01

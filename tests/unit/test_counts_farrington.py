"""Farrington (1996) / Noufaily (2013): layout, edge cases, parameter checks, prefix property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forewarn.detect.counts import (
    FARRINGTON_1996,
    FOREWARN_WINDOW2,
    NOUFAILY_2013,
    FarringtonConfig,
    farrington,
)
from forewarn.detect.counts.model import design

PRESETS = [FARRINGTON_1996, NOUFAILY_2013]
IDS = ["1996", "2013"]
FIRST = 52 * 5 + 3  # first week with five years of history and a half window


def poisson_series(n: int = 320, mean: float = 6.0, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).poisson(mean, n).astype(float)


def test_design_1996_uses_seven_week_windows_in_five_years() -> None:
    lay = design(FARRINGTON_1996, 52)
    expected = sorted(o for i in range(1, 6) for o in range(-52 * i - 3, -52 * i + 4))
    assert lay.offsets.tolist() == expected
    assert lay.x_plain.shape == (35, 1)
    assert lay.x_trend.shape == (35, 2)


def test_design_2013_covers_five_years_with_ten_levels() -> None:
    lay = design(NOUFAILY_2013, 52)
    assert lay.offsets.tolist() == list(range(-263, -26))  # the last 26 weeks and t left out
    assert lay.x_plain.shape == (237, 10)
    levels = lay.x_plain[:, 1:].sum(axis=0)
    # nine 5-week blocks per year x five years; the 26 weeks before t cut into last year's
    assert levels.tolist() == [25, 25, 25, 25, 22, 20, 20, 20, 20]
    window = lay.x_plain[:, 1:].sum(axis=1) == 0
    assert window.sum() == 5 * 7


@pytest.mark.parametrize("config", PRESETS, ids=IDS)
def test_default_indices_and_short_history(config: FarringtonConfig) -> None:
    x = poisson_series()
    res = farrington(x, config=config)
    assert res.indices[0] == FIRST
    assert res.indices[-1] == x.size - 1
    short = farrington(x, config=config, indices=[0, 100, FIRST - 1, FIRST])
    assert np.isnan(short.upperbound[:3]).all()
    assert np.isnan(short.expected[:3]).all()
    assert not short.alarm[:3].any()
    assert (short.score[:3] == 0).all()
    assert np.isfinite(short.upperbound[3])


@pytest.mark.parametrize(
    ("config", "current", "bound", "alarm"),
    [
        # 1996: the fit settles on a mean near 0; below 5 recent cases (limit54) no bound
        (FARRINGTON_1996, 0, False, False),
        (FARRINGTON_1996, 4, False, False),
        (FARRINGTON_1996, 5, True, True),
        (FARRINGTON_1996, 40, True, True),
        # 2013: IRLS on 237 zeros does not settle in 25 steps (nor does R's glm): no result
        (NOUFAILY_2013, 0, False, False),
        (NOUFAILY_2013, 40, False, False),
    ],
)
def test_all_zero_history(config: FarringtonConfig, current: int, bound: bool, alarm: bool) -> None:
    x = np.zeros(FIRST + 1)
    x[-1] = current
    res = farrington(x, config=config, indices=[FIRST])
    assert bool(np.isfinite(res.upperbound[0])) is bound
    assert bool(res.alarm[0]) is alarm
    if config is FARRINGTON_1996:
        assert res.expected[0] < 1e-6
        if bound:  # R surveillance 1.20.3 gives 0.002714028 here
            r_like = farrington(x, config=config.with_(r_compat=True), indices=[FIRST])
            assert r_like.upperbound[0] == pytest.approx(0.002714028, rel=1e-6)
    else:
        assert np.isnan(res.expected[0])


@pytest.mark.parametrize("config", PRESETS, ids=IDS)
def test_huge_spike_alarms_and_ordinary_week_does_not(config: FarringtonConfig) -> None:
    x = poisson_series()
    quiet = farrington(x, config=config, indices=[300])
    x[300] = 60
    loud = farrington(x, config=config, indices=[300])
    assert loud.alarm[0]
    assert loud.score[0] > 0.999
    assert quiet.upperbound[0] == loud.upperbound[0]  # the current count is not in the fit
    assert 4.0 < loud.expected[0] < 8.0


@pytest.mark.parametrize("config", PRESETS, ids=IDS)
def test_score_is_monotone_and_agrees_with_alarm(config: FarringtonConfig) -> None:
    x = poisson_series()
    scores, alarms = [], []
    for y in range(0, 30):
        x[300] = y
        res = farrington(x, config=config, indices=[300])
        scores.append(res.score[0])
        alarms.append(bool(res.alarm[0]))
    assert np.all(np.diff(scores) >= 0)
    assert min(scores) >= 0
    assert max(scores) <= 1
    assert alarms == [s >= 1 - config.alpha for s in scores]


def test_limit54_counts_the_current_week() -> None:
    x = poisson_series(mean=0.3)
    x[296:301] = [0, 0, 0, 1, 3]
    assert np.isnan(farrington(x, indices=[300]).upperbound[0])  # 4 cases in 4 weeks
    x[300] = 4
    assert np.isfinite(farrington(x, indices=[300]).upperbound[0])  # 5 cases
    lax = NOUFAILY_2013.with_(limit54=(0, 4))
    x[300] = 0
    assert np.isfinite(farrington(x, config=lax, indices=[300]).upperbound[0])


def test_trend_is_followed_when_significant() -> None:
    """A falling series: the trend is kept (a rising one would be dropped by the rule that the
    prediction may not exceed the largest count in the fit)."""
    rng = np.random.default_rng(7)
    x = rng.poisson(np.exp(3.5 - 0.006 * np.arange(330))).astype(float)
    with_trend = farrington(x, config=FARRINGTON_1996, indices=[320])
    flat = farrington(x, config=FARRINGTON_1996.with_(trend=False), indices=[320])
    true_mean = np.exp(3.5 - 0.006 * 320)
    assert abs(with_trend.expected[0] - true_mean) < abs(flat.expected[0] - true_mean)


def test_reweighting_discounts_a_past_outbreak() -> None:
    x = poisson_series(mean=5.0, seed=11)
    x[300 - 52 - 1 : 300 - 52 + 2] += 40  # an outbreak in last year's reference window
    plain = farrington(x, config=FARRINGTON_1996.with_(reweight=False), indices=[300])
    weighted = farrington(x, config=FARRINGTON_1996, indices=[300])
    assert weighted.expected[0] < plain.expected[0]
    assert weighted.upperbound[0] < plain.upperbound[0]


def test_missing_counts() -> None:
    x = poisson_series()
    base = farrington(x, indices=[300])
    unused = x.copy()
    unused[290] = np.nan  # among the 26 weeks left out of the fit
    np.testing.assert_array_equal(farrington(unused, indices=[300]).upperbound, base.upperbound)
    inside = x.copy()
    inside[200] = np.nan  # inside the fit: dropped, the model still fits
    assert np.isfinite(farrington(inside, indices=[300]).expected[0])
    current = x.copy()
    current[300] = np.nan
    res = farrington(current, indices=[300])
    assert not res.alarm[0]
    assert res.score[0] == 0


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"b": 0}, "b"),
        ({"b": 2.5}, "b"),
        ({"w": -1}, "w"),
        ({"no_periods": 0}, "no_periods"),
        ({"weights_threshold": 0.0}, "weights_threshold"),
        ({"past_weeks_not_included": -1}, "past_weeks_not_included"),
        ({"p_threshold_trend": 0.0}, "p_threshold_trend"),
        ({"threshold_method": "exact"}, "threshold_method"),
        ({"alpha": 1.0}, "alpha"),
        ({"powertrans": "log"}, "powertrans"),
        ({"limit54": (5,)}, "limit54"),
        ({"limit54": (-1, 4)}, "limit54"),
        ({"limit54": (5, 0)}, "limit54"),
        ({"glm_max_iter": 0}, "glm_max_iter"),
        ({"glm_tol": 0.0}, "glm_tol"),
        ({"window": 0}, "window"),
        ({"window": 2, "threshold_method": "delta"}, "window"),
    ],
)
def test_invalid_config_names_the_parameter(changes: dict, param: str) -> None:
    with pytest.raises(ValueError, match=param):
        NOUFAILY_2013.with_(**changes)


@pytest.mark.parametrize(
    ("config", "freq", "param"),
    [
        (NOUFAILY_2013.with_(no_periods=50), 52, "no_periods"),
        (FARRINGTON_1996.with_(w=30), 52, "w"),
        (NOUFAILY_2013, 1, "freq"),
    ],
)
def test_config_that_does_not_fit_the_frequency(config, freq, param) -> None:
    with pytest.raises(ValueError, match=param):
        farrington(np.ones(400), config=config, freq=freq)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), offset=st.integers(0, 40), preset=st.sampled_from([0, 1, 2]))
def test_prefix_property(seed: int, offset: int, preset: int) -> None:
    """Evaluating t on a longer array equals evaluating it on the array cut just after t."""
    rng = np.random.default_rng(seed)
    x = rng.negative_binomial(3, 0.4, 320).astype(float)
    t = FIRST + offset
    config = [*PRESETS, FOREWARN_WINDOW2][preset]
    full = farrington(x, config=config, indices=[t])
    cut = farrington(x[: t + 1], config=config, indices=[t])
    for a, b in zip(
        (full.expected, full.upperbound, full.alarm, full.score),
        (cut.expected, cut.upperbound, cut.alarm, cut.score),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_batch_equals_one_by_one() -> None:
    x = poisson_series()
    batch = farrington(x, config=FARRINGTON_1996, indices=[270, 285, 300])
    for i, t in enumerate([270, 285, 300]):
        one = farrington(x, config=FARRINGTON_1996, indices=[t])
        np.testing.assert_allclose(one.upperbound[0], batch.upperbound[i], rtol=1e-12)


def test_window_two_tests_the_two_week_total() -> None:
    """Two raised weeks, each below the one-week bound, alarm as a two-week total."""
    x = poisson_series(mean=8.0, seed=4)
    one_week = NOUFAILY_2013.with_(alpha=0.0074, limit54=(2, 2))
    bound = farrington(x, config=one_week, indices=[300]).upperbound[0]
    x[299] = x[300] = bound - 1
    assert not farrington(x, config=one_week, indices=[299, 300]).alarm.any()
    res = farrington(x, config=FOREWARN_WINDOW2, indices=[300])
    assert res.alarm[0]
    assert res.upperbound[0] == pytest.approx(max(0.0, res.upperbound[0]))
    assert res.upperbound[0] < x[300]


def test_window_bound_subtracts_the_previous_week() -> None:
    x = poisson_series(mean=8.0, seed=4)
    before = farrington(x, config=FOREWARN_WINDOW2, indices=[300]).upperbound[0]
    x[299] += 5
    after = farrington(x, config=FOREWARN_WINDOW2, indices=[300]).upperbound[0]
    assert after == before - 5
    x[299] = 500  # the previous week alone exceeds the total's bound: floor at 0
    res = farrington(x, config=FOREWARN_WINDOW2, indices=[300])
    assert res.upperbound[0] == 0
    x[300] = 0
    assert not farrington(x, config=FOREWARN_WINDOW2, indices=[300]).alarm[0]  # needs a case
    x[299] = np.nan
    assert np.isnan(farrington(x, config=FOREWARN_WINDOW2, indices=[300]).upperbound[0])

"""EARS C1/C2/C3: edge cases, parameter checks, the prefix property, score semantics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from forewarn.detect.counts import ENGINE_MIN_SIGMA, ears

Z3 = norm.ppf(0.999)


@pytest.mark.parametrize(
    ("method", "series", "min_sigma", "upper", "alarm"),
    [
        # flat zero baseline: R's bound is the mean (0), so any case alarms; C3 cannot compute
        ("C1", [0] * 7 + [0], 0.0, 0.0, False),
        ("C1", [0] * 7 + [1], 0.0, 0.0, True),
        ("C2", [0] * 9 + [1], 0.0, 0.0, True),
        ("C3", [0] * 11 + [1], 0.0, np.nan, False),
        # the engine's floor keeps a bound above zero
        ("C1", [0] * 7 + [1], ENGINE_MIN_SIGMA, Z3 * 0.5, False),
        ("C1", [0] * 7 + [2], ENGINE_MIN_SIGMA, Z3 * 0.5, True),
        ("C3", [0] * 11 + [1], ENGINE_MIN_SIGMA, 1.0 + 0.5 * norm.ppf(0.975), False),
        # baseline mean 2, sample sd sqrt(2/3)
        ("C1", [1, 3, 1, 3, 2, 2, 2, 9], 0.0, 2 + Z3 * np.sqrt(2 / 3), True),
        ("C1", [1, 3, 1, 3, 2, 2, 2, 4], 0.0, 2 + Z3 * np.sqrt(2 / 3), False),
        # C2 skips the two weeks before t: the spike at t-1 is not in its baseline
        ("C2", [1, 3, 1, 3, 2, 2, 2, 40, 9, 9], 0.0, 2 + Z3 * np.sqrt(2 / 3), True),
        # a missing count in the baseline leaves the bound undefined
        ("C1", [1, 3, np.nan, 3, 2, 2, 2, 9], 0.0, np.nan, False),
    ],
)
def test_edge_cases(method, series, min_sigma, upper, alarm) -> None:
    t = len(series) - 1
    res = ears(series, method=method, min_sigma=min_sigma, indices=[t])
    np.testing.assert_allclose(res.upperbound, [upper], equal_nan=True, atol=1e-9)
    assert bool(res.alarm[0]) is alarm


@pytest.mark.parametrize(("method", "first"), [("C1", 7), ("C2", 9), ("C3", 11)])
def test_default_indices_start_with_enough_history(method, first) -> None:
    res = ears(np.arange(20), method=method)
    assert res.indices[0] == first
    assert res.indices[-1] == 19
    assert not np.isnan(res.upperbound).any()


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
def test_short_history_gives_nan_and_no_alarm(method) -> None:
    res = ears([5, 5, 50], method=method, indices=[0, 1, 2])
    assert np.isnan(res.upperbound).all()
    assert np.isnan(res.expected).all()
    assert not res.alarm.any()
    assert (res.score == 0).all()


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
def test_huge_spike_alarms(method) -> None:
    rng = np.random.default_rng(3)
    x = rng.poisson(5, 40).astype(float)
    spike = [60, 80, 90] if method == "C3" else [90]  # C3 reads the two weeks before t
    x[-len(spike) :] = spike
    res = ears(x, method=method, indices=[39], min_sigma=ENGINE_MIN_SIGMA)
    assert res.alarm[0]
    assert res.score[0] > 0.999


def test_score_grows_with_the_observed_count_and_matches_alarm() -> None:
    history = [3, 5, 4, 6, 5, 4, 5]
    scores, alarms = [], []
    for y in range(15):
        res = ears([*history, y], method="C1", alpha=0.01, indices=[7])
        scores.append(res.score[0])
        alarms.append(res.alarm[0])
    assert np.all(np.diff(scores) >= 0)
    assert all((s > 0.99) == a for s, a in zip(scores, alarms, strict=True))


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"method": "C4"}, "method"),
        ({"baseline": 2}, "baseline"),
        ({"baseline": 7.5}, "baseline"),
        ({"alpha": 0.0}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"min_sigma": -1.0}, "min_sigma"),
        ({"min_sigma": float("nan")}, "min_sigma"),
        ({"indices": [40]}, "indices"),
        ({"indices": [-1]}, "indices"),
        ({"indices": [1.5]}, "indices"),
    ],
)
def test_invalid_parameters_name_the_parameter(kwargs, param) -> None:
    with pytest.raises(ValueError, match=param):
        ears(np.ones(20), **kwargs)


@pytest.mark.parametrize(
    ("counts", "what"),
    [([1, -1, 2], "negative"), ([1, float("inf")], "infinite"), ([[1, 2]], "1-d")],
)
def test_bad_counts_are_refused(counts, what) -> None:
    with pytest.raises(ValueError, match=what):
        ears(counts)


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 30), min_size=12, max_size=40),
    method=st.sampled_from(["C1", "C2", "C3"]),
    data=st.data(),
)
def test_prefix_property(counts, method, data) -> None:
    """Evaluating t on a longer array equals evaluating it on the array cut just after t."""
    t = data.draw(st.integers(0, len(counts) - 1))
    full = ears(counts, method=method, indices=[t], min_sigma=0.5)
    cut = ears(counts[: t + 1], method=method, indices=[t], min_sigma=0.5)
    for a, b in zip(
        (full.expected, full.upperbound, full.alarm, full.score),
        (cut.expected, cut.upperbound, cut.alarm, cut.score),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)

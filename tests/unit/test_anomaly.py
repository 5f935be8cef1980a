"""forewarn's streaming anomaly score: contract, behaviour on known shapes, streaming = batch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from forewarn.detect import anomaly
from forewarn.detect.anomaly import ALARM_THRESHOLD, STATE_WIDTH, Params, explain, score_series

FIVE_MIN = 300.0


def _noise(n: int, seed: int = 1, level: float = 10.0, sd: float = 1.0) -> np.ndarray:
    return level + sd * np.random.default_rng(seed).standard_normal(n)


def _times(n: int) -> np.ndarray:
    return 1_400_000_000.0 + FIVE_MIN * np.arange(n)


def _run(x: np.ndarray, params: Params | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores and the final state of one series."""
    state = anomaly.init_state(1)
    out = np.zeros(x.size)
    p = (params or Params()).as_array()
    anomaly.step(state, np.zeros(x.size, dtype=np.int64), _times(x.size), x, p, out)
    return out, state


def test_state_is_modest_and_fresh():
    assert STATE_WIDTH * 8 <= 4096
    state = anomaly.init_state(3)
    assert state.shape == (3, STATE_WIDTH)
    assert not state.any()


def test_params_defaults_round_trip_and_reject_bad_values():
    assert Params().as_array().shape == (11,)
    assert Params(new_level=0).as_array()[10] == 0.0
    assert Params(refractory=0).as_array()[6] == 0.0
    assert Params(familiar=3, familiar_decay=0.5).as_array()[8:10].tolist() == [3.0, 0.5]
    with pytest.raises(ValidationError):
        Params(smooth_alpha=0.0)
    with pytest.raises(ValidationError):
        Params(excess_scale=-1.0)
    with pytest.raises(ValidationError):
        Params(familiar=anomaly.MAX_FAMILIAR + 1)  # beyond the slots kept in the state
    with pytest.raises(ValidationError):
        Params(unknown_key=1)  # a typo in a rule file is an error, not a silent default


def test_scores_are_in_unit_interval_and_zero_while_warming_up():
    x = _noise(3000)
    x[2000] += 30.0
    scores = score_series(_times(x.size), x)
    assert scores.shape == x.shape
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    assert not scores[: Params().warmup].any()


def test_a_spike_beyond_the_range_seen_alarms_once():
    x = _noise(3000)
    x[2000] = x[:2000].max() + 3.0 * (x[:2000].max() - x[:2000].min())
    scores, state = _run(x[:2001])
    assert scores[2000] >= 0.95
    assert explain(state[0])["driver"] == "level"
    after, _ = _run(x)
    assert after[2001:2050].max() < scores[2000]  # no second detection of the same event


def test_a_sustained_shift_inside_the_range_is_caught_by_the_smooth_view():
    x = _noise(4000, sd=1.0)
    x[1500] = 40.0  # a lone old spike widens the range of the readings
    x[3000:] += 5.0  # later the level moves up for good, still below that spike
    no_new_level = Params(new_level=0)  # that level is also new: look at `smooth` alone
    scores, _ = _run(x, no_new_level)
    assert scores[3000:3100].max() >= ALARM_THRESHOLD
    states = anomaly.init_state(1)
    out = np.zeros(1)
    p = no_new_level.as_array()
    for i in range(3100):
        anomaly.step(
            states, np.zeros(1, dtype=np.int64), _times(x.size)[i : i + 1], x[i : i + 1], p, out
        )
        if i >= 3000 and out[0] >= ALARM_THRESHOLD:
            assert explain(states[0])["driver"] == "smooth"
            break
    else:
        pytest.fail("no alarm after the shift")


def test_a_normal_value_at_an_abnormal_hour_is_a_seasonal_anomaly():
    n = 288 * 14  # two weeks of 5-minute readings with a strong daily cycle
    t = _times(n)
    x = 10.0 + 5.0 * np.sin(2 * np.pi * t / 86_400.0) + 0.1 * _noise(n, level=0.0)
    k = 288 * 12 + int(np.argmax(x[288 * 12 : 288 * 13]))  # the daily peak of day 12
    x[k : k + 6] = x[k : k + 6] - 10.0  # the trough value, at peak time
    state = anomaly.init_state(1)
    out = np.zeros(k + 1)
    anomaly.step(
        state, np.zeros(k + 1, dtype=np.int64), t[: k + 1], x[: k + 1], Params().as_array(), out
    )
    assert out[k] >= ALARM_THRESHOLD
    assert explain(state[0])["driver"] == "season"
    assert explain(state[0])["season_strength"] > 0.9
    assert out[288 * 3 : 288 * 12].max() < ALARM_THRESHOLD  # the regular cycle itself is quiet


def _recurring_spikes(n: int = 9000, every: int = 1200, height: float = 25.0) -> np.ndarray:
    x = _noise(n)
    x[every::every] = height  # the same spike, again and again, far apart
    return x


def _level_excess_at(x: np.ndarray, at: np.ndarray, params: Params) -> np.ndarray:
    """The `level` excess of the readings at indices `at` (streaming up to each)."""
    state, out, p = anomaly.init_state(1), np.zeros(x.size), params.as_array()
    excess, start = [], 0
    for k in at:
        rows = np.zeros(k + 1 - start, dtype=np.int64)
        anomaly.step(state, rows, _times(x.size)[start : k + 1], x[start : k + 1], p, out[start:])
        excess.append(explain(state[0], params)["excess"]["level"])
        start = k + 1
    return np.array(excess)


@pytest.mark.parametrize(
    ("familiar", "familiar_after"),
    [
        (0, False),  # no familiarity memory: each spike is new once the extremes relaxed
        (2, True),  # after two spikes that level is familiar
        (4, True),
    ],
)
def test_a_recurring_level_becomes_familiar(familiar: int, familiar_after: bool):
    x = _recurring_spikes()
    params = Params(familiar=familiar, extreme_decay=2e-3)
    spikes = np.arange(1200, x.size, 1200)
    excess = _level_excess_at(x, spikes, params)
    assert excess[0] > 1.0  # the first one is always new
    late = excess[familiar + 1 :] if familiar else excess[1:]
    assert (late.max() < 0.3) == familiar_after
    assert (late.min() > 1.0) == (not familiar_after)


def test_a_higher_spike_than_the_familiar_ones_still_alarms():
    x = _recurring_spikes()
    x[-300] = 60.0
    scores, state = _run(x, Params(familiar=2, extreme_decay=2e-3))
    assert scores[-300] >= ALARM_THRESHOLD
    low, high = explain(state[0], Params(familiar=2, extreme_decay=2e-3))["familiar_range"]
    assert high >= 25.0 - 1.0  # the second-highest level remembered: a recurring spike
    assert low < 10.0 < high


def test_without_a_daily_cycle_the_season_view_stays_silent():
    x = _noise(288 * 14)
    x[288 * 12 + 100] = 13.0  # within the range of the noise seen so far, at some hour
    _, state = _run(x[: 288 * 12 + 101])
    info = explain(state[0])
    assert info["season_strength"] < 0.1
    assert info["excess"]["season"] < 0.1 * 1.0


def _shift_then_dip() -> np.ndarray:
    """Noise around 10, a shift to 30 that stays, then a dip to 20 (inside the range seen)."""
    x = _noise(5000, sd=0.5)
    x[1500:] += 20.0
    x[4000:4010] = 20.0 + 0.1 * _noise(10, seed=2, level=0.0)
    return x


def test_a_reading_at_a_never_visited_level_inside_the_range_alarms():
    x = _shift_then_dip()
    scores, state = _run(x[:4001])
    assert scores[4000] >= ALARM_THRESHOLD
    info = explain(state[0])
    assert info["driver"] == "new_level"
    assert info["excess"]["level"] == 0.0  # inside the extremes: range novelty sees nothing
    assert info["excess"]["new_level"] == pytest.approx(Params().excess_scale)
    off, _ = _run(x[:4001], Params(new_level=0))
    assert off[4000] < ALARM_THRESHOLD


def test_a_level_is_new_only_once():
    x = _shift_then_dip()
    x[4500:4510] = x[4000:4010]  # the same dip again, long after the refractory period
    scores, _ = _run(x)
    assert scores[4000:4010].max() >= ALARM_THRESHOLD
    assert scores[4500:4510].max() < ALARM_THRESHOLD


@pytest.mark.parametrize("value", [1e300, -1e300])
def test_huge_readings_alarm_and_stay_on_the_grid(value: float):
    x = _noise(1000)
    x[600] = value
    scores = score_series(_times(x.size), x)
    assert scores[600] >= ALARM_THRESHOLD
    assert np.isfinite(scores).all()
    assert ((scores >= 0.0) & (scores <= 1.0)).all()


def test_refractory_zeroes_what_does_not_beat_the_recent_peak():
    x = _noise(3000)
    x[2000:2002] = [100.0, 101.0]  # one event: a jump, then a slightly higher reading
    held, state = _run(x[:2002])
    free, _ = _run(x[:2002], Params(refractory=0))
    assert held[2000] == free[2000] >= ALARM_THRESHOLD
    assert free[2001] > 0.0
    assert held[2001] == 0.0
    assert explain(state[0])["suppressed"] is True
    assert explain(state[0])["raw_score"] == free[2001]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_infinite_readings_are_skipped_without_touching_the_state(bad: float):
    n = 1000
    x, t = _noise(n), _times(n)
    at = [100, 500, 500]
    gx, gt = np.insert(x, at, bad), np.insert(t, at, t[at])
    state, clean_state = anomaly.init_state(1), anomaly.init_state(1)
    scores, clean = np.zeros(gx.size), np.zeros(n)
    p = Params().as_array()
    anomaly.step(state, np.zeros(gx.size, dtype=np.int64), gt, gx, p, scores)
    anomaly.step(clean_state, np.zeros(n, dtype=np.int64), t, x, p, clean)
    assert np.all(scores[~np.isfinite(gx)] == 0.0)
    np.testing.assert_array_equal(scores[np.isfinite(gx)], clean)
    np.testing.assert_array_equal(state, clean_state)


def test_score_series_checks_its_arguments():
    with pytest.raises(ValueError, match="one length"):
        score_series(np.zeros(3), np.zeros(4))


@st.composite
def _streams(draw):
    n_series = draw(st.integers(1, 3))
    n = draw(st.integers(350, 700))
    owner = np.array(draw(st.lists(st.integers(0, n_series - 1), min_size=n, max_size=n)))
    seed = draw(st.integers(0, 10_000))
    x = np.random.default_rng(seed).standard_t(3, n) * 2.0 + owner * 50.0
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=8)))
    familiar = draw(st.integers(0, anomaly.MAX_FAMILIAR))
    return n_series, owner, x, cuts, familiar


@settings(max_examples=40, deadline=None)
@given(_streams())
def test_streaming_in_any_chunking_equals_scoring_each_series_whole(stream):
    n_series, owner, x, cuts, familiar = stream
    t = _times(x.size) + 17.0 * owner
    params = Params(warmup=50, settle=20, refractory=10, familiar=familiar)
    state = anomaly.init_state(n_series)
    out = np.zeros(x.size)
    p = params.as_array()
    for lo, hi in zip([0, *cuts], [*cuts, x.size], strict=True):
        anomaly.step(state, owner[lo:hi].astype(np.int64), t[lo:hi], x[lo:hi], p, out[lo:hi])
    for s in range(n_series):
        mine = owner == s
        np.testing.assert_array_equal(out[mine], score_series(t[mine], x[mine], params))

"""Each detector as a pure function over one series (``forewarn.detect.detectors.run``)."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.detect import counts
from forewarn.detect.detectors import get, names, run
from forewarn.detect.labels import SeriesInfo

HOUR = 3600.0


def test_builtins_are_registered():
    assert {"threshold", "rate", "window", "ewma", "cusum", "seasonal", "silence", "ears"} <= set(
        names()
    )
    assert {"farrington"} <= set(names())
    assert get("ewma").bounded
    assert not get("seasonal").bounded


@pytest.mark.parametrize(
    ("params", "labels", "values", "measure", "base"),
    [
        ({}, {}, [1.0, -2.5], [1.0, -2.5], [np.nan, np.nan]),
        ({"deviation_from": 10}, {}, [12.0, 7.0], [2.0, -3.0], [10.0, 10.0]),
        ({"deviation_from": 10, "absolute": True}, {}, [12.0, 7.0], [2.0, 3.0], [10.0, 10.0]),
        (
            {"deviation_from": "$nominal_mpa", "relative": True, "absolute": True},
            {"nominal_mpa": "0.4"},
            [0.36, 0.48],
            [0.1, 0.2],
            [0.4, 0.4],
        ),
        ({"deviation_from": "2 * $a - 1"}, {"a": "3"}, [5.0], [0.0], [5.0]),
    ],
)
def test_threshold_measure(params, labels, values, measure, base):
    info = SeriesInfo("s", {}, labels, 60)
    out = run("threshold", np.arange(len(values)) * 60.0, values, params, info)
    assert out.measure == pytest.approx(measure)
    np.testing.assert_allclose(out.base, base)
    assert np.isnan(out.score).all()  # the level machine scores thresholds


def test_rate_is_the_least_squares_slope_over_the_window():
    t = np.arange(0, 12 * HOUR, 600.0)
    x = 5.0 + 0.25 * t / HOUR  # 0.25 per hour
    out = run("rate", t, x, {"window": "2h", "buckets": 4, "per": "1h"})
    assert np.isnan(out.measure[0])  # one point spans nothing
    assert out.measure[-50:] == pytest.approx(np.full(50, 0.25))
    per_day = run("rate", t, x, {"window": "2h", "per": "1d"}).measure[-1]
    assert per_day == pytest.approx(6.0)


def test_rate_forgets_readings_older_than_the_window():
    t = np.array([0.0, 600, 1200, 1800, 6 * HOUR, 6 * HOUR + 600, 6 * HOUR + 1200])
    x = np.array([0.0, 100, 200, 300, 50, 50, 50])
    out = run("rate", t, x, {"window": "1h", "buckets": 6, "min_span": 0.2})
    assert out.measure[3] == pytest.approx(600.0)  # 100 per 10 minutes
    assert np.isnan(out.measure[4])  # the old readings are gone: one point
    assert out.measure[6] == pytest.approx(0.0)


def test_window_sum_and_mean():
    t = np.arange(8) * HOUR
    x = np.array([0, 10, 20, 30, 0, 0, 0, 0], dtype=float)
    total = run("window", t, x, {"window": "3h", "buckets": 3}).measure
    assert total.tolist() == [0, 10, 30, 60, 50, 30, 0, 0]
    mean = run("window", t, x, {"window": "3h", "buckets": 3, "measure": "mean"}).measure
    assert mean.tolist() == pytest.approx([0, 5, 10, 20, 50 / 3, 10, 0, 0])


def _noise_then_shift(shift: float, n: int = 400, at: int = 300, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = 20.0 + rng.standard_normal(n)
    x[at:] += shift
    return np.arange(n) * 60.0, x


@pytest.mark.parametrize("name", ["ewma", "cusum"])
def test_control_charts_find_a_shift_and_ignore_noise(name):
    t, x = _noise_then_shift(3.0)
    out = run(name, t, x, {"warmup": 30})
    assert np.isnan(out.measure[:29]).all()
    quiet, shifted = out.measure[60:300], out.measure[310:330]
    limit = 4.0 if name == "ewma" else 8.0
    assert np.nanmax(quiet) < limit
    assert np.min(shifted) > limit
    assert np.nanmedian(out.scale[100:300]) == pytest.approx(1.0, rel=0.2)  # robust scale
    assert np.nanmedian(out.base[100:300]) == pytest.approx(20.0, abs=0.3)
    assert ((out.score >= 0) & (out.score <= 1))[30:].all()


def test_control_chart_parameters_are_in_units_of_the_series_scale():
    t, x = _noise_then_shift(3.0)
    small = run("cusum", t, x, {"warmup": 30}).measure
    big = run("cusum", t, 1000 * x + 5e6, {"warmup": 30}).measure
    np.testing.assert_allclose(small, big, rtol=1e-6, atol=1e-6)


def test_robust_baseline_shrugs_off_a_single_outlier():
    t, x = _noise_then_shift(0.0)
    spiked = x.copy()
    spiked[200] = 1e6
    a = run("ewma", t, x, {"warmup": 30})
    b = run("ewma", t, spiked, {"warmup": 30})
    assert abs(b.base[201] - a.base[201]) < 0.05  # at most adapt * clip scales
    assert b.measure[200] > 1000  # the outlier itself is seen


def test_cusum_sides():
    t, x = _noise_then_shift(-3.0)
    upper = run("cusum", t, x, {"warmup": 30, "side": "upper"}).measure
    lower = run("cusum", t, x, {"warmup": 30, "side": "lower"}).measure
    assert upper[310] < 1
    assert lower[310] > 10
    assert np.nanmax(lower) <= 20.0  # capped at 4 h


def test_seasonal_baseline_uses_the_same_hour_of_past_days():
    hours = np.arange(24 * 10, dtype=float)
    t = hours * HOUR
    local = (hours + 8) % 24
    x = 100 + 50 * (local >= 12) + np.random.default_rng(1).normal(0, 2, hours.size)
    x[-1] += 40  # the last hour is far above that hour's usual value
    out = run("seasonal", t, x, {"season": "day", "periods": 7, "pool": 1, "min_count": 9})
    assert np.isnan(out.measure[: 24 * 3]).all()  # fewer than three past days: < 9 values
    assert np.isfinite(out.measure[24 * 3 + 1 : -1]).all()
    assert np.nanmax(np.abs(out.measure[24 * 4 : -1])) < 8
    assert out.measure[-1] > 10
    assert out.base[-1] == pytest.approx(x[-1] - 40, abs=8)


def test_seasonal_week_slots_follow_the_local_weekday():
    hours = np.arange(24 * 7 * 5, dtype=float)
    weekday = ((hours + 8) // 24 + 3) % 7  # Monday = 0 in local time
    x = np.where(weekday >= 5, 10.0, 100.0) + np.random.default_rng(2).normal(0, 1, hours.size)
    out = run("seasonal", hours * HOUR, x, {"season": "week", "periods": 4, "pool": 1})
    late = out.measure[24 * 7 * 3 :]
    assert np.nanmax(np.abs(late)) < 8  # weekends are normal for weekends


def test_counts_wrap_the_count_methods_exactly():
    rng = np.random.default_rng(5)
    x = rng.poisson(8, 60).astype(float)
    x[50] = 40
    t = np.arange(60) * 86400.0
    info = SeriesInfo("cdc", {}, {}, 86400)
    out = run("ears", t, x, {"method": "C2", "measure": "excess"}, info)
    ref = counts.ears(x, method="C2", min_sigma=counts.ENGINE_MIN_SIGMA, indices=np.arange(60))
    np.testing.assert_allclose(out.scale, ref.upperbound)
    np.testing.assert_allclose(out.base, ref.expected)
    np.testing.assert_allclose(out.measure, x - ref.upperbound)
    assert out.score == pytest.approx(ref.score)
    ratio = run("ears", t, x, {"method": "C2"}, info).measure
    assert ratio[50] > 2
    assert np.nanmax(np.delete(ratio, 50)) < 2


def test_count_gaps_become_missing_periods():
    t = np.array([0, 1, 2, 3, 4, 5, 6, 7, 9, 10]) * 86400.0  # day 8 missing
    x = np.array([5, 6, 5, 7, 6, 5, 6, 5, 30, 6], dtype=float)
    info = SeriesInfo("cdc", {}, {}, 86400)
    out = run("ears", t, x, {"method": "C1", "baseline": 3, "measure": "alarm"}, info)
    full = np.array([5, 6, 5, 7, 6, 5, 6, 5, np.nan, 30, 6])
    ref = counts.ears(full, method="C1", baseline=3, min_sigma=0.5, indices=np.arange(11))
    np.testing.assert_allclose(out.scale, np.delete(ref.upperbound, 8))


def test_a_revised_report_replaces_its_periods_count_instead_of_taking_a_period():
    # day 2 reported at 09:00 and revised at 15:00: still one count per day afterwards
    day = 86400.0
    t = np.array([0, 1, 2, 2.25, 3, 4, 5, 6, 7, 8]) * day
    x = np.array([5, 6, 5, 9, 7, 6, 5, 6, 30, 6], dtype=float)
    info = SeriesInfo("cdc", {}, {}, day)
    out = run("ears", t, x, {"method": "C1", "baseline": 3, "measure": "alarm"}, info)
    revised = np.array([5, 6, 9, 7, 6, 5, 6, 30, 6], dtype=float)  # day 2 holds the revision
    ref = counts.ears(revised, method="C1", baseline=3, min_sigma=0.5, indices=np.arange(9))
    np.testing.assert_allclose(out.scale[4:], ref.upperbound[3:])
    assert out.measure[8] == 1.0  # the outbreak day is judged against the right three days


def test_farrington_wrapper_matches_the_method():
    rng = np.random.default_rng(7)
    weeks = 52 * 4 + 20
    x = rng.poisson(10 + 5 * np.sin(np.arange(weeks) * 2 * np.pi / 52)).astype(float)
    t = np.arange(weeks) * 7 * 86400.0
    info = SeriesInfo("cdc", {}, {}, 7 * 86400)
    out = run("farrington", t, x, {"b": 3, "measure": "ratio"}, info)
    ref = counts.farrington(x, config=counts.NOUFAILY_2013.with_(b=3), indices=np.arange(weeks))
    np.testing.assert_allclose(out.scale, ref.upperbound)
    assert np.isfinite(out.scale[-10:]).all()


def test_farrington_honours_a_window_of_zero_weeks():
    # w: 0 compares each week with the same week of past years only; it is not "unset"
    rng = np.random.default_rng(7)
    weeks = 52 * 4 + 20
    x = rng.poisson(10 + 5 * np.sin(np.arange(weeks) * 2 * np.pi / 52)).astype(float)
    t = np.arange(weeks) * 7 * 86400.0
    info = SeriesInfo("cdc", {}, {}, 7 * 86400)
    out = run("farrington", t, x, {"b": 3, "w": 0, "measure": "ratio"}, info)
    config = counts.NOUFAILY_2013.with_(b=3, w=0)
    ref = counts.farrington(x, config=config, indices=np.arange(weeks))
    np.testing.assert_allclose(out.scale, ref.upperbound)
    default = counts.farrington(x, config=counts.NOUFAILY_2013.with_(b=3), indices=np.arange(weeks))
    assert not np.allclose(out.scale, default.upperbound, equal_nan=True)


@pytest.mark.parametrize("kind", ["ewma", "cusum"])
def test_a_chart_after_a_flat_warm_up_waits_for_a_scale(kind):
    # 60 zeros, then a 1 ppm blip: no scale to measure it by, so no measure (it was 4e8)
    t = np.arange(70) * 300.0
    x = np.zeros(70)
    x[60] = 1.0
    out = run(kind, t, x, {"warmup": 50})
    assert np.isnan(out.measure[:61]).all()
    assert np.isfinite(out.measure[61:]).all()  # the blip gave the chart its scale
    assert np.abs(out.measure[61:]).max() < 10
    floored = run(kind, t, x, {"warmup": 50, "min_scale": 0.5})
    assert np.isfinite(floored.measure[50:]).all()  # a floor lets it start on time
    assert np.nanmax(np.abs(floored.measure)) < 10


def test_silence_measure_is_zero_on_every_reading():
    out = run("silence", [0.0, 60.0], [1.0, 2.0])
    assert out.measure.tolist() == [0.0, 0.0]


def test_the_anomaly_detector_plugs_in_with_its_score_as_measure():
    t, x = _noise_then_shift(8.0, n=800, at=700)
    out = run("anomaly", t, x)
    assert ((out.score >= 0) & (out.score <= 1)).all()
    np.testing.assert_array_equal(out.measure, out.score)


@pytest.mark.parametrize("measure", ["alarm", "score", "ratio"])
def test_a_revised_count_gives_the_same_signals_in_batch_and_streaming(measure):
    from forewarn.detect.engine import Engine
    from forewarn.detect.ruleset import rules_from_text

    rules = rules_from_text(
        "rules:\n  - id: outbreak\n    name: Outbreak\n"
        f"    detector: {{type: ears, method: C1, baseline: 3, measure: {measure}}}\n"
        '    levels: {blue: ">= 0.99"}\n'
    )
    day, t0 = 86_400_000, 1_767_225_600_000
    info = [SeriesInfo(1, {"site": "s", "indicator": "cases", "kind": "count"}, {}, 86400.0)]
    t = [t0 + k * day for k in range(6)] + [t0 + 5 * day + 3_600_000]  # revised an hour later
    x = [2, 3, 2, 3, 2, 40, 2]  # the first report of day 5 said 40; its revision says 2

    def seen(signals):
        return [(s.state.value, s.at, s.explanation["measure"]) for s in signals]

    batch = Engine(rules, info, start=t0).ingest([1] * len(t), t, x)
    one_by_one = Engine(rules, info, start=t0)
    stream = [
        sig for ti, xi in zip(t, x, strict=True) for sig in one_by_one.ingest([1], [ti], [xi])
    ]
    assert seen(batch) == seen(stream)
    assert [s[0] for s in seen(batch)] == ["firing", "resolved"]  # 40 alarmed, its revision not

"""The Noufaily-design simulator and the outbreak benchmark's scoring."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from benchmarks._outbreaks_r import agreement, load_weekly
from benchmarks.outbreaks import (
    EVAL,
    Record,
    calibrate,
    export_series,
    r_reference,
    score_series,
    summarise,
)

from forewarn.detect.counts.simulate import (
    CURRENT,
    EVAL_FIRST,
    PAST,
    PAST_FIRST,
    WEEKS,
    Scenario,
    Simulated,
    load_scenarios,
    simulate,
)

POISSON = Scenario(
    scenario=99, theta=1.5, beta=0.003, gamma1=0.2, gamma2=-0.4, phi=1.0, m=1, trend=1
)


@pytest.fixture(scope="module")
def scenarios(shared_dir: Path) -> list[Scenario]:
    path = shared_dir / "datasets/surveillance/reference/noufaily_design_scenarios.csv"
    return load_scenarios(path)


def test_grid_has_42_scenarios(scenarios: list[Scenario]) -> None:
    assert [s.scenario for s in scenarios] == list(range(1, 43))
    assert {(s.m, s.trend) for s in scenarios} == {(m, t) for m in range(3) for t in range(2)}


def test_mean_follows_the_formula() -> None:
    t = np.array([1.0, 13.0, 600.0])
    angle = 2 * np.pi * t / 52
    expected = np.exp(1.5 + 0.003 * t + 0.2 * np.cos(angle) - 0.4 * np.sin(angle))
    np.testing.assert_allclose(POISSON.mean(t), expected)
    flat = Scenario(1, 0.1, 0.0025, 0.6, 0.6, 1.5, m=0, trend=0)
    np.testing.assert_allclose(flat.mean(t), np.exp(0.1))


def test_deterministic_per_seed_scenario_and_replicate() -> None:
    a, b = simulate(POISSON, 3, seed=42), simulate(POISSON, 3, seed=42)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, simulate(POISSON, 4, seed=42).counts)
    assert not np.array_equal(a.counts, simulate(POISSON, 3, seed=43).counts)


def test_outbreak_markers() -> None:
    for rep in range(1, 30):
        sim = simulate(POISSON, rep, seed=1)
        assert sim.counts.shape == (WEEKS,)
        assert sim.counts.min() >= 0
        current = np.flatnonzero(sim.outbreak == CURRENT)
        assert 1 <= sim.k <= 10
        assert EVAL_FIRST <= sim.start_week <= WEEKS
        assert current.size == 0 or current.min() >= sim.start_week - 1
        past = np.flatnonzero(sim.outbreak == PAST)
        assert past.size > 0
        assert past.min() >= PAST_FIRST - 1
        assert (sim.counts[sim.outbreak > 0] > 0).all()


def test_baseline_has_the_scenario_mean_and_variance() -> None:
    negbin = Scenario(7, theta=2.5, beta=0.0, gamma1=0.0, gamma2=0.0, phi=3.0, m=0, trend=0)
    clean = np.concatenate([simulate(negbin, r, seed=5).counts[: PAST_FIRST - 1] for r in range(8)])
    mu = np.exp(2.5)
    assert clean.mean() == pytest.approx(mu, rel=0.03)
    assert clean.var() == pytest.approx(3.0 * mu, rel=0.1)


def test_score_series_counts_false_positives_and_delay() -> None:
    marker = np.zeros(WEEKS, dtype=np.int8)
    marker[EVAL[10:13]] = CURRENT
    marker[EVAL[0]] = PAST
    sim = Simulated(np.zeros(WEEKS, dtype=np.int64), marker, k=4, start_week=int(EVAL[10]) + 1)
    alarm = np.zeros(EVAL.size, dtype=bool)
    alarm[[0, 5, 11, 20]] = True  # a past-outbreak week, two clean weeks, outbreak week 2
    rec = score_series("m", sim, alarm)
    assert (rec.fp, rec.neg) == (2, EVAL.size - 4)
    assert rec.has_outbreak
    assert rec.detected
    assert not rec.week1
    assert rec.delay == 1.0


def test_summarise_pools_false_positives_and_bands() -> None:
    rows = [
        Record("m", 2, 1, 40, True, True, True, 0.0),
        Record("m", 5, 0, 40, True, False, False, float("nan")),
        Record("m", 9, 3, 40, True, True, False, 2.0),
        Record("m", 9, 0, 49, False, False, False, float("nan")),
    ]
    s = summarise(rows)["m"]
    assert s["fpr"] == pytest.approx(4 / 169)
    assert s["pod"] == pytest.approx(2 / 3)
    assert (s["pod_k1_3"], s["pod_k4_6"], s["pod_k7_10"]) == (1.0, 0.0, 1.0)
    assert s["pod_week1"] == pytest.approx(1 / 3)
    assert s["mean_delay_weeks"] == pytest.approx(1.0)


def test_r_reference_summary_matches_benchmarks_md(shared_dir: Path) -> None:
    table = r_reference()
    assert table["farrington_noufaily"]["fpr"] == pytest.approx(0.0108, abs=5e-5)
    assert table["farrington_noufaily"]["pod"] == pytest.approx(0.529, abs=5e-4)
    assert table["earsC2"]["pod"] == pytest.approx(0.683, abs=5e-4)


def test_export_series_writes_every_week(tmp_path: Path, scenarios: list[Scenario]) -> None:
    path = export_series(tmp_path, scenarios[:1], replicates=2, seed=9)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * WEEKS
    assert list(rows[0]) == ["scenario", "replicate", "week", "count", "outbreak"]
    sim = simulate(scenarios[0], 2, seed=9)
    second = [int(r["count"]) for r in rows if r["replicate"] == "2"]
    assert second == sim.counts.tolist()


def test_calibrate_picks_the_largest_alpha_within_the_target() -> None:
    scores = np.array([0.999, 0.995, 0.99, 0.98, 0.5, 0.4, 0.3, 0.2, 0.1, -1.0] * 10)
    alpha = calibrate(scores, target=0.2)  # 20 of 100 clean weeks may alarm
    assert np.mean(scores >= 1 - alpha) <= 0.2  # the 0.999s and 0.995s
    assert alpha == pytest.approx(0.0099)  # just short of letting the 0.99s alarm too


def test_r_weekly_results_load_and_agreement(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    lines = ['"scenario","replicate","week","method","upperbound","alarm"']
    rows = {576: ("1.5", "1"), 577: ("NA", "NA"), 578: ("2", "0")}
    for week in (578, 576, 577):  # any order; NA alarm counts as no alarm
        upper, alarm = rows[week]
        lines.append(f'3,2,{week},"earsC1",{upper},{alarm}')
    path.write_text("\n".join(lines) + "\n")
    weeks = load_weekly(path)[3][2]["earsC1"]
    np.testing.assert_array_equal(weeks.alarm, [True, False, False])
    np.testing.assert_array_equal(weeks.upperbound, [1.5, np.nan, 2.0])
    ours = {
        "ears_c1": (np.array([True, True, False]), np.array([1.5, np.nan, 2.2])),
        "forewarn_window2": (np.ones(3, bool), np.ones(3)),  # no R counterpart
    }
    agree = agreement(ours, {"earsC1": weeks})
    assert list(agree) == ["ears_c1"]
    assert (agree["ears_c1"].same, agree["ears_c1"].weeks) == (2, 3)
    assert agree["ears_c1"].max_rel_error == pytest.approx(0.1)
    ours["ears_c1"] = (ours["ears_c1"][0], np.array([1.5, 7.0, 2.0]))  # a bound R has not
    assert agreement(ours, {"earsC1": weeks})["ears_c1"].max_rel_error == np.inf

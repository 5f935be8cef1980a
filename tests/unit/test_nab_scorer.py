"""The clean-room NAB scorer: hand-computed cases, the null/perfect acceptance rule on the real
corpus, the vectorised threshold sweep against a plain loop, and the windowed-Gaussian
cross-check against NAB's own scorer (figures measured in ``shared/BENCHMARKS.md`` §1)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from benchmarks.nab import gaussian
from benchmarks.nab.corpus import load_corpus, split_halves
from benchmarks.nab.scorer import (
    PROFILES,
    Layout,
    Table,
    layout,
    probation_length,
    scaled_sigmoid,
)
from hypothesis import given, settings
from hypothesis import strategies as st

STANDARD = PROFILES["standard"]


def _sig(x: float) -> float:
    """The scaled sigmoid written out once more, as the rules state it."""
    return -1.0 if x > 3.0 else 2.0 / (1.0 + math.exp(5.0 * x)) - 1.0


@pytest.mark.parametrize(
    ("n", "expected"), [(10, 1), (100, 15), (1127, 169), (4032, 604), (5000, 750), (22695, 750)]
)
def test_probation_is_15_percent_capped_at_750(n, expected):
    assert probation_length(n) == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [(-1.0, 0.9866142981514305), (0.0, 0.0), (0.5, -0.8482836399575129), (3.0, _sig(3.0))],
)
def test_scaled_sigmoid_values(x, expected):
    assert scaled_sigmoid(np.array([x]))[0] == pytest.approx(expected, abs=1e-12)


def test_scaled_sigmoid_is_minus_one_far_past_a_window():
    assert scaled_sigmoid(np.array([3.0001, 10.0, 1e6])).tolist() == [-1.0, -1.0, -1.0]


def _tiny() -> tuple[Layout, Table]:
    lay = layout(20, np.array([[10, 13]]))  # probation 3 rows, one window of width 4
    return lay, Table([lay])


def _raw(table: Table, hits: list[int], profile=STANDARD) -> float:
    scores = np.zeros(20)
    scores[hits] = 1.0
    return float(table.raw_per_file(table.scorable_scores([scores]), 1.0, profile).sum())


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        ([], -1.0),  # a missed window costs the FN weight
        ([10], 1.0),  # left edge: full TP weight
        ([13], _sig(-1 / 4) / _sig(-1.0)),  # right edge: position -1/width
        ([11, 13], _sig(-3 / 4) / _sig(-1.0)),  # only the best detection of a window counts
        ([1], -1.0),  # inside the probation period: not scored
        ([5], -1.0 - 0.11),  # before the first window: -1 times the FP weight
        ([15], -1.0 + 0.11 * _sig(2 / 3)),  # after it: sigmoid of distance / (width - 1)
        ([19, 10], 1.0 + 0.11 * _sig(6 / 3)),
    ],
)
def test_hand_computed_cases_standard_profile(hits, expected):
    _, table = _tiny()
    assert _raw(table, hits) == pytest.approx(expected, abs=1e-12)


def test_profiles_weigh_false_positives_and_misses():
    _, table = _tiny()
    assert _raw(table, [5], PROFILES["reward_low_fp"]) == pytest.approx(-1.22)
    assert _raw(table, [5], PROFILES["reward_low_fn"]) == pytest.approx(-2.11)


def _loop_raw(lay: Layout, scores: np.ndarray, threshold: float, profile=STANDARD) -> float:
    """Straightforward per-row reference: best detection per window, every FP counted."""
    total, best = 0.0, {}
    for i in range(scores.size):
        if not lay.scorable[i] or scores[i] < threshold:
            continue
        w = int(lay.window[i])
        if w < 0:
            total += profile.fp * lay.weight[i]
        else:
            best[w] = max(best.get(w, -math.inf), lay.weight[i])
    counted = {int(w) for w in lay.window[lay.scorable & (lay.window >= 0)]}
    return total + sum(profile.tp * best[w] if w in best else -profile.fn for w in counted)


@st.composite
def _files(draw):
    files = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(12, 60))
        edges = sorted(draw(st.sets(st.integers(0, n - 1), min_size=0, max_size=4)))
        windows = np.array(
            [[a, b] for a, b in zip(edges[::2], edges[1::2], strict=False) if b - a >= 1]
        )
        levels = draw(st.lists(st.sampled_from([0.0, 0.2, 0.5, 0.7, 1.0]), min_size=n, max_size=n))
        files.append((n, windows.reshape(-1, 2), np.array(levels)))
    return files


@settings(max_examples=60, deadline=None)
@given(_files(), st.sampled_from(sorted(PROFILES)))
def test_vectorised_sweep_matches_a_plain_loop_at_every_threshold(files, profile_name):
    profile = PROFILES[profile_name]
    lays = [layout(n, w) for n, w, _ in files]
    table = Table(lays)
    flat = table.scorable_scores([s for _, _, s in files])
    sweep = table.sweep(flat, profile)
    for threshold, raw in zip(sweep.thresholds, sweep.raw, strict=True):
        expected = sum(
            _loop_raw(lay, s, threshold, profile)
            for lay, (_, _, s) in zip(lays, files, strict=True)
        )
        assert raw == pytest.approx(expected, abs=1e-9)
        assert table.raw_per_file(flat, threshold, profile).sum() == pytest.approx(expected)


@pytest.fixture(scope="module")
def corpus(shared_dir: Path):
    files = load_corpus(shared_dir / "datasets" / "nab")
    return files, Table([layout(len(f), f.windows) for f in files])


def test_corpus_size_and_scored_rows(corpus):
    files, table = corpus
    assert len(files) == 58
    assert sum(len(f) for f in files) == 365_558
    assert table.n_windows == 116
    assert int(table.mask.sum()) == 332_842
    assert int((table.window >= 0).sum()) == 33_495


@pytest.mark.parametrize(
    ("profile", "null"),
    [("standard", -116.0), ("reward_low_fp", -116.0), ("reward_low_fn", -232.0)],
)
def test_null_detector_scores_zero(corpus, profile, null):
    files, table = corpus
    flat = table.scorable_scores([np.zeros(len(f)) for f in files])
    threshold, raw = table.best(flat, PROFILES[profile])
    assert threshold == math.inf  # the optimiser keeps "never fire"
    assert raw == null == table.null_raw(PROFILES[profile])
    assert table.normalise(raw, PROFILES[profile]) == 0.0


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_perfect_oracle_at_each_left_edge_scores_100(corpus, profile):
    files, table = corpus
    scores = [np.zeros(len(f)) for f in files]
    for s, f in zip(scores, files, strict=True):
        s[f.windows[:, 0]] = 1.0
    threshold, raw = table.best(table.scorable_scores(scores), PROFILES[profile])
    assert threshold == 1.0
    assert raw == pytest.approx(116.0, abs=1e-9)
    assert table.normalise(raw, PROFILES[profile]) == pytest.approx(100.0)


def test_windowed_gaussian_matches_nab_scorer_on_the_same_detector(corpus):
    # BENCHMARKS.md §1: NAB's own scorer gives 40.13 / 23.94 / 47.73 for windowedGaussian
    # detection re-run from scratch; the clean-room detector and scorer agree to 0.01.
    files, table = corpus
    flat = table.scorable_scores([gaussian.score(f.values) for f in files])
    got = [table.normalise(table.best(flat, PROFILES[p])[1], PROFILES[p]) for p in PROFILES]
    assert got == pytest.approx([40.13, 23.94, 47.73], abs=0.01)


def test_split_is_deterministic_and_stratified(corpus):
    files, _ = corpus
    names = [f.name for f in files]
    halves = split_halves(names)
    assert halves == split_halves(list(reversed(names)))
    assert set(halves.values()) == {"A", "B"}
    for category in {f.category for f in files}:
        sides = [halves[n] for n in names if n.startswith(category + "/")]
        assert abs(sides.count("A") - sides.count("B")) <= 1

"""The NAB cross-validation protocol on a tiny synthetic corpus: each half is scored only with
what was chosen on the other half, and the shipping procedure averages the folds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from benchmarks.nab.corpus import NabFile
from benchmarks.nab.crossval import Fold, cross_validate, grid_points, suggested_defaults
from benchmarks.nab.evaluate import Corpus

N = 2000
ANOMALY_AT = 1500


def _file(name: str) -> NabFile:
    stamps = np.array([str(k) for k in range(N)])
    return NabFile(
        name=name,
        timestamps=stamps,
        raw_values=stamps,
        t_s=np.arange(N, dtype=np.float64),
        values=np.zeros(N),
        windows=np.array([[ANOMALY_AT - 50, ANOMALY_AT + 50]]),
    )


def _corpus() -> Corpus:
    names = [f"cat/{k}.csv" for k in range(4)]
    return Corpus([_file(n) for n in names], {n: "AB"[k % 2] for k, n in enumerate(names)})


def _run(f: NabFile, p: dict) -> np.ndarray:
    """Fires at the left edge of the window when `early`, else at the right edge; in half A
    files also fires a false positive unless `quiet`."""
    s = np.zeros(N)
    s[ANOMALY_AT - 50 if p["early"] else ANOMALY_AT + 50] = 0.9
    if int(f.name[4]) % 2 == 0 and not p["quiet"]:
        s[1000] = 0.95  # above the detection: no threshold can drop it
    return s


def test_grid_points_cover_every_combination_in_order():
    points = grid_points({"a": (1, 2), "b": ("x", "y", "z")})
    assert len(points) == 6
    assert points[0] == {"a": 1, "b": "x"}
    assert points[1] == {"a": 1, "b": "y"}
    assert points[-1] == {"a": 2, "b": "z"}


def test_each_half_is_scored_with_the_other_halfs_choice():
    cv = cross_validate(_corpus(), _run, {"early": (False, True), "quiet": (False, True)})
    by_half = {f.held_out: f for f in cv.folds}
    # half A's files have a false positive that only `quiet` removes; half B's files do not,
    # so half B cannot tell `quiet` apart and keeps the first point of the grid: not quiet
    assert by_half["B"].params == {"early": True, "quiet": True}
    assert by_half["A"].params == {"early": True, "quiet": False}
    assert by_half["B"].optimised["standard"] == pytest.approx(100.0)
    assert by_half["A"].optimised["standard"] < 100.0  # the false positive B could not see
    assert cv.grid_size == 4
    # the fixed threshold of each fold is its tuning half's optimum
    assert by_half["B"].threshold == pytest.approx(0.9)
    assert by_half["A"].fixed["standard"] == pytest.approx(by_half["A"].optimised["standard"])
    assert 0.0 < cv.fixed["standard"] < 100.0


def test_shipping_procedure_is_the_geometric_mean_of_the_folds():
    folds = [
        Fold("A", "B", {"decay": 1e-4, "wait": 25}, threshold=0.5, tuning_score=70.0),
        Fold("B", "A", {"decay": 4e-4, "wait": 100}, threshold=0.75, tuning_score=60.0),
    ]
    got = suggested_defaults(folds, excess_scale=0.1)
    assert got["decay"] == pytest.approx(2e-4)
    assert got["wait"] == 50
    # excesses at the folds' thresholds: 0.1 and 0.3; their geometric mean scores 0.5
    assert got["excess_scale"] == pytest.approx(math.sqrt(0.1 * 0.3), abs=0.005)  # 2 digits

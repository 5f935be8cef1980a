"""Golden tests: forewarn's count detectors against R surveillance 1.20.3 on the RKI series.

The reference CSVs hold R's upperbound and alarm for weeks 160-209 of the 14 labelled series
(``shared/datasets/surveillance/reference/<set>__<method>.csv``; NA = not computable).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from forewarn.detect.counts import (
    GOLDEN_FARRINGTON_1996,
    GOLDEN_NOUFAILY_2013,
    FarringtonConfig,
    ears,
    farrington,
)

SETS = (
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "q1_nrwh",
    "q2",
    "s1",
    "s2",
    "s3",
    "k1",
    "n1",
    "n2",
    "h1_nrwrp",
)


def _observed(root: Path, name: str) -> np.ndarray:
    with (root / f"{name}.csv").open(newline="") as fh:
        return np.array([float(row["observed"]) for row in csv.DictReader(fh)])


def _reference(root: Path, name: str, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """0-based indexes, R's upperbound (nan for NA) and R's alarm (NA counts as no alarm)."""
    with (root / "reference" / f"{name}__{method}.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    t = np.array([int(r["t"]) - 1 for r in rows])
    ub = np.array([np.nan if r["upperbound"] == "NA" else float(r["upperbound"]) for r in rows])
    alarm = np.array([r["alarm"] == "1" for r in rows])
    return t, ub, alarm


@pytest.fixture(scope="module")
def root(shared_dir: Path) -> Path:
    return shared_dir / "datasets" / "surveillance"


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
@pytest.mark.parametrize("name", SETS)
def test_ears_reproduces_r_bounds_and_alarms(root: Path, name: str, method: str) -> None:
    t, r_ub, r_alarm = _reference(root, name, f"ears{method}")
    res = ears(_observed(root, name), method=method, indices=t)  # R's defaults per method
    np.testing.assert_array_equal(np.isnan(res.upperbound), np.isnan(r_ub))
    np.testing.assert_allclose(res.upperbound, r_ub, rtol=0, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(res.alarm, r_alarm)


def _compare(root: Path, config: FarringtonConfig, method: str) -> tuple[int, int, np.ndarray]:
    """Agreeing weeks, all weeks, and relative upperbound errors where both are computable."""
    agree = total = 0
    rel: list[float] = []
    for name in SETS:
        t, r_ub, r_alarm = _reference(root, name, method)
        res = farrington(_observed(root, name), config=config, indices=t)
        agree += int((res.alarm == r_alarm).sum())
        total += t.size
        assert np.array_equal(np.isnan(res.upperbound), np.isnan(r_ub)), name
        both = ~np.isnan(r_ub)
        rel += list(np.abs(res.upperbound[both] - r_ub[both]) / np.maximum(r_ub[both], 1e-12))
    return agree, total, np.array(rel)


GOLDEN = [
    (GOLDEN_FARRINGTON_1996, "farrington_orig"),
    (GOLDEN_NOUFAILY_2013, "farrington_noufaily"),
]


@pytest.mark.parametrize(("config", "method"), GOLDEN, ids=["orig", "noufaily"])
def test_farrington_r_compat_reproduces_r_exactly(
    root: Path, config: FarringtonConfig, method: str
) -> None:
    agree, total, rel = _compare(root, config.with_(r_compat=True), method)
    assert agree == total
    assert rel.size > 100
    assert rel.max() < 1e-9


@pytest.mark.parametrize(("config", "method"), GOLDEN, ids=["orig", "noufaily"])
def test_farrington_as_published_agrees_with_r(
    root: Path, config: FarringtonConfig, method: str
) -> None:
    agree, total, rel = _compare(root, config, method)
    summary = (
        f"{method}: alarms agree {agree}/{total} = {agree / total:.2%}; upperbound relative error "
        f"median {np.median(rel):.2g}, p90 {np.quantile(rel, 0.9):.2g}, max {rel.max():.2g} "
        f"over {rel.size} computable weeks"
    )
    print(summary)
    assert agree / total >= 0.98, summary

"""Two-fold cross-validation on the NAB halves: tune on one half, score the other.

Protocol (``docs/benchmarks.md``): for each fold, every point of the detector's a-priori
parameter grid is run over the tuning half, and the point with the best standard score (NAB's
optimised threshold on that half; ties go to the first point in grid order) is kept together
with that optimum as the fold's *fixed* threshold. The held-out half is then scored with the
fold's parameters. The *cross-validated* corpus score puts the two held-out halves together:
each file is scored by the fold that did not see it. Its *fixed-threshold* figure counts a
detection where a file's score reaches its own fold's threshold (one threshold per fold, for
all three profiles); its *optimised* figure is NAB's oracle threshold over the combined
held-out scores, reported separately, as NAB does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.nab.corpus import NabFile
from benchmarks.nab.evaluate import Corpus
from benchmarks.nab.scorer import PROFILES, Table

Point = dict[str, Any]
Tunable = Callable[[NabFile, Point], NDArray[np.float64]]
FOLDS = (("A", "B"), ("B", "A"))  # (tuned on, held out)


@dataclass
class Fold:
    """What one fold chose on its tuning half, and how the held-out half scored."""

    tuned_on: str
    held_out: str
    params: Point
    threshold: float
    tuning_score: float
    optimised: dict[str, float] = field(default_factory=dict)
    fixed: dict[str, float] = field(default_factory=dict)


@dataclass
class CrossValidation:
    """The two folds and the combined held-out figures."""

    folds: list[Fold]
    optimised: dict[str, float]
    fixed: dict[str, float]
    grid_size: int


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[Point]:
    """Every combination of the grid's values, in a fixed order (the first key varies slowest)."""
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def _half_optimum(
    corpus: Corpus, half: str, scores: Sequence[NDArray[np.float64]]
) -> tuple[float, float]:
    """(normalised standard score, threshold) with NAB's optimised threshold on one half."""
    table, prof = corpus.tables[half], PROFILES["standard"]
    threshold, raw = table.best(table.scorable_scores(scores), prof)
    return table.normalise(raw, prof), threshold


def _tune(
    corpus: Corpus, run: Tunable, points: list[Point]
) -> dict[str, tuple[float, float, Point]]:
    """For each half, the grid point with the best standard score on it: (score, θ, point)."""
    best: dict[str, tuple[float, float, Point]] = {}
    for point in points:
        for half in ("A", "B"):
            scores = [run(corpus.files[i], point) for i in corpus.members[half]]
            value, threshold = _half_optimum(corpus, half, scores)
            if half not in best or value > best[half][0]:
                best[half] = (value, threshold, point)
    return best


def _profiles(
    table: Table, flat: NDArray[np.float64], fixed_flat: NDArray[np.float64]
) -> tuple[dict[str, float], dict[str, float]]:
    """Optimised scores of `flat` and scores of the 0/1 detections `fixed_flat`, per profile."""
    optimised: dict[str, float] = {}
    fixed: dict[str, float] = {}
    for name, prof in PROFILES.items():
        optimised[name] = table.normalise(table.best(flat, prof)[1], prof)
        fixed[name] = table.normalise(float(table.raw_per_file(fixed_flat, 0.5, prof).sum()), prof)
    return optimised, fixed


def cross_validate(
    corpus: Corpus, run: Tunable, grid: Mapping[str, Sequence[Any]]
) -> CrossValidation:
    """Run the protocol of the module docstring for one detector."""
    points = grid_points(grid)
    best = _tune(corpus, run, points)
    scores: list[NDArray[np.float64]] = [np.zeros(0)] * len(corpus.files)
    detections: list[NDArray[np.float64]] = [np.zeros(0)] * len(corpus.files)
    folds = []
    for tuned_on, held_out in FOLDS:
        value, threshold, point = best[tuned_on]
        for i in corpus.members[held_out]:
            scores[i] = run(corpus.files[i], point)
            detections[i] = (scores[i] >= threshold).astype(np.float64)
        fold = Fold(tuned_on, held_out, point, threshold, value)
        fold.optimised, fold.fixed = _profiles(
            corpus.tables[held_out],
            corpus.flat(held_out, scores),
            corpus.flat(held_out, detections),
        )
        folds.append(fold)
    optimised, fixed = _profiles(
        corpus.tables["corpus"], corpus.flat("corpus", scores), corpus.flat("corpus", detections)
    )
    return CrossValidation(folds, optimised, fixed, len(points))


def suggested_defaults(folds: Sequence[Fold], excess_scale: float) -> Point:
    """The shipping procedure: the geometric mean of the folds' choices (integers rounded), and
    the `excess_scale` that puts the mean of the folds' alarm excesses at a score of 0.5."""
    out: Point = {}
    for key in folds[0].params:
        values = [float(f.params[key]) for f in folds]
        mean = math.exp(sum(math.log(v) for v in values) / len(values))
        out[key] = round(mean) if isinstance(folds[0].params[key], int) else float(f"{mean:.2g}")
    # score = e / (e + s): the threshold θ of a fold is the excess s·θ / (1 - θ)
    excesses = [excess_scale * f.threshold / (1.0 - f.threshold) for f in folds]
    scale = math.exp(sum(math.log(e) for e in excesses) / len(excesses))
    out["excess_scale"] = float(f"{scale:.2g}")
    return out

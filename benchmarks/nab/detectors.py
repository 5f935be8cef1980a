"""The detectors the NAB benchmark runs: the windowed-Gaussian baseline, forewarn's ``anomaly``
score, and the engine's rule detectors (EWMA, CUSUM, rate of change) when they are present.

Each entry turns one NAB file into an ``anomaly_score`` per row in [0, 1]. ``fixed`` is the
alarm threshold the detector ships with (None: the benchmark fixes one on the tuning half).
``tune`` scores a file with some parameters changed and ``grid`` lists the values the
cross-validation may choose from (fixed before any fold was run; see ``crossval.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.nab import gaussian
from benchmarks.nab.corpus import NabFile
from forewarn.detect import anomaly

Scorer = Callable[[NabFile], NDArray[np.float64]]
Tunable = Callable[[NabFile, dict[str, Any]], NDArray[np.float64]]
# Rule detectors whose measure is scale-free with default parameters. (``rate`` measures a
# slope in the series' own units per hour, so one corpus-wide threshold means nothing.)
ENGINE = ("ewma", "cusum")
# The grid of the cross-validation for `anomaly` (54 points), fixed before any fold was run:
# how fast extremes relax, the suppression after a detection, the weight of a reading in
# `smooth`, and the readings that only teach. The other parameters keep their defaults
# (round values; `familiar` is off: under this protocol it did not help, see the docs).
ANOMALY_GRID: dict[str, tuple[Any, ...]] = {
    "extreme_decay": (1e-4, 2.5e-4, 6e-4),
    "refractory": (25, 50, 100),
    "smooth_alpha": (0.05, 0.1, 0.2),
    "warmup": (150, 300),
}


@dataclass(frozen=True)
class Detector:
    """A named way to score a NAB file."""

    name: str
    run: Scorer
    fixed: float | None = None
    note: str = ""
    tune: Tunable | None = None
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    def tunable(self) -> Tunable:
        """`tune`, or `run` ignoring parameters (the cross-validation then only fixes θ)."""
        return self.tune if self.tune is not None else (lambda f, _p: self.run(f))


def _anomaly(f: NabFile) -> NDArray[np.float64]:
    return anomaly.score_series(f.t_s, f.values)


def _anomaly_with(f: NabFile, changes: dict[str, Any]) -> NDArray[np.float64]:
    return anomaly.score_series(f.t_s, f.values, anomaly.Params(**changes))


def _gaussian(f: NabFile) -> NDArray[np.float64]:
    return gaussian.score(f.values)


def _engine(name: str) -> Detector | None:
    """Wrap a registered engine detector (default parameters), if it exists and runs."""
    try:
        registry = importlib.import_module("forewarn.detect.detectors")
        spec = registry.get(name)
        params = spec.params() if spec is not None else None
    except Exception:  # the engine is optional here; a broken or absent one is skipped
        return None
    if spec is None or spec.outputs != "full" or spec.mode != "value":
        return None

    def run(f: NabFile) -> NDArray[np.float64]:
        n = len(f)
        outs = [np.full(n, np.nan) for _ in range(4)]
        state = spec.init(1, params, ())
        rows = np.zeros(n, dtype=np.int64)
        spec.step(state, rows, f.t_s, f.values, spec.prepare(params), *outs)
        # Rules compare the measure with thresholds, so NAB's threshold sweep runs over it:
        # |measure| mapped monotonically into [0, 1) (NaN while warming up -> 0).
        m = np.abs(np.nan_to_num(outs[0], nan=0.0))
        return np.asarray(m / (1.0 + m), dtype=np.float64)

    return Detector(name=name, run=run, note="engine detector, default parameters, |measure|")


def available() -> dict[str, Detector]:
    """Every detector the benchmark can run here, by name."""
    found = [
        Detector("windowedGaussian", _gaussian, note="clean-room NAB baseline"),
        Detector(
            "anomaly",
            _anomaly,
            fixed=anomaly.ALARM_THRESHOLD,
            note="forewarn",
            tune=_anomaly_with,
            grid=ANOMALY_GRID,
        ),
    ]
    found += [d for d in (_engine(name) for name in ENGINE) if d is not None]
    return {d.name: d for d in found}

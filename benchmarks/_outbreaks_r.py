"""R surveillance's results on forewarn's own simulated series (from outbreaks_reference.R)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

#: R method names of the weekly output, keyed by forewarn's method names.
R_NAMES = {
    "farrington_1996": "farrington_orig",
    "farrington_1996_rcompat": "farrington_orig",
    "noufaily_2013": "farrington_noufaily",
    "ears_c1": "earsC1",
    "ears_c2": "earsC2",
    "ears_c3": "earsC3",
}


@dataclass(frozen=True)
class RWeeks:
    """R's alarms (NA = no alarm) and upper bounds (NA = nan) over the evaluation weeks."""

    alarm: NDArray[np.bool_]
    upperbound: NDArray[np.float64]


RSeries = dict[int, dict[str, RWeeks]]  # replicate -> R method -> weeks


@dataclass(frozen=True)
class Agreement:
    """Weeks where forewarn's alarm equals R's, weeks compared, worst relative bound error."""

    same: int = 0
    weeks: int = 0
    max_rel_error: float = 0.0

    def __add__(self, other: Agreement) -> Agreement:
        worst = max(self.max_rel_error, other.max_rel_error)
        return Agreement(self.same + other.same, self.weeks + other.weeks, worst)


def load_weekly(path: Path) -> dict[int, RSeries]:
    """R's weekly results per scenario and replicate."""
    cells: dict[tuple[int, int, str], list[tuple[int, bool, float]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (int(row["scenario"]), int(row["replicate"]), row["method"])
            upper = float("nan") if row["upperbound"] == "NA" else float(row["upperbound"])
            cells[key].append((int(row["week"]), row["alarm"] == "1", upper))
    out: dict[int, RSeries] = defaultdict(dict)
    for (scenario, rep, method), weeks in cells.items():
        weeks.sort()
        alarm = np.array([w[1] for w in weeks], dtype=bool)
        upper = np.array([w[2] for w in weeks], dtype=np.float64)
        out[scenario].setdefault(rep, {})[method] = RWeeks(alarm, upper)
    return dict(out)


def agreement(
    ours: dict[str, tuple[NDArray[np.bool_], NDArray[np.float64]]], theirs: dict[str, RWeeks]
) -> dict[str, Agreement]:
    """Per forewarn method with an R counterpart: alarm agreement and bound error.

    The relative error is taken where both bounds exist; a week where only one exists counts
    as an infinite error.
    """
    out = {}
    for name, (alarm, upper) in ours.items():
        r = theirs.get(R_NAMES.get(name, ""))
        if r is None:
            continue
        both = np.isfinite(upper) & np.isfinite(r.upperbound)
        rel = np.abs(upper[both] - r.upperbound[both]) / np.maximum(
            np.abs(r.upperbound[both]), 1e-12
        )
        worst = float(rel.max(initial=0.0))
        if (np.isfinite(upper) != np.isfinite(r.upperbound)).any():
            worst = float("inf")
        out[name] = Agreement(int((alarm == r.alarm).sum()), int(r.alarm.size), worst)
    return out

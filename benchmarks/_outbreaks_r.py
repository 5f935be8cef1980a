"""R surveillance's alarms on forewarn's own simulated series (from outbreaks_reference.R)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

#: R method names of the weekly output, keyed by forewarn's method names.
R_NAMES = {
    "farrington_1996": "farrington_orig",
    "noufaily_2013": "farrington_noufaily",
    "ears_c1": "earsC1",
    "ears_c2": "earsC2",
    "ears_c3": "earsC3",
}
RAlarms = dict[int, dict[str, NDArray[np.bool_]]]  # replicate -> R method -> alarms (49 weeks)


def load_weekly(path: Path) -> dict[int, RAlarms]:
    """R's weekly alarms per scenario and replicate (NA alarm = no alarm)."""
    cells: dict[tuple[int, int, str], list[tuple[int, bool]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (int(row["scenario"]), int(row["replicate"]), row["method"])
            cells[key].append((int(row["week"]), row["alarm"] == "1"))
    out: dict[int, RAlarms] = defaultdict(dict)
    for (scenario, rep, method), weeks in cells.items():
        alarms = np.array([a for _, a in sorted(weeks)], dtype=bool)
        out[scenario].setdefault(rep, {})[method] = alarms
    return dict(out)


def agreement(
    ours: dict[str, NDArray[np.bool_]], theirs: dict[str, NDArray[np.bool_]]
) -> dict[str, tuple[int, int]]:
    """Per forewarn method with an R counterpart: (weeks with the same alarm, weeks compared)."""
    out = {}
    for name, alarm in ours.items():
        r = theirs.get(R_NAMES.get(name, ""))
        if r is not None:
            out[name] = (int((alarm == r).sum()), int(r.size))
    return out

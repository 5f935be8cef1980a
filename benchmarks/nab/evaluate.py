"""Score detectors on the NAB corpus, its tuning half A and its held-out half B."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from benchmarks.nab.corpus import NabFile
from benchmarks.nab.scorer import PROFILES, Table, layout

SETS = ("corpus", "A", "B")


@dataclass
class SetResult:
    """Normalised scores on one set of files: optimised per profile, and at the fixed threshold."""

    optimised: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    fixed: dict[str, float] = field(default_factory=dict)


@dataclass
class DetectorResult:
    """Everything reported for one detector."""

    fixed_threshold: float
    fixed_source: str
    sets: dict[str, SetResult] = field(default_factory=dict)
    categories: dict[str, dict[str, float | None]] = field(default_factory=dict)


class Corpus:
    """The files, their split and the scoring tables of each set (built once)."""

    def __init__(self, files: Sequence[NabFile], halves: dict[str, str]) -> None:
        self.files = list(files)
        self.halves = halves
        self.members = {
            "corpus": list(range(len(self.files))),
            **{h: [i for i, f in enumerate(self.files) if halves[f.name] == h] for h in "AB"},
        }
        self.tables = {
            name: Table([layout(len(self.files[i]), self.files[i].windows) for i in idx])
            for name, idx in self.members.items()
        }

    def flat(self, name: str, scores: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
        """Scorable scores of set `name` from per-file scores of the whole corpus."""
        return self.tables[name].scorable_scores([scores[i] for i in self.members[name]])


def score_set(
    corpus: Corpus, name: str, scores: Sequence[NDArray[np.float64]], fixed: float
) -> SetResult:
    """Optimised and fixed-threshold normalised scores of one set."""
    table, flat = corpus.tables[name], corpus.flat(name, scores)
    out = SetResult()
    for prof_name, prof in PROFILES.items():
        threshold, raw = table.best(flat, prof)
        out.optimised[prof_name] = table.normalise(raw, prof)
        out.thresholds[prof_name] = threshold
        fixed_raw = float(table.raw_per_file(flat, fixed, prof).sum())
        out.fixed[prof_name] = table.normalise(fixed_raw, prof)
    return out


def by_category(
    corpus: Corpus, scores: Sequence[NDArray[np.float64]], thresholds: dict[str, float]
) -> dict[str, dict[str, float | None]]:
    """Standard-profile score per category at the corpus-wide thresholds given (None: no window)."""
    table, flat, prof = corpus.tables["corpus"], corpus.flat("corpus", scores), PROFILES["standard"]
    cats = np.array([f.category for f in corpus.files])
    windows = table.windows_per_file()
    out: dict[str, dict[str, float | None]] = {}
    for cat in sorted(set(cats)):
        mine = cats == cat
        n_win = int(windows[mine].sum())
        row: dict[str, float | None] = {}
        for label, threshold in thresholds.items():
            raw = float(table.raw_per_file(flat, threshold, prof)[mine].sum())
            row[label] = 100.0 * (raw + n_win) / (2.0 * n_win) if n_win else None
            if not n_win:
                row[label + "_raw"] = raw  # only false positives can be scored here
        out[cat] = row
    return out


def evaluate(
    corpus: Corpus, scores: Sequence[NDArray[np.float64]], fixed: float | None
) -> DetectorResult:
    """All figures for one detector; without a shipped threshold, fix it on half A (standard)."""
    if fixed is None:
        threshold, _ = corpus.tables["A"].best(corpus.flat("A", scores), PROFILES["standard"])
        result = DetectorResult(fixed_threshold=threshold, fixed_source="half A optimum")
    else:
        result = DetectorResult(fixed_threshold=fixed, fixed_source="shipped constant")
    for name in SETS:
        result.sets[name] = score_set(corpus, name, scores, result.fixed_threshold)
    optimised = result.sets["corpus"].thresholds["standard"]
    result.categories = by_category(
        corpus, scores, {"optimised": optimised, "fixed": result.fixed_threshold}
    )
    return result


def write_results(
    root: Path, detector: str, files: Sequence[NabFile], scores: Sequence[NDArray[np.float64]]
) -> None:
    """NAB's layout: ``<root>/<detector>/<category>/<detector>_<file>.csv``."""
    for f, s in zip(files, scores, strict=True):
        label = np.zeros(len(f), dtype=np.int64)
        for left, right in f.windows:
            label[left : right + 1] = 1
        lines = ["timestamp,value,anomaly_score,label"]
        lines += [
            f"{t},{v},{float(a)!r},{lab}"
            for t, v, a, lab in zip(f.timestamps, f.raw_values, s, label, strict=True)
        ]
        target = root / detector / f.category / f"{detector}_{f.stem}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")

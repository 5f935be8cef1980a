"""Outbreak detection on the Noufaily et al. (2013) simulation design, beside R surveillance.

``python -m benchmarks outbreaks [--replicates N] [--seed S] [--workers W]
[--export-series DIR] [--json FILE]`` simulates the 42 scenarios (624 weeks each, evaluation
weeks 576-624), runs forewarn's count detectors and prints FPR, POD, POD by k band, POD in the
first outbreak week and the mean delay, next to R's per-series reference results.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks._common import SHARED, write_json
from forewarn.detect.counts import FARRINGTON_1996, NOUFAILY_2013, ears, farrington
from forewarn.detect.counts.simulate import (
    CURRENT,
    EVAL_FIRST,
    WEEKS,
    Scenario,
    Simulated,
    load_scenarios,
    simulate,
)

REFERENCE = SHARED / "datasets/surveillance/reference"
R_RESULTS = REFERENCE / "noufaily_design_sim_R-surveillance-1.20.3_nrep20.csv"
EVAL = np.arange(EVAL_FIRST - 1, WEEKS)  # 0-based evaluation indexes
ALPHA = 0.01
Detector = Callable[[NDArray[np.int64]], NDArray[np.bool_]]


def _ears(method: str) -> Detector:
    def run(counts: NDArray[np.int64]) -> NDArray[np.bool_]:
        return ears(counts, method=method, alpha=ALPHA, min_sigma=0.5, indices=EVAL).alarm  # type: ignore[arg-type]

    return run


def _farr(config: Any) -> Detector:
    def run(counts: NDArray[np.int64]) -> NDArray[np.bool_]:
        return farrington(counts, config=config, indices=EVAL).alarm

    return run


METHODS: dict[str, Detector] = {
    "farrington_1996": _farr(FARRINGTON_1996),
    "noufaily_2013": _farr(NOUFAILY_2013),
    "ears_c1": _ears("C1"),
    "ears_c2": _ears("C2"),
    "ears_c3": _ears("C3"),
}
#: R reference method names beside ours (same rows in the printed table).
R_NAMES = {
    "farrington_1996": "farrington_orig",
    "noufaily_2013": "farrington_noufaily",
    "ears_c1": "earsC1",
    "ears_c2": "earsC2",
    "ears_c3": "earsC3",
}


@dataclass(frozen=True)
class Record:
    """Outcome of one method on one series (evaluation weeks only)."""

    method: str
    k: int
    fp: int
    neg: int
    has_outbreak: bool
    detected: bool
    week1: bool
    delay: float  # weeks from the first outbreak week to the first alarm in it (nan if missed)


def score_series(method: str, sim: Simulated, alarm: NDArray[np.bool_]) -> Record:
    """Compare alarms over the evaluation weeks with the outbreak markers."""
    marker = sim.outbreak[EVAL]
    clean = marker == 0
    hit = np.flatnonzero(alarm & (marker == CURRENT))
    weeks = np.flatnonzero(marker == CURRENT)
    has = weeks.size > 0
    delay = float(hit[0] - weeks[0]) if hit.size else float("nan")
    return Record(
        method=method,
        k=sim.k,
        fp=int((alarm & clean).sum()),
        neg=int(clean.sum()),
        has_outbreak=has,
        detected=bool(hit.size),
        week1=bool(has and alarm[weeks[0]]),
        delay=delay,
    )


def run_scenario(task: tuple[Scenario, int, int, tuple[str, ...]]) -> list[Record]:
    """All replicates of one scenario through the chosen methods."""
    scenario, replicates, seed, names = task
    records = []
    for rep in range(1, replicates + 1):
        sim = simulate(scenario, rep, seed)
        records += [score_series(n, sim, METHODS[n](sim.counts)) for n in names]
    return records


def summarise(records: Iterable[Record]) -> dict[str, dict[str, float]]:
    """FPR (pooled over clean weeks), POD, POD by k band, POD in week 1, mean delay."""
    by: dict[str, list[Record]] = {}
    for r in records:
        by.setdefault(r.method, []).append(r)
    out = {}
    for method, rows in by.items():
        cases = [r for r in rows if r.has_outbreak]
        delays = [r.delay for r in cases if r.detected]
        out[method] = {
            "fpr": sum(r.fp for r in rows) / max(sum(r.neg for r in rows), 1),
            "pod": _rate(cases, lambda r: r.detected),
            "pod_k1_3": _rate([r for r in cases if r.k <= 3], lambda r: r.detected),
            "pod_k4_6": _rate([r for r in cases if 4 <= r.k <= 6], lambda r: r.detected),
            "pod_k7_10": _rate([r for r in cases if r.k >= 7], lambda r: r.detected),
            "pod_week1": _rate(cases, lambda r: r.week1),
            "mean_delay_weeks": float(np.mean(delays)) if delays else float("nan"),
            "series": float(len(rows)),
        }
    return out


def _rate(rows: list[Record], hit: Callable[[Record], bool]) -> float:
    return sum(hit(r) for r in rows) / len(rows) if rows else float("nan")


def r_reference(path: Path = R_RESULTS) -> dict[str, dict[str, float]]:
    """R's summary from its per-series rows (no per-week data: no POD week 1 or delay)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [
            Record(
                method=row["method"],
                k=int(row["k"]),
                fp=int(row["fp"]),
                neg=int(row["neg"]),
                has_outbreak=row["has_outbreak"] == "1",
                detected=row["detected"] == "1",
                week1=False,
                delay=float("nan"),
            )
            for row in csv.DictReader(fh)
        ]
    table = summarise(rows)
    for stats in table.values():
        stats["pod_week1"] = stats["mean_delay_weeks"] = float("nan")
    return table


def export_series(directory: Path, scenarios: list[Scenario], replicates: int, seed: int) -> Path:
    """Write DIR/series.csv (scenario, replicate, week, count, outbreak) for other tools."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "series.csv"
    with target.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["scenario", "replicate", "week", "count", "outbreak"])
        for sc in scenarios:
            for rep in range(1, replicates + 1):
                sim = simulate(sc, rep, seed)
                for week in range(WEEKS):
                    out.writerow([sc.scenario, rep, week + 1, sim.counts[week], sim.outbreak[week]])
    return target


def _fmt(x: float, pct: bool = False) -> str:
    if np.isnan(x):
        return "-"
    return f"{100 * x:.2f}%" if pct else f"{x:.3f}"


def print_table(ours: dict[str, dict[str, float]], theirs: dict[str, dict[str, float]]) -> None:
    """Our rows with R's reference row under each matching method."""
    cols = ["fpr", "pod", "pod_k1_3", "pod_k4_6", "pod_k7_10", "pod_week1", "mean_delay_weeks"]
    head = ["method", "FPR", "POD", "POD k1-3", "POD k4-6", "POD k7-10", "POD wk1", "delay"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, stats in ours.items():
        rows = [(f"forewarn {name}", stats)]
        if name in R_NAMES and R_NAMES[name] in theirs:
            rows.append((f"R {R_NAMES[name]}", theirs[R_NAMES[name]]))
        for label, s in rows:
            cells = [_fmt(s[c], pct=c == "fpr") for c in cols]
            print("| " + " | ".join([label, *cells]) + " |")


def main(argv: list[str]) -> int:
    """Simulate, detect, print the table beside R's, optionally export and write JSON."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks outbreaks")
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--export-series", type=Path)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    names = tuple(args.methods.split(","))
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    scenarios = load_scenarios(REFERENCE / "noufaily_design_scenarios.csv")
    started = time.perf_counter()
    tasks = [(sc, args.replicates, args.seed, names) for sc in scenarios]
    with Pool(args.workers) as pool:
        records = [r for chunk in pool.map(run_scenario, tasks) for r in chunk]
    ours = summarise(records)
    elapsed = time.perf_counter() - started
    print(
        f"{len(scenarios)} scenarios x {args.replicates} replicates, seed {args.seed}, "
        f"alpha {ALPHA}, {elapsed:.0f} s on {args.workers} workers"
    )
    print_table({n: ours[n] for n in names}, r_reference())
    if args.export_series:
        print(f"wrote {export_series(args.export_series, scenarios, args.replicates, args.seed)}")
    write_json(args.json, {"methods": ours, "replicates": args.replicates, "seed": args.seed})
    return 0

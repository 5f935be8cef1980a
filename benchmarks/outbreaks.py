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
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from benchmarks._common import SHARED, write_json
from benchmarks._outbreaks_r import R_NAMES, Agreement, RSeries, agreement, load_weekly
from forewarn.detect.counts import (
    FARRINGTON_1996,
    FOREWARN_WINDOW2,
    FOREWARN_WINDOW2_B10,
    NOUFAILY_2013,
    CountResult,
    FarringtonConfig,
    ears,
    farrington,
)
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
Detector = Callable[[NDArray[np.int64]], CountResult]


def _ears(method: Literal["C1", "C2", "C3"]) -> Detector:
    def run(counts: NDArray[np.int64]) -> CountResult:
        return ears(counts, method=method, alpha=ALPHA, min_sigma=0.5, indices=EVAL)

    return run


def _farr(config: FarringtonConfig) -> Detector:
    def run(counts: NDArray[np.int64]) -> CountResult:
        return farrington(counts, config=config, indices=EVAL)

    return run


METHODS: dict[str, Detector] = {
    "farrington_1996": _farr(FARRINGTON_1996),
    "farrington_1996_rcompat": _farr(FARRINGTON_1996.with_(r_compat=True)),
    "noufaily_2013": _farr(NOUFAILY_2013),
    "ears_c1": _ears("C1"),
    "ears_c2": _ears("C2"),
    "ears_c3": _ears("C3"),
    "forewarn_window2": _farr(FOREWARN_WINDOW2),
    "forewarn_window2_b10": _farr(FOREWARN_WINDOW2_B10),
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


Task = tuple[Scenario, int, int, tuple[str, ...], RSeries]
Tally = dict[str, Agreement]


def run_scenario(task: Task) -> tuple[list[Record], Tally]:
    """All replicates of one scenario through the chosen methods (and R's results, if given)."""
    scenario, replicates, seed, names, r_series = task
    records: list[Record] = []
    tally: Tally = {}
    for rep in range(1, replicates + 1):
        sim = simulate(scenario, rep, seed)
        results = {n: METHODS[n](sim.counts) for n in names}
        records += [score_series(n, sim, r.alarm) for n, r in results.items()]
        theirs = r_series.get(rep, {})
        if theirs:  # R's results exist for this series: keep a paired copy of ours
            records += [score_series(f"R {n}", sim, r.alarm) for n, r in theirs.items()]
            records += [score_series(f"paired {n}", sim, r.alarm) for n, r in results.items()]
        ours = {n: (r.alarm, r.upperbound) for n, r in results.items()}
        for name, agree in agreement(ours, theirs).items():
            tally[name] = tally.get(name, Agreement()) + agree
    return records, tally


def clean_week_scores(task: tuple[Scenario, int, int, str]) -> NDArray[np.float64]:
    """Scores of one method in the clean evaluation weeks where it could alarm (else -1)."""
    scenario, replicates, seed, name = task
    out = []
    for rep in range(1, replicates + 1):
        sim = simulate(scenario, rep, seed)
        res = METHODS[name](sim.counts)
        could = np.isfinite(res.upperbound) & (sim.counts[EVAL] > 0)
        out.append(np.where(could, res.score, -1.0)[sim.outbreak[EVAL] == 0])
    return np.concatenate(out)


def calibrate(scores: NDArray[np.float64], target: float) -> float:
    """Largest alpha (2 significant digits) whose alarms (score >= 1 - alpha) keep FPR <= target.

    Valid for methods whose alarm is exactly "score >= 1 - alpha where a bound exists and the
    count is positive" (the negative-binomial Farrington thresholds).
    """
    ranked = np.sort(scores)[::-1]
    first_quiet = ranked[int(np.floor(target * ranked.size))]  # must stay below 1 - alpha
    bound = 1.0 - first_quiet
    step = 10.0 ** (np.floor(np.log10(bound * (1 - 1e-9))) - 1)  # two significant digits
    alpha = np.floor(bound / step) * step
    if 1.0 - alpha <= first_quiet:
        alpha -= step
    return float(round(alpha, 12))


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


COLUMNS = ("fpr", "pod", "pod_k1_3", "pod_k4_6", "pod_k7_10", "pod_week1", "mean_delay_weeks")
HEADER = ("method", "FPR", "POD", "POD k1-3", "POD k4-6", "POD k7-10", "POD wk1", "delay (wk)")


def _fmt(x: float, pct: bool = False) -> str:
    if np.isnan(x):
        return "-"
    return f"{100 * x:.2f}%" if pct else f"{x:.3f}"


def print_rows(rows: list[tuple[str, dict[str, float]]]) -> None:
    """A markdown table of labelled summaries."""
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for label, s in rows:
        print("| " + " | ".join([label, *(_fmt(s[c], pct=c == "fpr") for c in COLUMNS)]) + " |")


def beside(
    ours: dict[str, dict[str, float]], theirs: dict[str, dict[str, float]], prefix: str = ""
) -> list[tuple[str, dict[str, float]]]:
    """Our rows, each followed by R's row for the same method when there is one."""
    rows = []
    shown = set()
    for name, stats in ours.items():
        rows.append((name, stats))
        r_name = prefix + R_NAMES.get(name, "")
        if r_name in theirs and r_name not in shown:
            rows.append((f"R {R_NAMES[name]}", theirs[r_name]))
            shown.add(r_name)
    return rows


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks outbreaks", description=__doc__)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--export-series", type=Path, metavar="DIR")
    ap.add_argument("--calibrate", metavar="METHOD", help="print the alpha giving --target-fpr")
    ap.add_argument("--target-fpr", type=float, default=0.01)
    ap.add_argument("--r-weekly", type=Path, help="R's alarms on the exported series (CSV)")
    ap.add_argument("--json", metavar="FILE")
    return ap


def main(argv: list[str]) -> int:
    """Simulate, detect, print the table beside R's, optionally export and write JSON."""
    ap = _parser()
    args = ap.parse_args(argv)
    names = tuple(args.methods.split(","))
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        ap.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    scenarios = load_scenarios(REFERENCE / "noufaily_design_scenarios.csv")
    if args.calibrate:
        return _calibrate(args.calibrate, scenarios, args)
    started = time.perf_counter()
    r_weekly = load_weekly(args.r_weekly) if args.r_weekly else {}
    tasks = [
        (s, args.replicates, args.seed, names, r_weekly.get(s.scenario, {})) for s in scenarios
    ]
    with Pool(args.workers) as pool:
        results = pool.map(run_scenario, tasks)
    ours = summarise(r for chunk, _ in results for r in chunk)
    elapsed = time.perf_counter() - started
    print(
        f"{len(scenarios)} scenarios x {args.replicates} replicates, seed {args.seed}, "
        f"alpha {ALPHA} (window2 variants: their tuned alpha), {elapsed:.0f} s on "
        f"{args.workers} workers"
    )
    print_rows(beside({n: ours[n] for n in names}, r_reference()))
    same = _same_series(ours, names, [t for _, t in results]) if r_weekly else {}
    if args.export_series:
        print(f"wrote {export_series(args.export_series, scenarios, args.replicates, args.seed)}")
    report = {n: ours[n] for n in names}
    write_json(args.json, {"methods": report, "r_same_series": same, "seed": args.seed})
    return 0


def _calibrate(name: str, scenarios: list[Scenario], args: argparse.Namespace) -> int:
    if name not in METHODS:
        print(f"unknown method {name!r}")
        return 2
    tasks = [(sc, args.replicates, args.seed, name) for sc in scenarios]
    with Pool(args.workers) as pool:
        scores = np.concatenate(pool.map(clean_week_scores, tasks))
    alpha = calibrate(scores, args.target_fpr)
    fpr = float(np.mean(scores >= 1.0 - alpha))
    print(
        f"{name}: alpha {alpha:g} gives FPR {fpr:.4%} (target {args.target_fpr:.2%}) on "
        f"seed {args.seed}, {args.replicates} replicates, {scores.size} clean weeks"
    )
    return 0


def _same_series(
    table: dict[str, dict[str, float]], names: tuple[str, ...], tallies: list[Tally]
) -> dict[str, dict[str, float]]:
    """Print and return R's results on forewarn's own series, with weekly alarm agreement."""
    same: dict[str, dict[str, float]] = {}
    for name in names:
        agree = sum((t[name] for t in tallies if name in t), Agreement())
        if agree.weeks:
            share = agree.same / agree.weeks
            same[name] = {
                **table[f"R {R_NAMES[name]}"],
                "alarm_agreement": share,
                "upperbound_max_rel_error": agree.max_rel_error,
            }
            print(
                f"{name}: weekly alarms equal R's {R_NAMES[name]} in {share:.2%} of "
                f"{agree.weeks} weeks; upper bounds: max relative error {agree.max_rel_error:.2g}"
            )
    paired = {n: table[f"paired {n}"] for n in names if f"paired {n}" in table}
    print(
        f"\nR surveillance 1.20.3 on the same {int(next(iter(paired.values()))['series'])} series:"
    )
    print_rows(beside(paired, table, prefix="R "))
    return same

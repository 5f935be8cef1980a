"""NAB benchmark: ``python -m benchmarks nab [--json FILE] [--detectors a,b] [--results-dir DIR]``.

Runs forewarn's detectors and a windowed-Gaussian baseline over the whole NAB v1.1 corpus,
writes the results in NAB's layout and scores them with the clean-room scorer: standard,
reward-low-FP and reward-low-FN, with NAB's optimised (oracle) threshold and with a threshold
fixed in advance, on the whole corpus, the tuning half A and the held-out half B; then the
two-fold cross-validation (tune on A, score B; tune on B, score A; ``crossval.py``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from benchmarks._common import ROOT, write_json
from benchmarks.nab.corpus import NAB_ROOT, load_corpus, split_halves
from benchmarks.nab.crossval import CrossValidation, cross_validate, suggested_defaults
from benchmarks.nab.detectors import Detector, available
from benchmarks.nab.evaluate import Corpus, DetectorResult, evaluate, write_results
from forewarn.detect import anomaly

PROFILE_KEYS = ("standard", "reward_low_fp", "reward_low_fn")
SET_TITLES = {
    "corpus": "whole corpus",
    "B": "half B (shipped defaults: chosen with both folds, so not held out; see cross-validated)",
    "A": "half A (shipped defaults, as for B)",
}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks nab", description=__doc__)
    parser.add_argument("--json", help="write the figures as JSON to this file")
    parser.add_argument("--detectors", help="comma-separated names (default: all available)")
    parser.add_argument("--results-dir", default=str(ROOT / "benchmarks" / "out" / "nab"))
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    return parser.parse_args(argv)


def _cv_json(cv: CrossValidation, det: Detector) -> dict[str, Any]:
    out: dict[str, Any] = {k: round(cv.optimised[k], 2) for k in PROFILE_KEYS}
    out["fixed_threshold"] = {k: round(cv.fixed[k], 2) for k in PROFILE_KEYS}
    out["grid_size"] = cv.grid_size
    out["folds"] = [
        {
            "tuned_on": f.tuned_on,
            "held_out": f.held_out,
            "params": f.params,
            "threshold": f.threshold,
            "tuning_score": round(f.tuning_score, 2),
            **{k: round(f.optimised[k], 2) for k in PROFILE_KEYS},
            "fixed_threshold": {k: round(f.fixed[k], 2) for k in PROFILE_KEYS},
        }
        for f in cv.folds
    ]
    if det.name == "anomaly":
        out["suggested_defaults"] = suggested_defaults(cv.folds, anomaly.Params().excess_scale)
    return out


def _cv_table(cvs: dict[str, CrossValidation]) -> list[str]:
    head = f"{'detector':<18}{'set':<22}{'standard':>9}{'low FP':>8}{'low FN':>8}   | fixed θ"
    lines = ["cross-validated (each half scored with parameters and θ chosen on the other)"]
    lines.append(head + f"{'standard':>10}{'low FP':>8}{'low FN':>8}")
    for name, cv in cvs.items():
        rows = [("both halves", cv.optimised, cv.fixed, "per fold")]
        rows += [
            (f"{f.held_out} (tuned on {f.tuned_on})", f.optimised, f.fixed, f"{f.threshold:.4g}")
            for f in cv.folds
        ]
        for label, opt, fix, theta in rows:
            o = "".join(f"{opt[k]:>{w}.1f}" for k, w in zip(PROFILE_KEYS, (9, 8, 8), strict=True))
            x = "".join(f"{fix[k]:>{w}.1f}" for k, w in zip(PROFILE_KEYS, (10, 8, 8), strict=True))
            lines.append(f"{name:<18}{label:<22}{o}   | {theta:<8}{x}")
    return lines


def _as_json(result: DetectorResult, seconds: float) -> dict[str, Any]:
    corpus = result.sets["corpus"]
    out: dict[str, Any] = {k: round(corpus.optimised[k], 2) for k in PROFILE_KEYS}
    out["fixed_threshold"] = {k: round(corpus.fixed[k], 2) for k in PROFILE_KEYS}
    out["thresholds"] = {**corpus.thresholds, "fixed": result.fixed_threshold}
    out["fixed_threshold_source"] = result.fixed_source
    for name, key in (("B", "half_B"), ("A", "half_A")):
        part = result.sets[name]
        out[key] = {k: round(part.optimised[k], 2) for k in PROFILE_KEYS}
        out[key]["fixed_threshold"] = {k: round(part.fixed[k], 2) for k in PROFILE_KEYS}
    out["categories"] = {
        cat: {k: (None if v is None else round(v, 2)) for k, v in row.items()}
        for cat, row in result.categories.items()
    }
    out["seconds"] = round(seconds, 2)
    return out


def _table(results: dict[str, DetectorResult], set_name: str) -> list[str]:
    head = f"{'detector':<18}{'standard':>9}{'low FP':>8}{'low FN':>8}   | fixed θ"
    lines = [SET_TITLES[set_name], head + f"{'standard':>10}{'low FP':>8}{'low FN':>8}"]
    for name, res in results.items():
        part = res.sets[set_name]
        opt = "".join(
            f"{part.optimised[k]:>{w}.1f}" for k, w in zip(PROFILE_KEYS, (9, 8, 8), strict=True)
        )
        fix = "".join(
            f"{part.fixed[k]:>{w}.1f}" for k, w in zip(PROFILE_KEYS, (10, 8, 8), strict=True)
        )
        lines.append(f"{name:<18}{opt}   | {res.fixed_threshold:<7.4g}{fix}")
    return lines


def _categories(results: dict[str, DetectorResult]) -> list[str]:
    cats = sorted(next(iter(results.values())).categories)
    lines = ["standard score per category (whole corpus; optimised / fixed threshold)"]
    lines.append(f"{'detector':<18}" + "".join(f"{c[:14]:>16}" for c in cats))
    for name, res in results.items():
        cells = []
        for cat in cats:
            row = res.categories[cat]
            if row["optimised"] is None:
                cells.append(f"{row['optimised_raw']:>7.2f}/{row['fixed_raw']:<7.2f}raw")
            else:
                cells.append(f"{row['optimised']:>7.1f}/{row['fixed']:<8.1f}")
        lines.append(f"{name:<18}" + "".join(f"{c:>16}" for c in cells))
    return lines


def main(argv: list[str]) -> int:
    """Run the benchmark; print the tables; optionally write JSON."""
    args = _parse(argv)
    detectors = available()
    wanted = args.detectors.split(",") if args.detectors else list(detectors)
    unknown = [w for w in wanted if w not in detectors]
    if unknown:
        print(f"unknown detectors {unknown}; available: {', '.join(detectors)}")
        return 2
    files = load_corpus(NAB_ROOT)
    corpus = Corpus(files, split_halves([f.name for f in files]))
    results_dir = Path(args.results_dir)
    results: dict[str, DetectorResult] = {}
    payload: dict[str, Any] = {}
    for name in wanted:
        det = detectors[name]
        started = time.perf_counter()
        scores = [det.run(f) for f in files]
        seconds = time.perf_counter() - started
        write_results(results_dir, name, files, scores)
        results[name] = evaluate(corpus, scores, det.fixed)
        payload[name] = _as_json(results[name], seconds)
        print(f"{name}: scored {len(files)} files in {seconds:.1f} s ({det.note})")
    n_windows = corpus.tables["corpus"].n_windows
    print(f"\nNAB v1.1, {len(files)} files, {n_windows} windows; normalised scores (null 0)")
    for set_name in ("corpus", "B", "A"):
        print("\n" + "\n".join(_table(results, set_name)))
    print("\n" + "\n".join(_categories(results)))
    if not args.no_cv:
        cvs = {}
        for name in wanted:
            started = time.perf_counter()
            cvs[name] = cross_validate(corpus, detectors[name].tunable(), detectors[name].grid)
            payload[name]["cross_validated"] = _cv_json(cvs[name], detectors[name])
            payload[name]["cross_validated"]["seconds"] = round(time.perf_counter() - started, 1)
        print("\n" + "\n".join(_cv_table(cvs)))
        if "anomaly" in cvs:
            suggested = payload["anomaly"]["cross_validated"]["suggested_defaults"]
            print(f"\nanomaly: the shipping procedure gives {suggested}")
    split = {h: sorted(n for n, v in corpus.halves.items() if v == h) for h in "AB"}
    write_json(args.json, {"detectors": payload, "results_dir": str(results_dir), "split": split})
    return 0

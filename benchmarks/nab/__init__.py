"""NAB benchmark: ``python -m benchmarks nab [--json FILE] [--detectors a,b] [--results-dir DIR]``.

Runs forewarn's detectors and a windowed-Gaussian baseline over the whole NAB v1.1 corpus,
writes the results in NAB's layout and scores them with the clean-room scorer: standard,
reward-low-FP and reward-low-FN, with NAB's optimised (oracle) threshold and with a threshold
fixed in advance, on the whole corpus, the tuning half A and the held-out half B.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from benchmarks._common import ROOT, write_json
from benchmarks.nab.corpus import NAB_ROOT, load_corpus, split_halves
from benchmarks.nab.detectors import available
from benchmarks.nab.evaluate import Corpus, DetectorResult, evaluate, write_results

PROFILE_KEYS = ("standard", "reward_low_fp", "reward_low_fn")
SET_TITLES = {
    "corpus": "whole corpus",
    "B": "held-out half B (not used for tuning)",
    "A": "tuning half A",
}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks nab", description=__doc__)
    parser.add_argument("--json", help="write the figures as JSON to this file")
    parser.add_argument("--detectors", help="comma-separated names (default: all available)")
    parser.add_argument("--results-dir", default=str(ROOT / "benchmarks" / "out" / "nab"))
    return parser.parse_args(argv)


def _as_json(result: DetectorResult, seconds: float) -> dict[str, Any]:
    corpus = result.sets["corpus"]
    out: dict[str, Any] = {k: round(corpus.optimised[k], 2) for k in PROFILE_KEYS}
    out["fixed_threshold"] = {k: round(corpus.fixed[k], 2) for k in PROFILE_KEYS}
    out["thresholds"] = {**corpus.thresholds, "fixed": result.fixed_threshold}
    out["fixed_threshold_source"] = result.fixed_source
    for name, key in (("B", "held_out"), ("A", "tuning")):
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
    split = {h: sorted(n for n, v in corpus.halves.items() if v == h) for h in "AB"}
    write_json(args.json, {"detectors": payload, "results_dir": str(results_dir), "split": split})
    return 0

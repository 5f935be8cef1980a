"""Throughput of streaming detection: a mixed rule set over 100,000 series on one core.

Five rules (graded threshold, EWMA, CUSUM, rate of change, silence) each watch every series, so
every reading is evaluated five times. Readings arrive as the live engine gets them: batches
holding one reading of every series, each followed by ``advance(now)``. The first batch (numba
compilation or cache load) is excluded from the timing. ``readings_per_s`` is per second of the
process's CPU time (the kernels are single-threaded: one core), which a busy machine does not
distort; the wall-clock rate is reported beside it.

Targets: >= 1,000,000 readings/s and <= 256 bytes of detector + level-machine state per series
per rule. ``--json FILE`` writes ``{"readings_per_s": x, "state_bytes_per_series_rule": x}``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from benchmarks._common import write_json

RULES = """
rules:
  - id: level
    name: Graded level
    detector: {type: threshold}
    levels:
      blue: {enter: ">= 70", exit: "< 65"}
      yellow: {enter: ">= 80", exit: "< 75"}
      orange: {enter: ">= 90", exit: "< 85"}
      red: {enter: ">= 100", exit: "< 95"}
    for: 2m
    keep_firing_for: 5m
    missing: {after: 3x, policy: normal}
  - id: ewma
    name: EWMA shift
    detector: {type: ewma, lambda: 0.2}
    levels: {yellow: ">= 4", red: ">= 8"}
    for: 1m
  - id: cusum
    name: CUSUM shift
    detector: {type: cusum, k: 0.5, h: 8}
    levels: {yellow: ">= 8", red: ">= 12"}
  - id: rate
    name: Rising fast
    detector: {type: rate, window: 10m, per: 1m}
    levels: {yellow: ">= 2", red: ">= 5"}
  - id: silent
    name: Silent sensor
    detector: {type: silence}
    levels: {blue: ">= 3", orange: ">= 10"}
"""


def _series(n: int) -> list:
    from forewarn.detect.labels import SeriesInfo

    return [SeriesInfo(i, {"site": f"s{i}", "indicator": "x"}, {}, 60.0) for i in range(n)]


def run(n_series: int, batches: int, seed: int) -> dict[str, float]:
    """Stream `batches` rounds of one reading per series; return the figures."""
    from forewarn.detect.engine import Engine
    from forewarn.detect.ruleset import rules_from_text

    rng = np.random.default_rng(seed)
    t0 = 1_767_225_600_000  # 2026-01-01
    engine = Engine(rules_from_text(RULES), _series(n_series), start=t0)
    ids = np.arange(n_series, dtype=np.int64)
    level = 50.0 + 5.0 * rng.standard_normal(n_series)
    signals = 0
    elapsed = cpu = 0.0
    for k in range(batches + 1):
        level += 0.05 * rng.standard_normal(n_series)
        values = level + rng.standard_normal(n_series)
        now = t0 + k * 60_000
        times = np.full(n_series, now, dtype=np.int64)
        began, began_cpu = time.perf_counter(), time.process_time()
        signals += len(engine.ingest(ids, times, values))
        signals += len(engine.advance(now))
        if k > 0:
            elapsed += time.perf_counter() - began
            cpu += time.process_time() - began_cpu
    readings = n_series * batches
    return {
        "readings_per_s": readings / cpu,
        "readings_per_s_wall": readings / elapsed,
        "rule_evaluations_per_s": readings * len(engine.runtimes) / cpu,
        "state_bytes_per_series_rule": engine.state_bytes_per_series_rule(),
        "readings": float(readings),
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "signals": float(signals),
    }


def main(argv: list[str]) -> int:
    """``python -m benchmarks throughput [--series N] [--batches B] [--json FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks throughput")
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    res = run(args.series, args.batches, args.seed)
    print(f"{'series':<34}{args.series:>14,}")
    print(f"{'rules (each watches every series)':<34}{5:>14}")
    print(f"{'readings streamed':<34}{int(res['readings']):>14,}")
    print(f"{'signals emitted':<34}{int(res['signals']):>14,}")
    print(f"{'wall seconds':<34}{res['seconds']:>14.3f}")
    print(f"{'CPU seconds (one core)':<34}{res['cpu_seconds']:>14.3f}")
    print(f"{'readings/s per CPU s (>= 1e6)':<34}{res['readings_per_s']:>14,.0f}")
    print(f"{'readings/s wall clock':<34}{res['readings_per_s_wall']:>14,.0f}")
    print(f"{'rule evaluations/s':<34}{res['rule_evaluations_per_s']:>14,.0f}")
    print(f"{'state bytes/series/rule (<= 256)':<34}{res['state_bytes_per_series_rule']:>14.1f}")
    write_json(
        args.json,
        {
            "readings_per_s": res["readings_per_s"],
            "readings_per_s_wall": res["readings_per_s_wall"],
            "state_bytes_per_series_rule": res["state_bytes_per_series_rule"],
        },
    )
    return 0

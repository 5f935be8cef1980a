"""How long `forewarn demo` takes to serve: first start (empty folder), and restart.

    python -m benchmarks demo_startup [--json FILE] [--cold]

Times a real `python -m forewarn demo` process from launch until `/api/v1/health` answers: a first
start on an empty data folder (builds Gansu, writes the history, warms the engine up on it), then
a restart on the same folder. `--cold` also runs the first start with an empty numba cache
(what the very first start after `pip install` pays to compile the detection kernels).
Targets (issue 2): first start < 60 s, restart < 10 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from tests.demo_process import Demo

from benchmarks._common import write_json


def timed_start(data_dir: Path, env: dict[str, str] | None = None) -> float:
    """Seconds from launching the demo until it serves, then stop it."""
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        start = time.perf_counter()
        demo = Demo(data_dir, speed=360)
        elapsed = time.perf_counter() - start
        demo.stop()
        return elapsed
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str]) -> int:
    """Measure first start and restart (and optionally a cold-cache first start)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks demo_startup", description=__doc__)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--cold", action="store_true", help="also time an empty numba cache")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="fw-bench-demo-"))
    figures: dict[str, float] = {}
    try:
        if args.cold:
            cache = folder / "numba-cache"
            figures["first_start_cold_cache_s"] = timed_start(
                folder / "cold", {"NUMBA_CACHE_DIR": str(cache)}
            )
        figures["first_start_s"] = timed_start(folder / "demo")
        figures["restart_s"] = timed_start(folder / "demo")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name:<28}{value:8.1f} s")
    print("targets: first start < 60 s, restart < 10 s")
    write_json(args.json, figures)
    return 0

"""One batch of the warnings benchmark, saved and replayed: for profilers on a shared machine.

The wall clock of a machine shared with other work moves by 10 to 20 % from run to run, more
than most single changes to the hot path gain. This tool saves the store just before one
batch of the warnings benchmark's mix, and the batch itself, so that the same batch can be
applied again and again on a fresh copy of the same store: timed (the best of `--repeat`), or
under a profiler. Under callgrind it counts the instructions of the batch alone (the same
count to a few tenths of a per cent, run after run)::

    python -m benchmarks warnings_batch save out/batch            # about a minute
    python -m benchmarks warnings_batch replay out/batch --repeat 5
    valgrind --tool=callgrind --instr-atstart=no \\
        python -m benchmarks warnings_batch replay out/batch --callgrind

`save` runs the benchmark's load and its mixed batches up to the one to save (`--nth`,
default the second mixed batch, so that groups have flushed once); `replay` applies it with
``apply_signals`` + ``advance`` + commit, as the benchmark times it, and prints a digest of
every row of the tables the batch writes (`stored`): a rewrite of a stage that must store the
same rows from the same inputs shows it by keeping the digest. SQLite only: the saved store is
one file.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from benchmarks._common import write_json

STORE, BATCH = "store.db", "batch.pickle"


def save(
    folder: Path,
    *,
    active: int,
    batch: int,
    nth: int,
    seed: int,
    sites: int | None = None,
) -> dict[str, Any]:
    """Run the benchmark's batches up to the `nth` mixed one; save the store and that batch
    (`sites`: a smaller province than the benchmark's, for tests)."""
    from benchmarks import warnings as bench
    from forewarn.warnings.desk import Desk

    folder.mkdir(parents=True, exist_ok=True)
    store = folder / STORE
    for leftover in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
        leftover.unlink(missing_ok=True)
    sessions = bench.build_store(f"sqlite:///{store}", sites or bench.SITES)
    desk, mixed = Desk(), 0
    extra = {} if sites is None else {"sites": sites}
    total = batch * nth
    for phase, signals, now in bench.batches(
        sessions, active=active, total=total, batch=batch, seed=seed, **extra
    ):
        mixed += phase == "mixed"
        if mixed == nth:
            break
        bench._step(sessions, desk, signals, now)
    _close_store(sessions.kw["bind"], store)
    with open(folder / BATCH, "wb") as out:
        pickle.dump({"signals": signals, "now": now}, out)
    return {"signals": len(signals), "now": now.isoformat(), "store_bytes": store.stat().st_size}


def _close_store(engine: Any, store: Path) -> None:
    """Close every connection to `store` and fold its log into it: one self-contained file
    (`replay` copies only that file)."""
    import sqlite3

    from forewarn.db import checkpointer_of

    checkpointer = checkpointer_of(engine)
    engine.dispose()
    if checkpointer is not None:
        checkpointer.stop(wait=True)  # its connection would keep the log from being reset
    db = sqlite3.connect(store)
    try:
        busy, _frames, _copied = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        db.execute("PRAGMA journal_mode=DELETE")  # and the log file goes
    finally:
        db.close()
    if busy:
        raise RuntimeError(f"{store} is still in use: its log could not be folded into it")


def replay(folder: Path, *, repeat: int, callgrind: bool) -> dict[str, Any]:
    """Apply the saved batch `repeat` times, each on a fresh copy of the saved store."""
    import forewarn.model_registry  # noqa: F401
    from forewarn.db import make_engine, make_session_factory
    from forewarn.warnings.advance import advance
    from forewarn.warnings.apply import apply_signals
    from forewarn.warnings.desk import Desk

    with open(folder / BATCH, "rb") as found:
        saved = pickle.load(found)  # our own file, written by `save`
    signals, now = saved["signals"], saved["now"]
    times, results = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / STORE
            shutil.copy(folder / STORE, copy)
            engine = make_engine(f"sqlite:///{copy}")
            sessions = make_session_factory(engine)
            desk = Desk()
            with sessions() as s:  # a running process has its directory cached
                desk.directory(s)
            _instrument(callgrind, on=True)
            began = time.perf_counter()
            with sessions() as s:
                result = apply_signals(s, signals, now=now, desk=desk)
                advance(s, now=now, desk=desk, heartbeats=False)
                s.commit()
            times.append(time.perf_counter() - began)
            _instrument(callgrind, on=False)
            engine.dispose()
            results.append(
                (result.signals, result.created, result.changed, result.notifications, stored(copy))
            )
    if len(set(results)) != 1:
        raise RuntimeError(f"replays of one batch disagree: {sorted(set(results))}")
    signals_n, created, changed, notifications, digest = results[0]
    return {"seconds_best": min(times), "seconds": times, "signals": signals_n,
            "created": created, "changed": changed, "notifications": notifications,
            "stored": digest}  # fmt: skip


WRITTEN = (
    "notifications", "warning_details", "warning_events", "warning_group_members",
    "warning_groups", "warning_inhibit_keys", "warnings",
)  # fmt: skip


def stored(store: Path) -> str:
    """A digest of every row of the tables a batch writes: a change to the hot path that
    stores the same rows from the same inputs gives the same digest."""
    found = hashlib.sha256()
    with closing(sqlite3.connect(store)) as db:
        for table in WRITTEN:
            found.update(table.encode())
            for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid"):
                found.update(repr(row).encode())
    return found.hexdigest()[:16]


def _instrument(callgrind: bool, *, on: bool) -> None:
    """Switch callgrind's counting on or off for this process (when run under it)."""
    if callgrind:
        import os

        flag = "on" if on else "off"
        subprocess.run(["callgrind_control", "-i", flag, str(os.getpid())], capture_output=True)


def main(argv: list[str]) -> int:
    """``python -m benchmarks warnings_batch save|replay FOLDER [options]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks warnings_batch")
    sub = parser.add_subparsers(dest="command", required=True)
    saving = sub.add_parser("save", help="Save the store before one batch, and the batch.")
    saving.add_argument("folder", type=Path)
    saving.add_argument("--active", type=int, default=100_000)
    saving.add_argument("--batch", type=int, default=20_000)
    saving.add_argument("--nth", type=int, default=2, help="Which mixed batch to save (1: first).")
    saving.add_argument("--seed", type=int, default=7)
    replaying = sub.add_parser("replay", help="Apply the saved batch on copies of the store.")
    replaying.add_argument("folder", type=Path)
    replaying.add_argument("--repeat", type=int, default=3)
    replaying.add_argument(
        "--callgrind", action="store_true", help="Count only the batch (run under callgrind)."
    )
    replaying.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    if args.command == "save":
        if args.nth < 1:
            parser.error("--nth must be at least 1")
        sizes = {"active": args.active, "batch": args.batch, "nth": args.nth}
        found = save(args.folder, seed=args.seed, **sizes)
        print(f"saved {found['signals']:,} signals at {found['now']} and the store before them "
              f"({found['store_bytes'] / 1e6:,.0f} MB) in {args.folder}")  # fmt: skip
        return 0
    if not (args.folder / BATCH).exists():
        parser.error(f"no saved batch in {args.folder}: run `save {args.folder}` first")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    found = replay(args.folder, repeat=args.repeat, callgrind=args.callgrind)
    print(f"{found['signals']:,} signals: {found['created']:,} warnings opened, "
          f"{found['changed']:,} changed, {found['notifications']:,} notifications; best of "
          f"{args.repeat}: {found['seconds_best'] * 1000:,.0f} ms; stored rows "
          f"{found['stored']}")  # fmt: skip
    write_json(args.json, found)
    return 0

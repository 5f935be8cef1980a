"""The saved-batch tool of the warnings benchmark: a replay does what the run would have done."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing

import pytest
from benchmarks import warnings as bench
from benchmarks.warnings_batch import BATCH, STORE, main, replay, save, stored

from forewarn.db import session_scope
from forewarn.warnings.advance import advance
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk

SIZES = {"active": 600, "batch": 200, "seed": 7}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _as_run(tmp_path, nth: int) -> tuple[int, int, int, int, str]:
    """What the benchmark's own run does with its `nth` mixed batch, and the rows it stores."""
    sessions = bench.build_store(f"sqlite:///{tmp_path / 'run.db'}", 300)
    desk, mixed = Desk(), 0
    for phase, signals, now in bench.batches(
        sessions, total=SIZES["batch"] * nth, sites=300, **SIZES
    ):
        mixed += phase == "mixed"
        if mixed < nth:
            bench._step(sessions, desk, signals, now)
            continue
        with session_scope(sessions) as s:
            r = apply_signals(s, signals, now=now, desk=desk)
            advance(s, now=now, desk=desk, heartbeats=False)
        sessions.kw["bind"].dispose()
        return r.signals, r.created, r.changed, r.notifications, stored(tmp_path / "run.db")
    raise AssertionError("the run ended before the batch")


def test_a_replayed_batch_does_what_the_run_did_and_leaves_the_saved_store_alone(tmp_path):
    folder = tmp_path / "saved"
    saved = save(folder, nth=2, sites=300, **SIZES)
    assert saved["signals"] == SIZES["batch"]
    assert sorted(f.name for f in folder.iterdir()) == [BATCH, STORE]  # one self-contained file
    before = _digest(folder / STORE)
    found = replay(folder, repeat=2, callgrind=False)
    assert _digest(folder / STORE) == before
    assert len(found["seconds"]) == 2
    replayed = (found["signals"], found["created"], found["changed"], found["notifications"],
                found["stored"])  # fmt: skip
    assert replayed == _as_run(tmp_path, nth=2)  # row for row: the digest of the stored rows
    assert found["notifications"] > 0


def test_the_digest_of_stored_rows_changes_with_any_row(tmp_path):
    folder = tmp_path / "saved"
    save(folder, nth=1, sites=300, **SIZES)
    before = stored(folder / STORE)
    with closing(sqlite3.connect(folder / STORE)) as db, db:
        db.execute("UPDATE warning_events SET actor = 'someone else' WHERE id = 1")
    assert stored(folder / STORE) != before


def test_replay_without_a_saved_batch_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["replay", str(tmp_path)])
    assert exit_.value.code == 2
    assert "no saved batch" in capsys.readouterr().err
    assert not (tmp_path / BATCH).exists()

"""The warnings benchmark's repeat harness: fresh stores and the median (no timing here)."""

from __future__ import annotations

import sqlite3

import pytest
from benchmarks.warnings import _fresh_store, _median, main


def test_the_first_run_uses_the_given_store_and_later_runs_fresh_ones(tmp_path):
    given = f"sqlite:///{tmp_path / 'given.db'}"
    with _fresh_store(given, 0) as first:
        assert first == given
    seen = []
    for run in (1, 2):
        with _fresh_store(given, run) as fresh:
            assert fresh.startswith("sqlite:///")
            assert fresh != given
            seen.append(fresh)
    assert seen[0] != seen[1]


def test_median_of_the_runs():
    assert _median([3.0, 1.0, 2.0]) == 2.0
    assert _median([4.0, 1.0]) == 2.5


def test_a_store_that_cannot_be_opened_is_a_clear_usage_error(tmp_path, capsys):
    not_a_store = tmp_path / "bench.db"
    not_a_store.write_bytes(b"these bytes are not an SQLite database" * 100)
    with pytest.raises(SystemExit) as exit_:
        main(["--database-url", f"sqlite:///{not_a_store}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot use the store at sqlite:///{not_a_store}: file is not a database" in err
    assert not_a_store.read_bytes().startswith(b"these bytes")  # left as it was


def test_a_store_that_already_holds_tables_is_refused_and_left_alone(tmp_path, capsys):
    used = tmp_path / "used.db"
    with sqlite3.connect(used) as db:
        db.execute("CREATE TABLE fields (code TEXT PRIMARY KEY)")
        db.execute("INSERT INTO fields VALUES ('production_safety')")
    with pytest.raises(SystemExit) as exit_:
        main(["--database-url", f"sqlite:///{used}"])
    assert exit_.value.code == 2
    assert "already holds tables (fields); give an empty database" in capsys.readouterr().err
    with sqlite3.connect(used) as db:
        assert db.execute("SELECT code FROM fields").fetchall() == [("production_safety",)]

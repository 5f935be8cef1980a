"""The write-ahead log is checkpointed by the engine's own thread, not inside commits."""

from __future__ import annotations

import gc
import os
import sqlite3
import time

from sqlalchemy import text

from forewarn.db import checkpointer_of, make_engine
from forewarn.walcheckpoint import Checkpointer


def _fill(connection: sqlite3.Connection, rows: int) -> None:
    connection.execute("CREATE TABLE IF NOT EXISTS t (x BLOB)")
    connection.executemany("INSERT INTO t VALUES (randomblob(4000))", [()] * rows)
    connection.commit()


def test_a_commit_leaves_the_log_to_the_checkpointer(tmp_path):
    path = tmp_path / "a.db"
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    _fill(writer, 2000)  # about 8 MB of log, past the 4 MB threshold
    before = path.stat().st_size
    checkpointer = Checkpointer(path)
    assert checkpointer.run_once() is True
    assert path.stat().st_size > before + 7_000_000  # the pages were copied into the file
    assert checkpointer.run_once() is False  # nothing new since: no second checkpoint
    _fill(writer, 10)
    assert checkpointer.run_once() is True  # the log changed: look again
    checkpointer.stop()
    assert writer.execute("SELECT count(*) FROM t").fetchone() == (2010,)
    writer.close()


def test_a_small_log_or_none_is_left_alone(tmp_path):
    path = tmp_path / "b.db"
    checkpointer = Checkpointer(path)
    assert checkpointer.run_once() is False  # no database, no log: and none is created
    assert not path.exists()
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    _fill(writer, 10)
    assert checkpointer.run_once() is False
    writer.close()


def test_engines_on_files_checkpoint_on_their_own_thread(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    assert checkpointer.running
    with engine.begin() as c:
        assert c.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        c.execute(text("CREATE TABLE t (x BLOB)"))
        for _ in range(20):
            c.execute(text("INSERT INTO t VALUES (randomblob(500000))"))
    deadline = time.monotonic() + 30
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpointer.checkpoints >= 1
    assert (tmp_path / "c.db").stat().st_size > 9_000_000
    engine.dispose()
    del engine, c
    gc.collect()
    deadline = time.monotonic() + 30
    while checkpointer.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not checkpointer.running  # the thread ends with its engine


def test_memory_databases_have_no_checkpointer():
    engine = make_engine("sqlite:///:memory:")
    assert checkpointer_of(engine) is None
    with engine.connect() as c:
        assert c.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000


def test_a_forked_process_gets_a_checkpointer_of_its_own(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (x BLOB)"))
    engine.dispose()
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    before = checkpointer.checkpoints
    pid = os.fork()
    if pid == 0:  # the child: its first connection starts a thread of its own
        code = 1
        try:
            assert not checkpointer.running  # the parent's thread did not come along
            with engine.begin() as c:
                for _ in range(20):
                    c.execute(text("INSERT INTO t VALUES (randomblob(500000))"))
            deadline = time.monotonic() + 30
            while checkpointer.checkpoints == before and time.monotonic() < deadline:
                time.sleep(0.05)
            code = 0 if checkpointer.running and checkpointer.checkpoints > before else 2
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert checkpointer.running  # the parent's own thread runs on


def test_a_path_that_is_no_plain_uri_still_works(tmp_path):
    path = tmp_path / "a dir" / "store #1?.db"
    path.parent.mkdir()
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    _fill(writer, 2000)
    checkpointer = Checkpointer(path)
    assert checkpointer.run_once() is True
    assert path.stat().st_size > 7_000_000
    assert sorted(p.name for p in path.parent.iterdir() if p.suffix == ".db") == ["store #1?.db"]
    writer.close()

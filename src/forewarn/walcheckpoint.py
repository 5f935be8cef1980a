"""SQLite's write-ahead log checkpointed on a thread beside the writers, not inside their commits.

By default the connection whose commit takes the log past 1,000 pages copies the log back into
the database file before its commit returns: a writer that dirties tens of thousands of pages a
transaction (a batch of warnings) pays for the copy, and the fsync after it, on every commit.
`make_engine` turns that off on its connections and starts a `Checkpointer` for the file
instead: a daemon thread that looks at the size of the log a few times a second and, past the
threshold, runs a ``PASSIVE`` checkpoint on a connection of its own. SQLite releases the GIL
while it copies, so the copy runs on another core while the writer goes on; ``PASSIVE`` never
waits for readers or writers, and the log is reused from its start once a checkpoint has caught
up, exactly as with automatic checkpoints. The thread stops when its engine is garbage
collected or the process exits; SQLite checkpoints what is left when the last connection closes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

THRESHOLD_BYTES = 4 * 1024 * 1024  # about SQLite's automatic threshold (1,000 pages of 4 kB)
INTERVAL_S = 0.1


class Checkpointer:
    """Checkpoints one database's write-ahead log when it grows past a threshold."""

    def __init__(
        self, path: Path, *, threshold_bytes: int = THRESHOLD_BYTES, interval_s: float = INTERVAL_S
    ) -> None:
        self.path = path
        self.wal = path.with_name(path.name + "-wal")
        self.threshold_bytes = threshold_bytes
        self.interval_s = interval_s
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._caught_up: tuple[int, int] | None = None  # the log's size and mtime, all copied
        self._pid = os.getpid()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"wal-checkpoint:{self.path.name}", daemon=True
            )
            self._thread.start()

    def ensure_running(self) -> None:
        """Start the thread again in a process forked after it started (threads do not
        survive a fork); a stopped checkpointer stays stopped."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            # The parent's thread and connection are not this process's: start afresh.
            self._thread, self._connection, self._caught_up = None, None, None
        if not self._stop.is_set():
            self.start()

    def stop(self, *, wait: bool = False) -> None:
        """Ask the thread to stop (it closes its connection); `wait` for it to end."""
        self._stop.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def run_once(self) -> bool:
        """Checkpoint if the log is past the threshold; whether a checkpoint ran."""
        try:
            stat = self.wal.stat()
        except OSError:  # no log (yet, or any more)
            return False
        seen = (stat.st_size, stat.st_mtime_ns)
        if stat.st_size < self.threshold_bytes or seen == self._caught_up:
            return False
        if self._connection is None:
            # mode=rw: never create a database that is not there (any more).
            uri = self.path.absolute().as_uri() + "?mode=rw"
            self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        # Nothing more to copy until a writer touches the log again.
        self._caught_up = seen if not busy and frames == copied else None
        return True

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    self.run_once()
                except (sqlite3.Error, OSError):
                    # A busy or vanished database: try again on the next tick; writers lose
                    # nothing, the log only grows until a checkpoint succeeds.
                    self._close()
        finally:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

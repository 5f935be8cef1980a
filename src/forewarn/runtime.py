"""The process loop: runs the clocked jobs (replay, detection, warnings, delivery) beside the API.

One thread calls every job in order once per tick with the process clock's `now`. A job that
fails is logged and retried next tick; it never stops the others. In production the same jobs
run in separate worker processes (see docs/architecture.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from forewarn.clock import Clock

log = logging.getLogger(__name__)

Job = Callable[[datetime], object]


@dataclass
class Runtime:
    """Runs `jobs` every `interval_s` seconds of wall time in a background thread."""

    clock: Clock
    interval_s: float = 1.0
    jobs: list[tuple[str, Job]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    ticks: int = 0
    # name -> [runs, failures, total seconds, last seconds], for /metrics
    job_stats: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, job: Job) -> None:
        """Append a job; jobs run in the order they were added."""
        self.jobs.append((name, job))

    def tick(self) -> None:
        """Run every job once at the clock's current time."""
        now = self.clock.now()
        for name, job in self.jobs:
            stats = self.job_stats.setdefault(name, [0, 0, 0.0, 0.0])
            started = time.perf_counter()
            try:
                job(now)
            except Exception:
                stats[1] += 1
                log.exception("job %s failed at %s", name, now.isoformat())
            took = time.perf_counter() - started
            stats[0] += 1
            stats[2] += took
            stats[3] = took
        self.ticks += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="forewarn-runtime", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its tick and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

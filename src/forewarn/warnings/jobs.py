"""The warnings layer in a running process: a signal sink and a clocked job, one unit of work each.

``WarningsJob(sessions, desk)`` gives the process loop two callables: ``sink(signals, now)``
(the detection job's sink: applies signals in their own transaction) and ``job(now)`` (calls
``advance``). A batch whose transaction fails (say, the store is briefly locked) is kept and
applied again, in order, before the next one; signals are idempotent, so retrying is safe.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from forewarn.db import session_scope
from forewarn.detect.signals import Signal
from forewarn.warnings.advance import AdvanceResult, advance
from forewarn.warnings.apply import ApplyResult, apply_signals
from forewarn.warnings.desk import Desk

log = logging.getLogger(__name__)
MAX_BACKLOG = 1_000_000


class WarningsJob:
    """Applies signals and lets time pass, each call in its own unit of work."""

    def __init__(self, sessions: sessionmaker[Session], desk: Desk | None = None) -> None:
        self.sessions = sessions
        self.desk = desk or Desk()
        self._backlog: list[Signal] = []
        self._lock = threading.Lock()

    def sink(self, signals: list[Signal], now: datetime) -> ApplyResult | None:
        """Apply `signals` (after any backlog); on failure keep them for the next call."""
        with self._lock:
            batch = [*self._backlog, *signals]
            try:
                with session_scope(self.sessions) as session:
                    result = apply_signals(session, batch, now=now, desk=self.desk)
            except Exception:
                log.exception("applying %d signals failed; kept for the next tick", len(batch))
                self._backlog = batch[-MAX_BACKLOG:]
                return None
            self._backlog = []
            return result

    def __call__(self, now: datetime) -> AdvanceResult:
        """Let time pass: escalations, reminders, silence expiry, heartbeats, group flushes."""
        if self._backlog:
            self.sink([], now)
        with session_scope(self.sessions) as session:
            return advance(session, now=now, desk=self.desk)

"""The warnings layer in a running process: a signal sink and a clocked job, one unit of work each.

``WarningsJob(sessions, desk)`` gives the process loop two callables: ``sink(signals, now)``
(the detection job's sink: applies signals in their own transaction) and ``job(now)`` (calls
``advance``). A batch that fails because the store is unavailable (locked, disconnected) is kept
and applied again, in order, before the next one; signals are idempotent, so retrying is safe.
A batch the store refuses for another reason would fail on every retry and stall every warning:
it is applied again in halves, a subject's signals kept together and in order, down to single
subjects, and the signals of a subject still refused are logged and set aside.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.exc import OperationalError
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
                result = self._apply(batch, now)
            except OperationalError:
                log.exception("applying %d signals failed; kept for the next tick", len(batch))
                self._backlog = batch[-MAX_BACKLOG:]
                return None
            except Exception:
                log.exception("applying %d signals failed; applying them in parts", len(batch))
                self._backlog = self._in_parts(list(_subjects(batch).values()), now)
                return None
            self._backlog = []
            return result

    def _apply(self, batch: list[Signal], now: datetime) -> ApplyResult:
        with session_scope(self.sessions) as session:
            return apply_signals(session, batch, now=now, desk=self.desk)

    def _in_parts(self, subjects: list[list[Signal]], now: datetime) -> list[Signal]:
        """Apply `subjects` in halves; the signals to keep for the next tick."""
        try:
            self._apply([s for subject in subjects for s in subject], now)
        except OperationalError:
            return [s for subject in subjects for s in subject]
        except Exception:
            if len(subjects) == 1:
                [subject] = subjects
                log.exception(
                    "set aside %d signals of %s (rule %s): the store refuses them",
                    len(subject), subject[0].fingerprint, subject[0].rule,
                )  # fmt: skip
                return []
            half = len(subjects) // 2
            return self._in_parts(subjects[:half], now) + self._in_parts(subjects[half:], now)
        return []

    def __call__(self, now: datetime) -> AdvanceResult:
        """Let time pass: escalations, reminders, silence expiry, heartbeats, group flushes."""
        if self._backlog:
            self.sink([], now)
        with session_scope(self.sessions) as session:
            return advance(session, now=now, desk=self.desk)


def _subjects(batch: list[Signal]) -> dict[str, list[Signal]]:
    """The batch's signals by subject (fingerprint), each subject's in their order."""
    found: dict[str, list[Signal]] = {}
    for signal in batch:
        found.setdefault(signal.fingerprint, []).append(signal)
    return found

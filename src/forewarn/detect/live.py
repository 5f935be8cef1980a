"""The engine inside a running process: readings in from ingest, time from the process clock.

``DetectionJob`` is what ``forewarn serve`` / ``forewarn demo`` add to the process loop: ingest
listeners hand it the readings they stored (from any thread); on each tick it feeds them to the
engine, advances the clock, passes the signals to a sink (the warnings layer), follows catalogue
and rules changes, and snapshots its state so that a restart continues where it stopped.
``warm_up`` replays stored history through the engine first (batch evaluation through the same
code), so baselines, seasonal profiles and count histories are ready when live data arrives.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from forewarn.audit.models import AuditEntry
from forewarn.catalogue import service as catalogue
from forewarn.db import session_scope
from forewarn.detect.engine import Engine
from forewarn.detect.explain import retired_signals
from forewarn.detect.ruleset import RuleSet, load_rules
from forewarn.detect.series import series_from_store
from forewarn.detect.signals import Signal
from forewarn.readings.models import Reading
from forewarn.timeutil import to_ms
from forewarn.yamlsource import ConfigInvalid

log = logging.getLogger(__name__)

Sink = Callable[[list[Signal], datetime], object]
CHUNK = 200_000


def _history(
    session: Session, since_ms: int, until_ms: int, chunk: int
) -> Iterator[NDArray[np.float64]]:
    """Rows (time, series, value) with since < time <= until, in (time, series) order, chunked.

    Reads in primary-key order (sequential on both backends) and sorts in numpy, which is far
    faster than asking the store to sort by time; the arrays are float64 (times in ms are exact
    below 2**53).
    """
    connection = session.connection()
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(
        "SELECT time_ms, series_id, value FROM readings "
        f"WHERE time_ms > {mark} AND time_ms <= {mark}",
        (since_ms, until_ms),
    )
    parts = []
    while rows := cursor.fetchmany(chunk):
        parts.append(np.array(rows, dtype=np.float64))
    if not parts:
        return
    data = np.concatenate(parts)
    data = data[np.lexsort((data[:, 1], data[:, 0]))]
    for lo in range(0, len(data), chunk):
        yield data[lo : lo + chunk]


def warm_up(
    engine: Engine, session: Session, *, since_ms: int, until_ms: int, chunk: int = CHUNK
) -> list[Signal]:
    """Feed stored readings with since < time <= until to the engine in time order, advance
    its clock to `until_ms`, and return the signals (callers usually keep only the open ones)."""
    out: list[Signal] = []
    for rows in _history(session, since_ms, until_ms, chunk):
        times = rows[:, 0].astype(np.int64)
        out += engine.ingest(rows[:, 1].astype(np.int64), times, rows[:, 2])
    out += engine.advance(until_ms)
    return out


class DetectionJob:
    """A process-loop job running the engine over live readings."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        rules: Path | RuleSet,
        sink: Sink,
        *,
        start: datetime,
        snapshot_path: Path | None = None,
        snapshot_every_s: float = 60.0,
    ) -> None:
        self.sessions = sessions
        self.rules_path = rules if isinstance(rules, Path) else None
        self.rules_mtime = self.rules_path.stat().st_mtime if self.rules_path else 0.0
        ruleset = load_rules(rules) if isinstance(rules, Path) else rules
        self.sink = sink
        self.snapshot_path = snapshot_path
        self.snapshot_every_s = snapshot_every_s
        self._buffer: list[tuple[Any, Any, Any]] = []
        self._lock = threading.Lock()
        self._saved_at = time.monotonic()
        with session_scope(sessions) as session:
            self.revision = catalogue.revision(session)
            self.engine = Engine(ruleset, series_from_store(session), start=start)
            self._files_seen = session.scalar(select(func.max(AuditEntry.id))) or 0
        if snapshot_path is not None and snapshot_path.exists():
            self.engine.restore(snapshot_path.read_bytes())
        self._unwatched: set[tuple[str, str]] = set()
        self._report_unwatched()

    def on_readings(self, accepted: Any) -> None:
        """Ingest listener: queue stored readings (an object with ``arrays()``)."""
        ids, times, values = accepted.arrays()
        with self._lock:
            self._buffer.append((ids, times, values))

    def __call__(self, now: datetime) -> None:
        """One tick: follow changes, evaluate queued readings, advance to `now`, hand over."""
        signals = self._follow_catalogue(now)
        self._follow_files()
        signals += self._follow_rules(now)
        with self._lock:
            queued, self._buffer = self._buffer, []
        if queued:
            ids = np.concatenate([q[0] for q in queued])
            times = np.concatenate([q[1] for q in queued])
            values = np.concatenate([q[2] for q in queued])
            order = np.argsort(times, kind="stable")
            signals += self.engine.ingest(ids[order], times[order], values[order])
        signals += self.engine.advance(to_ms(now))
        if signals:
            self.sink(signals, now)
        if self.snapshot_path and time.monotonic() - self._saved_at >= self.snapshot_every_s:
            self.save()

    def save(self) -> None:
        """Write the snapshot now (atomically)."""
        if self.snapshot_path is None:
            return
        tmp = self.snapshot_path.with_suffix(".tmp")
        tmp.write_bytes(self.engine.snapshot())
        tmp.replace(self.snapshot_path)
        self._saved_at = time.monotonic()

    def _follow_files(self) -> None:
        """Queue the readings that `forewarn ingest csv` stored since the last tick: another
        process wrote them, so no ingest listener of this one heard of them. Each chunk the
        command stores has its audit entry (file, series, time range); the readings are read
        back from the store (those not newer than a series' last are dropped as late)."""
        with session_scope(self.sessions) as session:
            entries = session.execute(
                select(AuditEntry.id, AuditEntry.after)
                .where(AuditEntry.id > self._files_seen, AuditEntry.action == "ingest")
                .order_by(AuditEntry.id)
            ).all()
            if not entries:
                return
            self._files_seen = entries[-1][0]
            for _, after in entries:
                if isinstance(after, dict) and after.get("source") and after.get("series"):
                    self._queue_stored(session, after)

    def _queue_stored(self, session: Session, batch: dict[str, Any]) -> None:
        rows = session.execute(
            select(Reading.series_id, Reading.time_ms, Reading.value).where(
                Reading.series_id.in_(batch["series"]),
                Reading.time_ms >= int(batch["from_ms"]),
                Reading.time_ms <= int(batch["to_ms"]),
            )
        ).all()
        if rows:
            data = np.array(rows, dtype=np.float64)
            arrays = (data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2])
            with self._lock:
                self._buffer.append(arrays)

    def _follow_catalogue(self, now: datetime) -> list[Signal]:
        """On a new catalogue revision, watch new series; when a watched series changed (its
        labels, such as a warning stage, its region or its interval), bind every rule again,
        keeping the state as a rules reload does. The resolved signals of what is no longer
        watched."""
        with session_scope(self.sessions) as session:
            revision = catalogue.revision(session)
            if revision == self.revision:
                return []
            infos = series_from_store(session)
        self.revision = revision
        known = {info.id: info for info in self.engine.series}
        changed = sum(1 for i in infos if i.id in known and known[i.id] != i)
        ended: list[Signal] = []
        if changed:
            ended = self._hand_over(
                Engine(self.engine.rules, infos, start=self.engine.start_ms), now
            )
            added = len(self.engine.series) - len(known)
        else:
            added = self.engine.add_series(infos)
        log.info(
            "catalogue revision %s: %s new series watched, %s changed", revision, added, changed
        )
        self._report_unwatched()
        return ended

    def _follow_rules(self, now: datetime) -> list[Signal]:
        """Reload the rules file when it changed; the resolved signals of what is no longer
        watched."""
        if self.rules_path is None:
            return []
        mtime = self.rules_path.stat().st_mtime
        if mtime == self.rules_mtime:
            return []
        self.rules_mtime = mtime
        try:
            ruleset = load_rules(self.rules_path)
        except ConfigInvalid as exc:
            log.error(
                "rules file %s refused; keeping the last good rules:\n%s", self.rules_path, exc
            )
            return []
        fresh = Engine(ruleset, self.engine.series, start=self.engine.start_ms)
        ended = self._hand_over(fresh, now)
        log.info("rules reloaded from %s: %s rules", self.rules_path, len(ruleset.rules))
        self._report_unwatched()
        return ended

    def _hand_over(self, fresh: Engine, now: datetime) -> list[Signal]:
        """Continue in `fresh` (rebuilt for new rules or series) from the running engine's
        state; resolve what the running engine had open and `fresh` no longer judges: a rule
        taken out of the file, a series its rule no longer selects, a linkage rule removed or
        edited (its groups are not carried over). Nothing is left open for ever."""
        old = self.engine
        fresh.restore(old.snapshot())
        at = max(old.clock_ms, to_ms(now))
        watched = {rt.rule.id: {info.id for info in rt.series} for rt in fresh.runtimes}
        ended: list[Signal] = []
        for rt in old.runtimes:
            keep = watched.get(rt.rule.id, set())
            gone = [row for row, info in enumerate(rt.series) if info.id not in keep]
            ended += retired_signals(rt, at, gone) if gone else []
        carried = {(rt.rule.id, rt.rule.digest) for rt in fresh.linkage.runtimes}
        for link in old.linkage.runtimes:
            if (link.rule.id, link.rule.digest) not in carried:
                ended += link.retire(at)
        self.engine = fresh
        return ended

    def _report_unwatched(self) -> None:
        """Log, once each, the series a rule selects but cannot watch (a missing or bad site
        label, no interval): nobody would otherwise learn that a gauge goes unwatched."""
        for rule, problems in self.engine.stats.bind_errors.items():
            for series, problem in problems.items():
                if (rule, series) not in self._unwatched:
                    self._unwatched.add((rule, series))
                    log.warning("rule %s does not watch series %s: %s", rule, series, problem)

"""Live replay: each tick, generate the readings due since the last one and ingest them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from forewarn.db import session_scope
from forewarn.demo.generate import Generator, SeriesSpec
from forewarn.ingest.directory import DirectoryCache
from forewarn.ingest.pipeline import Accepted, ingest_arrays

Listener = Callable[[Accepted], None]


@dataclass
class Replayer:
    """Feeds the store (and the ingest listeners) with the demo's readings as time passes."""

    sessions: sessionmaker[Session]
    directory: DirectoryCache
    generator: Generator
    specs: list[SeriesSpec]
    last_s: int
    listeners: list[Listener] = field(default_factory=list)
    stored: int = 0

    def __call__(self, now: datetime) -> None:
        """Ingest every reading due in (last, now]."""
        now_s = int(now.timestamp())
        if now_s <= self.last_s:
            return
        ids, times, values = self.generator.batch(self.specs, self.last_s, now_s)
        with session_scope(self.sessions) as session:
            result = ingest_arrays(session, self.directory.get(session), ids, times, values)
        self.last_s = now_s
        self.stored += result.accepted
        for listener in self.listeners:
            listener(result.readings)

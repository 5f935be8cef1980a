"""Clocks: the wall clock for live operation, a scaled clock for the demo's faster replay.

Domain code never reads a clock; entry points (requests, jobs, commands) take ``now`` from the
process's clock (``app.state.clock``) and pass it down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current (possibly simulated) time."""

    def now(self) -> datetime:
        """The current time, aware, UTC."""
        ...


class WallClock:
    """Real time."""

    def now(self) -> datetime:
        """The current wall-clock time in UTC."""
        return datetime.now(UTC)


@dataclass
class ScaledClock:
    """Simulated time that starts at `origin` and runs `speed` times faster than real time."""

    origin: datetime
    speed: float = 1.0
    _wall_start: float = 0.0

    def __post_init__(self) -> None:
        self._wall_start = time.monotonic()

    def now(self) -> datetime:
        """`origin` plus the elapsed wall time times `speed`."""
        elapsed = (time.monotonic() - self._wall_start) * self.speed
        return self.origin + timedelta(seconds=elapsed)

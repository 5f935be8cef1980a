"""Series directory: what ingest needs to resolve and range-check a reading, cached by revision."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.catalogue import service as catalogue
from forewarn.catalogue.models import Indicator, Series, Site


@dataclass(frozen=True)
class SeriesInfo:
    """Identity and physical range of one series."""

    id: int
    site: str
    indicator: str
    min_value: float | None
    max_value: float | None


@dataclass
class SeriesDirectory:
    """All series by id and by (site code, indicator code)."""

    revision: int
    by_id: dict[int, SeriesInfo] = field(default_factory=dict)
    by_codes: dict[tuple[str, str], int] = field(default_factory=dict)
    low: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    high: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    known: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, dtype=bool))

    def index_arrays(self) -> None:
        """Build per-id arrays (physical range, existence) for vectorised checks."""
        size = max(self.by_id, default=0) + 1
        self.low = np.full(size, -np.inf)
        self.high = np.full(size, np.inf)
        self.known = np.zeros(size, dtype=bool)
        for sid, info in self.by_id.items():
            self.known[sid] = True
            if info.min_value is not None:
                self.low[sid] = info.min_value
            if info.max_value is not None:
                self.high[sid] = info.max_value

    @classmethod
    def build(cls, session: Session) -> SeriesDirectory:
        """Read the directory from the store."""
        directory = cls(revision=catalogue.revision(session))
        query = (
            select(Series.id, Site.code, Indicator.code, Indicator.min_value, Indicator.max_value)
            .join(Series.site)
            .join(Series.indicator)
        )
        for sid, site, ind, low, high in session.execute(query):
            directory.by_id[sid] = SeriesInfo(sid, site, ind, low, high)
            directory.by_codes[(site, ind)] = sid
        directory.index_arrays()
        return directory


class DirectoryCache:
    """Keeps one directory and rebuilds it when the catalogue revision changes."""

    def __init__(self) -> None:
        self._current: SeriesDirectory | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> SeriesDirectory:
        """The directory for the store's current catalogue revision."""
        rev = catalogue.revision(session)
        with self._lock:
            if self._current is None or self._current.revision != rev:
                self._current = SeriesDirectory.build(session)
            return self._current

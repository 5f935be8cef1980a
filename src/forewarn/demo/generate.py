"""Readings of the demo's series for any time range: history and live replay share this code."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.catalogue.models import Indicator, Series, Site
from forewarn.demo import noise
from forewarn.demo.behaviour import BEHAVIOURS, DERIVED, LOCAL_OFFSET_S, Context
from forewarn.demo.incidents import Incident

DAY_S = 86400
WEEK_S = 7 * DAY_S


@dataclass(frozen=True)
class SeriesSpec:
    """A series of the demo and what its values depend on."""

    id: int
    site: str
    indicator: str
    interval_s: int
    labels: dict[str, str]

    @property
    def phase_s(self) -> int:
        """Offset of the ticks: daily counts at local midnight, weekly ones on Monday 00:00."""
        if self.interval_s == DAY_S:
            return -LOCAL_OFFSET_S % DAY_S
        if self.interval_s == WEEK_S:
            return (4 * DAY_S - LOCAL_OFFSET_S) % WEEK_S
        return 0

    @property
    def history_s(self) -> int:
        """How far back history goes: 60 days, a year of daily counts, five of weekly ones."""
        if self.interval_s >= WEEK_S:
            return 5 * 365 * DAY_S
        if self.interval_s >= DAY_S:
            return 365 * DAY_S
        return 60 * DAY_S


def specs(session: Session) -> list[SeriesSpec]:
    """Every series in the store, as the generator needs it."""
    query = (
        select(Series.id, Site.code, Indicator.code, Series.interval_s, Site.labels)
        .join(Series.site)
        .join(Series.indicator)
        .order_by(Series.id)
    )
    return [
        SeriesSpec(sid, site, ind, int(interval), dict(labels or {}))
        for sid, site, ind, interval, labels in session.execute(query)
    ]


def tick_times(spec: SeriesSpec, start_s: int, end_s: int) -> NDArray[np.int64]:
    """Reporting instants of `spec` in (start_s, end_s], epoch seconds."""
    step, phase = spec.interval_s, spec.phase_s
    first = (start_s - phase) // step + 1
    last = (end_s - phase) // step
    return (np.arange(first, last + 1, dtype=np.int64) * step + phase).astype(np.int64)


@dataclass(frozen=True)
class Generator:
    """Values of every demo series for a seed, with the incidents of the current run."""

    seed: int
    incidents: tuple[Incident, ...] = ()
    origin_s: int = 0

    def _context(self, spec: SeriesSpec, indicator: str, t: NDArray[np.int64]) -> Context:
        key = noise.key_of(self.seed, spec.site, indicator)
        return Context(key=key, labels=spec.labels, interval_s=spec.interval_s, t=t)

    def _with_incidents(
        self, spec: SeriesSpec, indicator: str, t: NDArray[np.int64], values: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        rel = (t - self.origin_s).astype(np.float64)
        for incident in self.incidents:
            if incident.affects(spec.site, indicator):
                values = incident.apply(spec.site, indicator, rel, values)
        return values

    def values(
        self, spec: SeriesSpec, t: NDArray[np.int64]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """(values, reported) at tick times `t`; `reported` is False while a sensor is silent."""
        if spec.indicator in DERIVED:
            source, transform, carry = DERIVED[spec.indicator]
            raw = BEHAVIOURS[source](self._context(spec, source, t))
            if carry:
                raw = self._with_incidents(spec, source, t, raw)
            values = transform(self._context(spec, spec.indicator, t), raw)
        else:
            values = BEHAVIOURS[spec.indicator](self._context(spec, spec.indicator, t))
        values = self._with_incidents(spec, spec.indicator, t, np.asarray(values, dtype=float))
        rel = (t - self.origin_s).astype(np.float64)
        reported = np.ones(t.shape, dtype=bool)
        for incident in self.incidents:
            if incident.affects(spec.site, spec.indicator):
                reported &= ~incident.silent(spec.site, spec.indicator, rel)
        return values, reported

    def batch(
        self, all_specs: list[SeriesSpec], start_s: int, end_s: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """(series ids, epoch-ms times, values) of every reading in (start_s, end_s]."""
        ids, times, vals = [], [], []
        for spec in all_specs:
            t = tick_times(spec, start_s, end_s)
            if t.size == 0:
                continue
            v, keep = self.values(spec, t)
            ids.append(np.full(int(keep.sum()), spec.id, dtype=np.int64))
            times.append(t[keep] * 1000)
            vals.append(v[keep])
        if not ids:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty.copy(), np.empty(0, dtype=np.float64)
        return np.concatenate(ids), np.concatenate(times), np.concatenate(vals)

"""A deterministic situation for the web tests: a catalogue, readings and warnings in known states.

Warnings are made the way the engine makes them: signals through ``apply_signals`` (the warnings
service), so their time lines, content and routing are real. Everything is relative to ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from forewarn.auth.service import create_user
from forewarn.catalogue.models import Series, Site
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.labels import fingerprint
from forewarn.detect.signals import Signal, SignalState
from forewarn.readings import service as readings
from forewarn.scope import ALL
from forewarn.timeutil import to_ms
from forewarn.warnings import service as warnings_service
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.models import Warning
from tests.factories import load_catalogue

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
H = timedelta(hours=1)


class FixedClock:
    """A clock standing still at `at` (pages show deterministic times)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        """The fixed time."""
        return self.at


@dataclass(frozen=True)
class Step:
    """One signal of a warning's story: at `at` the rule is `state` at `level` with `value`."""

    at: datetime
    state: SignalState
    level: Level | None
    value: float
    threshold: float | None = None


@dataclass
class Built:
    """Ids of what a scenario made, by a short name."""

    warnings: dict[str, int] = field(default_factory=dict)
    series: dict[str, int] = field(default_factory=dict)


def series_id(session: Session, site: str, indicator: str) -> int:
    """The id of a site's series of `indicator`."""
    query = select(Series).join(Series.site).where(Site.code == site)
    found = [s for s in session.scalars(query) if s.indicator.code == indicator]
    assert found, f"no series {site}/{indicator}"
    return found[0].id


def add_readings(
    session: Session, sid: int, end: datetime, interval: timedelta, values: Sequence[float]
) -> None:
    """Store `values` at `interval` steps ending one interval before `end`."""
    n = len(values)
    step_ms = int(interval.total_seconds() * 1000)
    times = to_ms(end) - step_ms * np.arange(n, 0, -1, dtype=np.int64)
    readings.insert(
        session,
        np.full(n, sid, dtype=np.int64),
        times.astype(np.int64),
        np.asarray(values, dtype=np.float64),
    )


NAMES_EN = {"ch4-high": "Methane above its limit"}
"""English names of the scenario's rules (a rule's ``name_en``); the others have none."""


def explanation(rule: str, step: Step, *, exit_ratio: float = 0.8) -> dict[str, object]:
    """An explanation shaped like the detection engine's (threshold detector)."""
    level = step.level.label if step.level else None
    thr = step.threshold
    return {
        "rule": rule,
        "rule_name": rule.replace("-", " "),
        **({"rule_name_en": NAMES_EN[rule]} if rule in NAMES_EN else {}),
        "detector": "threshold",
        "params": {"op": ">="},
        "transition": step.state.value,
        "cause": "reading",
        "value": step.value,
        "measure": step.value,
        "threshold": None
        if thr is None
        else {
            "level": level,
            "enter": f">= {thr:g}",
            "exit": f"< {thr * exit_ratio:g}",
            "enter_value": thr,
            "exit_value": thr * exit_ratio,
        },
        "annotations": {
            "watch": f"{rule} at {step.value:g}",
            "measures": "Check the site and report back.",
        },
    }


def tell(
    session: Session,
    *,
    rule: str,
    site: str,
    indicator: str,
    steps: Sequence[Step],
) -> int:
    """Apply a warning's signals in order; the warning's id."""
    sid = series_id(session, site, indicator)
    labels = {"series": str(sid), "site": site, "indicator": indicator}
    fp = fingerprint(rule, {"site": site, "indicator": indicator})
    started = steps[0].at
    for step in steps:
        signal = Signal(
            rule=rule,
            fingerprint=fp,
            labels=labels,
            state=step.state,
            level=step.level,
            at=step.at,
            started_at=started,
            value=step.value,
            message=f"{indicator} {step.value:g} at {site}",
            explanation=explanation(rule, step),
        )
        apply_signals(session, [signal], now=step.at)
    found = session.scalar(select(Warning.id).where(Warning.fingerprint == fp))
    assert found is not None
    return found


def small(sessions: sessionmaker[Session], now: datetime = NOW) -> Built:
    """The web tests' situation on ``data/catalogue.yaml``.

    - ``ch4``: methane at the Honggu mine rising blue -> yellow -> orange -> red, active;
    - ``water``: the Lanzhou gauge above its orange stage, active;
    - ``cases``: diarrhoea cases in Baiyin District at yellow, acknowledged;
    - ``co``: CO at the Honggu mine, blue and resolved hours ago (its sensor is now silent).
    """
    load_catalogue(sessions, DATA / "catalogue.yaml")
    built = Built()
    fire, gone = SignalState.FIRING, SignalState.RESOLVED
    with session_scope(sessions) as s:
        built.series = {
            "ch4": series_id(s, "mine-honggu", "ch4"),
            "co": series_id(s, "mine-honggu", "co"),
            "water": series_id(s, "gauge-lanzhou", "water_level"),
            "cases": series_id(s, "cdc-baiyin", "cases"),
        }
        ch4 = np.concatenate([np.full(108, 0.3), np.linspace(0.3, 1.7, 36)])
        add_readings(s, built.series["ch4"], now, timedelta(minutes=5), ch4.round(3).tolist())
        add_readings(s, built.series["co"], now - 2 * H, timedelta(minutes=5), [12.0] * 120)
        water = 1500 + np.concatenate([np.zeros(80), np.linspace(0, 4, 16)])
        add_readings(s, built.series["water"], now, timedelta(minutes=15), water.tolist())
        add_readings(s, built.series["cases"], now, timedelta(days=1), [5.0] * 29 + [22.0])
        built.warnings["ch4"] = tell(
            s,
            rule="ch4-high",
            site="mine-honggu",
            indicator="ch4",
            steps=[
                Step(now - 3 * H, fire, Level.BLUE, 0.5, 0.5),
                Step(now - 2.5 * H, fire, Level.YELLOW, 0.8, 0.8),
                Step(now - 2 * H, fire, Level.ORANGE, 1.0, 1.0),
                Step(now - 1 * H, fire, Level.RED, 1.5, 1.5),
            ],
        )
        built.warnings["water"] = tell(
            s,
            rule="water-level-high",
            site="gauge-lanzhou",
            indicator="water_level",
            steps=[Step(now - 4 * H, fire, Level.ORANGE, 1503.0, 1502.5)],
        )
        built.warnings["cases"] = tell(
            s,
            rule="diarrhoea-outbreak",
            site="cdc-baiyin",
            indicator="cases",
            steps=[Step(now - 20 * H, fire, Level.YELLOW, 22.0, 15.0)],
        )
        built.warnings["co"] = tell(
            s,
            rule="co-high",
            site="mine-honggu",
            indicator="co",
            steps=[
                Step(now - 10 * H, fire, Level.BLUE, 30.0, 24.0),
                Step(now - 9 * H, gone, None, 12.0),
            ],
        )
        warnings_service.acknowledge(
            s, built.warnings["cases"], scope=ALL, actor="by.duty", now=now - 19 * H
        )
    return built


def add_user(
    sessions: sessionmaker[Session], username: str, role: str, department: str | None
) -> None:
    """A user with the test password."""
    with session_scope(sessions) as s:
        create_user(
            s,
            username=username,
            password=PASSWORD,
            roles=[role],
            department=department,
            now=datetime.now(UTC),
        )

"""Heartbeats: a silent site or feed raises its own warning, and resolves when data returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from forewarn.catalogue.models import Series, Site
from forewarn.db import session_scope
from forewarn.readings import service as readings
from forewarn.scope import ALL
from forewarn.timeutil import to_ms
from forewarn.warnings import service
from forewarn.warnings.advance import advance
from forewarn.warnings.desk import Desk
from forewarn.warnings.models import Warning
from forewarn.warnings.policy import DEFAULT_POLICY_YAML, parse_policy
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
FEEDS = """
heartbeats:
  check_every: 1m
  feeds:
    - {name: mines, matchers: ['field="production_safety"'], silent_after: 20m, level: orange}
"""


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def store(sessions):
    load_catalogue(sessions)
    with sessions() as s:
        ids = {site: sid for sid, site in s.execute(select(Series.id, Site.code).join(Series.site))}
    return sessions, ids


def report(sessions, series_id, minute):
    with session_scope(sessions) as s:
        readings.insert(
            s,
            np.array([series_id], dtype=np.int64),
            np.array([to_ms(at(minute))], dtype=np.int64),
            np.array([0.3]),
        )


def tick(sessions, minute, desk):
    with session_scope(sessions) as s:
        return advance(s, now=at(minute), desk=desk)


def state(sessions):
    with sessions() as s:
        rows = s.scalars(select(Warning).order_by(Warning.id))
        return [(w.fingerprint, w.status, w.level, w.rule, w.region_code) for w in rows]


def test_sites_and_feeds_that_stop_sending_raise_warnings(store):
    sessions, ids = store
    desk = Desk(parse_policy(DEFAULT_POLICY_YAML + FEEDS))
    for minute in range(0, 11):
        report(sessions, ids["mine-honggu-1"], minute)
    report(sessions, ids["gauge-lanzhou"], 10)
    assert tick(sessions, 24, desk).heartbeat_signals == 0, "15 min tolerance not yet passed"
    assert state(sessions) == []
    assert tick(sessions, 26, desk).heartbeat_signals == 2
    assert state(sessions) == [
        ("heartbeat:site:gauge-lanzhou", "active", 2, "heartbeat.site", "620102"),
        ("heartbeat:site:mine-honggu-1", "active", 2, "heartbeat.site", "620111"),
    ], "the county CDC never reported: it cannot fall silent"
    tick(sessions, 31, desk)
    assert state(sessions)[-1] == ("heartbeat:feed:mines", "active", 3, "heartbeat.feed", "620111")
    with sessions() as s:
        beat = s.scalar(
            select(Warning).where(Warning.fingerprint == "heartbeat:site:mine-honggu-1")
        )
        assert "no reading from 红古一号煤矿 since 2026-05-01T08:10:00" in beat.message
        assert beat.content["type"] == "数据中断 data source silent"
        assert beat.routing["departments"] == ["lz-em"]
    report(sessions, ids["mine-honggu-1"], 40)
    tick(sessions, 41, desk)
    assert [s[1] for s in state(sessions)] == ["active", "resolved", "resolved"]


def test_a_lifted_heartbeat_warning_waits_for_the_source_to_report_again(store):
    sessions, ids = store
    desk = Desk()
    report(sessions, ids["gauge-lanzhou"], 0)
    tick(sessions, 20, desk)
    [(fingerprint, status, *_)] = state(sessions)
    assert status == "active"
    with session_scope(sessions) as s:
        wid = s.scalar(select(Warning.id))
        service.lift(s, wid, scope=ALL, actor="duty", now=at(21), reason="gauge under repair")
    tick(sessions, 30, desk)
    tick(sessions, 50, desk)
    assert [s[1] for s in state(sessions)] == ["lifted"]
    report(sessions, ids["gauge-lanzhou"], 55)
    tick(sessions, 60, desk)
    tick(sessions, 75, desk)
    assert [s[1] for s in state(sessions)] == ["lifted", "active"]
    assert state(sessions)[1][0] == fingerprint


def test_heartbeats_are_checked_every_check_every(store):
    sessions, ids = store
    desk = Desk(parse_policy(DEFAULT_POLICY_YAML + "heartbeats: {check_every: 10m}\n"))
    report(sessions, ids["gauge-lanzhou"], 0)
    tick(sessions, 10, desk)
    assert tick(sessions, 16, desk).heartbeat_signals == 0, "checked at 10, next check at 20"
    assert tick(sessions, 20, desk).heartbeat_signals == 1

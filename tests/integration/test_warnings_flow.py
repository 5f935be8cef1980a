"""Signals through lifecycle, grouping, muting, routing and escalation into the outbox, on the
store (both backends), with an explicit clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forewarn.catalogue.models import Department
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.notify.models import Notification
from forewarn.scope import ALL, Scope
from forewarn.warnings import service, silences
from forewarn.warnings.advance import advance
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.models import Warning, WarningEvent
from forewarn.warnings.policy import DEFAULT_POLICY_YAML, parse_policy
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
MINE = {
    "site": "mine-honggu-1",
    "indicator": "ch4",
    "region": "620111",
    "field": "production_safety",
}
FIRING, PENDING, RESOLVED = SignalState.FIRING, SignalState.PENDING, SignalState.RESOLVED


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sig(state, level, minute, *, fp="ch4:mine-honggu-1", rule="ch4_high", labels=MINE):
    return Signal(
        rule=rule,
        fingerprint=fp,
        labels=dict(labels),
        state=state,
        level=level,
        at=at(minute),
        started_at=at(0),
        value=1.0,
        message="ch4 1.0%",
    )


@pytest.fixture
def store(sessions):
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        for d in s.scalars(select(Department)):
            d.contact = {
                "email": f"{d.code}@example.org",
                "webhook": f"https://hooks.example/{d.code}",
            }
    return sessions


def run(sessions, minute, signals=(), desk=None, **kw):
    with session_scope(sessions) as s:
        if signals:
            return apply_signals(s, list(signals), now=at(minute), desk=desk or Desk())
        return advance(s, now=at(minute), desk=desk or Desk(), **kw)


def outbox(sessions):
    with sessions() as s:
        rows = s.scalars(select(Notification).order_by(Notification.id))
        return [(n.idempotency_key, n.channel, n.target, n.reason, n.warning_id) for n in rows]


def events(sessions, warning_id=None):
    with sessions() as s:
        q = select(WarningEvent).order_by(WarningEvent.id)
        if warning_id is not None:
            q = q.where(WarningEvent.warning_id == warning_id)
        return [(e.kind, e.actor, e.level, e.status, e.rule) for e in s.scalars(q)]


def warnings(sessions):
    with sessions() as s:
        return list(s.scalars(select(Warning).order_by(Warning.id)))


def test_a_firing_signal_is_told_after_group_wait_once_per_target(store):
    desk = Desk()
    run(store, 0, [sig(PENDING, Level.YELLOW, 0)], desk)
    run(store, 5, [sig(FIRING, Level.YELLOW, 5)], desk)
    [w] = warnings(store)
    assert (w.status, w.level, w.department_id is not None) == ("active", 2, True)
    assert w.routing["departments"] == ["lz-em"]
    assert w.routing["walked"] == ["620111", "620100"]
    run(store, 5.4, desk=desk, heartbeats=False)
    assert outbox(store) == [], "group_wait (30s) has not passed"
    run(store, 5.5, desk=desk, heartbeats=False)
    assert [k for k, *_ in events(store, w.id)] == ["pending", "activated", "notification_queued"]
    activated_id = _event_id(store, w.id, "activated")
    assert outbox(store) == [
        (f"warning:{w.id}:event:{activated_id}:to:dept:lz-em:{ch}", ch, target, "activated", w.id)
        for ch, target in (
            ("inapp", f"department:{w.department_id}"),
            ("email", "lz-em@example.org"),
            ("webhook", "https://hooks.example/lz-em"),
        )
    ]
    # the same signals again, and a "restarted" process (a new desk): nothing more
    again = run(store, 6, [sig(PENDING, Level.YELLOW, 0), sig(FIRING, Level.YELLOW, 5)], Desk())
    assert (again.ignored, again.created, again.changed) == (2, 0, 0)
    run(store, 7, desk=Desk(), heartbeats=False)
    assert len(outbox(store)) == 3
    assert [k for k, *_ in events(store, w.id)] == ["pending", "activated", "notification_queued"]


def _event_id(sessions, warning_id, kind):
    with sessions() as s:
        return s.scalar(select(WarningEvent.id).where(
            WarningEvent.warning_id == warning_id, WarningEvent.kind == kind
        ).order_by(WarningEvent.id.desc()))  # fmt: skip


def test_the_level_moves_inside_one_warning_and_each_move_is_told(store):
    desk = Desk()
    run(store, 0, [sig(FIRING, Level.BLUE, 0)], desk)
    run(store, 1, desk=desk, heartbeats=False)
    run(store, 2, [sig(FIRING, Level.ORANGE, 2)], desk)
    run(store, 3, desk=desk, heartbeats=False)
    assert len(outbox(store)) == 3, "the next flush waits for the group interval (5 min)"
    run(store, 6, desk=desk, heartbeats=False)
    run(store, 10, [sig(FIRING, Level.RED, 10)], desk)  # the red route has no group wait
    run(store, 20, [sig(FIRING, Level.YELLOW, 20)], desk)
    run(store, 30, [sig(RESOLVED, None, 30)], desk)
    run(store, 40, desk=desk, heartbeats=False)
    [w] = warnings(store)
    assert (w.status, w.level, w.highest_level) == ("resolved", 2, 4)
    assert (w.content["level"], w.content["level_text"]) == ("yellow", "III 黄色 yellow")
    assert w.stored_content["level"] == "blue", "written once, at the first activation"
    timeline = [
        (k, lvl, st, rule)
        for k, _a, lvl, st, rule in events(store, w.id)
        if k != "notification_queued"
    ]
    assert timeline == [
        ("activated", 1, "active", "open_firing"),
        ("level_changed", 3, None, "raise"),
        ("level_changed", 4, None, "raise"),
        ("level_changed", 2, None, "lower"),
        ("resolved", None, "resolved", "resolve"),
    ]
    reasons = [r for _k, ch, _t, r, _w in outbox(store) if ch == "email"]
    assert reasons == ["activated", "level_raised", "level_raised", "level_lowered", "resolved"]
    # the red route's group told the same changes to the same department: stored once
    with store() as s:
        groups = s.scalars(
            select(WarningEvent.data).where(WarningEvent.kind == "notification_queued")
        )
        assert {g["group"] for g in groups} == {1, 2}


def test_a_resolved_warning_is_reactivated_within_the_window_else_replaced(store):
    desk = Desk()
    run(store, 0, [sig(FIRING, Level.YELLOW, 0), sig(RESOLVED, None, 10)], desk)
    run(store, 40, [sig(FIRING, Level.ORANGE, 40)], desk)
    [w] = warnings(store)
    assert (w.status, w.level, w.reactivations, w.ended_at) == ("active", 3, 1, None)
    run(store, 50, [sig(RESOLVED, None, 50)], desk)
    run(store, 200, [sig(FIRING, Level.BLUE, 200)], desk)  # 150 min later: past the 1h window
    first, second = warnings(store)
    assert (first.status, second.status, second.level) == ("resolved", "active", 1)
    assert first.fingerprint == second.fingerprint
    assert second.open_fingerprint == first.fingerprint
    assert first.open_fingerprint is None


def test_a_rule_with_for_re_activates_its_resolved_warning_instead_of_opening_another(store):
    # a rule with `for:` sends pending before firing: the pending signal must not open a new one
    desk = Desk()
    run(store, 0, [sig(FIRING, Level.YELLOW, 0), sig(RESOLVED, None, 10)], desk)
    run(store, 13, [sig(PENDING, Level.YELLOW, 13)], desk)
    [w] = warnings(store)
    assert (w.status, w.reactivations) == ("resolved", 0)
    run(store, 23, [sig(FIRING, Level.ORANGE, 23)], desk)
    [w] = warnings(store)
    assert (w.status, w.level, w.reactivations, w.ended_at) == ("active", 3, 1, None)
    run(store, 30, [sig(RESOLVED, None, 30)], desk)
    run(
        store, 150, [sig(PENDING, Level.YELLOW, 150)], desk
    )  # past the 1h window: a new warning begins
    first, second = warnings(store)
    assert (first.status, second.status) == ("resolved", "pending")


POLICY = DEFAULT_POLICY_YAML


def test_escalation_follows_the_snapshot_and_stops_at_acknowledgement(store):
    desk = Desk(parse_policy(POLICY))
    run(store, 0, [sig(FIRING, Level.RED, 0)], desk)
    # the policy is edited after the escalation started: the warning keeps its snapshot
    desk.policy = parse_policy(POLICY.replace("red: {ack_within: 15m", "red: {ack_within: 5h"))
    run(store, 14, desk=desk, heartbeats=False)
    assert not [k for k, *_ in events(store) if k == "escalated"]
    run(store, 15, desk=desk, heartbeats=False)
    [w] = warnings(store)
    assert (w.escalation_step, w.escalation["levels"]["red"]["ack_within_s"]) == (1, 900.0)
    escalated = [r for r in outbox(store) if r[3] == "escalation"]
    assert {t for _k, _c, t, _r, _w in escalated} >= {"gs-em@example.org"}, "the parent department"
    with session_scope(store) as s:
        service.acknowledge(s, w.id, scope=ALL, actor="zhang.wei", now=at(20))
    run(store, 60, desk=desk, heartbeats=False)
    run(store, 120, desk=desk, heartbeats=False)
    assert [k for k, *_ in events(store, w.id)].count("escalated") == 1
    assert warnings(store)[0].escalation_due_at is None


def test_a_silent_site_inhibits_its_value_warnings_until_it_reports_again(store):
    desk = Desk()
    heartbeat = {"site": "mine-honggu-1", "region": "620111", "field": "production_safety"}
    run(store, 0, [sig(FIRING, Level.YELLOW, 0, fp="heartbeat:site:mine-honggu-1",
                       rule="heartbeat.site", labels=heartbeat)], desk)  # fmt: skip
    run(store, 1, [sig(FIRING, Level.ORANGE, 1)], desk)
    run(store, 5, desk=desk, heartbeats=False)
    beat, value = warnings(store)
    assert [r for r in outbox(store) if r[4] == value.id] == []
    muted = [(k, a) for k, a, *_ in events(store, value.id) if k == "muted"]
    assert muted == [("muted", "system")]
    with store() as s:
        data = s.scalar(select(WarningEvent.data).where(WarningEvent.kind == "muted"))
    assert data["by"] == f"inhibited:silent_site:{beat.id}"
    run(store, 6, [sig(RESOLVED, None, 6, fp="heartbeat:site:mine-honggu-1",
                       rule="heartbeat.site", labels=heartbeat)], desk)  # fmt: skip
    run(store, 12, desk=desk, heartbeats=False)
    told = [r for r in outbox(store) if r[4] == value.id and r[1] == "email"]
    assert [r[3] for r in told] == ["activated"], "told once the source stopped firing"


def test_a_silence_mutes_within_scope_and_its_expiry_is_on_the_time_line(store):
    desk = Desk()
    lanzhou = Scope(("/620000/620100/",), frozenset({"production_safety"}))
    with session_scope(store) as s:
        made = silences.create_silence(
            s, matchers=['rule="ch4_high"'], starts_at=at(0), ends_at=at(30),
            reason="sensor recalibration", actor="li.na", scope=lanzhou, now=at(0),
        )  # fmt: skip
        silence_id = made.id
    run(store, 1, [sig(FIRING, Level.YELLOW, 1)], desk)
    run(store, 5, desk=desk, heartbeats=False)
    [w] = warnings(store)
    assert outbox(store) == []
    assert w.muted_by == f"silence:{silence_id}"
    run(store, 31, desk=desk, heartbeats=False)
    kinds = [k for k, *_ in events(store, w.id)]
    assert kinds == ["activated", "muted", "silence_expired", "notification_queued"]
    assert [r[3] for r in outbox(store) if r[1] == "email"] == ["activated"]


def test_lifting_is_told_and_ends_inhibition(store):
    desk = Desk()
    run(store, 0, [sig(FIRING, Level.ORANGE, 0)], desk)
    run(store, 1, desk=desk, heartbeats=False)
    [w] = warnings(store)
    with session_scope(store) as s:
        service.lift(
            s, w.id, scope=ALL, actor="wang.fang", now=at(3), reason="mine evacuated, gas drained"
        )
    run(store, 10, desk=desk, heartbeats=False)
    [w] = warnings(store)
    assert (w.status, w.ended_by, w.end_reason, w.open_fingerprint) == (
        "lifted",
        "wang.fang",
        "mine evacuated, gas drained",
        None,
    )
    assert w.content["lifting"]["reason"] == "mine evacuated, gas drained"
    assert [r[3] for r in outbox(store) if r[1] == "email"] == ["activated", "lifted"]
    # the engine still sees the condition: its next change opens a new warning
    run(store, 20, [sig(FIRING, Level.RED, 20)], desk)
    assert [x.status for x in warnings(store)] == ["lifted", "active"]


def test_flapping_is_marked_and_its_changes_held_back(store):
    desk = Desk(parse_policy(POLICY + "lifecycle: {flapping: {window: 1h, max_changes: 3}}\n"))
    run(store, 0, [sig(FIRING, Level.YELLOW, 0)], desk)
    run(store, 0.6, desk=desk, heartbeats=False)
    for minute, level in ((1, Level.ORANGE), (2, Level.YELLOW), (3, Level.ORANGE)):
        run(store, minute, [sig(FIRING, level, minute)], desk)
    run(store, 6, desk=desk, heartbeats=False)  # the group interval has passed: changes held back
    [w] = warnings(store)
    assert w.flapping
    assert w.muted_by == "flapping"
    kinds = [k for k, *_ in events(store, w.id)]
    assert kinds.count("flapping_started") == 1
    assert kinds.count("muted") == 1
    assert [r[3] for r in outbox(store) if r[1] == "email"] == ["activated"]
    run(store, 200, desk=desk, heartbeats=False)
    assert not warnings(store)[0].flapping
    tail = [k for k, *_ in events(store, w.id)][-3:]
    assert tail == ["flapping_stopped", "escalated", "notification_queued"]
    emails = [r[3] for r in outbox(store) if r[1] == "email"]
    assert emails == ["activated", "escalation", "level_raised"]


def test_a_crash_before_commit_leaves_nothing_and_the_retry_records_once(store):
    desk = Desk()
    run(store, 0, [sig(FIRING, Level.ORANGE, 0)], desk)
    seen = []

    def crash(s):
        advance(s, now=at(1), desk=desk, heartbeats=False)
        seen.append(len(s.scalars(select(Notification)).all()))
        raise RuntimeError("process killed before commit")

    with pytest.raises(RuntimeError), session_scope(store) as s:
        crash(s)
    assert seen == [3]
    assert outbox(store) == []
    run(store, 1, desk=Desk(), heartbeats=False)
    run(store, 2, desk=Desk(), heartbeats=False)
    assert len(outbox(store)) == 3


def test_the_job_keeps_a_failed_batch_and_applies_it_with_the_next(store, monkeypatch):
    from forewarn.warnings import jobs

    job = jobs.WarningsJob(store)
    real = jobs.apply_signals
    calls = []

    def flaky(session, signals, **kw):
        calls.append(len(signals))
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(session, signals, **kw)

    monkeypatch.setattr(jobs, "apply_signals", flaky)
    assert job.sink([sig(FIRING, Level.YELLOW, 0)], at(0)) is None
    assert warnings(store) == []
    result = job.sink([sig(FIRING, Level.RED, 1)], at(1))
    assert result is not None
    assert calls == [1, 2]
    [w] = warnings(store)
    assert (w.status, w.level) == ("active", 4)
    assert [k for k, *_ in events(store, w.id)][:2] == ["activated", "level_changed"]
    assert {r[3] for r in outbox(store)} == {"level_raised"}
    told = len(outbox(store))
    assert job(at(2)).notifications == 0
    assert len(outbox(store)) == told


def test_a_reminder_names_every_warning_nobody_acknowledged(store):
    sites = ("mine-honggu-1", "mine-honggu-2", "mine-honggu-3")
    signals = [
        sig(FIRING, Level.YELLOW, 0, fp=f"ch4:{site}", labels=MINE | {"site": site})
        for site in sites
    ]
    run(store, 0, signals)
    run(store, 1, heartbeats=False)  # the group's first flush tells all three
    first, second, third = warnings(store)
    with session_scope(store) as s:
        service.acknowledge(s, second.id, scope=ALL, actor="zhang.wei", now=at(2))
    run(store, 241, heartbeats=False)  # past the 4 h repeat interval
    with store() as s:
        reminders = s.scalars(select(Notification).where(Notification.reason == "reminder"))
        named = {tuple(i["id"] for i in n.payload["warnings"]) for n in reminders}
    assert named == {(third.id, first.id)}, "both unacknowledged warnings, the lead first"
    queued = [k for w in (first, second, third) for k, *_ in events(store, w.id)]
    assert queued.count("notification_queued") == 3 + 2


def test_a_new_warnings_first_notification_reports_its_opening_event(store):
    run(store, 0, [sig(FIRING, Level.YELLOW, 0)])
    [w] = warnings(store)
    with store() as s:
        opened = s.scalars(select(WarningEvent).where(WarningEvent.warning_id == w.id)).one()
    assert (opened.kind, w.last_event_id) == ("activated", opened.id)
    run(store, 1, heartbeats=False)
    with store() as s:
        told = list(s.scalars(select(Notification).where(Notification.warning_id == w.id)))
    assert told
    assert {n.payload["event"]["id"] for n in told} == {opened.id}
    assert all(f":event:{opened.id}:" in n.idempotency_key for n in told)


def test_acknowledging_is_not_the_change_a_notification_reports(store):
    run(store, 0, [sig(FIRING, Level.ORANGE, 0)])
    [w] = warnings(store)
    with session_scope(store) as s:
        service.acknowledge(s, w.id, scope=ALL, actor="zhang.wei", now=at(0.2))
    run(store, 1, heartbeats=False)  # the group's first flush, after the acknowledgement
    with store() as s:
        opened = s.scalars(select(WarningEvent).where(WarningEvent.kind == "activated")).one()
        told = list(s.scalars(select(Notification).where(Notification.warning_id == w.id)))
    assert told
    assert {(n.payload["event"]["id"], n.payload["event"]["kind"]) for n in told} == {
        (opened.id, "activated")
    }


def test_a_raise_told_by_two_routes_reaches_a_recipient_once_across_an_acknowledgement(store):
    run(store, 0, [sig(FIRING, Level.ORANGE, 0)])
    run(store, 1, heartbeats=False)  # the root route's group tells the activation
    run(store, 3, [sig(FIRING, Level.RED, 3)])  # the red route's group tells the raise at once
    [w] = warnings(store)
    with session_scope(store) as s:
        service.acknowledge(s, w.id, scope=ALL, actor="zhang.wei", now=at(4))
    run(store, 20, heartbeats=False)  # the root group's interval ends: the same raise
    raised = [(k, c, t) for k, c, t, r, _w in outbox(store) if r == "level_raised"]
    assert raised
    assert len(raised) == len({(c, t) for _k, c, t in raised}), "each target hears it once"


def test_one_batch_may_end_a_warning_and_open_the_next_of_its_fingerprint(store):
    # a catching-up engine sends both in one batch: the ended warning frees the fingerprint first
    run(store, 0, [sig(FIRING, Level.YELLOW, 0)])
    run(store, 300, [sig(RESOLVED, None, 10), sig(FIRING, Level.ORANGE, 200)])
    first, second = warnings(store)
    assert (first.status, first.open_fingerprint) == ("resolved", None)
    assert (second.status, second.level) == ("active", 3)
    assert second.open_fingerprint == first.fingerprint


def test_a_subject_the_store_refuses_is_set_aside_and_the_others_go_on(store, monkeypatch):
    from forewarn.warnings import jobs

    job = jobs.WarningsJob(store)
    real = jobs.apply_signals

    def refusing(session, signals, **kw):
        if any(s.fingerprint == "bad" for s in signals):
            raise ValueError("a signal the store cannot hold")
        return real(session, signals, **kw)

    monkeypatch.setattr(jobs, "apply_signals", refusing)
    good = [sig(FIRING, Level.YELLOW, 0, fp=f"ch4:mine-{i}", labels=MINE | {"site": f"mine-{i}"})
            for i in range(5)]  # fmt: skip
    bad = sig(FIRING, Level.RED, 0, fp="bad")
    assert job.sink([*good[:3], bad, *good[3:]], at(0)) is None
    assert len(warnings(store)) == 5, "the five others were applied"
    result = job.sink(
        [sig(FIRING, Level.ORANGE, 1, fp="ch4:mine-0", labels=MINE | {"site": "mine-0"})], at(1)
    )
    assert result is not None, "nothing is kept: the next batch applies at once"

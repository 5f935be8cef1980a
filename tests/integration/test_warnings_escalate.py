"""Manual escalation through the API: the next step now, with a reason, recorded, audited,
notified like an automatic step, scoped and permissioned (both backends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forewarn.audit.models import AuditEntry
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.notify.models import Notification
from forewarn.warnings.advance import advance
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.models import Warning, WarningEvent
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
MINE = {"site": "mine-honggu-1", "indicator": "ch4", "region": "620111",
        "field": "production_safety"}  # fmt: skip
CDC = {"site": "cdc-baiyin", "indicator": "cases", "region": "620402", "field": "public_health"}


@dataclass
class FixedClock:
    """A clock the test moves by hand."""

    current: datetime

    def now(self) -> datetime:
        return self.current


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fire(labels: dict[str, str], level: Level, rule: str) -> Signal:
    return Signal(rule=rule, fingerprint=f"{rule}:{labels['site']}", labels=labels,
                  state=SignalState.FIRING, level=level, at=at(0), started_at=at(0),
                  value=1.0, message=f"{rule} at {labels['site']}")  # fmt: skip


@pytest.fixture
def world(app, sessions):
    """The test catalogue, an orange mine warning and a red disease warning; clock at +10 min."""
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        apply_signals(
            s,
            [fire(MINE, Level.ORANGE, "ch4_high"), fire(CDC, Level.RED, "norovirus")],
            now=at(0),
            desk=Desk(),
        )
    app.state.clock = FixedClock(at(10))
    with sessions() as s:
        return {w.rule: w.id for w in s.scalars(select(Warning))}


def escalate(client, wid, reason="nobody answers the phone"):
    return client.post(f"/api/v1/warnings/{wid}/escalate", json={"reason": reason})


def outbox(sessions, wid):
    with sessions() as s:
        query = select(Notification).where(Notification.warning_id == wid)
        return [(n.idempotency_key, n.reason, n.target) for n in s.scalars(query)]


def test_escalating_takes_the_next_step_now_and_notifies_it(client, world, sessions):
    wid = world["ch4_high"]
    answer = escalate(client, wid)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # orange: 30 min -> parent, +1 h -> grandparent; step 1 taken at +10 min by a person
    assert (body["status"], body["escalation_step"]) == ("active", 1)
    assert body["escalation_due_at"].startswith("2026-05-01T09:30:00"), "step 2 keeps its time"
    event = body["timeline"][-1]
    assert (event["kind"], event["actor"], event["rule"]) == ("escalated", "test-admin", "escalate")
    assert event["time"].startswith("2026-05-01T08:10:00")
    assert (event["data"]["step"], event["data"]["receiver"]) == (1, "parent")
    assert event["data"]["manual"] is True
    assert "escalated by test-admin: nobody answers the phone" in event["data"]["reason"]
    assert event["data"]["recipients"] == ["dept:gs-em"]
    told = outbox(sessions, wid)
    assert told, "the parent department is notified"
    assert {r for _k, r, _t in told} == {"escalation"}
    assert all(k.startswith(f"warning:{wid}:event:{event['id']}:to:dept:gs-em:") for k, *_ in told)
    with sessions() as s:
        [logged] = s.scalars(select(AuditEntry).where(AuditEntry.action == "escalated")).all()
    who = (logged.entity, logged.entity_id, logged.actor)
    assert who == ("warnings", str(wid), "user:test-admin")
    assert logged.after == {"step": 1, "receiver": "parent", "reason": "nobody answers the phone"}


def test_the_clock_goes_on_after_a_manual_step_and_the_chain_ends(client, world, sessions):
    wid = world["ch4_high"]
    assert escalate(client, wid).status_code == 200
    with session_scope(sessions) as s:  # the timed step 1 (due at +30 min) is not taken again
        advance(s, now=at(40), desk=Desk(), heartbeats=False)
    with sessions() as s:
        assert s.get(Warning, wid).escalation_step == 1
    second = escalate(client, wid, "still nobody").json()
    assert (second["escalation_step"], second["escalation_due_at"]) == (2, None)
    assert second["timeline"][-1]["data"]["receiver"] == "grandparent"
    done = escalate(client, wid)
    assert done.status_code == 409
    assert done.json()["error"]["code"] == "conflict"
    assert done.json()["error"]["details"] == {"warning": wid, "escalation_step": 2}


def test_a_warning_without_a_snapshot_gets_one_when_escalated(client, world, sessions):
    wid = world["ch4_high"]
    with session_scope(sessions) as s:  # as if activated while no policy named an escalation
        w = s.get(Warning, wid)
        w.escalation, w.escalation_due_at = None, None  # the engine still set the start (0)
    body = escalate(client, wid).json()
    assert body["escalation"]["policy"] == "standard"
    assert body["escalation_step"] == 1
    # orange: 30 min -> parent, +1 h -> grandparent, timed from now (the snapshot's start)
    assert body["escalation_due_at"].startswith("2026-05-01T09:40:00")
    with sessions() as s:
        assert s.get(Warning, wid).escalation_started_at == at(10)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"reason": ""}, 422, "invalid_input"),
        ({"reason": "   "}, 422, "invalid_input"),
        ({}, 422, "invalid_input"),
        ({"reason": "x" * 4001}, 422, "invalid_input"),
        ({"reason": "ok", "extra": 1}, 422, "invalid_input"),
    ],
)
def test_a_reason_is_required(client, world, body, status, code):
    answer = client.post(f"/api/v1/warnings/{world['ch4_high']}/escalate", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def test_only_an_active_warning_is_escalated(client, world):
    wid = world["ch4_high"]
    assert client.post(f"/api/v1/warnings/{wid}/ack").status_code == 200
    refused = escalate(client, wid)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"
    assert "escalate" not in refused.json()["error"]["details"]["allowed"]
    assert escalate(client, 999_999).status_code == 404


def test_escalation_is_scoped_permissioned_and_audited(client_as, world, sessions):
    lanzhou = client_as("duty_officer", "lz-em")
    assert escalate(lanzhou, world["norovirus"]).status_code == 404, "outside its scope"
    responder = client_as("responder", "lz-em")
    denied = escalate(responder, world["ch4_high"])
    assert denied.status_code == 403
    assert denied.json()["error"]["details"] == {"permission": "warnings:escalate"}
    assert escalate(lanzhou, world["ch4_high"]).status_code == 200
    with sessions() as s:
        entries = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "warnings", AuditEntry.entity_id == str(world["ch4_high"])
            )
        ).all()
    by = {e.action: e for e in entries if e.actor.startswith("user:duty_officer.lz-em")}
    assert set(by) == {"update", "escalated"}  # the row's change, and the act with its reason
    entry = by["update"]
    assert (entry.before["escalation_step"], entry.after["escalation_step"]) == (0, 1)
    assert entry.after["updated_at"].startswith("2026-05-01T08:10:00")
    assert by["escalated"].after["step"] == 1


def test_a_step_that_reaches_nobody_is_refused_by_hand_and_marked_when_due(client, world, sessions):
    # Baiyin's health commission is the top department of public health: `parent` is nobody
    wid = world["norovirus"]
    refused = escalate(client, wid)
    assert refused.status_code == 409
    assert "reaches nobody" in refused.json()["error"]["message"]
    with sessions() as s:
        assert s.get(Warning, wid).escalation_step == 0, "nothing was taken"
    with session_scope(sessions) as s:
        advance(s, now=at(16), desk=Desk(), heartbeats=False)  # red: 15 min to acknowledge
    with sessions() as s:
        [step] = s.scalars(
            select(WarningEvent).where(
                WarningEvent.warning_id == wid, WarningEvent.kind == "escalated"
            )
        )
        assert (step.data["recipients"], step.data["unreached"]) == ([], True)
    assert [n for n in outbox(sessions, wid) if n[1] == "escalation"] == []

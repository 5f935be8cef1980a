"""The warnings and silences API: lists, detail with time line, acts, scope and permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.warnings.advance import advance
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.models import Silence, Warning
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
MINE = {
    "site": "mine-honggu-1",
    "indicator": "ch4",
    "region": "620111",
    "field": "production_safety",
}
GAUGE = {"site": "gauge-lanzhou", "indicator": "water_level", "region": "620102",
         "field": "natural_disaster"}  # fmt: skip
CDC = {"site": "cdc-baiyin", "indicator": "cases", "region": "620402", "field": "public_health"}


@dataclass
class FixedClock:
    """A clock the test moves by hand."""

    current: datetime

    def now(self) -> datetime:
        return self.current


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fire(labels, level, minute, rule):
    return Signal(rule=rule, fingerprint=f"{rule}:{labels['site']}", labels=labels,
                  state=SignalState.FIRING, level=level, at=at(minute), started_at=at(minute),
                  value=1.0, message=f"{rule} at {labels['site']}")  # fmt: skip


@pytest.fixture
def world(app, sessions):
    """The test catalogue, three active warnings, and the app's clock at T0 + 10 min."""
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        apply_signals(
            s,
            [
                fire(MINE, Level.ORANGE, 0, "ch4_high"),
                fire(GAUGE, Level.YELLOW, 1, "flood_stage"),
                fire(CDC, Level.RED, 2, "norovirus"),
            ],
            now=at(2),
            desk=Desk(),
        )
    app.state.clock = FixedClock(at(10))
    with sessions() as s:
        return {w.rule: w.id for w in s.scalars(select(Warning))}


def test_list_filters_and_pages(client, world):
    page = client.get("/api/v1/warnings").json()
    assert page["total"] == 3
    assert [w["rule"] for w in page["items"]] == ["norovirus", "flood_stage", "ch4_high"]
    first = page["items"][0]
    assert (first["level"], first["level_text"], first["status"]) == ("red", "I 红色 red", "active")

    def rules(**params):
        answer = client.get("/api/v1/warnings", params=params)
        assert answer.status_code == 200, answer.text
        return sorted(w["rule"] for w in answer.json()["items"])

    assert rules(level="II") == ["ch4_high"]
    assert rules(min_level="orange") == ["ch4_high", "norovirus"]
    assert rules(field="natural_disaster") == ["flood_stage"]
    assert rules(within="620100") == ["ch4_high", "flood_stage"]
    assert rules(within="620111") == ["ch4_high"]
    assert rules(status=["resolved", "lifted"]) == []
    assert rules(status="active", sort="level") == ["ch4_high", "flood_stage", "norovirus"]
    assert rules(end=at(0.5).isoformat()) == ["ch4_high"]
    assert rules(start=at(100).isoformat()) == ["ch4_high", "flood_stage", "norovirus"]
    paged = client.get("/api/v1/warnings", params={"limit": 1, "offset": 1}).json()
    assert (paged["total"], [w["rule"] for w in paged["items"]]) == (3, ["flood_stage"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "purple"}, "level"),
        ({"status": "open"}, "status"),
        ({"limit": 1001}, "query.limit"),
        ({"end": "2026-05-01T08:00:00"}, "end"),
        ({"sort": "random"}, "query.sort"),
        ({"field": "produciton_safety"}, "field"),  # not a field of the catalogue
        ({"level": "3"}, "level"),  # Level III or the third rung: refused as ambiguous
        ({"start": "2026-06-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "start"),
        ({"start": "9999-12-31T23:59:59-05:00"}, "start"),  # beyond what a UTC time can hold
    ],
)
def test_bad_filters_name_the_field(client, world, params, field):
    answer = client.get("/api/v1/warnings", params=params)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in str(error["details"])


def test_detail_explains_itself_with_its_time_line(client, world):
    answer = client.get(f"/api/v1/warnings/{world['ch4_high']}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["routing"]["departments"] == ["lz-em"]
    assert "walked up 620111 -> 620100" in body["routing"]["why"]
    assert body["content"]["issuer"] == {"code": "lz-em", "name": "兰州市应急管理局"}
    assert body["content"]["area"] == [{"code": "620111", "name": "红古区"}]
    assert body["content"]["level"] == "orange"
    assert body["escalation"]["policy"] == "standard"
    [event] = body["timeline"]
    assert {k: event[k] for k in ("kind", "actor", "level", "status", "rule")} == {
        "kind": "activated", "actor": "engine", "level": "orange", "status": "active",
        "rule": "open_firing",
    }  # fmt: skip
    assert event["time"].startswith("2026-05-01T08:00:00")
    assert client.get("/api/v1/warnings/999999").status_code == 404


def test_detail_explanation_is_that_of_the_latest_level_change(client, world, sessions):
    def signal(level, minute, value):
        return Signal(rule="ch4_high", fingerprint="ch4_high:mine-honggu-1", labels=MINE,
                      state=SignalState.FIRING, level=level, at=at(minute), started_at=at(0),
                      value=value, message="ch4",
                      explanation={"value": value, "step": minute})  # fmt: skip

    with session_scope(sessions) as s:
        apply_signals(s, [signal(Level.RED, 3, 2.5), signal(Level.YELLOW, 4, 1.1)], now=at(4),
                      desk=Desk())  # fmt: skip
    body = client.get(f"/api/v1/warnings/{world['ch4_high']}").json()
    assert body["level"] == "yellow"
    assert body["explanation"] == {"value": 1.1, "step": 4}
    raised = [e for e in body["timeline"] if e["kind"] == "level_changed"]
    assert [e["data"]["explanation"]["value"] for e in raised] == [2.5, 1.1]


def test_level_explanations_oldest_first_and_bounded(client, world, sessions):
    from forewarn.warnings.timeline import current_explanation, level_explanations

    def signal(level, minute):
        return Signal(rule="ch4_high", fingerprint="ch4_high:mine-honggu-1", labels=MINE,
                      state=SignalState.FIRING, level=level, at=at(minute), started_at=at(0),
                      value=float(minute), message="ch4",
                      explanation={"step": minute})  # fmt: skip

    levels = [Level.RED, Level.YELLOW, Level.ORANGE, Level.RED]
    with session_scope(sessions) as s:
        apply_signals(s, [signal(lv, 3 + i) for i, lv in enumerate(levels)], now=at(7),
                      desk=Desk())  # fmt: skip
    wid = world["ch4_high"]
    with sessions() as s:
        assert [e["step"] for e in level_explanations(s, [wid])] == [3, 4, 5, 6]
        assert [e["step"] for e in level_explanations(s, [wid], limit=2)] == [5, 6]
        assert level_explanations(s, []) == []
    assert current_explanation({"opened": True}, []) == {"opened": True}


def test_acknowledge_assign_comment_and_lift(client, world):
    wid = world["ch4_high"]
    acked = client.post(f"/api/v1/warnings/{wid}/ack", json={"comment": "on it"})
    assert acked.status_code == 200, acked.text
    body = acked.json()
    assert (body["status"], body["acknowledged_by"], body["escalation_due_at"]) == (
        "acknowledged",
        "test-admin",
        None,
    )
    assert body["acknowledged_at"].startswith("2026-05-01T08:10:00")
    again = client.post(f"/api/v1/warnings/{wid}/ack")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert again.json()["error"]["details"]["allowed"] == ["assign", "comment", "lift"]
    assigned = client.post(f"/api/v1/warnings/{wid}/assign", json={"assignee": "wang.fang"})
    assert assigned.json()["assignee"] == "wang.fang"
    commented = client.post(f"/api/v1/warnings/{wid}/comment", json={"text": "team on site"})
    assert commented.status_code == 200
    no_reason = client.post(f"/api/v1/warnings/{wid}/lift", json={"reason": ""})
    assert no_reason.status_code == 422
    lifted = client.post(f"/api/v1/warnings/{wid}/lift", json={"reason": "gas drained"})
    body = lifted.json()
    assert (body["status"], body["ended_by"], body["end_reason"]) == (
        "lifted",
        "test-admin",
        "gas drained",
    )
    assert body["content"]["lifting"]["reason"] == "gas drained"
    timeline = [(e["kind"], e["actor"], e["status"]) for e in body["timeline"]]
    assert timeline == [
        ("activated", "engine", "active"),
        ("acknowledged", "test-admin", "acknowledged"),
        ("assigned", "test-admin", None),
        ("commented", "test-admin", None),
        ("lifted", "test-admin", "lifted"),
    ]
    assert body["timeline"][3]["data"] == {"text": "team on site"}
    assert client.post(f"/api/v1/warnings/{wid}/assign", json={"assignee": "x"}).status_code == 409


def test_scope_limits_every_read_and_act(client_as, world):
    lanzhou = client_as("duty_officer", "lz-em")  # Lanzhou, production safety
    seen = lanzhou.get("/api/v1/warnings").json()
    assert [w["rule"] for w in seen["items"]] == ["ch4_high"]
    assert seen["total"] == 1
    assert lanzhou.get(f"/api/v1/warnings/{world['norovirus']}").status_code == 404
    assert lanzhou.post(f"/api/v1/warnings/{world['norovirus']}/ack").status_code == 404
    assert lanzhou.get("/api/v1/warnings", params={"within": "620400"}).status_code == 404
    assert lanzhou.get("/api/v1/warnings", params={"field": "public_health"}).json()["total"] == 0
    assert lanzhou.post(f"/api/v1/warnings/{world['ch4_high']}/ack").status_code == 200


def test_permissions_are_declared_per_act(client_as, world):
    viewer = client_as("viewer", "lz-em")
    assert viewer.get("/api/v1/warnings").status_code == 200
    denied = viewer.post(f"/api/v1/warnings/{world['ch4_high']}/ack")
    assert denied.status_code == 403
    assert denied.json()["error"]["details"] == {"permission": "warnings:ack"}
    responder = client_as("responder", "lz-em")
    assert (
        responder.post(
            f"/api/v1/warnings/{world['ch4_high']}/lift", json={"reason": "x"}
        ).status_code
        == 403
    )
    assert responder.post(f"/api/v1/warnings/{world['ch4_high']}/ack").status_code == 200


def test_unauthenticated_requests_are_refused(anon_client, world):
    assert anon_client.get("/api/v1/warnings").status_code == 401
    assert anon_client.get("/api/v1/silences").status_code == 401


def _silence(client, **extra):
    body = {
        "matchers": ['rule="ch4_high"'],
        "ends_at": at(70).isoformat(),
        "reason": "recalibration",
    }
    return client.post("/api/v1/silences", json=body | extra)


def test_silences_take_the_creators_scope(client, client_as, world, sessions, app):
    lanzhou = client_as("duty_officer", "lz-em")
    made = _silence(lanzhou)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["state"], body["region_paths"], body["fields"]) == (
        "active",
        ["/620000/620100/"],
        ["production_safety"],
    )
    assert body["created_by"].startswith("duty_officer.lz-em")
    narrowed = _silence(lanzhou, region="620111").json()
    assert narrowed["region_paths"] == ["/620000/620100/620111/"]
    outside = _silence(lanzhou, region="620402")
    assert outside.status_code == 422
    assert "not a region in your scope" in outside.json()["error"]["message"]
    assert _silence(lanzhou, field="public_health").status_code == 422
    baiyin = client_as("duty_officer", "by-health")
    assert baiyin.get("/api/v1/silences").json()["total"] == 0
    assert baiyin.get(f"/api/v1/silences/{body['id']}").status_code == 404
    assert client.get("/api/v1/silences").json()["total"] == 2
    # the silence mutes the mine's warning, inside its scope
    with session_scope(sessions) as s:
        advance(s, now=at(10), desk=Desk(), heartbeats=False)
    with sessions() as s:
        muted = {w.rule: w.muted_by for w in s.scalars(select(Warning))}
    assert muted["ch4_high"] == f"silence:{body['id']}"
    assert muted["norovirus"] is None


def test_an_unrestricted_silence_is_shown_where_its_matchers_reach(client, client_as, world):
    # an administrator's silence keeps no region or field: its matchers say where it reaches
    outbreak = client.post(
        "/api/v1/silences",
        json={"matchers": ['rule="norovirus"', 'site="cdc-baiyin"'], "reason": "known cluster",
              "ends_at": at(120).isoformat()},
    )  # fmt: skip
    assert outbreak.status_code == 201, outbreak.text
    everywhere = client.post(
        "/api/v1/silences",
        json={"matchers": ['level="blue"'], "reason": "drill", "ends_at": at(120).isoformat()},
    )
    assert everywhere.status_code == 201, everywhere.text
    lanzhou = client_as("duty_officer", "lz-em")  # production safety in Lanzhou
    seen = {s["id"] for s in lanzhou.get("/api/v1/silences").json()["items"]}
    assert seen == {everywhere.json()["id"]}
    assert lanzhou.get(f"/api/v1/silences/{outbreak.json()['id']}").status_code == 404
    baiyin = client_as("duty_officer", "by-health")  # the clinic's own health commission
    seen = {s["id"] for s in baiyin.get("/api/v1/silences").json()["items"]}
    assert seen == {outbreak.json()["id"], everywhere.json()["id"]}


def test_silences_are_checked_changed_and_expired(client, client_as, world, sessions):
    assert _silence(client, reason="  ").status_code == 422
    assert _silence(client, matchers=[]).status_code == 422
    bad = _silence(client, matchers=["level>=purple"])
    assert bad.status_code == 422
    assert bad.json()["error"]["details"] == {"field": "matchers[0]"}
    assert _silence(client, ends_at=at(5).isoformat()).status_code == 422  # in the past
    assert _silence(client, ends_at="2026-05-01T10:00:00").status_code == 422  # no offset
    ident = _silence(client).json()["id"]
    patched = client.patch(f"/api/v1/silences/{ident}", json={"ends_at": at(30).isoformat()})
    assert patched.json()["ends_at"].startswith("2026-05-01T08:30:00")
    lanzhou = client_as("duty_officer", "lz-em")
    assert lanzhou.delete(f"/api/v1/silences/{ident}").status_code == 403, "an unrestricted silence"
    expired = client.delete(f"/api/v1/silences/{ident}").json()
    assert (expired["state"], expired["expired_by"]) == ("expired", "test-admin")
    assert expired["ends_at"].startswith("2026-05-01T08:10:00")
    assert client.get("/api/v1/silences", params={"state": "expired"}).json()["total"] == 1
    assert client.get("/api/v1/silences", params={"state": "active"}).json()["total"] == 0
    refused = client.patch(f"/api/v1/silences/{ident}", json={"reason": "x"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "conflict")
    with sessions() as s:
        assert s.get(Silence, ident) is not None, "expired silences are kept"


def test_a_future_silence_expired_before_it_starts_never_runs(client, world):
    made = _silence(client, starts_at=at(30).isoformat())
    assert made.status_code == 201, made.text
    ident = made.json()["id"]
    assert client.get(f"/api/v1/silences/{ident}").json()["state"] == "pending"
    expired = client.delete(f"/api/v1/silences/{ident}").json()
    assert (expired["state"], expired["expired_by"]) == ("expired", "test-admin")
    assert expired["starts_at"] == expired["ends_at"]
    assert client.get("/api/v1/silences", params={"state": "expired"}).json()["total"] == 1
    assert client.get("/api/v1/silences", params={"state": "pending"}).json()["total"] == 0
    revived = client.patch(f"/api/v1/silences/{ident}", json={"ends_at": at(90).isoformat()})
    assert revived.status_code == 409, "an expired silence cannot be brought back"


def test_ids_no_store_could_hold_are_not_found(client, world):
    for url in ("/api/v1/warnings/2147483648", "/api/v1/warnings/99999999999999999999",
                "/api/v1/silences/2147483648"):  # fmt: skip
        answer = client.get(url)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found"), url
    acked = client.post("/api/v1/warnings/2147483648/ack", json={})
    assert acked.status_code == 404


def test_a_silence_names_what_is_wrong_with_its_field_and_end(client, world):
    unknown = _silence(client, field="produciton_safety")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == {"field": "field"}
    past = _silence(client, ends_at=at(5).isoformat())  # no start given: it starts now
    assert past.json()["error"]["message"] == "ends_at: must be in the future"


def test_a_nul_character_is_refused_naming_the_field_on_every_store(client, world):
    wid = world["ch4_high"]
    answer = client.post(f"/api/v1/warnings/{wid}/comment", json={"text": "a\u0000b"})
    assert answer.status_code == 422
    assert "text" in str(answer.json()["error"]["details"])
    silence = _silence(client, matchers=['rule="a\u0000"'])
    assert silence.status_code == 422
    assert "matchers" in str(silence.json()["error"]["details"])

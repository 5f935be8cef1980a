"""Public warnings through the API: draft, approval by the right level, CAP Alert / Update /
Cancel (each validated against the CAP 1.2 schema), the public Atom feed and CAP files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.publish import service
from forewarn.publish.cap import NS
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.models import Warning
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
C = {"c": NS}
A = {"a": "http://www.w3.org/2005/Atom"}
GAUGE = {
    "site": "gauge-lanzhou",
    "indicator": "water_level",
    "region": "620102",
    "field": "natural_disaster",
}
MINE = {
    "site": "mine-honggu-1",
    "indicator": "ch4",
    "region": "620111",
    "field": "production_safety",
}
NOTES = {"annotations": {"type": "洪水", "watch": "水位持续上涨", "measures": "远离河道"}}


@dataclass
class FixedClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def schema(shared_dir):
    return etree.XMLSchema(etree.parse(str(shared_dir / "standards" / "cap" / "CAP-v1.2.xsd")))


def fire(sessions, level: Level, at: datetime, labels=GAUGE, rule: str = "river_high") -> int:
    signal = Signal(
        rule=rule,
        fingerprint=f"{rule}|{labels['site']}",
        labels=labels,
        state=SignalState.FIRING,
        level=level,
        at=at,
        started_at=T0,
        value=1520.4,
        message="水位 1520.4 m",
        explanation=NOTES,
    )
    with session_scope(sessions) as s:
        apply_signals(s, [signal], now=at)
        return s.scalar(select(Warning.id).where(Warning.fingerprint == signal.fingerprint))


def sync(sessions, settings, at: datetime):
    with session_scope(sessions) as s:
        return [
            (m.msg_type, m.identifier)
            for m in service.sync_publications(s, now=at, settings=settings)
        ]


def valid(schema, xml: bytes):
    doc = etree.fromstring(xml)
    schema.assertValid(doc)
    return doc


DRAFT = {
    "headline": {"en": "Yellow flood warning: Lanzhou gauge"},
    "description": {"en": "The Yellow River is rising at Lanzhou."},
    "instruction": {"en": "Keep away from the river banks."},
    "event": {"en": "Flood"},
    "response_types": ["Avoid", "Monitor"],
}


def test_draft_approve_then_update_and_cancel(
    client_as, anon_client, app, sessions, settings, schema
):
    load_catalogue(sessions)
    wid = fire(sessions, Level.YELLOW, T0)
    composer = client_as("analyst", "gs-em")
    approver = client_as("duty_officer", "gs-em")
    assert approver.get(f"/api/v1/warnings/{wid}/cap").status_code == 404

    drafted = composer.post(f"/api/v1/warnings/{wid}/publication", json=DRAFT)
    assert drafted.status_code == 200, drafted.text
    pub = drafted.json()
    assert pub["state"] == "draft"
    assert pub["draft"]["headline"] == {
        "zh-CN": "黄色预警：城关区洪水",
        "en": "Yellow flood warning: Lanzhou gauge",
    }
    assert pub["draft"]["description"]["zh-CN"] == "水位持续上涨"  # from the release content
    assert pub["draft"]["areas"] == ["620102"]
    assert _entries(anon_client) == []  # nothing public before approval

    approved = approver.post(f"/api/v1/warnings/{wid}/publication/approve")
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] == "published"
    assert [m["msg_type"] for m in body["messages"]] == ["Alert"]
    cap = approver.get(f"/api/v1/warnings/{wid}/cap")
    assert cap.headers["content-type"].startswith("application/cap+xml")
    alert = valid(schema, cap.content)
    assert alert.findtext("c:identifier", namespaces=C) == f"forewarn.{wid}.1"
    assert alert.findtext("c:sent", namespaces=C).endswith("+08:00")
    assert alert.xpath("//c:info/c:language/text()", namespaces=C) == ["zh-CN", "en"]
    assert alert.xpath("//c:info/c:severity/text()", namespaces=C) == ["Moderate"] * 2
    assert alert.xpath("//c:info/c:senderName/text()", namespaces=C)[0] == "甘肃省应急管理厅"
    assert alert.xpath("//c:geocode/c:value/text()", namespaces=C) == ["620102"] * 2

    (entry,) = _entries(anon_client)
    href = entry.find("a:link", namespaces=A).get("href")
    assert href == f"http://127.0.0.1:8000/feeds/cap/forewarn.{wid}.1.xml"
    public = anon_client.get(href.removeprefix("http://127.0.0.1:8000"))
    assert public.status_code == 200
    assert public.content == cap.content

    fire(sessions, Level.ORANGE, T0 + timedelta(minutes=30))
    later = T0 + timedelta(minutes=31)
    assert sync(sessions, settings, later) == [("Update", f"forewarn.{wid}.2")]
    assert sync(sessions, settings, later) == []  # nothing more until something changes
    update = valid(schema, approver.get(f"/api/v1/warnings/{wid}/cap").content)
    assert update.findtext("c:msgType", namespaces=C) == "Update"
    assert update.findtext("c:note", namespaces=C) == "III -> II"
    assert update.findtext("c:incidents", namespaces=C) == f"forewarn.{wid}.1"
    refs = update.findtext("c:references", namespaces=C).split(",")
    assert refs[:2] == ["forewarn@localhost", f"forewarn.{wid}.1"]
    assert update.xpath("//c:info/c:severity/text()", namespaces=C) == ["Severe"] * 2

    lifted = approver.post(
        f"/api/v1/warnings/{wid}/lift", json={"reason": "水位回落 level back to normal"}
    )
    assert lifted.status_code == 200, lifted.text
    end = T0 + timedelta(hours=2)
    assert sync(sessions, settings, end) == [("Cancel", f"forewarn.{wid}.3")]
    cancel = valid(schema, approver.get(f"/api/v1/warnings/{wid}/cap").content)
    assert cancel.findtext("c:msgType", namespaces=C) == "Cancel"
    assert len(cancel.findtext("c:references", namespaces=C).split(" ")) == 2
    assert cancel.xpath("//c:info/c:responseType/text()", namespaces=C) == ["AllClear"] * 2
    assert (
        cancel.xpath("//c:info/c:description/text()", namespaces=C)[0]
        == "水位回落 level back to normal"
    )
    assert sync(sessions, settings, end + timedelta(hours=1)) == []

    app.state.clock = FixedClock(end + timedelta(hours=1))
    (entry,) = _entries(anon_client)  # the Cancel stays in the feed for the retention time
    assert entry.xpath("a:category/@term", namespaces=A) == ["Severe", "Cancel"]
    app.state.clock = FixedClock(end + timedelta(hours=25))
    assert _entries(anon_client) == []

    state = approver.get(f"/api/v1/warnings/{wid}/publication").json()
    assert state["state"] == "cancelled"
    assert [m["msg_type"] for m in state["messages"]] == ["Alert", "Update", "Cancel"]
    kinds = [e["kind"] for e in approver.get(f"/api/v1/warnings/{wid}").json()["timeline"]]
    assert kinds.count("cap_issued") == 3
    assert kinds.index("publication_drafted") < kinds.index("publication_approved")
    again = composer.post(f"/api/v1/warnings/{wid}/publication", json=DRAFT)
    assert again.status_code == 409


def _entries(anon_client):
    feed = anon_client.get("/feeds/cap.atom")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    return etree.fromstring(feed.content).findall("a:entry", namespaces=A)


def test_a_revision_is_issued_as_an_update_with_the_new_text(client_as, sessions, schema):
    load_catalogue(sessions)
    wid = fire(sessions, Level.YELLOW, T0)
    composer, approver = client_as("analyst", "gs-em"), client_as("duty_officer", "gs-em")
    composer.post(f"/api/v1/warnings/{wid}/publication", json={})
    approver.post(f"/api/v1/warnings/{wid}/publication/approve")
    revised = composer.post(
        f"/api/v1/warnings/{wid}/publication", json={"headline": {"zh-CN": "修订：河水上涨"}}
    ).json()
    assert revised["state"] == "revision_pending"
    assert revised["approved"]["headline"]["zh-CN"] == "黄色预警：城关区洪水"
    done = approver.post(f"/api/v1/warnings/{wid}/publication/approve").json()
    assert (done["state"], done["revision"]) == ("published", 2)
    update = valid(schema, approver.get(f"/api/v1/warnings/{wid}/cap").content)
    assert update.findtext("c:msgType", namespaces=C) == "Update"
    assert update.findtext("c:note", namespaces=C) == "revision 2"
    assert update.xpath("//c:info/c:headline/text()", namespaces=C) == ["修订：河水上涨"]


def test_approval_rules(client, client_as, sessions):
    load_catalogue(sessions)
    wid = fire(sessions, Level.ORANGE, T0, labels=MINE, rule="methane")
    province = client_as("duty_officer", "gs-em")
    city = client_as("duty_officer", "lz-em")
    url = f"/api/v1/warnings/{wid}/publication"
    assert city.post(f"{url}/approve").json()["error"]["code"] == "conflict"  # no draft yet
    assert client_as("viewer", "gs-em").post(url, json={}).status_code == 403
    assert client_as("responder", "by-health").post(url, json={}).status_code == 403
    assert client_as("duty_officer", "by-health").post(url, json={}).status_code == 404

    bad_area = province.post(url, json={"areas": ["620111", "999999"]})
    assert bad_area.status_code == 422
    assert bad_area.json()["error"]["details"] == {"field": "areas[1]"}
    assert province.post(url, json={"headline": {"zh-CN": "x" * 161}}).status_code == 422
    assert province.post(url, json={"response_types": ["AllClear"]}).status_code == 422

    wide = province.post(url, json={"areas": ["620111", "620402"]})
    assert wide.status_code == 200, wide.text
    own = province.post(f"{url}/approve")
    assert own.status_code == 403  # four eyes: the composer may not approve
    assert "four-eyes" in own.json()["error"]["message"]
    assert client.post(f"{url}/approve").status_code == 403  # administrator without department
    below = city.post(f"{url}/approve")  # Lanzhou may not sign for Baiyin's district
    assert below.status_code == 403
    assert below.json()["error"]["details"]["regions_outside"] == ["/620000/620400/620402/"]
    assert client_as("analyst", "gs-em").post(f"{url}/approve").status_code == 403  # no permission
    ok = client_as("duty_officer", "gs-em").post(f"{url}/approve")
    assert ok.status_code == 200, ok.text
    narrow = city.post(url, json={"areas": ["620111"]})
    assert narrow.status_code == 200
    assert province.post(f"{url}/approve").status_code == 200  # a province may sign for a county


def test_only_firing_warnings_are_published(client_as, sessions):
    load_catalogue(sessions)
    wid = fire(sessions, Level.YELLOW, T0)
    officer = client_as("duty_officer", "gs-em")
    officer.post(f"/api/v1/warnings/{wid}/lift", json={"reason": "false alarm"})
    refused = officer.post(f"/api/v1/warnings/{wid}/publication", json={})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"


def test_system_principal_publishes_without_a_department(sessions, settings, schema):
    load_catalogue(sessions)
    wid = fire(sessions, Level.RED, T0)
    from forewarn.auth.principal import SYSTEM
    from forewarn.publish.schemas import PublicationDraftIn
    from forewarn.scope import ALL

    with session_scope(sessions) as s:
        service.draft_publication(s, wid, PublicationDraftIn(), who=SYSTEM, scope=ALL, now=T0)
        service.approve_publication(s, wid, who=SYSTEM, scope=ALL, now=T0, settings=settings)
    with sessions() as s:
        (message,) = service.messages_of(s, wid)
    doc = valid(schema, message.xml.encode())
    assert doc.xpath("//c:info/c:severity/text()", namespaces=C) == ["Extreme"]
    assert doc.xpath("//c:info/c:urgency/text()", namespaces=C) == ["Immediate"]
    assert doc.xpath("//c:info/c:senderName/text()", namespaces=C) == ["forewarn"]


def test_public_paths_need_no_login_and_show_only_issued_messages(anon_client, client):
    assert anon_client.get("/feeds/cap/forewarn.1.1.xml").status_code == 404
    assert anon_client.get("/feeds/cap/bad%20id.xml").status_code == 422
    assert anon_client.get("/api/v1/warnings/1/cap").status_code == 401
    assert anon_client.get("/api/v1/warnings/1/publication").status_code == 401

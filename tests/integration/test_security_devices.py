"""Device keys: shown once, stored hashed, limited to their sites, revocable."""

from __future__ import annotations

from sqlalchemy import select

from forewarn.auth.models import DeviceKey
from forewarn.catalogue.models import Series
from forewarn.ingest.pipeline import UNWRITABLE
from forewarn.readings.models import Reading
from tests.factories import load_catalogue


def _series(sessions):
    with sessions() as s:
        return {(x.site.code, x.indicator.code): x.id for x in s.scalars(select(Series))}


def _stored(sessions):
    with sessions() as s:
        return sorted(tuple(r) for r in s.execute(select(Reading.series_id, Reading.time_ms)))


def _make_key(client, sites=("mine-honggu-1",), name="gw-honggu"):
    answer = client.post("/api/v1/devices", json={"name": name, "sites": list(sites)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_key_is_shown_once_and_stored_hashed(client, sessions):
    load_catalogue(sessions)
    made = _make_key(client)
    key = made["key"]
    assert key.startswith(f"fwk_{made['prefix']}_")
    assert made["sites"] == ["mine-honggu-1"]
    listed = client.get("/api/v1/devices").json()
    assert listed["total"] == 1
    assert "key" not in listed["items"][0]
    assert key not in str(listed)
    with sessions() as s:
        row = s.scalars(select(DeviceKey)).one()
        assert row.key_hash != key
        assert key not in str(row.__dict__)


def test_device_writes_its_sites_only_and_others_are_rejected_by_position(
    client, anon_client, sessions
):
    load_catalogue(sessions)
    key = _make_key(client)["key"]
    ids = _series(sessions)
    ch4, level = ids[("mine-honggu-1", "ch4")], ids[("gauge-lanzhou", "water_level")]
    batch = {
        "readings": [
            {"series": ch4, "time": "2026-05-01T00:00:00Z", "value": 0.4},
            {"series": level, "time": "2026-05-01T00:00:00Z", "value": 1500},
            {
                "site": "gauge-lanzhou",
                "indicator": "water_level",
                "time": "2026-05-01T00:01:00Z",
                "value": 1500,
            },
            {"series": ch4, "time": "bad", "value": 0.4},
            {
                "site": "mine-honggu-1",
                "indicator": "ch4",
                "time": "2026-05-01T00:01:00Z",
                "value": 0.5,
            },
        ]
    }
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        answer = anon_client.post("/api/v1/readings", json=batch, headers=headers)
        assert answer.status_code == 200, answer.text
        rejected = {r["index"]: r["error"] for r in answer.json()["rejected"]}
        assert sorted(rejected) == [1, 2, 3]
        assert rejected[1] == UNWRITABLE
        assert rejected[2] == UNWRITABLE
        assert rejected[3].startswith("time:")
    assert _stored(sessions) == [(ch4, 1777593600000), (ch4, 1777593660000)]


def test_device_can_do_nothing_else(client, anon_client, sessions):
    load_catalogue(sessions)
    key = _make_key(client)["key"]
    headers = {"X-API-Key": key}
    ch4 = _series(sessions)[("mine-honggu-1", "ch4")]
    for path in ("/api/v1/sites", f"/api/v1/series/{ch4}/readings", "/api/v1/users"):
        assert anon_client.get(path, headers=headers).status_code == 403, path
    me = anon_client.get("/api/v1/auth/me", headers=headers).json()
    assert (me["kind"], me["username"], me["roles"]) == ("device", "gw-honggu", ["device"])
    assert me["scope"] == {"regions": [], "fields": []}


def test_revoked_and_forged_keys_are_refused(client, anon_client, sessions):
    load_catalogue(sessions)
    made = _make_key(client)
    key = made["key"]
    empty = {"readings": []}
    assert anon_client.post("/api/v1/readings", json=empty, headers={"X-API-Key": key}).is_success
    forged = key[:-3] + ("abc" if not key.endswith("abc") else "xyz")
    for bad in (forged, key + "x", "fwk_nothere_x"):
        answer = anon_client.post("/api/v1/readings", json=empty, headers={"X-API-Key": bad})
        assert answer.status_code == 401
    revoked = client.post(f"/api/v1/devices/{made['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    answer = anon_client.post("/api/v1/readings", json=empty, headers={"X-API-Key": key})
    assert answer.status_code == 401


def test_key_creation_checks_sites_and_permission(client, client_as, sessions):
    load_catalogue(sessions)
    answer = client.post("/api/v1/devices", json={"name": "gw", "sites": ["no-such-site"]})
    assert answer.status_code == 422
    assert "no-such-site" in answer.json()["error"]["message"]
    _make_key(client, name="gw")
    assert (
        client.post("/api/v1/devices", json={"name": "gw", "sites": ["cdc-baiyin"]}).status_code
        == 409
    )
    duty = client_as("duty_officer", "gs-em")
    assert (
        duty.post("/api/v1/devices", json={"name": "x", "sites": ["cdc-baiyin"]}).status_code == 403
    )
    assert duty.get("/api/v1/devices").status_code == 403


def test_a_restricted_caller_cannot_tell_which_series_exist_outside_its_sites(
    client, anon_client, sessions
):
    load_catalogue(sessions)
    ids = _series(sessions)
    key = _make_key(client)["key"]
    at = "2026-05-01T00:00:00Z"
    batch = {
        "readings": [
            {"site": "gauge-lanzhou", "indicator": "water_level", "time": at, "value": 1},
            {"site": "gauge-lanzhou", "indicator": "made_up", "time": at, "value": 1},
            {"series": ids[("gauge-lanzhou", "water_level")], "time": at, "value": 1},
            {"series": 99999, "time": at, "value": 1},
            # out of range too: its range must not be told either
            {"site": "gauge-lanzhou", "indicator": "water_level", "time": at, "value": -5},
        ]
    }
    answer = anon_client.post("/api/v1/readings", json=batch, headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    assert [r["error"] for r in answer.json()["rejected"]] == [UNWRITABLE] * 5
    # an administrator (every series) is told what exactly is wrong
    told = client.post("/api/v1/readings", json=batch).json()["rejected"]
    assert [r["index"] for r in told] == [1, 3, 4]
    assert "unknown series 99999" in told[1]["error"]
    assert "physical minimum" in told[2]["error"]

"""The scope matrix: roles x departments (regions) x endpoints; nothing crosses a scope.

Every endpoint is a row of ENDPOINTS: how to ask it what a caller sees (or may write), and
the oracle that says what the caller should see, computed independently from the catalogue
file (region tree, department fields, shares). Add a row when an endpoint lands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from forewarn.auth.permissions import granted
from forewarn.auth.shares import create_share
from forewarn.catalogue.models import Department, Series
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.ingest.pipeline import UNWRITABLE
from forewarn.notify.models import InboxItem
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.models import Warning
from tests.factories import DATA, load_catalogue

EXTRA = """
departments:
  - {code: hg-em, name: 红古区应急管理局, region: "620111", fields: [production_safety]}
  - {code: gs-duty, name: 甘肃省政府总值班室, region: "620000"}
sites:
  - code: mine-chengguan-2
    name: 城关二号矿
    region: "620102"
    field: production_safety
    department: lz-em
    series:
      - {indicator: ch4, interval: 1m}
  - code: cdc-honggu
    name: 红古区疾控
    region: "620111"
    field: public_health
    series:
      - {indicator: cases, interval: 7d}
"""


@dataclass(frozen=True)
class Caller:
    """A principal of the matrix: role, department, and read shares (region, field)."""

    name: str
    role: str
    department: str | None
    shares: tuple[tuple[str | None, str | None], ...] = ()


CALLERS = [
    Caller("admin", "administrator", None),
    Caller("province-duty", "duty_officer", "gs-em"),
    Caller("province-desk-all-fields", "analyst", "gs-duty"),
    Caller("city-duty", "duty_officer", "lz-em"),
    Caller("county-duty", "duty_officer", "hg-em"),
    Caller("county-inspector", "inspector", "hg-em"),
    Caller("other-city-health", "viewer", "by-health"),
    Caller("county-duty-shared", "duty_officer", "hg-em", (("620102", None),)),
    Caller("city-duty-shared-field", "responder", "lz-em", ((None, "public_health"),)),
]


class World:
    """The catalogue as plain data, read from the YAML files (independent of the services)."""

    def __init__(self, tmp: Path) -> None:
        docs = [yaml.safe_load((DATA / "catalogue.yaml").read_text("utf-8")), yaml.safe_load(EXTRA)]
        self.parent = {r["code"]: r.get("parent") for r in docs[0]["regions"]}
        self.depts = {d["code"]: d for doc in docs for d in doc.get("departments", [])}
        self.sites = {s["code"]: s for doc in docs for s in doc["sites"]}
        self.indicators = {i["code"]: i["field"] for i in docs[0]["indicators"]}
        self.extra = tmp / "extra.yaml"
        self.extra.write_text(EXTRA, "utf-8")
        self.series: dict[int, str] = {}
        self.warnings: dict[int, str] = {}  # warning id -> site code
        self.published: set[str] = set()  # sites whose warning has an approved CAP
        self.inbox: dict[int, str] = {}  # in-app item id -> department code it is for

    def under(self, region: str, top: str) -> bool:
        """Whether `region` is `top` or below it."""
        node: str | None = region
        while node is not None:
            if node == top:
                return True
            node = self.parent[node]
        return False

    def grants(self, caller: Caller, *, write: bool = False) -> list[tuple[str, set[str] | None]]:
        """(region, fields) rectangles the caller may read (or write); [] means nothing."""
        if caller.role == "administrator":
            return [("620000", None)]
        dept = self.depts[caller.department]
        fields = set(dept.get("fields") or []) or None
        regions = [dept["region"]]
        if not write:
            regions += [r for r, _ in caller.shares if r]
            if fields is not None:
                fields |= {f for _, f in caller.shares if f}
        return [(r, fields) for r in regions]

    def sees(self, caller: Caller, region: str, field: str | None, *, write: bool = False) -> bool:
        """The oracle: may the caller see (write) an object of `region` and `field`?"""
        return any(
            self.under(region, top) and (fields is None or field is None or field in fields)
            for top, fields in self.grants(caller, write=write)
        )

    def visible_sites(self, caller: Caller, *, write: bool = False) -> set[str]:
        """Codes of the sites the caller should see (write to)."""
        return {
            code
            for code, site in self.sites.items()
            if self.sees(caller, site["region"], site["field"], write=write)
        }


T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
PUBLISHED = "gauge-lanzhou"


class FixedClock:
    """The app's clock, stopped at T0 + 10 minutes."""

    def now(self) -> datetime:
        return T0 + timedelta(minutes=10)


def _fire(w: World, code: str) -> Signal:
    site = w.sites[code]
    labels = {"site": code, "indicator": site["series"][0]["indicator"],
              "region": site["region"], "field": site["field"]}  # fmt: skip
    return Signal(rule="matrix", fingerprint=f"matrix|{code}", labels=labels,
                  state=SignalState.FIRING, level=Level.ORANGE, at=T0, started_at=T0,
                  value=1.0, message=f"matrix at {code}")  # fmt: skip


@pytest.fixture
def world(app, sessions, tmp_path, client_as) -> World:
    """Both catalogue files, one active warning per site, and the gauge's warning published."""
    load_catalogue(sessions)
    w = World(tmp_path)
    load_catalogue(sessions, w.extra)
    app.state.clock = FixedClock()
    with session_scope(sessions) as s:
        apply_signals(s, [_fire(w, code) for code in sorted(w.sites)], now=T0)
    with session_scope(sessions) as s:
        for dept in s.scalars(select(Department)):
            s.add(InboxItem(idempotency_key=f"matrix-{dept.code}", created_at=T0,
                            department_id=dept.id, reason="test", subject=dept.code, body="",
                            payload={}))  # fmt: skip
    with sessions() as s:
        w.series = {x.id: x.site.code for x in s.scalars(select(Series))}
        w.warnings = {x.id: x.labels["site"] for x in s.scalars(select(Warning))}
        w.inbox = {x.id: x.subject for x in s.scalars(select(InboxItem))}
    gauge = next(i for i, code in w.warnings.items() if code == PUBLISHED)
    url = f"/api/v1/warnings/{gauge}/publication"
    draft = {"headline": {"en": "Flood warning"}, "event": {"en": "Flood"}}
    assert client_as("analyst", "gs-em", username="pub.composer").post(url, json=draft).is_success
    approved = client_as("duty_officer", "gs-em", username="pub.approver").post(f"{url}/approve")
    assert approved.status_code == 200, approved.text
    w.published = {PUBLISHED}
    return w


@pytest.fixture
def caller_client(client, client_as, sessions):
    def make(caller: Caller):
        if caller.role == "administrator":
            return client
        with session_scope(sessions) as s:
            for region, field in caller.shares:
                create_share(
                    s,
                    department=caller.department,
                    region=region,
                    field=field,
                    now=datetime.now(UTC),
                    created_by="test",
                )
        return client_as(caller.role, caller.department, username=caller.name)

    return make


def _items(answer) -> list[dict[str, Any]]:
    if answer.status_code == 403:
        raise Refused
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _sites(c, w, **params) -> set[str]:
    return {s["code"] for s in _items(c.get("/api/v1/sites", params=params | {"limit": 1000}))}


# Each row: (name, ask the API -> set of keys, oracle -> expected set of keys, permission).
# A caller without the row's permission must get 403 (and nothing may change).
Row = tuple[str, Callable[[Any, World], set[Any]], Callable[[World, Caller], set[Any]], str]


def _per_site_get(c, w: World) -> set[str]:
    out = set()
    for code in w.sites:
        answer = c.get(f"/api/v1/sites/{code}")
        assert answer.status_code in (200, 404), answer.text
        if answer.status_code == 200:
            out.add(code)
    return out


def _per_series(path: str) -> Callable[[Any, World], set[str]]:
    def ask(c, w: World) -> set[str]:
        out = set()
        for sid, site in w.series.items():
            answer = c.get(path.format(id=sid))
            if answer.status_code == 403:
                raise Refused
            assert answer.status_code in (200, 404), answer.text
            if answer.status_code == 200:
                out.add(site)
        return out

    return ask


class Refused(Exception):
    """The endpoint answered 403."""


def _ingest(c, w: World) -> set[str]:
    """POST one reading per series; the sites whose reading was stored."""
    ids = sorted(w.series)
    records = [{"series": sid, "time": "2026-05-01T00:00:00Z", "value": 1} for sid in ids]
    answer = c.post("/api/v1/readings", json={"readings": records})
    if answer.status_code == 403:
        assert answer.json()["error"]["code"] == "permission_denied"
        raise Refused
    assert answer.status_code == 200, answer.text
    rejected = {r["index"] for r in answer.json()["rejected"]}
    for r in answer.json()["rejected"]:
        assert r["error"] == UNWRITABLE
    assert answer.json()["accepted"] == len(ids) - len(rejected)
    return {w.series[sid] for i, sid in enumerate(ids) if i not in rejected}


def _departments(c, w: World) -> set[str]:
    return {d["code"] for d in _items(c.get("/api/v1/departments", params={"limit": 1000}))}


def _departments_expected(w: World, caller: Caller) -> set[str]:
    out = set()
    unrestricted = any(f is None for _, f in w.grants(caller))
    for code, dept in w.depts.items():
        # A department listing no fields shows only to callers without a field restriction.
        dept_fields = dept.get("fields") or ([None] if unrestricted else [])
        if any(w.sees(caller, dept["region"], f) for f in dept_fields):
            out.add(code)
    return out


def _indicators(c, w: World) -> set[str]:
    return {i["code"] for i in _items(c.get("/api/v1/indicators"))}


def _indicators_expected(w: World, caller: Caller) -> set[str]:
    fields = set()
    for _, f in w.grants(caller):
        fields |= f if f is not None else set(w.indicators.values())
    return {code for code, field in w.indicators.items() if field in fields}


def _visible(w: World, p: Caller) -> set[str]:
    return w.visible_sites(p)


def _where(key: str, value: str) -> Callable[[World, Caller], set[str]]:
    return lambda w, p: {s for s in w.visible_sites(p) if w.sites[s].get(key) == value}


def _series_sites(c, w: World) -> set[str]:
    return {s["site_code"] for s in _items(c.get("/api/v1/series"))}


CAT, RR, RW = "catalogue:read", "readings:read", "readings:write"
READS: list[Row] = [
    ("GET /sites", lambda c, w: _sites(c, w), _visible, CAT),
    ("GET /sites?within=620000", lambda c, w: _sites(c, w, within="620000"), _visible, CAT),
    (
        "GET /sites?q=mine (search)",
        lambda c, w: _sites(c, w, q="mine"),
        lambda w, p: {s for s in w.visible_sites(p) if "mine" in s},
        CAT,
    ),
    (
        "GET /sites?region=620102",
        lambda c, w: _sites(c, w, region="620102"),
        _where("region", "620102"),
        CAT,
    ),
    (
        "GET /sites?field=public_health",
        lambda c, w: _sites(c, w, field="public_health"),
        _where("field", "public_health"),
        CAT,
    ),
    (
        "GET /sites?department=lz-em",
        lambda c, w: _sites(c, w, department="lz-em"),
        _where("department", "lz-em"),
        CAT,
    ),
    ("GET /sites/{code}", _per_site_get, _visible, CAT),
    ("GET /series", _series_sites, _visible, CAT),
    ("GET /series/{id}", _per_series("/api/v1/series/{id}"), _visible, CAT),
    (
        "GET /series/{id}/readings (export)",
        _per_series("/api/v1/series/{id}/readings"),
        _visible,
        RR,
    ),
    ("GET /departments", _departments, _departments_expected, CAT),
    ("GET /indicators", _indicators, _indicators_expected, CAT),
]


def _warning_sites(c, w: World, **params) -> set[str]:
    answer = c.get("/api/v1/warnings", params=params | {"limit": 1000})
    if answer.status_code == 404:  # a filter naming a region the caller cannot see
        assert answer.json()["error"]["details"] == {"region": params.get("within")}
        return set()
    return {x["site_code"] for x in _items(answer)}


def _per_warning(method: str, path: str, body: dict[str, Any] | None = None):
    def ask(c, w: World) -> set[str]:
        out = set()
        for wid, site in w.warnings.items():
            answer = c.request(method, path.format(id=wid), json=body)
            if answer.status_code == 403:
                raise Refused
            assert answer.status_code in (200, 404), answer.text
            if answer.status_code == 200:
                out.add(site)
        return out

    return ask


def _warned(w: World, p: Caller, *, write: bool = False) -> set[str]:
    return w.visible_sites(p, write=write) & set(w.warnings.values())


WR, WC = "warnings:read", "warnings:comment"
READS += [
    ("GET /warnings", _warning_sites, _warned, WR),
    (
        "GET /warnings?within=620100",
        lambda c, w: _warning_sites(c, w, within="620100"),
        lambda w, p: {s for s in _warned(w, p) if w.under(w.sites[s]["region"], "620100")},
        WR,
    ),
    (
        "GET /warnings?field=public_health",
        lambda c, w: _warning_sites(c, w, field="public_health"),
        lambda w, p: {s for s in _warned(w, p) if w.sites[s]["field"] == "public_health"},
        WR,
    ),
    (
        "GET /warnings?site=cdc-honggu",
        lambda c, w: _warning_sites(c, w, site="cdc-honggu"),
        lambda w, p: _warned(w, p) & {"cdc-honggu"},
        WR,
    ),
    ("GET /warnings/{id}", _per_warning("GET", "/api/v1/warnings/{id}"), _warned, WR),
    (
        "GET /warnings/{id}/cap (CAP)",
        _per_warning("GET", "/api/v1/warnings/{id}/cap"),
        lambda w, p: _warned(w, p) & w.published,
        WR,
    ),
]


def _inbox(c, w: World) -> set[str]:
    return {x["subject"] for x in _items(c.get("/api/v1/inbox"))}


def _mark_read(c, w: World) -> set[str]:
    out = set()
    for item, dept in w.inbox.items():
        answer = c.post(f"/api/v1/inbox/{item}/read")
        if answer.status_code == 403:
            raise Refused
        assert answer.status_code in (200, 404), answer.text
        if answer.status_code == 200:
            out.add(dept)
    return out


def _own_department(w: World, p: Caller) -> set[str]:
    return {p.department} if p.department else set()


READS += [("GET /inbox", _inbox, _own_department, WR)]

WRITES: list[Row] = [
    ("POST /inbox/{id}/read", _mark_read, _own_department, WR),
    ("POST /readings", _ingest, lambda w, p: w.visible_sites(p, write=True), RW),
    (
        "POST /warnings/{id}/comment",
        _per_warning("POST", "/api/v1/warnings/{id}/comment", {"text": "seen"}),
        lambda w, p: _warned(w, p, write=True),
        WC,
    ),
]


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
def test_scope_matrix(world, caller_client, caller):
    """One caller against every row (one world per caller keeps the matrix fast)."""
    c = caller_client(caller)
    wrong = {}
    for name, ask, oracle, permission in READS + WRITES:
        if permission not in granted(frozenset({caller.role})):
            try:
                got = ask(c, world)
            except Refused:
                continue
            wrong[name] = f"answered {sorted(got)} without {permission}"
            continue
        got, expected = ask(c, world), oracle(world, caller)
        if got != expected:
            wrong[name] = f"saw {sorted(got)}, should see {sorted(expected)}"
    assert not wrong, "\n".join(f"{caller.name} x {k}: {v}" for k, v in wrong.items())


def test_every_row_is_exercised_with_and_without_permission():
    for name, _ask, _oracle, permission in READS + WRITES:
        roles = {c.role for c in CALLERS}
        assert any(permission in granted(frozenset({r})) for r in roles), name
        if permission not in {CAT, RR, WR}:
            assert any(permission not in granted(frozenset({r})) for r in roles), name


def test_the_matrix_is_not_trivial(world):
    """Every caller sees something, no non-admin sees everything, shares widen reads only."""
    everything = set(world.sites)
    for caller in CALLERS:
        seen = world.visible_sites(caller)
        assert seen, caller
        if world.depts.get(caller.department or "", {}).get("region") != "620000":
            assert (seen == everything) == (caller.role == "administrator"), caller
    shared = next(c for c in CALLERS if c.name == "county-duty-shared")
    assert world.visible_sites(shared) > world.visible_sites(shared, write=True)


def test_public_feed_shows_only_approved_public_warnings(world, anon_client, client):
    feed = anon_client.get("/feeds/cap.atom")
    assert feed.status_code == 200
    entries = feed.text.count("<entry>")
    assert entries == len(world.published) == 1
    assert "城关区" in feed.text, "the published gauge's county"
    for wid, site in world.warnings.items():
        cap = client.get(f"/api/v1/warnings/{wid}/cap")
        assert (cap.status_code == 200) == (site in world.published)
    assert "matrix at" not in feed.text, "unpublished warnings stay off the feed"


def test_regions_show_the_subtree_and_the_path_above(world, caller_client):
    c = caller_client(Caller("county", "inspector", "hg-em"))
    codes = {r["code"] for r in _items(c.get("/api/v1/regions"))}
    assert codes == {"620000", "620100", "620111"}
    assert c.get("/api/v1/regions/620102").status_code == 404
    assert c.get("/api/v1/sites", params={"within": "620400"}).status_code == 404
    assert c.get("/api/v1/sites", params={"region": "620402"}).json()["items"] == []

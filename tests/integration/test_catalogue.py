"""Catalogue: loading is idempotent and refused whole on error; the read API filters and pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forewarn.catalogue import loader, service
from forewarn.catalogue.models import Department, Region, Series, Site
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.db import session_scope
from forewarn.scope import Scope
from forewarn.warnings.models import Silence, Warning
from forewarn.yamlsource import ConfigInvalid, read_yaml, validate_model
from tests.factories import DATA, NOW, load_catalogue


def _counts(sessions):
    with sessions() as s:
        return [
            s.scalar(select(func.count()).select_from(m))
            for m in (Region, Department, Site, Series)
        ]


def test_load_twice_changes_nothing_and_paths_are_materialised(sessions):
    first = load_catalogue(sessions)
    assert first["series"] == 3
    before = _counts(sessions)
    load_catalogue(sessions)
    assert _counts(sessions) == before == [6, 3, 3, 3]
    with sessions() as s:
        honggu = s.scalar(select(Region).where(Region.code == "620111"))
        assert honggu.path == "/620000/620100/620111/"


def test_a_file_with_errors_is_refused_whole(sessions, tmp_path):
    load_catalogue(sessions)
    before = _counts(sessions)
    text = (DATA / "catalogue.yaml").read_text("utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('region: "620402"', 'region: "629999"'), "utf-8")
    bad_text = bad.read_text("utf-8").replace("name: 红古一号煤矿", "name: 新名字")
    bad.write_text(bad_text, "utf-8")
    doc = read_yaml(bad)
    cat = validate_model(doc, CatalogueFile)
    with pytest.raises(ConfigInvalid) as caught, session_scope(sessions) as session:
        loader.load(session, doc, cat, now=NOW)
    assert "unknown region '629999'" in str(caught.value)
    assert _counts(sessions) == before
    with sessions() as s:
        assert s.scalar(select(Site.name).where(Site.code == "mine-honggu-1")) == "红古一号煤矿"


def test_read_api_lists_filters_and_pages(client, sessions):
    load_catalogue(sessions)
    regions = client.get("/api/v1/regions", params={"within": "620100"}).json()
    assert regions["total"] == 3
    assert {r["code"] for r in regions["items"]} == {"620100", "620102", "620111"}
    page = client.get("/api/v1/regions", params={"limit": 2, "offset": 4}).json()
    assert page["total"] == 6
    assert len(page["items"]) == 2
    sites = client.get("/api/v1/sites", params={"within": "620100"}).json()
    assert sorted(s["code"] for s in sites["items"]) == ["gauge-lanzhou", "mine-honggu-1"]
    mine = client.get("/api/v1/sites/mine-honggu-1").json()
    assert mine["region_code"] == "620111"
    assert mine["department_code"] == "lz-em"
    depts = client.get("/api/v1/departments", params={"field": "public_health"}).json()
    assert [d["code"] for d in depts["items"]] == ["by-health"]
    series = client.get("/api/v1/series", params={"indicator": "ch4"}).json()
    assert series["items"][0]["site_code"] == "mine-honggu-1"
    assert series["items"][0]["interval_s"] == 60
    indicators = client.get("/api/v1/indicators", params={"kind": "count"}).json()
    assert [i["code"] for i in indicators["items"]] == ["cases"]


def test_api_errors_have_the_documented_shape(client, sessions):
    load_catalogue(sessions)
    missing = client.get("/api/v1/sites/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    too_many = client.get("/api/v1/sites", params={"limit": 5000})
    assert too_many.status_code == 422
    body = too_many.json()["error"]
    assert body["code"] == "invalid_input"
    assert body["details"][0]["field"] == "query.limit"
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "forewarn"


MOVE_A = """\
fields:
  - {code: natural_disaster, name: Natural disasters}
regions:
  - {code: "620000", name: 甘肃省, level: province}
  - {code: "620100", name: 兰州市, level: city, parent: "620000"}
  - {code: "620200", name: 嘉峪关市, level: city, parent: "620000"}
  - {code: "620102", name: 城关区, level: county, parent: "620100"}
  - {code: "620102001", name: 某街道, level: township, parent: "620102"}
indicators:
  - {code: water_level, name: Water level, unit: m, kind: gauge, field: natural_disaster}
sites:
  - code: s-township
    name: 街道站
    region: "620102001"
    field: natural_disaster
    series: [{indicator: water_level, interval: 15m}]
"""
MOVE_B = """\
regions:
  - {code: "620102", name: 城关区, level: county, parent: "620200"}
"""


def _load_text(sessions, tmp_path, text: str, name: str = "cat.yaml") -> dict[str, int]:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return load_catalogue(sessions, path)


def _warning_at(region: str, path: str) -> Warning:
    return Warning(
        fingerprint=f"fp:{region}", rule="r", status="firing", title="t", labels={},
        field="natural_disaster", region_code=region, region_path=path, started_at=NOW,
        updated_at=NOW, message="", score=0.0, reactivations=0, flapping=False, changes=[],
        routing={}, explanation={}, escalation_step=0,
    )  # fmt: skip


def _paths(sessions) -> dict[str, str]:
    with sessions() as s:
        return dict(s.execute(select(Region.code, Region.path)).all())


def test_moving_a_region_moves_its_subtree_and_the_copies_of_its_path(sessions, tmp_path):
    _load_text(sessions, tmp_path, MOVE_A)
    old = "/620000/620100/620102/"
    with session_scope(sessions) as s:
        s.add(_warning_at("620102001", old + "620102001/"))
        s.add(_warning_at("620100", "/620000/620100/"))
        s.add(Silence(
            matchers=['rule="r"'], starts_at=NOW, ends_at=NOW, reason="x", created_by="x",
            created_at=NOW, updated_at=NOW, region_paths=[old, "/620000/620100/"],
        ))  # fmt: skip
    _load_text(sessions, tmp_path, MOVE_B, "move.yaml")
    new = "/620000/620200/620102/"
    assert _paths(sessions)["620102001"] == new + "620102001/"
    with sessions() as s:
        in_620200 = Scope(region_paths=(new.removesuffix("620102/"),), fields=None)
        in_620100 = Scope(region_paths=("/620000/620100/",), fields=None)
        assert [x.code for x in s.scalars(service.query_sites(s, scope=in_620200))] == [
            "s-township"
        ]
        assert list(s.scalars(service.query_sites(s, scope=in_620100))) == []
        paths = dict(s.execute(select(Warning.region_code, Warning.region_path)).all())
        assert paths == {"620102001": new + "620102001/", "620100": "/620000/620100/"}
        assert s.scalar(select(Silence.region_paths)) == [new, "/620000/620100/"]


def test_a_cycle_or_a_level_clash_through_the_store_is_refused_whole(sessions, tmp_path):
    _load_text(sessions, tmp_path, MOVE_A)
    before = _paths(sessions)
    cycle = 'regions:\n  - {code: "620000", name: 甘肃省, level: township, parent: "620102"}\n'
    with pytest.raises(ConfigInvalid) as caught:
        _load_text(sessions, tmp_path, cycle, "cycle.yaml")
    messages = [str(i) for i in caught.value.issues]
    assert any(
        m.endswith("cycle.yaml:2: regions[0].parent: regions form a cycle: "
                   "620000 -> 620102 -> 620100 -> 620000")
        for m in messages
    ), messages  # fmt: skip
    assert any(
        "regions[0].level: a township cannot contain the city '620100', city '620200'" in m
        for m in messages
    ), messages
    demote = 'regions:\n  - {code: "620102", name: 城关区, level: township, parent: "620100"}\n'
    with pytest.raises(ConfigInvalid, match="cannot contain the township '620102001'"):
        _load_text(sessions, tmp_path, demote, "demote.yaml")
    assert _paths(sessions) == before


def test_every_schema_the_openapi_document_refers_to_is_in_it(client):
    # code generators and schemathesis fail on a dangling reference (ReadingIn was one)
    spec = client.get("/api/v1/openapi.json").json()
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    refs.add(str(value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    defined = {f"#/components/schemas/{name}" for name in spec["components"]["schemas"]}
    assert refs <= defined, sorted(refs - defined)
    readings = spec["components"]["schemas"]["ReadingBatch"]["properties"]["readings"]
    assert set(readings["items"]["properties"]) == {"series", "site", "indicator", "time", "value"}

"""Catalogue: loading is idempotent and refused whole on error; the read API filters and pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forewarn.catalogue import loader
from forewarn.catalogue.models import Department, Region, Series, Site
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.db import session_scope
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

"""GET /api/v1/rules: the rules the engine has loaded, scoped by the caller's fields."""

from __future__ import annotations

import os

from forewarn.detect.ruleset import rules_from_text
from tests.factories import load_catalogue

RULES = """
rules:
  - id: ch4
    name: Methane
    match: {indicator: ch4, field: production_safety}
    detector: {type: threshold}
    levels: {orange: {enter: ">= 1.0", exit: "< 0.9"}}
    for: 5m
    annotations: {watch: ventilation}
  - id: stage
    name: Stage
    field: natural_disaster
    detector: {type: rate, window: 2h}
    levels: {blue: ">= 0.2"}
  - id: chain
    name: Chain
    field: natural_disaster
    linkage: {rules: [stage, {rule: ch4, level: orange}], group_by: county, window: 6h}
"""


def test_rules_are_listed_with_their_levels_and_members(app, client):
    assert client.get("/api/v1/rules").json() == {"items": [], "total": 0}  # none loaded
    app.state.rules = rules_from_text(RULES)
    body = client.get("/api/v1/rules").json()
    assert body["total"] == 3
    ch4, stage, chain = body["items"]
    assert ch4["kind"] == "detector"
    assert ch4["field"] == "production_safety"
    assert ch4["levels"] == [{"level": "orange", "enter": ">= 1", "exit": "< 0.9"}]
    assert ch4["for_s"] == 300
    assert ch4["annotations"] == {"watch": "ventilation"}
    assert stage["params"]["window"] == "2h"
    assert chain["kind"] == "linkage"
    assert chain["members"] == [
        {"rule": "stage", "level": None},
        {"rule": "ch4", "level": "orange"},
    ]
    assert chain["params"] == {
        "group_by": "county",
        "window_s": 21600,
        "at_least": 2,
        "level": "highest",
    }
    only = client.get("/api/v1/rules", params={"field": "natural_disaster", "limit": 1}).json()
    assert only["total"] == 2
    assert [r["id"] for r in only["items"]] == ["stage"]


def test_rules_are_scoped_by_field_and_need_rules_read(
    app, client, client_as, sessions, anon_client
):
    load_catalogue(sessions)
    app.state.rules = rules_from_text(RULES)
    health = client_as("analyst", "by-health")  # a public-health department
    assert health.get("/api/v1/rules").json()["total"] == 0
    mines = client_as("analyst", "lz-em")  # production safety only
    assert [r["id"] for r in mines.get("/api/v1/rules").json()["items"]] == ["ch4"]
    assert client_as("viewer", "lz-em").get("/api/v1/rules").status_code == 403
    assert anon_client.get("/api/v1/rules").status_code == 401


def test_the_series_a_rule_cannot_watch_are_listed_in_scope_and_reloads_are_followed(
    app, client, client_as, sessions, tmp_path
):
    from datetime import UTC, datetime

    from forewarn.detect.live import DetectionJob

    load_catalogue(sessions)
    rules_file = tmp_path / "rules.yaml"
    level = """
  - id: level
    name: Level
    detector: {type: threshold}
    levels: {yellow: ">= $warning_stage"}
"""
    rules_file.write_text("rules:" + level, encoding="utf-8")
    start = datetime(2026, 5, 1, tzinfo=UTC)
    app.state.detection = DetectionJob(sessions, rules_file, lambda s, n: None, start=start)
    [rule] = client.get("/api/v1/rules").json()["items"]
    # no site of this catalogue has a warning stage: every series goes unwatched, and says why
    assert sorted((u["site"], u["indicator"]) for u in rule["unwatched"]) == [
        ("cdc-baiyin", "cases"),
        ("gauge-lanzhou", "water_level"),
        ("mine-honggu-1", "ch4"),
    ]
    assert all("warning_stage" in u["problem"] for u in rule["unwatched"])
    health = client_as("analyst", "by-health").get("/api/v1/rules").json()["items"]
    assert [(u["site"]) for u in health[0]["unwatched"]] == ["cdc-baiyin"]  # its own only
    rules_file.write_text("rules:" + level + level.replace("id: level", "id: more"), "utf-8")
    os.utime(rules_file, (1, 1))
    app.state.detection(start)  # a tick reloads the file
    assert [r["id"] for r in client.get("/api/v1/rules").json()["items"]] == ["level", "more"]


def test_a_rules_english_name_gives_warnings_an_english_title(app, client, sessions):
    from datetime import UTC, datetime

    from forewarn.db import session_scope
    from forewarn.detect.engine import Engine
    from forewarn.detect.series import series_from_store
    from forewarn.warnings.apply import apply_signals
    from forewarn.warnings.desk import Desk

    load_catalogue(sessions)
    rules = rules_from_text(
        "rules:\n  - id: ch4\n    name: 瓦斯浓度超限\n    name_en: Coal-mine methane\n"
        "    match: {indicator: ch4}\n    detector: {type: threshold}\n"
        '    levels: {red: ">= 1.5"}\n'
    )
    at = datetime(2026, 5, 1, tzinfo=UTC)
    with session_scope(sessions) as s:
        engine = Engine(rules, series_from_store(s))
        [series] = [i.id for i in engine.series if i.labels["indicator"] == "ch4"]
        signals = engine.ingest([series], [int(at.timestamp() * 1000)], [2.0])
        apply_signals(s, signals, now=at, desk=Desk())
    [item] = client.get("/api/v1/warnings").json()["items"]
    assert item["title"] == "瓦斯浓度超限 — 红古一号煤矿"
    assert item["title_en"] == "Coal-mine methane — 红古一号煤矿"
    app.state.rules = rules
    [rule] = client.get("/api/v1/rules").json()["items"]
    assert (rule["name"], rule["name_en"]) == ("瓦斯浓度超限", "Coal-mine methane")

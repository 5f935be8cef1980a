"""Detection against the store: series labels from the catalogue tables, the live job with
warm-up, snapshots on disk and rules reload, and backtests naming series by store id."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from forewarn.catalogue.models import Series
from forewarn.cli.main import app
from forewarn.db import session_scope
from forewarn.detect.engine import Engine
from forewarn.detect.live import DetectionJob, warm_up
from forewarn.detect.ruleset import rules_from_text
from forewarn.detect.series import load_catalogue_series, series_from_store
from forewarn.readings import service as readings
from tests.factories import DATA, load_catalogue

T0 = datetime(2026, 5, 1, tzinfo=UTC)
MIN = 60_000

RULES = """
rules:
  - id: ch4
    name: Methane
    match: {indicator: ch4, region: "620100"}
    detector: {type: threshold}
    levels: {orange: ">= 1.0", red: ">= 1.5"}
  - id: stage
    name: Stage
    match: {indicator: water_level, labels: {river: yellow_river}}
    detector: {type: threshold}
    levels: {yellow: ">= $warning_stage"}
"""


def _iso(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def _ids(sessions) -> dict[str, int]:
    with sessions() as s:
        return {f"{x.site.code}/{x.indicator.code}": x.id for x in s.scalars(select(Series))}


def test_labels_from_the_store_match_those_from_the_catalogue_file(sessions):
    load_catalogue(sessions)
    ids = _ids(sessions)
    with sessions() as session:
        stored = {s.id: s for s in series_from_store(session)}
    from_file = load_catalogue_series(DATA / "catalogue.yaml")
    assert len(stored) == len(from_file) == 3
    for info in from_file:
        twin = stored[ids[str(info.id)]]
        assert {k: v for k, v in twin.labels.items() if k != "series"} == {
            k: v for k, v in info.labels.items() if k != "series"
        }
        assert (twin.site_labels, twin.interval_s) == (info.site_labels, info.interval_s)
    mine = stored[ids["mine-honggu-1/ch4"]]
    assert mine.labels | {"series": "x"} == {
        "series": "x",
        "site": "mine-honggu-1",
        "site_name": "红古一号煤矿",
        "site_kind": "",
        "indicator": "ch4",
        "indicator_name": "Methane",
        "unit": "%",
        "kind": "gauge",
        "field": "production_safety",
        "region": "620111",
        "region_name": "红古区",
        "region_path": "620000/620100/620111",
        "region_province": "620000",
        "region_city": "620100",
        "region_county": "620111",
    }
    assert mine.interval_s == 60.0
    # store ids follow file order on a fresh store: positional names in backtests rely on it
    assert [ids[str(i.id)] for i in from_file] == sorted(ids.values())


def _store(sessions, series_id: int, minutes: list[int], values: list[float]) -> None:
    times = np.array([int(T0.timestamp() * 1000) + m * MIN for m in minutes], dtype=np.int64)
    with session_scope(sessions) as session:
        readings.insert(
            session,
            np.full(len(minutes), series_id, dtype=np.int64),
            times,
            np.array(values, dtype=np.float64),
        )


def test_warm_up_from_stored_history_then_live_readings(sessions, tmp_path: Path):
    load_catalogue(sessions)
    ids = _ids(sessions)
    ch4 = ids["mine-honggu-1/ch4"]
    _store(sessions, ch4, [0, 1, 2, 3], [0.3, 1.2, 1.6, 0.4])
    rules = rules_from_text(RULES)
    with sessions() as session:
        engine = Engine(rules, series_from_store(session))
        start = int(T0.timestamp() * 1000)
        history = warm_up(engine, session, since_ms=start - 1, until_ms=start + 10 * MIN, chunk=2)
    assert [(s.state.value, s.level.label if s.level else None) for s in history] == [
        ("firing", "orange"),
        ("firing", "red"),
        ("resolved", "red"),
    ]
    assert engine.stats.accepted == 4

    got: list = []
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES, encoding="utf-8")
    snapshot = tmp_path / "detect.npz"
    job = DetectionJob(
        sessions, rules_file, lambda sigs, now: got.extend(sigs), start=T0, snapshot_path=snapshot
    )

    class Batch:
        def arrays(self):
            t = int((T0 + timedelta(minutes=20)).timestamp() * 1000)
            return (np.array([ch4]), np.array([t]), np.array([2.0]))

    job.on_readings(Batch())
    job(T0 + timedelta(minutes=21))
    assert [(s.rule, s.level.label) for s in got] == [("ch4", "red")]
    job.save()
    assert snapshot.exists()
    again = DetectionJob(sessions, rules_file, lambda s, n: None, start=T0, snapshot_path=snapshot)
    assert again.engine.clock_ms == job.engine.clock_ms

    rules_file.write_text(RULES + "  - id: broken\n    name: B\n", encoding="utf-8")
    job(T0 + timedelta(minutes=22))  # a bad rules file is refused: the last good rules stay
    assert [r.id for r in job.engine.rules.rules] == ["ch4", "stage"]


def test_a_rule_taken_out_of_the_file_ends_the_warnings_it_left_open(sessions, tmp_path: Path):
    job, got, rules_file = _job_firing_on_the_mine(sessions, tmp_path, RULES)
    assert [(s.rule, s.state.value) for s in got] == [("ch4", "firing")]
    subject = got[0].fingerprint
    got.clear()
    _reload(job, rules_file, RULES.replace("ch4", "gone", 1), 2)
    assert [(s.rule, s.fingerprint, s.state.value) for s in got] == [("ch4", subject, "resolved")]
    assert got[0].explanation["cause"] == "rule_removed"
    assert got[0].at == T0 + timedelta(minutes=2)


def test_series_a_rule_cannot_watch_are_logged_once(sessions, tmp_path: Path, caplog):
    load_catalogue(sessions)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES.replace("$warning_stage", "$no_such_label"), encoding="utf-8")
    with caplog.at_level("WARNING", logger="forewarn.detect.live"):
        job = DetectionJob(sessions, rules_file, lambda sigs, now: None, start=T0)
        job(T0 + timedelta(minutes=1))
    said = [r.getMessage() for r in caplog.records if "does not watch" in r.getMessage()]
    assert len(said) == 1, said
    assert "rule stage does not watch series" in said[0]
    assert "no_such_label" in said[0]


def test_backtest_by_store_id_with_a_catalogue_and_labels(tmp_path: Path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    readings_csv = tmp_path / "readings.csv"
    rows = ["series,time,value"]
    for minute, value in [(0, 0.3), (10, 1.1), (20, 0.2), (60, 1.7), (70, 0.2)]:
        rows.append(f"1,{(T0 + timedelta(minutes=minute)).isoformat()},{value}")
    rows.append(f"gauge-lanzhou/water_level,{T0.isoformat()},1.0")
    readings_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    labels_csv = tmp_path / "labels.csv"
    windows = [(5, 15), (100, 110)]
    labels_csv.write_text(
        "series,start,end\n" + "".join(f"1,{_iso(a)},{_iso(b)}\n" for a, b in windows),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--rules", str(rules),
            "--readings", str(readings_csv),
            "--labels", str(labels_csv),
            "--catalogue", str(DATA / "catalogue.yaml"),
            "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [
        (w["rule"], w["series"], w["max_level"], w["start"], w["end"]) for w in out["warnings"]
    ] == [
        ("ch4", ["mine-honggu-1/ch4"], "orange", "2026-05-01T00:10:00Z", "2026-05-01T00:20:00Z"),
        ("ch4", ["mine-honggu-1/ch4"], "red", "2026-05-01T01:00:00Z", "2026-05-01T01:10:00Z"),
    ]
    metrics = out["metrics"]
    assert metrics["precision"] == 0.5
    assert metrics["recall"] == 0.5
    assert metrics["f1"] == 0.5
    assert metrics["mean_delay_s"] == 300.0
    # one false alarm over 70 minutes of the mine series (the gauge has one reading: no span)
    assert metrics["false_alarms_per_series_day"] == 1 / (70 / 1440)


def test_a_changed_site_label_is_followed_without_a_restart(sessions, tmp_path: Path):
    from forewarn.catalogue.models import CatalogueRevision, Site

    load_catalogue(sessions)
    gauge = _ids(sessions)["gauge-lanzhou/water_level"]
    with session_scope(sessions) as session:
        site = session.scalar(select(Site).where(Site.code == "gauge-lanzhou"))
        site.labels = {**site.labels, "warning_stage": "1520"}
        session.add(CatalogueRevision(loaded_at=T0, source="test", summary={}))
    got: list = []
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES, encoding="utf-8")
    job = DetectionJob(sessions, rules_file, lambda sigs, now: got.extend(sigs), start=T0)

    def reading(minute: int, value: float) -> None:
        class Batch:
            def arrays(self):
                t = int((T0 + timedelta(minutes=minute)).timestamp() * 1000)
                return (np.array([gauge]), np.array([t]), np.array([value]))

        job.on_readings(Batch())
        job(T0 + timedelta(minutes=minute))

    reading(1, 1515.0)
    assert got == []  # below the stage of 1520
    with session_scope(sessions) as session:  # the catalogue is reloaded with a lower stage
        site = session.scalar(select(Site).where(Site.code == "gauge-lanzhou"))
        site.labels = {**site.labels, "warning_stage": "1510"}
        session.add(CatalogueRevision(loaded_at=T0, source="test", summary={}))
    reading(2, 1515.0)
    assert [(s.rule, s.state.value, s.explanation["threshold"]["enter_value"]) for s in got] == [
        ("stage", "firing", 1510.0)
    ]


def test_readings_loaded_from_a_csv_file_while_serving_are_evaluated(
    sessions, settings, tmp_path: Path
):
    load_catalogue(sessions)
    got: list = []
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES, encoding="utf-8")
    job = DetectionJob(sessions, rules_file, lambda sigs, now: got.extend(sigs), start=T0)
    job(T0)
    # another process (the command) stores the readings: no listener of the job hears of them
    at = T0 + timedelta(minutes=1)
    csv = tmp_path / "late.csv"
    csv.write_text(
        "site,indicator,time,value\n"
        f"mine-honggu-1,ch4,{at.isoformat()},0.4\n"
        f"mine-honggu-1,ch4,{(at + timedelta(minutes=1)).isoformat()},1.7\n",
        encoding="utf-8",
    )
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}
    args = ["ingest", "csv", str(csv), "--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    job(T0 + timedelta(minutes=3))
    assert [(s.rule, s.state.value, s.level.label) for s in got] == [("ch4", "firing", "red")]
    assert got[0].at == at + timedelta(minutes=1)
    job(T0 + timedelta(minutes=4))  # each file is read once
    assert len(got) == 1


def _job_firing_on_the_mine(sessions, tmp_path: Path, rules: str):
    """A detection job whose rules file holds `rules`, with the mine's methane firing red."""
    load_catalogue(sessions)
    ch4 = _ids(sessions)["mine-honggu-1/ch4"]
    got: list = []
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(rules, encoding="utf-8")
    job = DetectionJob(sessions, rules_file, lambda sigs, now: got.extend(sigs), start=T0)

    class Batch:
        def arrays(self):
            t = int((T0 + timedelta(minutes=1)).timestamp() * 1000)
            return (np.array([ch4]), np.array([t]), np.array([2.0]))

    job.on_readings(Batch())
    job(T0 + timedelta(minutes=1))
    return job, got, rules_file


def _reload(job, rules_file: Path, text: str, minute: int) -> None:
    rules_file.write_text(text, encoding="utf-8")
    os.utime(rules_file, (minute, minute))  # a new modification time each reload
    job(T0 + timedelta(minutes=minute))


def test_a_series_a_rule_no_longer_selects_has_its_warning_ended(sessions, tmp_path: Path):
    job, got, rules_file = _job_firing_on_the_mine(sessions, tmp_path, RULES)
    assert [(s.rule, s.state.value) for s in got] == [("ch4", "firing")]
    got.clear()
    _reload(job, rules_file, RULES.replace('region: "620100"', 'region: "620400"'), 2)
    assert [(s.rule, s.state.value) for s in got] == [("ch4", "resolved")]
    assert got[0].explanation["cause"] == "rule_removed"


LINKED = (
    RULES
    + """  - id: chain
    name: Chain
    linkage: {rules: [ch4], group_by: county, window: 1h, require: any}
"""
)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda text: text.split("  - id: chain")[0], id="removed"),
        pytest.param(lambda text: text.replace("window: 1h", "window: 2h"), id="edited"),
    ],
)
def test_a_linkage_rule_removed_or_edited_has_its_warning_ended(sessions, tmp_path: Path, edit):
    job, got, rules_file = _job_firing_on_the_mine(sessions, tmp_path, LINKED)
    job(T0 + timedelta(minutes=2))  # linkage rules hear their members as the clock advances
    assert ("chain", "firing") in [(s.rule, s.state.value) for s in got]
    got.clear()
    _reload(job, rules_file, edit(LINKED), 3)
    assert ("chain", "resolved") in [(s.rule, s.state.value) for s in got]


def test_new_series_of_a_catalogue_change_are_not_silent_since_the_engine_started(
    sessions, tmp_path: Path
):
    from forewarn.catalogue.models import CatalogueRevision, Site

    load_catalogue(sessions)
    silent = "rules:\n  - id: silent\n    name: S\n    detector: {type: silence}\n"
    silent += '    levels: {blue: ">= 3"}\n'
    got: list = []
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(silent, encoding="utf-8")
    ids = _ids(sessions)
    with session_scope(sessions) as session:  # the CDC series is new to the running engine
        session.delete(session.get(Series, ids["cdc-baiyin/cases"]))
    job = DetectionJob(sessions, rules_file, lambda sigs, now: got.extend(sigs), start=T0)
    day = T0 + timedelta(days=1)
    job.engine.ingest(  # a day later, the other two series report
        [ids["mine-honggu-1/ch4"], ids["gauge-lanzhou/water_level"]],
        [int(day.timestamp() * 1000)] * 2,
        [0.3, 1500.0],
    )
    job(day)
    got.clear()
    with session_scope(sessions) as session:  # one revision: a changed site and a new series
        site = session.scalar(select(Site).where(Site.code == "gauge-lanzhou"))
        site.labels = {**site.labels, "warning_stage": "1520"}
        cdc = session.scalar(select(Site).where(Site.code == "cdc-baiyin"))
        indicator = session.scalar(select(Series.indicator_id).limit(1))
        session.add(Series(site=cdc, indicator_id=indicator, interval_s=60.0))
        session.add(CatalogueRevision(loaded_at=day, source="test", summary={}))
    job(day + timedelta(minutes=1))
    assert got == []  # nothing dated the day before
    job(day + timedelta(minutes=4))  # three one-minute intervals without a reading
    assert sorted((s.labels["site"], s.state.value) for s in got) == [
        ("cdc-baiyin", "firing"),  # silent since it was added, not since the engine started
        ("mine-honggu-1", "firing"),
    ]
    assert all(s.started_at >= day for s in got)

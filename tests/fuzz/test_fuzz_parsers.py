"""Hypothesis on every parser of outside input: no crash, clean rejections, nothing corrupted.

Readings JSON records (the ingest pipeline), CSV files (``forewarn ingest csv``), catalogue YAML
(``forewarn.yamlsource`` + the catalogue check and load) and rules YAML (``forewarn.detect``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from forewarn.catalogue import loader
from forewarn.catalogue.models import Indicator, Series
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.cli.main import app as cli
from forewarn.db import session_scope
from forewarn.detect.ruleset import rules_from_text
from forewarn.ingest.directory import SeriesDirectory, SeriesInfo
from forewarn.ingest.pipeline import Horizon, validate
from forewarn.readings.models import Reading
from forewarn.yamlsource import ConfigInvalid, ConfigIssue, parse_yaml, validate_model
from tests.factories import DATA, NOW, load_catalogue

FAST = settings(max_examples=150, deadline=None, derandomize=True)
SLOW = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["2026-05-01T00:00:00Z", "2026-05-01T08:00:00+08:00", "2026-05-01", "1e3"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(["series", "site", "indicator", "time", "value", "quality", "x"])
records = st.lists(
    st.one_of(st.dictionaries(KEYS, json_values, max_size=6), json_values), max_size=30
)


def _directory() -> SeriesDirectory:
    directory = SeriesDirectory(revision=1)
    for sid, site, ind, low, high in [
        (1, "mine", "ch4", 0.0, 100.0),
        (2, "gauge", "water_level", 0.0, 5000.0),
        (3, "cdc", "cases", 0.0, None),
    ]:
        directory.by_id[sid] = SeriesInfo(sid, site, ind, low, high)
        directory.by_codes[(site, ind)] = sid
    if hasattr(directory, "index_arrays"):
        directory.index_arrays()
    return directory


DIRECTORY = _directory()
HORIZON = Horizon.at(NOW, max_ahead_s=600)
FIELDS = {"record", "series", "site", "indicator", "time", "value"}


@FAST
@given(batch=records)
def test_reading_records_are_accepted_valid_or_rejected_by_position(batch):
    result = validate(batch, DIRECTORY, horizon=HORIZON)
    good = result.readings
    rejected = [r["index"] for r in result.rejected]
    assert sorted(rejected + good.index) == list(range(len(batch))), "each record once"
    for r in result.rejected:
        assert isinstance(r["error"], str)
        assert r["error"].split(":", 1)[0] in FIELDS
    for sid, t, v in zip(good.series, good.times_ms, good.values, strict=True):
        info = DIRECTORY.by_id[sid]
        assert math.isfinite(v)
        assert info.min_value is None or v >= info.min_value
        assert info.max_value is None or v <= info.max_value
        assert -(2**63) <= t < 2**63
    series, times, values = good.arrays()
    assert series.dtype == np.int64
    assert times.dtype == np.int64
    assert values.dtype == np.float64


csv_cells = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["1", "mine-honggu-1", "ch4", "2026-05-01T00:00:00Z", "0.5", "NaN", "-1e309"]),
)
csv_rows = st.lists(st.lists(csv_cells, min_size=0, max_size=5), max_size=15)


@SLOW
@given(
    header=st.sampled_from(
        ["series,time,value", "site,indicator,time,value", "time,value", "series,value,time"]
    ),
    rows=csv_rows,
)
def test_csv_ingest_never_crashes_and_stores_only_valid_readings(
    sessions, settings, tmp_path, header, rows
):
    if not _series(sessions):
        load_catalogue(sessions)
    lines = [header] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}
    result = CliRunner().invoke(
        cli, ["ingest", "csv", str(path), "--data-dir", str(settings.data_dir)], env=env
    )
    assert result.exit_code in (0, 1, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    _assert_store_sound(sessions)


def _series(sessions) -> dict[int, tuple[float | None, float | None]]:
    with sessions() as s:
        rows = s.execute(
            select(Series.id, Indicator.min_value, Indicator.max_value).join(Series.indicator)
        )
        return {sid: (low, high) for sid, low, high in rows}


def _assert_store_sound(sessions) -> None:
    ranges = _series(sessions)
    with sessions() as s:
        for sid, _t, value in s.execute(select(Reading.series_id, Reading.time_ms, Reading.value)):
            low, high = ranges[sid]
            assert math.isfinite(value)
            assert low is None or value >= low
            assert high is None or value <= high


BASE = yaml.safe_load((DATA / "catalogue.yaml").read_text("utf-8"))
SECTIONS = ["fields", "regions", "departments", "indicators", "sites"]


@st.composite
def catalogue_docs(draw):
    """The test catalogue with random items replaced, removed or mistyped."""
    doc = {k: [dict(i) if isinstance(i, dict) else i for i in v] for k, v in BASE.items()}
    for _ in range(draw(st.integers(0, 4))):
        section = draw(st.sampled_from(SECTIONS))
        items = doc[section]
        if not items:
            continue
        i = draw(st.integers(0, len(items) - 1))
        action = draw(st.sampled_from(["field", "drop", "junk", "dup"]))
        if action == "drop":
            items.pop(i)
        elif action == "junk":
            items[i] = draw(json_values)
        elif action == "dup":
            items.append(items[i])
        elif isinstance(items[i], dict) and items[i]:
            key = draw(st.sampled_from([*sorted(items[i]), "extra"]))
            items[i][key] = draw(json_values)
    if draw(st.booleans()):
        doc[draw(st.sampled_from([*SECTIONS, "other"]))] = draw(json_values)
    return doc


def refusal(parse: Callable[[], object]) -> list[ConfigIssue] | None:
    """The issues when `parse` refuses its input (ConfigInvalid), None when it accepts it."""
    try:
        parse()
    except ConfigInvalid as exc:
        return exc.issues
    return None


def _check_catalogue(text: str) -> None:
    def parse() -> None:
        doc = parse_yaml(text, "fuzz.yaml")
        loader.check(None, doc, validate_model(doc, CatalogueFile))

    issues = refusal(parse)
    if issues is not None:
        assert issues
        assert all(i.file == "fuzz.yaml" and i.message for i in issues)


@FAST
@given(text=st.text(max_size=300))
def test_any_text_is_a_catalogue_or_a_clean_refusal(text):
    _check_catalogue(text)


@FAST
@given(doc=catalogue_docs())
def test_mangled_catalogues_are_refused_with_issues(doc):
    _check_catalogue(yaml.safe_dump(doc, allow_unicode=True))


@SLOW
@given(doc=catalogue_docs())
def test_a_refused_catalogue_changes_nothing_stored(sessions, doc):
    load_catalogue(sessions) if not _series(sessions) else None
    before = _snapshot(sessions)
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        with session_scope(sessions) as session:
            parsed = parse_yaml(text, "fuzz.yaml")
            loader.load(session, parsed, validate_model(parsed, CatalogueFile), now=NOW)
    except ConfigInvalid:
        assert _snapshot(sessions) == before
    _assert_store_sound(sessions)


def _snapshot(sessions):
    with sessions() as s:
        return sorted((x.id, x.site.code, x.indicator.code) for x in s.scalars(select(Series)))


RULES = """
rules:
  - id: graded
    name: Graded
    match: {kind: gauge}
    detector: {type: threshold}
    levels:
      blue: {enter: ">= 3", exit: "< 2"}
      red: ">= 9"
    for: 2m
"""


@st.composite
def rules_docs(draw):
    rule = yaml.safe_load(RULES)["rules"][0]
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*rule, "detector", "levels", "missing", "linkage", "x"]))
        rule[key] = draw(
            st.one_of(
                json_values,
                st.sampled_from(
                    [
                        {"type": "ewma", "lambda": 2},
                        {"type": "cusum", "k": -1},
                        {"type": "nope"},
                        {"blue": "> = 3"},
                        {"red": {"enter": "< 1", "exit": "> 2"}},
                        "-5m",
                        "3x",
                        {"rules": ["graded"], "window": "1m"},
                    ]
                ),
            )
        )
    rules = [rule] * draw(st.integers(1, 2))
    return {"rules": rules}


@FAST
@given(doc=rules_docs())
def test_mangled_rules_compile_or_are_refused_with_issues(doc):
    text = yaml.safe_dump(doc, allow_unicode=True)
    issues = refusal(lambda: rules_from_text(text, "rules.yaml"))
    assert issues is None or (issues and all(i.file == "rules.yaml" for i in issues))


@FAST
@given(text=st.text(max_size=300))
def test_any_text_is_rules_or_a_clean_refusal(text):
    issues = refusal(lambda: rules_from_text(text, "rules.yaml"))
    assert issues is None or issues

"""Catalogue files: schema and reference errors name file, line and field; good files pass."""

from __future__ import annotations

import pytest

from forewarn.catalogue.check import check_catalogue, regions_in_order
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.yamlsource import ConfigInvalid, parse_yaml, validate_model

GOOD = """\
fields:
  - {code: natural_disaster, name: Natural disasters}
regions:
  - {code: "620100", name: Lanzhou, level: city, parent: "620000"}
  - {code: "620000", name: Gansu, level: province}
indicators:
  - {code: level, name: Level, unit: m, kind: gauge, field: natural_disaster}
sites:
  - code: g1
    name: Gauge
    region: "620100"
    field: natural_disaster
    series: [{indicator: level, interval: 15m}]
"""


def _issues(text: str) -> list[str]:
    doc = parse_yaml(text, "cat.yaml")
    try:
        cat = validate_model(doc, CatalogueFile)
    except ConfigInvalid as exc:
        return [str(i) for i in exc.issues]
    return [str(i) for i in check_catalogue(doc, cat)]


def test_good_file_has_no_issues_and_parents_load_first():
    doc = parse_yaml(GOOD, "cat.yaml")
    cat = validate_model(doc, CatalogueFile)
    assert check_catalogue(doc, cat) == []
    order = [cat.regions[i].code for i in regions_in_order(cat)]
    assert order == ["620000", "620100"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('parent: "620000"', 'parent: "999999"'),
            "cat.yaml:4: regions[0].parent: unknown region '999999'",
        ),
        (
            ("level: city", "level: province"),
            "cat.yaml:4: regions[0].level: a province cannot lie inside",
        ),
        (
            ("field: natural_disaster}", "field: nope}"),
            "cat.yaml:7: indicators[0].field: unknown field 'nope'",
        ),
        (
            ("indicator: level", "indicator: stage"),
            "cat.yaml:13: sites[0].series[0].indicator: unknown indicator 'stage'",
        ),
        (("interval: 15m", "interval: soon"), "cat.yaml:13: sites[0].series[0].interval"),
        (("kind: gauge", "kind: gague"), "cat.yaml:7: indicators[0].kind"),
        (
            ("name: Gauge", "name: Gauge\n    colour: red"),
            "cat.yaml:11: sites[0].colour: Extra inputs",
        ),
    ],
)
def test_each_error_names_file_line_and_field(change, expected):
    text = GOOD.replace(*change)
    issues = _issues(text)
    assert any(i.startswith(expected) for i in issues), issues


def test_duplicate_codes_and_yaml_syntax_are_reported():
    dup = GOOD + '  - {code: g1, name: Again, region: "620100", field: natural_disaster}\n'
    assert any("duplicate code 'g1'" in i and ":14:" in i for i in _issues(dup))
    with pytest.raises(ConfigInvalid) as caught:
        parse_yaml("regions: [\n  - {code: 1", "bad.yaml")
    assert caught.value.issues[0].file == "bad.yaml"
    assert "YAML syntax" in caught.value.issues[0].message


def test_a_key_written_twice_is_refused_with_both_lines():
    text = (
        GOOD.replace('    region: "620100"\n', '    region: "620100"\n    region: "620000"\n')
        + 'sites:\n  - {code: g2, name: Other, region: "620100", field: natural_disaster}\n'
    )
    with pytest.raises(ConfigInvalid) as caught:
        parse_yaml(text, "cat.yaml")
    assert [str(i) for i in caught.value.issues] == [
        "cat.yaml:12: sites[0].region: duplicate key 'region' (first on line 11)",
        "cat.yaml:15: sites: duplicate key 'sites' (first on line 8)",
    ]
    with pytest.raises(ConfigInvalid, match=r"<string>:1: a\.b: duplicate key 'b'"):
        parse_yaml("a: {b: 1, b: 2}")


def test_merge_keys_and_equal_keys_of_other_types_are_not_duplicates():
    doc = parse_yaml('base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\nd: {1: a, "1": b}\n')
    assert doc.data["c"] == {"x": 3, "y": 2}
    assert doc.data["d"] == {1: "a", "1": "b"}


def test_rules_and_policy_files_refuse_duplicate_keys_too():
    from forewarn.detect.ruleset import rules_from_text
    from forewarn.warnings.policy import parse_policy

    with pytest.raises(ConfigInvalid, match=r"rules\.yaml:3: rules: duplicate key 'rules'"):
        rules_from_text("rules: []\n\nrules: []\n", "rules.yaml")
    with pytest.raises(ConfigInvalid, match=r"policy\.yaml:2: routes: duplicate key 'routes'"):
        parse_policy("routes: []\nroutes: []\n", "policy.yaml")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("field: natural_disaster}", "field: natural_disaster, range: [.nan, 5]}"),
         "cat.yaml:7: indicators[0].range[0]: Input should be a finite number"),
        (("field: natural_disaster}", "field: natural_disaster, range: [0, .inf]}"),
         "cat.yaml:7: indicators[0].range[1]: Input should be a finite number"),
        (("interval: 15m", "interval: .nan"),
         "cat.yaml:13: sites[0].series[0].interval: Value error, duration must be a finite"),
        (("interval: 15m", "interval: .inf"),
         "cat.yaml:13: sites[0].series[0].interval: Value error, duration must be a finite"),
        (("interval: 15m", "interval: 1" + "0" * 400 + "s"),
         "cat.yaml:13: sites[0].series[0].interval: Value error, duration must be a finite"),
        (("level: province}", "level: province, center: [.nan, 36]}"),
         "cat.yaml:5: regions[1].center[0]: Input should be a finite number"),
        (("level: province}", "level: province, center: [36, 103]}"),
         "cat.yaml:5: regions[1].center: Value error, center must be [longitude, latitude]"),
        (('region: "620100"', 'region: "620100"\n    location: [103, .nan]'),
         "cat.yaml:12: sites[0].location[1]: Input should be a finite number"),
    ],
)  # fmt: skip
def test_numbers_must_be_finite(change, expected):
    issues = _issues(GOOD.replace(*change))
    assert any(i.startswith(expected) for i in issues), issues


SQUARE = "[[[103, 36], [104, 36], [104, 37], [103, 37], [103, 36]]]"


@pytest.mark.parametrize(
    ("boundary", "expected"),
    [
        ("{type: Polygon, coordinates: [...]}", "coordinates[0] must be a ring of at least 4"),
        ("{type: Polygon}", "coordinates must be a list of rings"),
        ("{type: Point, coordinates: [103, 36]}", "boundary must be a GeoJSON Polygon"),
        (f"{{type: Polygon, coordinates: {SQUARE.replace('[103, 37]', '[103, 97]')}}}",
         "coordinates[0][3] must be [longitude, latitude] in degrees"),
        (f"{{type: Polygon, coordinates: {SQUARE.replace('[104, 36]', '[.nan, 36]')}}}",
         "coordinates[0][1] must be [longitude, latitude] in degrees"),
        ("{type: Polygon, coordinates: [[[103, 36], [104, 36], [103, 36]]]}",
         "coordinates[0] must be a ring of at least 4 positions"),
        (f"{{type: Polygon, coordinates: {SQUARE.replace(', [103, 36]]]', ', [103, 36.5]]]')}}}",
         "coordinates[0] must end where it starts"),
        ("{type: MultiPolygon, coordinates: [[[[1, 2], [3, 4]]]]}",
         "coordinates[0][0] must be a ring of at least 4 positions"),
    ],
)  # fmt: skip
def test_a_boundary_must_be_a_real_polygon_in_degrees(boundary, expected):
    text = GOOD.replace("level: province}", f"level: province, boundary: {boundary}}}")
    issues = _issues(text)
    assert any(
        i.startswith("cat.yaml:5: regions[1].boundary: Value error, " + expected) for i in issues
    ), issues


def test_good_boundaries_pass():
    for boundary in (
        f"{{type: Polygon, coordinates: {SQUARE}}}",
        f"{{type: MultiPolygon, coordinates: [{SQUARE}, {SQUARE}]}}",
    ):
        text = GOOD.replace("level: province}", f"level: province, boundary: {boundary}}}")
        assert _issues(text) == []

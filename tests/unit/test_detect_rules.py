"""Rules format: conditions, templates, the file checks (file, line, field) and compilation."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forewarn.cli.main import app
from forewarn.common import Level
from forewarn.detect.conditions import GE, GT, LE, LT, Threshold, Unresolved, parse_condition
from forewarn.detect.ruleset import DetectorRule, LinkageRule, rules_from_text
from forewarn.detect.templates import check_template, render
from forewarn.yamlsource import ConfigInvalid


@pytest.mark.parametrize(
    ("text", "op", "offset", "label", "factor"),
    [
        (">= 0.8", GE, 0.8, None, 1.0),
        ("> 1e3", GT, 1000.0, None, 1.0),
        ("<-2.5", LT, -2.5, None, 1.0),
        ("<= $warning_stage", LE, 0.0, "warning_stage", 1.0),
        ("> $warning_stage - 0.5", GT, -0.5, "warning_stage", 1.0),
        (">= 0.9 * $nominal_mpa + 0.05", GE, 0.05, "nominal_mpa", 0.9),
        (">=1.1*$x", GE, 0.0, "x", 1.1),
    ],
)
def test_conditions_parse(text, op, offset, label, factor):
    cond = parse_condition(text)
    assert (cond.op, cond.threshold) == (op, Threshold(offset, label, factor))


@pytest.mark.parametrize("text", ["0.8", "=> 1", ">= abc", ">= $", ">= 1 +", "> inf", ">= $a $b"])
def test_bad_conditions_are_refused(text):
    with pytest.raises(ValueError, match="bad condition"):
        parse_condition(text)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [({"stage": "10"}, 9.5), ({"stage": "2.5"}, 2.0), ({}, None), ({"stage": "high"}, None)],
)
def test_thresholds_resolve_site_labels(labels, expected):
    threshold = parse_condition("> $stage - 0.5").threshold
    if expected is None:
        with pytest.raises(Unresolved):
            threshold.resolve(labels)
    else:
        assert threshold.resolve(labels) == expected


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{labels[site_name]}: {value:.2f} > {threshold}", None),
        ("{level_zh}预警 {measure:.1%} {duration}", None),
        ("{valu}", "unknown variable 'valu'"),
        ("{value:d}", "Unknown format code 'd'"),
        ("{labels.site}", "unknown variable 'labels.site'"),
        ("{value.__class__}", "unknown variable"),
        ("{}", "positional fields"),
        ("{value:{width}}", "nested fields"),
        ("{value", "bad template"),
        ("{rule!a}", "conversion !a"),
    ],
)
def test_templates_are_checked(template, problem):
    problems = check_template(template)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_render_never_fails_on_missing_values():
    text = render(
        "{labels[site_name]}/{labels[nope]} {value:.2f} {baseline:.1f} {level}",
        {"value": 1.234, "baseline": None, "level": "red"},
        {"site_name": "Mine 1"},
    )
    assert text == "Mine 1/ 1.23 nan red"
    assert math.isnan(float(render("{value}", {}, {})))


GOOD = """
rules:
  - id: ch4
    name: Methane
    match: {indicator: ch4, region: 620100, labels: {river: {in: [a, b]}}, site: {regex: "mine-.*"}}
    detector: {type: threshold}
    levels:
      blue: {enter: ">= 0.75", exit: "< 0.7"}
      II: ">= 1.0"
    for: 5m
    keep_firing_for: 1h
    missing: {after: 3x, policy: alerting}
  - id: link
    name: Link
    linkage: {rules: [ch4, {rule: ewma, level: yellow}], group_by: county, window: 6h,
              require: {at_least: 1}}
  - id: ewma
    name: EWMA
    detector: {type: ewma, lambda: 0.3}
    levels: {yellow: ">= 3"}
    missing: {after: 30m, policy: normal}
  - id: unused
    name: Disabled
    enabled: false
    detector: {type: threshold}
    levels: {red: "> 1"}
"""


def test_a_good_file_compiles():
    rules = rules_from_text(GOOD)
    assert [r.id for r in rules.rules] == ["ch4", "link", "ewma"]
    assert rules.disabled == ("unused",)
    ch4 = rules.get("ch4")
    assert isinstance(ch4, DetectorRule)
    assert [lr.level for lr in ch4.levels] == [Level.BLUE, Level.ORANGE]
    assert str(ch4.levels[1].exit) == "< 1"  # no exit given: the complement of enter
    assert (ch4.for_s, ch4.keep_s, ch4.missing_factor, ch4.missing_after) == (300, 3600, True, 3)
    assert ch4.missing_level is Level.BLUE  # the lowest defined level
    assert {(m.label, m.op) for m in ch4.matchers} == {
        ("indicator", "eq"),
        ("region", "eq"),
        ("site", "regex"),
        ("river", "in"),
    }
    link = rules.get("link")
    assert isinstance(link, LinkageRule)
    assert link.members == (("ch4", None), ("ewma", Level.YELLOW))
    assert (link.at_least, link.window_s, link.level) == (1, 21600, None)
    ewma = rules.get("ewma")
    assert isinstance(ewma, DetectorRule)
    assert (ewma.missing_factor, ewma.missing_after, ewma.params.lam) == (False, 1800, 0.3)


BAD = """
rules:
  - id: a
    name: A
    detector: {type: ewma, lambda: 2, colour: red}
    levels:
      blue: ">= 3"
      yellow: ">= 2"
      purple: ">= 5"
  - id: a
    name: Duplicate
    detector: {type: nope}
    levels: {blue: "> 1"}
  - id: b
    name: B
    detector: {type: threshold}
    levels:
      blue: {enter: ">= 1", exit: "> 0.5"}
      red: {enter: ">= 3", exit: "< 3.5"}
    message: "{valu}"
  - id: c
    name: C
    linkage: {rules: [a, missing, c], group_by: county, window: 1h, require: {at_least: 4}}
  - id: d
    name: D
    detector: {type: silence}
    levels: {blue: "< 3"}
    missing: {policy: normal}
  - id: e
    name: E
    detector: {type: threshold}
    levels: {blue: "> 1", red: "< 0"}
"""


def test_a_bad_file_lists_every_problem_with_line_and_field():
    with pytest.raises(ConfigInvalid) as info:
        rules_from_text(BAD, "bad.yaml")
    found = {(i.line, i.field, i.message.split(" (")[0]) for i in info.value.issues}
    expected = {
        (5, "rules[0].detector.lambda", "Input should be less than or equal to 1"),
        (5, "rules[0].detector.colour", "Extra inputs are not permitted"),
        (8, "rules[0].levels.yellow", "yellow must enter beyond blue"),
        (
            9,
            "rules[0].levels.purple",
            "unknown level 'purple'; use blue/yellow/orange/red or IV/III/II/I",
        ),
        (10, "rules[1].id", "duplicate rule id 'a'"),
        (12, "rules[1].detector.type", "unknown detector 'nope'"),
        (18, "rules[2].levels.blue.exit", "the exit condition must point the other way"),
        (19, "rules[2].levels.red.exit", "exit < 3.5 overlaps enter >= 3"),
        (20, "rules[2].message", "unknown variable 'valu'"),
        (
            23,
            "rules[3].linkage.rules[1]",
            "'missing' is no enabled rule; members are detector rules",
        ),
        (23, "rules[3].linkage.rules[2]", "a linkage rule cannot include itself"),
        (23, "rules[3].linkage.require", "at_least 4 exceeds the 3 members"),
        (27, "rules[4].levels.blue", "silence levels take only an enter condition with > or >="),
        (28, "rules[4].missing", "a silence rule has no missing-data policy"),
        (32, "rules[5].levels", "all levels must use the same direction"),
    }
    assert found == expected
    assert all(i.file == "bad.yaml" for i in info.value.issues)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("detector: {type: threshold}", "a detector rule needs at least one level"),
        ("levels: {blue: '> 1'}", "a rule needs a detector (with levels) or a linkage"),
        (
            "linkage: {rules: [x], group_by: county, window: 1h}\n    detector: {type: threshold}",
            "a linkage rule cannot have detector",
        ),
        (
            "detector: {type: threshold}\n    levels: {blue: '> 1'}\n    level: red",
            "'level' belongs",
        ),
        ("detector: {type: rate, window: 0s}\n    levels: {blue: '> 1'}", "positive duration"),
        ("detector: {type: threshold}\n    levels: {blue: '> 1'}\n    for: soon", "bad duration"),
    ],
)
def test_rule_shape_errors(rule, message):
    text = f"rules:\n  - id: r\n    name: R\n    {rule}\n"
    with pytest.raises(ConfigInvalid) as info:
        rules_from_text(text)
    assert any(message in i.message for i in info.value.issues), info.value.issues


@pytest.mark.parametrize(
    ("levels", "overlap"),
    [
        ("blue: {enter: '>= 2', exit: '< 1'}", False),
        ("blue: {enter: '>= 2', exit: '< 3'}", True),
        ("blue: {enter: '>= 2', exit: '< 2'}", False),
        ("blue: {enter: '> 2', exit: '<= 2'}", False),
        ("blue: {enter: '>= 2', exit: '<= 2'}", True),
        # levels that rise as the value falls (a reservoir running dry): the mirror image
        ("blue: {enter: '<= 2', exit: '> 3'}", False),
        ("blue: {enter: '<= 2', exit: '> 1'}", True),
        ("blue: {enter: '<= 2', exit: '> 2'}", False),
        ("blue: {enter: '<= 2', exit: '>= 2'}", True),
    ],
)
def test_an_exit_that_overlaps_its_enter_is_refused_in_either_direction(levels, overlap):
    head = "rules:\n  - id: r\n    name: R\n    detector: {type: threshold}\n    levels:\n"
    text = f"{head}      {levels}\n"
    if not overlap:
        assert rules_from_text(text)
        return
    with pytest.raises(ConfigInvalid) as info:
        rules_from_text(text)
    assert [i.field for i in info.value.issues] == ["rules[0].levels.blue.exit"]
    assert "overlaps enter" in info.value.issues[0].message


def test_forewarn_check_knows_rules_files(tmp_path: Path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["check", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "rules: 3 enabled (1 ewma, 1 threshold; 1 linkage), 1 disabled" in ok.output
    failed = runner.invoke(app, ["check", str(bad)])
    assert failed.exit_code == 1
    assert f"{bad}:12: rules[1].detector.type: unknown detector 'nope'" in failed.output


def test_the_demo_rules_check(shared_dir: Path):
    demo = Path(__file__).resolve().parents[2] / "src/forewarn/demo/rules.yaml"
    result = CliRunner().invoke(app, ["check", str(demo)])
    assert result.exit_code == 0, result.output

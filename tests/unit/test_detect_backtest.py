"""Backtest metrics (pure) and the command; rule unit tests and ``forewarn rules test``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forewarn.cli.main import app
from forewarn.detect.backtest import Episode, Window, score
from forewarn.detect.ruletest import expand

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _flat(text: str) -> str:
    """Command output with rich's line wrapping undone."""
    return " ".join(text.split())


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _ep(series: str, start: float) -> Episode:
    return Episode("r", "fp", (series,), _at(start), None, "red", "")


@pytest.mark.parametrize(
    ("starts", "windows", "expected"),
    [
        pytest.param(
            [("a", 5), ("a", 7), ("b", 50)],
            [("a", 0, 10), ("a", 100, 200), ("b", 40, 60)],
            {"precision": 1.0, "recall": 2 / 3, "mean_delay_s": (300 + 600) / 2},
            id="two of three windows detected, first warning sets the delay",
        ),
        pytest.param(
            [("a", 15), ("b", 5)],
            [("a", 0, 10)],
            {"precision": 0.0, "recall": 0.0, "mean_delay_s": None, "f1": 0.0},
            id="a warning after the window or on another series is a false alarm",
        ),
        pytest.param(
            [("a", 10)],
            [("a", 0, 10)],
            {"precision": 1.0, "recall": 1.0, "f1": 1.0, "mean_delay_s": 600},
            id="window bounds are inclusive",
        ),
        pytest.param(
            [],
            [("a", 0, 10)],
            {"precision": None, "recall": 0.0, "f1": None},
            id="no warnings: precision undefined",
        ),
    ],
)
def test_event_window_metrics(starts, windows, expected):
    eps = [_ep(s, t) for s, t in starts]
    wins = [Window(s, _at(a), _at(b)) for s, a, b in windows]
    spans = {"a": (0, 86_400_000), "b": (0, 86_400_000)}  # two series-days
    got = score(eps, wins, spans)
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value) if value is not None else None), key
    false = sum(
        1
        for e in eps
        if not any(w.series in e.series and w.start <= e.start <= w.end for w in wins)
    )
    assert got["false_alarms_per_series_day"] == pytest.approx(false / 2)


RULES = """
rules:
  - id: high
    name: High
    detector: {type: threshold}
    levels: {yellow: ">= 5", red: ">= 8"}
    for: 2m
    missing: {after: 5m, policy: normal}
"""


def test_backtest_without_a_catalogue_prints_tables(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    lines = ["series,time,value"]
    for minute, value in enumerate([1, 6, 6, 9, 9, 1, 1]):
        lines.append(f"site-1/x,{(_at(minute)).isoformat()},{value}")
    lines.append(f"site-2/x,{int(_at(0).timestamp() * 1000)},7")  # epoch ms works too
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--rules",
            str(tmp_path / "rules.yaml"),
            "--readings",
            str(tmp_path / "r.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 warnings" in result.output
    assert "site-1/x" in result.output
    assert "site-2/x" in result.output
    data = CliRunner().invoke(
        app,
        [
            "backtest",
            "--rules",
            str(tmp_path / "rules.yaml"),
            "--readings",
            str(tmp_path / "r.csv"),
            "--json",
        ],
    )
    out = json.loads(data.output)
    assert out["metrics"] is None
    assert [(w["series"], w["max_level"], w["start"], w["end"]) for w in out["warnings"]] == [
        # a single reading: yellow after `for`, resolved when it goes missing after 5 minutes
        (["site-2/x"], "yellow", "2026-01-01T00:02:00Z", "2026-01-01T00:05:00Z"),
        (["site-1/x"], "red", "2026-01-01T00:03:00Z", "2026-01-01T00:05:00Z"),
    ]


SILENCE = """
rules:
  - id: silent
    name: Silent
    detector: {type: silence}
    levels: {blue: ">= 3"}
"""


def test_readings_given_twice_keep_the_series_interval(tmp_path: Path):
    # overlapping exports repeat rows; the series still reports every 5 minutes, so its
    # two-hour outage is a silence (a zero interval would leave the series unwatched)
    (tmp_path / "rules.yaml").write_text(SILENCE, encoding="utf-8")
    minutes = [m for m in range(0, 300, 5) if not 60 <= m < 180]
    rows = [f"s1,{_at(m).isoformat()},5" for m in minutes]
    (tmp_path / "r.csv").write_text("series,time,value\n" + "\n".join(rows + rows) + "\n")
    args = ["backtest", "--rules", str(tmp_path / "rules.yaml")]
    result = CliRunner().invoke(app, [*args, "--readings", str(tmp_path / "r.csv"), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["warnings"]
    assert [(w["series"], w["max_level"]) for w in found] == [(["s1"], "blue")]


def test_backtest_reports_bad_input_by_line(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "r.csv").write_text("series,time,value\na,2026-01-01T00:00:00,1\n", "utf-8")
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--rules",
            str(tmp_path / "rules.yaml"),
            "--readings",
            str(tmp_path / "r.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "r.csv:2: time has no UTC offset" in _flat(result.output)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1 2 3", [1, 2, 3]),
        ("0.5x3", [0.5, 0.5, 0.5]),
        ("1+1x3 _ 7", [1, 2, 3, None, 7]),
        ("10-2.5x3", [10, 7.5, 5]),
        ("-1x2", [-1, -1]),
    ],
)
def test_value_notation(text, values):
    assert expand(text) == values


def test_bad_value_notation():
    with pytest.raises(ValueError, match="bad value"):
        expand("1 2 three")


TESTS = """
rule_files: [rules.yaml]
series:
  - {id: s1, labels: {site: s1, indicator: x}, interval: 1m}
tests:
  - name: fires red after for, resolves on missing data
    start: 2026-01-01T00:00:00Z
    until: 20m
    input:
      - {series: s1, interval: 1m, values: "1 6 _ 9x3"}
    expect:
      - {rule: high, series: s1, level: red, start: 3m, end: 10m}
  - name: a wrong expectation
    input:
      - {series: s1, interval: 1m, values: "9x5"}
    expect:
      - {rule: high, level: yellow, start: 2m}
"""


def test_rules_test_passes_and_fails_with_a_readable_diff(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "tests.yaml").write_text(TESTS, encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "test", str(tmp_path / "tests.yaml")])
    assert result.exit_code == 1
    out = _flat(result.output)
    assert "PASS" in out
    assert "fires red after for, resolves on missing data" in out
    assert "FAIL" in out
    assert "- expected, not raised: high on *: yellow from 2026-01-01T00:02:00+00:00 (open)" in out
    assert "+ raised, not expected: high on s1: red from 2026-01-01T00:02:00+00:00 (open)" in out
    assert "1 passed, 1 failed" in out


def test_rules_test_file_errors_name_the_line(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "tests.yaml").write_text(TESTS.replace('values: "9x5"', 'values: "9y5"'), "utf-8")
    result = CliRunner().invoke(app, ["rules", "test", str(tmp_path / "tests.yaml")])
    assert result.exit_code == 1
    assert "tests.yaml:15: tests[1].input[0].values: Value error, bad value '9y5'" in _flat(
        result.output
    )


def test_the_demo_rule_tests_pass():
    demo = Path(__file__).resolve().parents[2] / "src/forewarn/demo/rules_test.yaml"
    result = CliRunner().invoke(app, ["rules", "test", str(demo)])
    assert result.exit_code == 0, result.output
    assert "4 passed, 0 failed" in _flat(result.output)


def test_the_documented_rule_test_example_passes(tmp_path: Path):
    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs/rules.md").read_text("utf-8")
    example = doc.split("## Rule tests", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    # the page's own rules example (a methane rule for one city), and the demo's rules
    rules = doc.split("```yaml", 1)[1].split("```", 1)[0]
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "demo.yaml").write_text((root / "src/forewarn/demo/rules.yaml").read_text("utf-8"))
    (tmp_path / "tests.yaml").write_text(example, encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "test", str(tmp_path / "tests.yaml")])
    assert result.exit_code == 0, result.output
    demo = example.replace("rule_files: [rules.yaml]", "rule_files: [demo.yaml]")
    (tmp_path / "demo_tests.yaml").write_text(demo, encoding="utf-8")
    result = CliRunner().invoke(app, ["rules", "test", str(tmp_path / "demo_tests.yaml")])
    assert result.exit_code == 0, result.output

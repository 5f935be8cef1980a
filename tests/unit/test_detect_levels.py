"""The level machine: hysteresis, for, keep_firing_for, missing data, silence, scores."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.detect import levels as lm
from forewarn.detect.engine import Engine
from forewarn.detect.labels import SeriesInfo
from forewarn.detect.ruleset import rules_from_text

T0 = 1_767_225_600_000  # 2026-01-01T00:00Z
MIN = 60_000
SERIES = SeriesInfo(1, {"site": "s1", "indicator": "x", "site_name": "S1"}, {}, 60.0)


def run(rule: str, readings: list[tuple[float, float]], end: float, *, start: bool = False):
    """(minute, state, level, cause) of every signal of one series under one rule."""
    rules = rules_from_text(f"rules:\n  - id: r\n    name: R\n{rule}")
    engine = Engine(rules, [SERIES], start=T0 if start else None)
    out = []
    for minute, value in readings:
        out += engine.ingest([1], [T0 + round(minute * MIN)], [value])
    out += engine.advance(T0 + round(end * MIN))
    return [
        (
            (s.at.timestamp() * 1000 - T0) / MIN,
            s.state.value,
            s.level.label if s.level else None,
            s.explanation["cause"],
        )
        for s in out
    ]


THRESHOLD = """    detector: {type: threshold}
    levels:
      blue: {enter: ">= 3", exit: "< 2"}
      red: {enter: ">= 6", exit: "< 5"}
"""


@pytest.mark.parametrize(
    ("extra", "readings", "end", "expected"),
    [
        pytest.param(
            "",
            [(0, 1), (1, 3), (2, 2.5), (3, 2), (4, 1.9)],
            5,
            [(1, "firing", "blue", "reading"), (4, "resolved", "blue", "reading")],
            id="hysteresis: stays firing between exit and enter",
        ),
        pytest.param(
            "",
            [(0, 3), (1, 6), (2, 5.5), (3, 4.9), (4, 1)],
            5,
            [
                (0, "firing", "blue", "reading"),
                (1, "firing", "red", "reading"),
                (3, "firing", "blue", "reading"),
                (4, "resolved", "blue", "reading"),
            ],
            id="levels move up and down inside one warning",
        ),
        pytest.param(
            "    for: 2m\n",
            [(0, 4), (1, 4), (3, 4), (4, 1)],
            5,
            [
                (0, "pending", "blue", "reading"),
                (2, "firing", "blue", "for"),
                (4, "resolved", "blue", "reading"),
            ],
            id="for fires at the exact instant, found by the next reading",
        ),
        pytest.param(
            "    for: 2m\n",
            [(0, 4), (1, 7), (1.5, 1)],
            5,
            [
                (0, "pending", "blue", "reading"),
                (1, "pending", "red", "reading"),
                (1.5, "resolved", "red", "reading"),
            ],
            id="pending changes level, then clears before for",
        ),
        pytest.param(
            "    for: 2m\n",
            [(0, 4)],
            10,
            [(0, "pending", "blue", "reading"), (2, "firing", "blue", "for")],
            id="for fires when the clock advances without readings (keep policy)",
        ),
        pytest.param(
            "    keep_firing_for: 3m\n",
            [(0, 4), (1, 1), (3, 4), (5, 1)],
            10,
            [(0, "firing", "blue", "reading"), (8, "resolved", "blue", "keep_firing_for")],
            id="keep_firing_for bridges a gap and resolves by the clock",
        ),
        pytest.param(
            "    missing: {after: 3x, policy: normal}\n",
            [(0, 4)],
            10,
            [(0, "firing", "blue", "reading"), (3, "resolved", "blue", "missing_data")],
            id="missing data as normal resolves after three intervals",
        ),
        pytest.param(
            "    missing: {after: 150s, policy: alerting, level: red}\n    for: 1m\n",
            [(0, 1), (4, 1)],
            6,
            [
                (2.5, "pending", "red", "missing_data"),
                (3.5, "firing", "red", "for"),
                (4, "resolved", "red", "reading"),
            ],
            id="missing data alerting raises the missing level until data returns",
        ),
        pytest.param(
            "    missing: {after: 150s, policy: alerting, level: blue}\n",
            [(0, 2.5), (1, 2.5), (5, 2.5), (6, 2.5)],
            8,
            [
                (3.5, "firing", "blue", "missing_data"),
                (5, "resolved", "blue", "reading"),
            ],
            # 2.5 lies between blue's exit (2) and enter (3): hysteresis would hold a blue that
            # only the gap set, and the warning would never end
            id="after a gap the level is judged afresh, not held by hysteresis from the gap",
        ),
        pytest.param(
            "    for: 5m\n",
            [(0, 1), (5, 4), (10, 1), (15, 4), (20, 4)],
            21,
            [
                (5, "pending", "blue", "reading"),
                (10, "resolved", "blue", "reading"),
                (15, "pending", "blue", "reading"),
                (20, "firing", "blue", "for"),
            ],
            # a `for` as long as the reporting interval needs the next reading to hold too: a
            # single spike must not fire (and resolve) at the instant of the calm reading
            id="for ending at a reading is judged after that reading",
        ),
        pytest.param(
            "    keep_firing_for: 5m\n",
            [(0, 4), (5, 1), (10, 4), (15, 1), (20, 1)],
            21,
            [(0, "firing", "blue", "reading"), (20, "resolved", "blue", "keep_firing_for")],
            id="keep_firing_for ending at a reading is judged after that reading",
        ),
        pytest.param(
            "    missing: {after: 1m, policy: keep}\n",
            [(0, 4)],
            30,
            [(0, "firing", "blue", "reading")],
            id="missing data keep changes nothing",
        ),
    ],
)
def test_level_machine(extra, readings, end, expected):
    assert run(THRESHOLD + extra, readings, end) == expected


SILENCE = """    detector: {type: silence}
    levels: {blue: ">= 3", red: "> 5"}
"""


def test_silence_is_driven_by_the_clock():
    got = run(SILENCE, [(0, 1.0), (1, 1.0), (9, 1.0)], 20)
    assert got == [
        (4, "firing", "blue", "silence"),
        (6 + 1 / 60_000, "firing", "red", "silence"),  # "> 5": one millisecond after 5 intervals
        (9, "resolved", "red", "reading"),
        (12, "firing", "blue", "silence"),
        (14 + 1 / 60_000, "firing", "red", "silence"),
    ]


def test_a_series_that_never_reports_is_silent_from_the_engine_start():
    assert run(SILENCE, [], 4, start=True) == [(3, "firing", "blue", "silence")]
    assert run(SILENCE, [], 4) == []  # without a start, silence counts from the first reading


def test_late_unknown_and_invalid_readings_are_counted_not_applied():
    rules = rules_from_text(f"rules:\n  - id: r\n    name: R\n{THRESHOLD}")
    engine = Engine(rules, [SERIES])
    assert engine.ingest([1, 1], [T0 + MIN, T0], [1.0, 9.0]) == []  # the 9 is older: late
    assert engine.ingest([1], [T0 + MIN], [9.0]) == []  # same time again: late
    assert engine.ingest([2, 1], [T0 + 2 * MIN, T0 + 2 * MIN], [9.0, float("nan")]) == []
    stats = engine.stats
    assert (stats.accepted, stats.late, stats.unknown, stats.invalid) == (1, 2, 1, 1)
    fired = engine.ingest([1], [T0 + 3 * MIN], [9.0])
    assert [(s.state.value, s.level.label) for s in fired] == [("firing", "red")]


@pytest.mark.parametrize(
    ("measure", "score"),
    [(0.0, 0.0), (1.5, 1 / 6), (3.0, 1 / 3), (4.5, 0.5), (6.0, 2 / 3), (7.5, 5 / 6), (9.0, 1.0)],
)
def test_position_score_on_two_levels(measure, score):
    thr = np.zeros((1, 4, 2))
    ops = np.zeros((4, 2), dtype=np.int64)
    thr[0, 0, 0], thr[0, 3, 0] = 3.0, 6.0
    ops[0, 0] = ops[3, 0] = 2  # >=
    assert lm.position_score(measure, thr, ops, 0) == pytest.approx(score)


def test_position_score_for_downward_levels():
    thr = np.zeros((1, 4, 2))
    ops = np.zeros((4, 2), dtype=np.int64)
    thr[0, 1, 0] = -1.0
    ops[1, 0] = 4  # <=
    assert [lm.position_score(m, thr, ops, 0) for m in (2.0, 0.0, -1.0, -2.0, -4.0)] == (
        pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])
    )


def test_signals_explain_themselves():
    rules = rules_from_text(
        "rules:\n  - id: r\n    name: Level\n" + THRESHOLD + "    message: '{labels[site_name]} "
        "{value:.1f} {level_zh}{level_roman} >= {threshold:g}'\n"
        "    annotations: {watch: '{labels[site_name]} level', measures: evacuate}\n"
    )
    engine = Engine(rules, [SERIES])
    (sig,) = engine.ingest([1], [T0], [7.0])
    assert sig.message == "S1 7.0 红色I >= 6"
    assert sig.labels["site"] == "s1"
    assert sig.value == 7.0
    assert sig.score == pytest.approx(1 / 3 * 2 + (1 / 3) * (1 / 3))  # past the top knot
    expl = sig.explanation
    assert expl["rule"] == "r"
    assert expl["detector"] == "threshold"
    assert expl["threshold"] == {
        "level": "red",
        "enter": ">= 6",
        "exit": "< 5",
        "enter_value": 6.0,
        "exit_value": 5.0,
    }
    assert expl["annotations"] == {"watch": "S1 level", "measures": "evacuate"}
    assert expl["cause"] == "reading"
    assert expl["previous_state"] == "normal"
    assert expl["baseline"] is None  # NaN becomes null for JSON
    assert sig.started_at == sig.at


def test_label_thresholds_bind_per_series_and_bad_labels_are_reported():
    rules = rules_from_text(
        """
rules:
  - id: stage
    name: Stage
    detector: {type: threshold}
    levels:
      yellow: {enter: ">= $warning", exit: "< $warning - 0.2"}
      orange: ">= $guarantee"
"""
    )
    good = SeriesInfo(1, {"site": "g1"}, {"warning": "10", "guarantee": "12"}, 60)
    other = SeriesInfo(2, {"site": "g2"}, {"warning": "100", "guarantee": "105"}, 60)
    missing = SeriesInfo(3, {"site": "g3"}, {"warning": "10"}, 60)
    inverted = SeriesInfo(4, {"site": "g4"}, {"warning": "10", "guarantee": "9"}, 60)
    engine = Engine(rules, [good, other, missing, inverted])
    assert engine.stats.bind_errors["stage"] == {
        "3": "levels: site label 'guarantee' is missing",
        "4": "levels: enter thresholds 10, 9 are not ordered by level",
    }
    fired = engine.ingest([1, 2, 3], [T0, T0, T0], [11.0, 11.0, 50.0])
    assert [(s.labels["site"], s.level.label) for s in fired] == [("g1", "yellow")]
    assert fired[0].explanation["threshold"]["enter_value"] == 10.0
    assert [s.state.value for s in engine.ingest([1], [T0 + MIN], [9.9])] == []  # above 9.8
    assert [s.state.value for s in engine.ingest([1], [T0 + 2 * MIN], [9.7])] == ["resolved"]


def test_a_missing_data_change_carries_no_stale_value():
    rules = rules_from_text(
        "rules:\n  - id: r\n    name: R\n" + THRESHOLD
        + "    missing: {after: 150s, policy: alerting, level: red}\n"
        + '    message: "value {value:.2f} threshold {threshold}"\n'
    )  # fmt: skip
    engine = Engine(rules, [SERIES])
    engine.ingest([1], [T0], [1.0])
    [signal] = engine.advance(T0 + 3 * MIN)
    assert signal.explanation["cause"] == "missing_data"
    assert signal.value is None or np.isnan(signal.value)
    assert signal.explanation["value"] is None
    assert signal.explanation["measure"] is None
    assert "1.00" not in signal.message  # the last reading is not the reason


def test_a_missing_data_level_must_be_one_of_the_rule_levels():
    from forewarn.yamlsource import ConfigInvalid

    with pytest.raises(ConfigInvalid) as info:
        rules_from_text(
            "rules:\n  - id: r\n    name: R\n    detector: {type: threshold}\n"
            '    levels: {yellow: ">= 3"}\n    missing: {policy: alerting, level: red}\n'
        )
    [issue] = info.value.issues
    assert issue.field == "rules[0].missing.level"
    assert "red is not a level of this rule (yellow)" in issue.message

"""Engine: catalogue changes, snapshots across restarts and rule edits, ids, state size."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.detect.engine import Engine, evaluate
from forewarn.detect.labels import SeriesInfo, fingerprint
from forewarn.detect.ruleset import rules_from_text

T0 = 1_767_225_600_000
MIN = 60_000

RULES = """
rules:
  - id: level
    name: Level
    detector: {type: threshold}
    levels: {blue: ">= 5", red: ">= 9"}
    for: 3m
  - id: chart
    name: Chart
    detector: {type: cusum, warmup: 5}
    levels: {blue: ">= 4"}
"""


def _series(sid, site):
    return SeriesInfo(sid, {"site": site, "indicator": "x", "series": str(sid)}, {}, 60.0)


def _states(signals):
    return [
        (s.rule, s.labels["site"], s.state.value, s.level.label if s.level else None)
        for s in signals
    ]


def test_a_restart_from_a_snapshot_continues_a_pending_episode():
    rules = rules_from_text(RULES)
    engine = Engine(rules, [_series(1, "a")])
    assert _states(engine.ingest([1], [T0], [6.0])) == [("level", "a", "pending", "blue")]
    data = engine.snapshot()
    again = Engine(rules, [_series(1, "a")])
    restored = again.restore(data)
    assert restored == {"level": 1, "chart": 1}
    assert again.clock_ms == engine.clock_ms
    fired = again.advance(T0 + 3 * MIN)
    assert _states(fired) == [("level", "a", "firing", "blue")]
    assert fired[0].started_at.timestamp() * 1000 == T0
    assert again.ingest([1], [T0], [1.0]) == []  # the old reading is late after the restart too
    assert again.stats.late == 1


def test_an_edited_rule_keeps_its_episodes_and_unchanged_ones_keep_all_their_state():
    engine = Engine(rules_from_text(RULES), [_series(1, "a")])
    engine.ingest([1], [T0], [6.0])
    edited = RULES.replace('blue: ">= 5", red', 'blue: ">= 5.5", red')
    again = Engine(rules_from_text(edited), [_series(1, "a"), _series(2, "b")])
    assert again.restore(engine.snapshot()) == {"chart": 1}  # detector state: unchanged only
    # the edited rule's pending episode goes on (its warning must not be orphaned)...
    assert _states(again.advance(T0 + 3 * MIN)) == [("level", "a", "firing", "blue")]
    assert _states(again.ingest([2], [T0 + 4 * MIN], [9.5])) == [("level", "b", "pending", "red")]
    # ...and ends when the edited rule's condition clears
    assert _states(again.ingest([1], [T0 + 5 * MIN], [1.0])) == [("level", "a", "resolved", "blue")]


def test_a_rule_edited_while_firing_still_resolves_its_warning():
    rules = RULES.replace("    for: 3m\n", "")
    engine = Engine(rules_from_text(rules), [_series(1, "a")], start=T0)
    assert _states(engine.ingest([1], [T0], [9.5])) == [("level", "a", "firing", "red")]
    edited = rules.replace("name: Level", "name: Level (renamed)")
    again = Engine(rules_from_text(edited), [_series(1, "a")], start=T0)
    again.restore(engine.snapshot())
    assert _states(again.ingest([1], [T0 + MIN], [0.3])) == [("level", "a", "resolved", "red")]


SILENT = """
rules:
  - id: silent
    name: Silent
    detector: {type: silence}
    levels: {blue: ">= 3"}
"""


def test_a_rule_added_to_a_running_engine_sees_no_gap_before_it_and_nor_does_a_new_series():
    engine = Engine(rules_from_text(RULES), [_series(1, "a")], start=T0)
    for k in range(0, 24 * 60, 5):  # a day of 5-minute readings (interval 60 s: 3 min silence)
        engine.ingest([1], [T0 + k * MIN], [1.0])
        engine.advance(T0 + k * MIN)
    now = T0 + (24 * 60 - 5) * MIN
    both = Engine(
        rules_from_text(RULES + SILENT.split("rules:\n", 1)[1]), [_series(1, "a")], start=T0
    )
    both.restore(engine.snapshot())
    # the series reported a moment ago: nothing is silent, and nothing is dated yesterday
    assert both.advance(now + MIN) == []
    fired = both.advance(now + 3 * MIN)
    assert _states(fired) == [("silent", "a", "firing", "blue")]
    assert fired[0].started_at.timestamp() * 1000 == now + 3 * MIN
    # a series added to the catalogue now is watched from now, not from the engine's start
    both.add_series([_series(2, "b")])
    assert both.advance(now + 4 * MIN) == []
    assert _states(both.advance(now + 6 * MIN)) == [("silent", "b", "firing", "blue")]


def test_new_series_are_watched_after_add_series():
    engine = Engine(rules_from_text(RULES), [_series(1, "a")])
    assert engine.ingest([7], [T0], [10.0]) == []
    assert engine.stats.unknown == 1
    assert engine.add_series([_series(1, "a"), _series(7, "b")]) == 1
    assert _states(engine.ingest([7], [T0 + MIN], [10.0])) == [("level", "b", "pending", "red")]


def test_string_and_sparse_integer_ids():
    named = [SeriesInfo(f"s{i}", {"site": f"s{i}"}, {}, 60.0) for i in range(3)]
    engine = Engine(rules_from_text(RULES), named)
    np.testing.assert_array_equal(engine.dense_of(["s2", "zz", "s0"]), [2, -1, 0])
    sparse = [_series(10**12, "big"), _series(3, "small")]
    engine = Engine(rules_from_text(RULES), sparse)
    np.testing.assert_array_equal(engine.dense_of(np.array([3, 10**12, 5])), [1, 0, -1])


def test_fingerprints_depend_on_rule_and_identifying_labels_only():
    engine = Engine(rules_from_text(RULES), [_series(1, "a")])
    (sig,) = engine.ingest([1], [T0], [9.0])
    assert sig.fingerprint == fingerprint("level", {"site": "a", "indicator": "x"})
    other_id = Engine(rules_from_text(RULES), [_series(99, "a")])
    (again,) = other_id.ingest([99], [T0], [9.0])
    assert again.fingerprint == sig.fingerprint  # stable across store rebuilds


def test_state_size_per_series_and_rule():
    engine = Engine(rules_from_text(RULES), [_series(i, f"s{i}") for i in range(10)])
    # threshold: no detector state; CUSUM: five float64; the level machine: 84 bytes
    assert engine.state_bytes_per_series_rule() == pytest.approx((84 + 84 + 40) / 2)


def test_batch_evaluation_accepts_readings_in_any_order():
    rules = rules_from_text(RULES)
    series = [_series(1, "a"), _series(2, "b")]
    ids = [1, 2, 1, 2, 1]
    times = [T0 + 4 * MIN, T0, T0, T0 + MIN, T0 + 8 * MIN]
    values = [6.0, 9.0, 1.0, 9.0, 6.0]
    shuffled = evaluate(rules, series, ids, times, values, end=T0 + 20 * MIN)
    order = np.argsort(times, kind="stable")
    ordered = evaluate(
        rules,
        series,
        np.array(ids)[order],
        np.array(times)[order],
        np.array(values)[order],
        end=T0 + 20 * MIN,
    )
    assert [s.explanation for s in shuffled] == [s.explanation for s in ordered]
    assert _states(shuffled) == [
        ("level", "b", "pending", "red"),
        ("level", "b", "firing", "red"),
        ("level", "a", "pending", "blue"),
        ("level", "a", "firing", "blue"),
    ]


def test_the_clock_never_runs_backwards():
    engine = Engine(rules_from_text(RULES), [_series(1, "a")])
    engine.ingest([1], [T0], [6.0])
    assert engine.advance(T0 + 10 * MIN)
    assert engine.advance(T0) == []
    assert engine.clock_ms == T0 + 10 * MIN

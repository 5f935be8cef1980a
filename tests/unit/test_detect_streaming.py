"""Streaming = batch: any chunking of the readings, any interleaving of ``advance`` calls at
reading times, and a snapshot/restore in the middle give exactly the signals of one batch run."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forewarn.detect.codec import signal_to_dict
from forewarn.detect.engine import Engine, evaluate, sort_key
from forewarn.detect.labels import SeriesInfo
from forewarn.detect.ruleset import rules_from_text

RULES = rules_from_text(
    """
rules:
  - id: graded
    name: Graded
    match: {kind: gauge}
    detector: {type: threshold}
    levels:
      blue: {enter: ">= 3", exit: "< 2"}
      orange: {enter: ">= 6", exit: "< 5"}
      red: ">= 9"
    for: 2m
    keep_firing_for: 3m
    missing: {after: 3x, policy: normal}
  - id: graded-alerting
    name: Graded, missing data alerts
    match: {kind: gauge}
    detector: {type: threshold}
    levels: {yellow: ">= 7"}
    missing: {after: 4m, policy: alerting, level: yellow}
  - id: chart
    name: EWMA
    match: {kind: gauge}
    detector: {type: ewma, lambda: 0.3, warmup: 4}
    levels: {blue: ">= 2", red: ">= 4"}
    for: 1m
  - id: sums
    name: CUSUM
    match: {kind: gauge}
    detector: {type: cusum, warmup: 4, k: 0.5}
    levels: {blue: ">= 2", red: ">= 6"}
  - id: rising
    name: Rising
    match: {kind: gauge}
    detector: {type: rate, window: 6m, buckets: 3, per: 1m}
    levels: {blue: ">= 0.5", orange: ">= 2"}
    keep_firing_for: 1m
  - id: silent
    name: Silent
    detector: {type: silence}
    levels: {blue: ">= 2", red: ">= 5"}
  - id: outbreak
    name: Outbreak
    match: {kind: count}
    detector: {type: ears, method: C1, baseline: 3}
    levels: {blue: ">= 1", red: ">= 2"}
  - id: seasonal
    name: Seasonal
    match: {kind: gauge}
    detector: {type: seasonal, season: day, periods: 2, pool: 1, min_count: 1}
    levels: {blue: ">= 3"}
  - id: linked
    name: Linked
    linkage: {rules: [graded, rising], group_by: county, window: 5m, require: all}
    for: 1m
    keep_firing_for: 2m
  - id: linked-any
    name: Linked any
    linkage: {rules: [graded, outbreak, silent], group_by: city, window: 3m, require: any}
"""
)


def _info(sid: int, county: str, kind: str) -> SeriesInfo:
    labels = {
        "site": f"s{sid}",
        "indicator": kind,
        "kind": kind,
        "region": county,
        "region_path": f"620000/620100/{county}",
        "region_city": "620100",
        "region_county": county,
    }
    return SeriesInfo(sid, labels, {}, 60.0)


SERIES = [_info(0, "620102", "gauge"), _info(1, "620102", "gauge"), _info(2, "620111", "gauge")]
SERIES.append(_info(3, "620111", "count"))
T0 = 1_767_225_600_000
MINUTE = 60_000

readings_of_series = st.lists(
    st.tuples(st.sampled_from([0, 1, 1, 1, 2, 3, 7]), st.integers(0, 11)), max_size=30
)


def _merge(per_series: list[list[tuple[int, int]]]) -> list[tuple[int, int, float]]:
    rows = []
    for sid, items in enumerate(per_series):
        t = T0
        for gap, value in items:
            t += gap * MINUTE
            rows.append((t, sid, float(value)))
    rows.sort(key=lambda r: r[0])  # stable: per-series order kept, equal times included
    return rows


def _stream(rows, cuts, advances, shuffles, restore_at):
    engine = Engine(RULES, SERIES, start=T0)
    out = []
    bounds = sorted({c % (len(rows) + 1) for c in cuts} | {0, len(rows)})
    for k, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        chunk = rows[lo:hi]
        if shuffles[k % len(shuffles)]:
            chunk = sorted(chunk, key=lambda r: r[1])  # per-series order only
        ids = np.array([r[1] for r in chunk], dtype=np.int64)
        out += engine.ingest(ids, [r[0] for r in chunk], [r[2] for r in chunk])
        next_t = rows[hi][0] if hi < len(rows) else None
        last_t = rows[hi - 1][0]
        if advances[k % len(advances)] and (next_t is None or next_t > last_t):
            limit = (next_t - 1) if next_t is not None else last_t + 10 * MINUTE
            out += engine.advance(last_t + (limit - last_t) // 2)
        if k == restore_at:
            fresh = Engine(RULES, SERIES, start=T0)
            fresh.restore(engine.snapshot())
            engine = fresh
    return out, engine


def _normal(signals, order):
    return [signal_to_dict(s) for s in sorted(signals, key=lambda s: sort_key(s, order))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    per_series=st.lists(readings_of_series, min_size=4, max_size=4),
    cuts=st.lists(st.integers(0, 200), max_size=8),
    advances=st.lists(st.booleans(), min_size=1, max_size=8),
    shuffles=st.lists(st.booleans(), min_size=1, max_size=8),
    restore_at=st.integers(-1, 8),
)
def test_streaming_in_any_chunking_equals_batch(per_series, cuts, advances, shuffles, restore_at):
    rows = _merge(per_series)
    if not rows:
        return
    end = rows[-1][0] + 20 * MINUTE
    ids = [r[1] for r in rows]
    batch = evaluate(
        RULES, SERIES, ids, [r[0] for r in rows], [r[2] for r in rows], start=T0, end=end
    )
    streamed, engine = _stream(rows, cuts, advances, shuffles, restore_at)
    streamed += engine.advance(end)
    assert _normal(streamed, engine.order) == _normal(batch, engine.order)


def test_the_property_exercises_every_rule():
    """Guard against a vacuous property: a fixed scenario makes every rule signal."""
    per_series = [
        [(1, 1), (1, 4), (1, 4), (1, 7), (1, 10), (1, 10), (1, 1), (7, 2), (1, 1), (1, 1)],
        [(1, 0), (1, 1), (1, 2), (1, 3), (1, 5), (1, 7), (1, 9), (1, 11), (1, 11), (1, 11)],
        [(1, 2)] * 6 + [(1, 11), (3, 0)],
        [(1, 2), (1, 2), (1, 3), (1, 2), (1, 2), (1, 11), (1, 11)],
    ]
    rows = _merge(per_series)
    batch = evaluate(
        RULES, SERIES, [r[1] for r in rows], [r[0] for r in rows], [r[2] for r in rows],
        start=T0, end=rows[-1][0] + 20 * MINUTE,
    )  # fmt: skip
    fired = {s.rule for s in batch if s.state.value == "firing"}
    assert fired >= {r.id for r in RULES.rules} - {"seasonal"}

"""Linkage rules: members per region group within a window, all / any / at least k."""

from __future__ import annotations

from forewarn.detect.engine import Engine
from forewarn.detect.labels import SeriesInfo
from forewarn.detect.ruleset import rules_from_text

T0 = 1_767_225_600_000
MIN = 60_000

RULES = """
rules:
  - id: rain
    name: Rain
    match: {indicator: rain}
    detector: {type: threshold}
    levels: {yellow: ">= 10", orange: ">= 30"}
  - id: river
    name: River
    match: {indicator: river}
    detector: {type: threshold}
    levels: {blue: ">= 1", red: ">= 5"}
  - id: slope
    name: Slope
    match: {indicator: slope}
    detector: {type: threshold}
    levels: {blue: ">= 1"}
  - id: chain
    name: Chain
    linkage:
      rules: [rain, {rule: river, level: red}, slope]
      group_by: county
      window: 30m
      require: {REQUIRE}
    {LEVEL}
    message: "{rule_name} {labels[region_name]}: {members} ({count})"
"""


def _series(sid: int, indicator: str, county: str) -> SeriesInfo:
    labels = {
        "series": str(sid),
        "site": f"{indicator}-{county}-{sid}",
        "indicator": indicator,
        "region": county,
        "region_name": f"County {county}",
        "region_path": f"620000/620100/{county}",
        "region_province": "620000",
        "region_city": "620100",
        "region_county": county,
    }
    return SeriesInfo(sid, labels, {}, 60.0)


SERIES = [
    _series(1, "rain", "A"),
    _series(2, "river", "A"),
    _series(3, "slope", "A"),
    _series(4, "slope", "B"),
    _series(5, "rain", "B"),
]


def _engine(require: str = "all", level: str = "level: red") -> Engine:
    text = RULES.replace("{REQUIRE}", require).replace("{LEVEL}", level)
    return Engine(rules_from_text(text), SERIES)


def _feed(engine: Engine, events: list[tuple[int, int, float]], end: int):
    out = []
    for minute, sid, value in events:
        out += engine.ingest([sid], [T0 + minute * MIN], [value])
        out += engine.advance(T0 + minute * MIN)
    out += engine.advance(T0 + end * MIN)
    return [s for s in out if s.rule == "chain"]


def _minute(sig) -> float:
    return (sig.at.timestamp() * 1000 - T0) / MIN


def test_all_members_in_one_county_within_the_window():
    engine = _engine()
    got = _feed(
        engine,
        [(0, 1, 12), (10, 2, 6), (20, 1, 0), (25, 3, 2), (40, 3, 0), (45, 2, 0)],
        120,
    )
    assert [(_minute(s), s.state.value, s.level.label) for s in got] == [
        (25, "firing", "red"),
        (50, "resolved", "red"),  # rain ended at 20: it counts until 20 + 30 = 50
    ]
    first = got[0]
    assert first.labels["region"] == "A"
    assert first.labels["region_county"] == "A"
    assert first.labels["region_name"] == "County A"
    assert first.message == "Chain County A: rain, river, slope (3)"
    assert [e.rule for e in first.evidence] == ["rain", "river", "slope"]
    assert first.explanation["active_members"] == ["rain", "river", "slope"]
    assert first.explanation["group"] == "A"


def test_member_level_and_other_counties_do_not_count():
    engine = _engine()
    got = _feed(engine, [(0, 1, 12), (5, 2, 2), (10, 4, 3), (15, 5, 40)], 60)
    assert got == []  # the river is only blue (needs red); the slope that moved is in B


def test_at_least_k_and_highest_level():
    engine = _engine("{at_least: 2}", "")
    got = _feed(engine, [(0, 1, 12), (5, 3, 2), (10, 1, 35), (60, 1, 0), (61, 3, 0)], 200)
    assert [(_minute(s), s.state.value, s.level.label) for s in got] == [
        (5, "firing", "yellow"),  # highest of rain (yellow) and slope (blue)
        (10, "firing", "orange"),
        (90, "resolved", "orange"),  # rain stopped at 60: from 90 only the slope counts
    ]


def test_any_and_groups_kept_apart():
    engine = _engine("any", "level: blue")
    got = _feed(engine, [(0, 5, 12), (1, 3, 2)], 5)
    assert sorted((s.labels["region"], _minute(s)) for s in got) == [("A", 1), ("B", 0)]
    assert len({s.fingerprint for s in got}) == 2


def test_linkage_state_survives_a_snapshot():
    engine = _engine()
    _feed(engine, [(0, 1, 12), (10, 2, 6)], 10)
    restored = _engine()
    restored.restore(engine.snapshot())
    got = _feed(restored, [(15, 3, 2)], 20)
    assert [(_minute(s), s.state.value) for s in got] == [(15, "firing")]

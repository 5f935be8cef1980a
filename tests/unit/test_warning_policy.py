"""Matchers and the notification-policy file: parsing, checking with locations, defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forewarn.warnings.matchers import parse_matcher
from forewarn.warnings.policy import DEFAULT_POLICY_YAML, default_policy, describe, parse_policy
from forewarn.yamlsource import ConfigInvalid, parse_yaml

LABELS = {"rule": "pm10 high", "level": "orange", "field": "ecology_environment", "order": "3"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('rule="pm10 high"', True),
        ("rule=pm10", False),
        ("rule!=pm10", True),
        ('rule=~"pm.*"', True),
        ('rule=~"m10.*"', False),  # anchored, like Alertmanager
        ('rule!~"pm.*"', False),
        ("missing=", True),  # a missing label matches as empty
        ("missing!=", False),
        ("level>=orange", True),
        ("level>=II", True),
        ("level>red", False),
        ("level<=yellow", False),
        ("level<III", False),
        ("order>=3", True),
        ("order<3", False),
        ("field>=1", False),  # not a number: no match
        ("  level >= orange  ", True),
    ],
)
def test_matchers(text, expected):
    assert parse_matcher(text).matches(LABELS) is expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("rule", "bad matcher"),
        ("=x", "bad matcher"),
        ("level>=purple", "needs a level"),
        ("order>x", "needs a number"),
        ('rule=~"("', "bad regular expression"),
        ('rule!=="ch4_high"', "its value begins with '='"),  # not `!=` on the value `="ch4_high"`
        ('rule=="x"', "its value begins with '='"),
        ("level=>orange", "its value begins with '>'"),
        ('rule="x', "quote of its value is not closed"),
        ("level>2", "needs a level"),  # 2 is blue's rung to some, Level II (orange) to others
        ("level>=1", "needs a level"),
        ('rule=~"(a)\\1"', "bad regular expression"),  # RE2, as Alertmanager: no back-references
        ("rule=~" + "a" * 4000, "at most 4000 characters"),
    ],
)
def test_bad_matchers_say_why(text, error):
    with pytest.raises(ValueError, match=error):
        parse_matcher(text)


def test_the_default_policy_compiles():
    policy = default_policy()
    assert policy.root.receiver == "responsible"
    assert [c.matchers[0].value for c in policy.root.children] == ["red"]
    assert set(policy.receivers) == {"responsible", "parent", "grandparent"}
    assert policy.escalations["standard"]["red"]["ack_within_s"] == 900.0
    assert [r.name for r in policy.inhibit_rules] == ["silent_site"]
    assert "routes" in DEFAULT_POLICY_YAML


BAD = """\
routes:
  receiver: nobody
  escalation: quick
  routes:
    - matchers: ['level>=red']
      mute_time_intervals: [night]
      group_by: ['...', rule]
receivers:
  - name: duty
    to: []
  - name: duty
    to: [responsible]
escalations:
  - name: standard
    levels:
      red: {ack_within: 15m, steps: [{notify: ghost}]}
"""


def _issues(text: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        parse_policy(text, "policy.yaml")
    return [str(i) for i in caught.value.issues]


def test_cross_reference_errors_name_file_line_and_field():
    assert _issues(BAD) == [
        "policy.yaml:11: receivers[1].name: duplicate name 'duty'",
        "policy.yaml:2: routes.receiver: unknown receiver 'nobody'",
        "policy.yaml:3: routes.escalation: unknown escalation 'quick'",
        "policy.yaml:6: routes.routes[0].mute_time_intervals[0]: unknown time interval 'night'",
        "policy.yaml:7: routes.routes[0].group_by: '...' (all labels) stands alone",
        "policy.yaml:16: escalations[0].levels.red.steps[0].notify: unknown receiver 'ghost'",
        "policy.yaml:9: receivers[0]: a receiver needs `to` or `targets`",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("routes: {group_wait: 5x}", "policy.yaml:1: routes.group_wait: Value error, bad duration"),
        (
            "routes:\n  routes:\n    - matchers: [ok=1, 'level>=purple']",
            "policy.yaml:3: routes.routes[0].matchers[1]: Value error, 'level>=purple'",
        ),
        (
            "routes: {}\nreceivers:\n  - {name: x, to: [boss]}",
            "policy.yaml:3: receivers[0].to: Value error, bad recipient 'boss'",
        ),
        (
            "routes: {}\ntime_intervals:\n  - name: n\n    time_zone: Mars/Base\n"
            "    intervals: [{}]",
            "policy.yaml:4: time_intervals[0].time_zone: Value error, unknown time zone",
        ),
        (
            "routes: {}\ntime_intervals:\n  - name: n\n    intervals:\n      - weekdays: [funday]",
            "policy.yaml:4: time_intervals[0].intervals: Value error, bad value 'funday'",
        ),
        (
            "routes: {}\nescalations:\n  - name: e\n"
            "    levels: {purple: {ack_within: 1m, steps: [{notify: x}]}}",
            "policy.yaml:4: escalations[0].levels: Value error, unknown level 'purple'",
        ),
        (
            "routes: {matchers: [a=1]}",
            "policy.yaml:1: routes.matchers: the root route matches everything",
        ),
        ("routes: {}\nsurprise: 1", "policy.yaml:2: surprise: Extra inputs are not permitted"),
    ],
)
def test_schema_errors_are_located(text, expected):
    issues = _issues(text)
    assert any(i.startswith(expected) for i in issues), issues


def test_describe_summarises_a_good_file():
    doc = parse_yaml(DEFAULT_POLICY_YAML, "default.yaml")
    assert describe(doc) == (
        "policy: 2 routes, 3 receivers, 0 time intervals, 1 inhibit rules, 1 escalations, 0 feeds"
    )


def test_the_policy_examples_in_the_docs_pass_the_check():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "warnings.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        source = block if block.startswith("routes:") else "routes: {}\n" + block
        assert describe(parse_yaml(source, "docs/warnings.md")).startswith("policy: ")
    full = parse_policy(blocks[-1])
    assert set(full.receivers) >= {"responsible", "parent", "grandparent", "duty_leader"}
    assert full.heartbeats.feeds[0].name == "air_quality"


def test_regex_matchers_use_re2_so_nested_repeats_cannot_backtrack():
    # with Python's backtracking engine this pattern took seconds per label; RE2 is linear
    nested = parse_matcher('region_path=~"(.*){12}!"')
    path = "/620000/620100/620111/" + "a" * 40
    assert not nested.matches({"region_path": path})
    assert nested.matches({"region_path": path + "!"})


NIGHTS = """\
routes: {mute_time_intervals: [night, night_utc]}
time_intervals:
  - name: night
    intervals: [{times: [{start: "22:00", end: "24:00"}]}]
  - name: night_utc
    time_zone: UTC
    intervals: [{times: [{start: "22:00", end: "24:00"}]}]
"""


def test_a_time_interval_without_a_zone_is_in_the_platforms_display_zone():
    policy = parse_policy(NIGHTS, time_zone="Asia/Shanghai")
    night, night_utc = policy.time_intervals["night"], policy.time_intervals["night_utc"]
    assert (night.zone, night_utc.zone) == ("Asia/Shanghai", "UTC")
    late = datetime(2026, 5, 1, 14, 30, tzinfo=UTC)  # 22:30 in Beijing
    assert night.contains(late)
    assert not night_utc.contains(late)


def test_a_regex_matcher_answers_the_same_from_memory_as_from_re2():
    site = parse_matcher('site=~"mine-.*"')
    values = [f"mine-{i}" if i % 3 else f"gauge-{i}" for i in range(10_000)]  # fills the memory
    expected = [v.startswith("mine-") for v in values]
    for _ in range(2):
        assert [site.matches({"site": v}) for v in values] == expected

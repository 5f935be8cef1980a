"""Routing: walking up the region tree, the route tree, group keys and recipients (pure)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from forewarn.common import Level
from forewarn.warnings.directory import DeptInfo, Directory, RegionInfo
from forewarn.warnings.policy import Receiver, Route, parse_policy
from forewarn.warnings.routing import (
    department_targets,
    group_key,
    match_labels,
    match_routes,
    parents,
    recipients,
    walk_up,
)

REGIONS = [
    ("620000", None, "province"),
    ("620100", "620000", "city"),
    ("620102", "620100", "county"),
    ("620111", "620100", "county"),
    ("620400", "620000", "city"),
    ("620402", "620400", "county"),
]
DEPTS = [
    (1, "gs-em", "620000", {"production_safety", "natural_disaster"}, {"email": "gs@x.cn"}),
    (
        2,
        "lz-em",
        "620100",
        {"production_safety"},
        {"email": ["a@lz.cn", "b@lz.cn"], "wecom": "https://w/1"},
    ),
    (3, "hg-em", "620111", {"production_safety"}, {"webhook": "https://h/hg", "email": " "}),
    (4, "gs-health", "620000", {"public_health"}, {}),
    (5, "by-health", "620400", {"public_health"}, {"dingtalk": "https://d/by"}),
    (6, "gs-water", "620000", {"natural_disaster"}, {}),
]


def directory() -> Directory:
    out = Directory(revision=1)
    paths: dict[str, str] = {}
    for code, parent, level in REGIONS:
        paths[code] = (paths[parent] if parent else "/") + code + "/"
        out.regions[code] = RegionInfo(code, f"R{code}", parent, paths[code], level)
    grouped: dict[tuple[str, str], list[DeptInfo]] = {}
    for ident, code, region, fields, contact in DEPTS:
        info = DeptInfo(
            ident, code, code.upper(), region, frozenset(fields), MappingProxyType(contact)
        )
        out.departments[code] = info
        out.departments_by_id[ident] = info
        for f in sorted(fields):
            grouped.setdefault((region, f), []).append(info)
    out.by_region_field = {k: tuple(sorted(v, key=lambda d: d.code)) for k, v in grouped.items()}
    return out


@pytest.mark.parametrize(
    ("region", "field", "departments", "found_at", "walked"),
    [
        ("620111", "production_safety", ["hg-em"], "620111", ["620111"]),
        ("620102", "production_safety", ["lz-em"], "620100", ["620102", "620100"]),
        ("620402", "production_safety", ["gs-em"], "620000", ["620402", "620400", "620000"]),
        ("620402", "public_health", ["by-health"], "620400", ["620402", "620400"]),
        (
            "620102",
            "natural_disaster",
            ["gs-em", "gs-water"],
            "620000",
            ["620102", "620100", "620000"],
        ),
        ("620102", "cyber", [], None, ["620102", "620100", "620000"]),
        ("999999", "production_safety", [], None, []),
        (None, "production_safety", [], None, []),
    ],
)
def test_walk_up_finds_the_nearest_department_of_the_field(
    region, field, departments, found_at, walked
):
    found = walk_up(directory(), region, field)
    assert [d.code for d in found.departments] == departments
    assert found.region == found_at
    assert list(found.walked) == walked


def test_explanation_says_how_routing_walked():
    found = walk_up(directory(), "620102", "production_safety")
    assert found.explain("production_safety") == (
        "lz-em: no department for production_safety in 620102; walked up 620102 -> 620100 to 620100"
    )
    assert "answers for production_safety in region 620111" in walk_up(
        directory(), "620111", "production_safety"
    ).explain("production_safety")


@pytest.mark.parametrize(
    ("region", "field", "steps", "expected"),
    [
        ("620111", "production_safety", 1, ["lz-em"]),
        ("620111", "production_safety", 2, ["gs-em"]),
        ("620111", "production_safety", 3, ["gs-em"]),  # nothing above the province: stay there
        ("620102", "production_safety", 1, ["gs-em"]),
        ("620402", "public_health", 1, ["gs-health"]),
        ("620000", "public_health", 1, []),
    ],
)
def test_parents_walk_up_from_the_responsible_department(region, field, steps, expected):
    d = directory()
    found = walk_up(d, region, field)
    assert [x.code for x in parents(d, found, field, steps).departments] == expected


def test_department_targets_follow_the_contact_json():
    d = directory()
    channels = ("inapp", "email", "webhook", "wecom", "dingtalk")
    assert department_targets(d.departments["lz-em"], channels) == (
        ("inapp", "department:2"),
        ("email", "a@lz.cn"),
        ("email", "b@lz.cn"),
        ("wecom", "https://w/1"),
    )
    assert department_targets(d.departments["hg-em"], ("email", "webhook")) == (
        ("webhook", "https://h/hg"),
    )


def test_recipients_of_a_receiver():
    d = directory()
    found = walk_up(d, "620111", "production_safety")
    receiver = Receiver(
        "chain", ("responsible", "parent", "department:by-health"), ("inapp",),
        (("email", "duty@gs.cn"),),
    )  # fmt: skip
    got = recipients(receiver, d, found, "production_safety")
    assert [(r.id, r.department_id, r.targets) for r in got] == [
        ("dept:hg-em", 3, (("inapp", "department:3"),)),
        ("dept:lz-em", 2, (("inapp", "department:2"),)),
        ("dept:by-health", 5, (("inapp", "department:5"),)),
        ("receiver:chain", None, (("email", "duty@gs.cn"),)),
    ]
    assert got[1].why.startswith("parent: lz-em")


POLICY = """
routes:
  receiver: responsible
  group_by: [rule, region]
  group_wait: 30s
  routes:
    - matchers: ['field="natural_disaster"']
      receiver: flood_office
      group_by: [river]
      routes:
        - matchers: ['level>=orange']
          receiver: duty
          group_wait: 0s
          continue: true
        - matchers: ['region_level="province"']
          receiver: duty
    - matchers: ['field="production_safety"', 'level>=yellow']
      repeat_interval: 1h
      continue: true
    - matchers: ['site=~"mine-.*"']
      receiver: duty
receivers:
  - {name: flood_office, to: [responsible, parent]}
  - {name: duty, targets: [{channel: email, target: duty@gs.cn}]}
"""


def _labels(**kw: str) -> dict[str, str]:
    base = {
        "rule": "r",
        "field": "production_safety",
        "level": "blue",
        "region": "620111",
        "region_level": "county",
        "site": "x",
    }
    return base | kw


@pytest.mark.parametrize(
    ("labels", "routes"),
    [
        (_labels(), ["0"]),
        (_labels(level="yellow"), ["0.1"]),
        (_labels(level="red", site="mine-1"), ["0.1", "0.2"]),
        (_labels(site="mine-1"), ["0.2"]),
        (_labels(field="natural_disaster"), ["0.0"]),
        (_labels(field="natural_disaster", level="red"), ["0.0.0"]),
        (
            _labels(field="natural_disaster", level="red", region_level="province"),
            ["0.0.0", "0.0.1"],
        ),
        (_labels(field="natural_disaster", region_level="province"), ["0.0.1"]),
    ],
)
def test_route_tree_matching(labels, routes):
    policy = parse_policy(POLICY)
    assert [_positions(policy.root)[r.id] for r in match_routes(policy.root, labels)] == routes


def _positions(route: Route, at: str = "0") -> dict[str, str]:
    """Route id -> position in the tree ("0.1": the root's second child)."""
    found = {route.id: at}
    for i, child in enumerate(route.children):
        found |= _positions(child, f"{at}.{i}")
    return found


def test_a_routes_id_survives_other_routes_being_added_or_moved():
    before = parse_policy(POLICY).root
    moved = POLICY.replace(
        "    - matchers: ['field=\"production_safety\"', 'level>=yellow']",
        "    - matchers: ['rule=\"new\"']\n      receiver: duty\n"
        "    - matchers: ['field=\"production_safety\"', 'level>=yellow']",
    )
    after = parse_policy(moved).root
    assert len(after.children) == len(before.children) + 1
    assert (
        before.children[1].id
        == after.children[2].id
        == ('{}/{field="production_safety",level>="yellow"}')
    )
    assert [c.id for c in before.children[0].children] == [c.id for c in after.children[0].children]


def test_sibling_routes_with_equal_matchers_are_told_apart():
    twins = (
        "routes:\n  routes:\n    - {matchers: ['rule=\"a\"']}\n    - {matchers: ['rule=\"a\"']}\n"
    )
    first, second = parse_policy(twins).root.children
    assert (first.id, second.id) == ('{}/{rule="a"}', '{}/{rule="a"}#1')


def test_children_inherit_what_they_do_not_set():
    root = parse_policy(POLICY).root
    flood, orange = root.children[0], root.children[0].children[0]
    assert (flood.receiver, flood.group_by, flood.group_wait_s) == (
        "flood_office",
        ("river",),
        30.0,
    )
    assert (orange.receiver, orange.group_by, orange.group_wait_s) == ("duty", ("river",), 0.0)
    assert root.children[1].repeat_interval_s == 3600.0
    assert root.children[1].receiver == "responsible"
    assert orange.repeat_interval_s == root.repeat_interval_s == 4 * 3600.0


def test_group_keys_depend_on_group_by_labels_and_responsible_departments():
    root = parse_policy(POLICY).root
    a = group_key(root, _labels(site="a"), (3,))
    assert a == group_key(root, _labels(site="b", level="red"), (3,)), (
        "site and level not grouped on"
    )
    assert a != group_key(root, _labels(region="620102"), (3,))
    assert a != group_key(root, _labels(), (2,))


def test_match_labels_add_rule_level_region_and_department():
    d = directory()
    got = match_labels(
        {"site": "m1", "river": "yellow"},
        rule="ch4",
        level=Level.ORANGE,
        field="production_safety",
        region=d.regions["620111"],
        department="hg-em",
    )
    assert got == {
        "site": "m1",
        "river": "yellow",
        "rule": "ch4",
        "field": "production_safety",
        "level": "orange",
        "region": "620111",
        "region_level": "county",
        "region_path": "/620000/620100/620111/",
        "department": "hg-em",
    }

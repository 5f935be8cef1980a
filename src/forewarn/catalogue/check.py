"""Cross-reference checks of a catalogue file (pure): codes unique, references resolvable."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from forewarn.catalogue.schemas import CatalogueFile, RegionIn
from forewarn.yamlsource import ConfigIssue, YamlDocument

LEVEL_DEPTH = {"province": 0, "city": 1, "county": 2, "township": 3}
# Stored children named in one "cannot contain" error before "and N more".
NAMED_CHILDREN = 3


class RegionNode(NamedTuple):
    """A region's place in the tree: its level and its parent's code."""

    level: str
    parent: str | None


def _duplicates(doc: YamlDocument, section: str, codes: Iterable[str]) -> list[ConfigIssue]:
    seen: dict[str, int] = {}
    issues = []
    for index, code in enumerate(codes):
        if code in seen:
            issues.append(
                doc.issue((section, index, "code"), f"duplicate code {code!r} (item {seen[code]})")
            )
        seen.setdefault(code, index)
    return issues


def check_catalogue(
    doc: YamlDocument,
    cat: CatalogueFile,
    *,
    known_fields: set[str] | frozenset[str] = frozenset(),
    known_regions: Mapping[str, RegionNode] | None = None,
    known_departments: set[str] | frozenset[str] = frozenset(),
    known_indicators: set[str] | frozenset[str] = frozenset(),
) -> list[ConfigIssue]:
    """Every reference problem in `cat`; `known_*` are codes already in the store."""
    issues: list[ConfigIssue] = []
    issues += _duplicates(doc, "fields", (f.code for f in cat.fields))
    issues += _duplicates(doc, "regions", (r.code for r in cat.regions))
    issues += _duplicates(doc, "departments", (d.code for d in cat.departments))
    issues += _duplicates(doc, "indicators", (i.code for i in cat.indicators))
    issues += _duplicates(doc, "sites", (s.code for s in cat.sites))

    fields = set(known_fields) | {f.code for f in cat.fields}
    stored = dict(known_regions or {})
    tree = stored | {r.code: RegionNode(r.level, r.parent) for r in cat.regions}
    region_levels = {code: node.level for code, node in tree.items()}
    departments = set(known_departments) | {d.code for d in cat.departments}
    indicators = set(known_indicators) | {i.code for i in cat.indicators}

    issues += _region_issues(doc, cat, stored, tree)
    for i, dept in enumerate(cat.departments):
        if dept.region not in region_levels:
            issues.append(
                doc.issue(("departments", i, "region"), f"unknown region {dept.region!r}")
            )
        for j, code in enumerate(dept.fields):
            if code not in fields:
                issues.append(doc.issue(("departments", i, "fields", j), f"unknown field {code!r}"))
    for i, ind in enumerate(cat.indicators):
        if ind.field not in fields:
            issues.append(doc.issue(("indicators", i, "field"), f"unknown field {ind.field!r}"))
    for i, site in enumerate(cat.sites):
        if site.region not in region_levels:
            issues.append(doc.issue(("sites", i, "region"), f"unknown region {site.region!r}"))
        if site.field not in fields:
            issues.append(doc.issue(("sites", i, "field"), f"unknown field {site.field!r}"))
        if site.department is not None and site.department not in departments:
            issues.append(
                doc.issue(("sites", i, "department"), f"unknown department {site.department!r}")
            )
        seen: set[str] = set()
        for j, series in enumerate(site.series):
            if series.indicator not in indicators:
                issues.append(
                    doc.issue(
                        ("sites", i, "series", j, "indicator"),
                        f"unknown indicator {series.indicator!r}",
                    )
                )
            if series.indicator in seen:
                issues.append(
                    doc.issue(
                        ("sites", i, "series", j, "indicator"),
                        f"indicator {series.indicator!r} listed twice for this site",
                    )
                )
            seen.add(series.indicator)
    return issues


def _region_issues(
    doc: YamlDocument,
    cat: CatalogueFile,
    stored: Mapping[str, RegionNode],
    tree: Mapping[str, RegionNode],
) -> list[ConfigIssue]:
    """Parents, levels and cycles of the tree the store would hold with `cat` loaded."""
    issues: list[ConfigIssue] = []
    in_file = {r.code for r in cat.regions}
    children: dict[str, list[str]] = {}
    for code, node in stored.items():
        if node.parent is not None and code not in in_file:
            children.setdefault(node.parent, []).append(code)
    for i, region in enumerate(cat.regions):
        issues += _parent_issues(doc, i, region, tree)
        issues += _children_issues(doc, i, region, sorted(children.get(region.code, ())), tree)
        issues += _cycle_issues(doc, i, region, tree)
    return issues


def _parent_issues(
    doc: YamlDocument, i: int, region: RegionIn, tree: Mapping[str, RegionNode]
) -> list[ConfigIssue]:
    if region.parent is None or region.parent == region.code:
        return []
    parent = tree.get(region.parent)
    if parent is None:
        return [doc.issue(("regions", i, "parent"), f"unknown region {region.parent!r}")]
    if LEVEL_DEPTH[parent.level] >= LEVEL_DEPTH[region.level]:
        message = f"a {region.level} cannot lie inside the {parent.level} {region.parent!r}"
        return [doc.issue(("regions", i, "level"), message)]
    return []


def _children_issues(
    doc: YamlDocument,
    i: int,
    region: RegionIn,
    stored_children: list[str],
    tree: Mapping[str, RegionNode],
) -> list[ConfigIssue]:
    """A region's new level must stay above the levels of the children stored below it."""
    depth = LEVEL_DEPTH[region.level]
    too_high = [c for c in stored_children if LEVEL_DEPTH[tree[c].level] <= depth]
    if not too_high:
        return []
    named = ", ".join(f"{tree[c].level} {c!r}" for c in too_high[:NAMED_CHILDREN])
    more = len(too_high) - NAMED_CHILDREN
    named += f" and {more} more" if more > 0 else ""
    message = f"a {region.level} cannot contain the {named} already stored below it"
    return [doc.issue(("regions", i, "level"), message)]


def _cycle_issues(
    doc: YamlDocument, i: int, region: RegionIn, tree: Mapping[str, RegionNode]
) -> list[ConfigIssue]:
    """A cycle through `region`, following parents in the file and in the store."""
    chain = [region.code]
    code = region.parent
    while code is not None and code in tree and code not in chain:
        chain.append(code)
        code = tree[code].parent
    if code != region.code:
        return []
    cycle = " -> ".join([*chain, region.code])
    return [doc.issue(("regions", i, "parent"), f"regions form a cycle: {cycle}")]


def regions_in_order(cat: CatalogueFile) -> list[int]:
    """Indexes of `cat.regions` ordered so that every parent comes before its children."""
    by_code = {r.code: i for i, r in enumerate(cat.regions)}
    order: list[int] = []
    placed: set[int] = set()

    def place(index: int) -> None:
        if index in placed:
            return
        parent = cat.regions[index].parent
        if parent in by_code:
            place(by_code[parent])
        placed.add(index)
        order.append(index)

    for index in range(len(cat.regions)):
        place(index)
    return order

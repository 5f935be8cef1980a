"""Cross-reference checks of a catalogue file (pure): codes unique, references resolvable."""

from __future__ import annotations

from collections.abc import Iterable

from forewarn.catalogue.schemas import CatalogueFile
from forewarn.yamlsource import ConfigIssue, YamlDocument

LEVEL_DEPTH = {"province": 0, "city": 1, "county": 2, "township": 3}


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
    known_regions: dict[str, str] | None = None,
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
    region_levels = dict(known_regions or {}) | {r.code: r.level for r in cat.regions}
    departments = set(known_departments) | {d.code for d in cat.departments}
    indicators = set(known_indicators) | {i.code for i in cat.indicators}

    for i, region in enumerate(cat.regions):
        if region.parent is None:
            continue
        if region.parent not in region_levels:
            issues.append(doc.issue(("regions", i, "parent"), f"unknown region {region.parent!r}"))
        elif LEVEL_DEPTH[region_levels[region.parent]] >= LEVEL_DEPTH[region.level]:
            issues.append(
                doc.issue(
                    ("regions", i, "level"),
                    f"a {region.level} cannot lie inside the "
                    f"{region_levels[region.parent]} {region.parent!r}",
                )
            )
    issues += _cycles(doc, cat)
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


def _cycles(doc: YamlDocument, cat: CatalogueFile) -> list[ConfigIssue]:
    parents = {r.code: r.parent for r in cat.regions}
    issues = []
    for i, region in enumerate(cat.regions):
        seen = {region.code}
        code = region.parent
        while code is not None and code in parents:
            if code in seen:
                issues.append(doc.issue(("regions", i, "parent"), "regions form a cycle"))
                break
            seen.add(code)
            code = parents[code]
    return issues


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

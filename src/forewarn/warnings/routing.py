"""Routing (pure): the responsible department by field and region, the route tree, recipients.

The responsible department is found at the warning's region; when no department of the
warning's field exists there, the walk goes up the region tree (county -> city -> province)
and stops at the first region that has one. The route tree (Alertmanager's model) then decides
which receivers hear of the warning, how notifications are grouped and timed, and which
escalation chain applies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forewarn.common import Level
from forewarn.warnings.content import LABEL, LEVEL
from forewarn.warnings.directory import DeptInfo, Directory, RegionInfo
from forewarn.warnings.matchers import match_all
from forewarn.warnings.policy import ALL_LABELS, Receiver, Route


@dataclass(frozen=True)
class Responsibility:
    """Who answers for a warning, and how routing found them."""

    departments: tuple[DeptInfo, ...]
    region: str | None  # where the departments were found
    walked: tuple[str, ...]  # the regions looked at, starting with the warning's own

    @property
    def primary(self) -> DeptInfo | None:
        """The first responsible department (by code), recorded on the warning."""
        return self.departments[0] if self.departments else None

    def explain(self, field: str) -> str:
        """One sentence: why these departments."""
        if not self.departments:
            return f"no department answers for {field} in {' > '.join(self.walked) or 'any region'}"
        names = ", ".join(d.code for d in self.departments)
        if len(self.walked) == 1:
            return f"{names}: answers for {field} in region {self.region}"
        return (
            f"{names}: no department for {field} in {self.walked[0]}; walked up "
            f"{' -> '.join(self.walked)} to {self.region}"
        )


def walk_up(directory: Directory, region: str | None, field: str) -> Responsibility:
    """The departments of `field` at `region`, or at the nearest ancestor that has one."""
    walked: list[str] = []
    code = region
    while code is not None and code in directory.regions and len(walked) < 32:
        walked.append(code)
        found = directory.by_region_field.get((code, field))
        if found:
            return Responsibility(found, code, tuple(walked))
        code = directory.regions[code].parent
    return Responsibility((), None, tuple(walked))


def parents(
    directory: Directory, found: Responsibility, field: str, steps: int = 1
) -> Responsibility:
    """The departments `steps` levels above those responsible (walking up past gaps)."""
    current = found
    for _ in range(steps):
        if current.region is None:
            return Responsibility((), None, current.walked)
        above = directory.regions[current.region].parent
        nxt = walk_up(directory, above, field)
        if not nxt.departments:
            return current if current is not found else Responsibility((), None, nxt.walked)
        current = nxt
    return current


def match_labels(
    labels: Mapping[str, str],
    *,
    rule: str,
    level: Level | None,
    field: str,
    region: RegionInfo | None,
    department: str | None,
) -> dict[str, str]:
    """The labels routes, silences and inhibition match on: the warning's own plus derived ones."""
    out = dict(labels)
    out.update(rule=rule, field=field, level=LABEL[level] if level else "")
    if region is not None:
        out.update(region=region.code, region_level=region.level, region_path=region.path)
    if department:
        out["department"] = department
    return out


def warning_labels(row: Mapping[str, Any], directory: Directory) -> dict[str, str]:
    """Match labels of a stored warning (its columns as a mapping) at its current level."""
    primary = directory.departments_by_id.get(row.get("department_id") or -1)
    return match_labels(
        row["labels"],
        rule=row["rule"],
        level=LEVEL.get(row["level"]),
        field=row["field"],
        region=directory.regions.get(row["region_code"] or ""),
        department=primary.code if primary else None,
    )


def responsibility_of(routing: Mapping[str, Any], directory: Directory) -> Responsibility:
    """The responsibility recorded on a warning (departments that no longer exist drop out)."""
    depts = tuple(
        directory.departments[c]
        for c in routing.get("departments") or []
        if c in directory.departments
    )
    return Responsibility(depts, routing.get("region"), tuple(routing.get("walked") or ()))


def match_routes(route: Route, labels: Mapping[str, str]) -> tuple[Route, ...]:
    """The routes a warning goes to: depth first, children before their parent, `continue`."""
    if not match_all(route.matchers, labels):
        return ()
    found: list[Route] = []
    for child in route.children:
        below = match_routes(child, labels)
        if below:
            found.extend(below)
            if not child.continue_:
                break
    return tuple(found) if found else (route,)


def group_labels(route: Route, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels that identify a warning's group on `route` (``...``: all of them)."""
    if ALL_LABELS in route.group_by:
        return {k: v for k, v in labels.items() if k != "level"}
    return {name: labels.get(name, "") for name in route.group_by}


def group_key(route: Route, labels: Mapping[str, str], departments: tuple[int, ...]) -> str:
    """A stable key of the group on `route`; dynamic receivers group per responsible set."""
    body = {"labels": group_labels(route, labels), "departments": list(departments)}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Recipient:
    """One recipient and the (channel, target) addresses it is reached at."""

    id: str  # "dept:<code>" or "receiver:<name>", used in idempotency keys
    department_id: int | None
    targets: tuple[tuple[str, str], ...]
    why: str


def department_targets(dept: DeptInfo, channels: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(channel, target) pairs from a department's contact JSON, for the wanted channels."""
    out: list[tuple[str, str]] = []
    for channel in channels:
        if channel == "inapp":
            out.append(("inapp", f"department:{dept.id}"))
            continue
        value = dept.contact.get(channel)
        values = value if isinstance(value, list) else [value]
        out.extend((channel, str(v)) for v in values if isinstance(v, str) and v.strip())
    return tuple(out)


def recipients(
    receiver: Receiver, directory: Directory, found: Responsibility, field: str
) -> tuple[Recipient, ...]:
    """Everyone `receiver` names for a warning whose responsibility is `found`."""
    out: dict[str, Recipient] = {}

    def add(depts: tuple[DeptInfo, ...], why: str) -> None:
        for d in depts:
            rid = f"dept:{d.code}"
            if rid not in out:
                out[rid] = Recipient(rid, d.id, department_targets(d, receiver.channels), why)

    for spec in receiver.to:
        kind, _, rest = spec.partition(":")
        if kind == "responsible":
            add(found.departments, found.explain(field))
        elif kind == "parent":
            above = parents(directory, found, field, int(rest or 1))
            add(above.departments, f"{spec}: {above.explain(field)}")
        elif kind == "department" and rest in directory.departments:
            add((directory.departments[rest],), f"named in receiver {receiver.name}")
    if receiver.targets:
        rid = f"receiver:{receiver.name}"
        out[rid] = Recipient(rid, None, receiver.targets, f"targets of receiver {receiver.name}")
    return tuple(out.values())

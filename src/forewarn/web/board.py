"""The situation at a glance: firing warnings folded by region and by field and level.

The folds are pure functions of the warnings; the two queries read through the warnings
service (scoped) or, for the newest events across warnings, with one small scoped join.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.catalogue.models import Region
from forewarn.scope import Scope
from forewarn.warnings import service as warnings_service
from forewarn.warnings.lifecycle import FIRING
from forewarn.warnings.models import Warning, WarningEvent

FIRING_STATUSES = tuple(sorted(s.value for s in FIRING))


@dataclass
class RegionState:
    """What the map shows for one region or site: highest firing level and the warnings
    behind it."""

    code: str
    level: int = 0
    warnings: list[Warning] = field(default_factory=list)


def firing_warnings(session: Session, scope: Scope) -> list[Warning]:
    """Active and acknowledged warnings in scope, most severe first."""
    query = warnings_service.query_warnings(
        session, scope=scope, status=FIRING_STATUSES, sort="level"
    )
    return list(session.scalars(query))


def covers(region_path: str, warning_path: str) -> bool:
    """Whether a warning at `warning_path` concerns the region at `region_path`: it lies in
    the region's subtree, or it was raised for a region above (a city-wide warning)."""
    return warning_path.startswith(region_path) or region_path.startswith(warning_path)


def region_states(regions: Sequence[Region], warnings: Iterable[Warning]) -> dict[str, RegionState]:
    """The state of every map region (regions without warnings have level 0)."""
    states = {r.code: RegionState(r.code) for r in regions}
    listed = list(warnings)
    for region in regions:
        state = states[region.code]
        for w in listed:
            if w.region_path and covers(region.path, w.region_path):
                state.warnings.append(w)
                state.level = max(state.level, w.level or 0)
    return states


def site_states(codes: Iterable[str], warnings: Iterable[Warning]) -> dict[str, RegionState]:
    """The state of every map site: the highest level of the firing warnings raised on it."""
    states = {code: RegionState(code) for code in codes}
    for w in warnings:
        state = states.get(w.site_code or "")
        if state is not None:
            state.warnings.append(w)
            state.level = max(state.level, w.level or 0)
    return states


def level_counts(warnings: Iterable[Warning]) -> dict[str, dict[int, int]]:
    """Firing warnings counted by field, then by level rank (1..4, and 0 for no level)."""
    out: dict[str, dict[int, int]] = {}
    for w in warnings:
        row = out.setdefault(w.field, {})
        row[w.level or 0] = row.get(w.level or 0, 0) + 1
    return out


def newest_events(
    session: Session, scope: Scope, *, limit: int = 12
) -> list[tuple[WarningEvent, Warning]]:
    """The latest time-line events of warnings in scope, newest first (deliveries left out:
    each warning's page lists them)."""
    query = (
        select(WarningEvent, Warning)
        .join(Warning, Warning.id == WarningEvent.warning_id)
        .where(
            scope.region_clause(Warning.region_path),
            scope.field_clause(Warning.field),
            WarningEvent.kind.not_like("notification%"),
        )
        .order_by(WarningEvent.time.desc(), WarningEvent.id.desc())
        .limit(limit)
    )
    return [(e, w) for e, w in session.execute(query).all()]

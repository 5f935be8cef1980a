"""Who may approve a public warning (pure).

The approver must hold ``warnings:publish-approve``, belong to a department whose region is at
or above the warning's region and every region of the published area (its region path is a
prefix of theirs), and must not be the composer of the draft (four eyes). The system principal
(automation, e.g. the demo's script) is exempt from the department and four-eyes rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from forewarn.errors import PermissionDenied


@dataclass(frozen=True)
class Approver:
    """The approving principal as this rule sees it."""

    name: str
    is_system: bool
    region_path: str | None
    region_code: str | None = None


def outside(approver_path: str, area_paths: Sequence[str]) -> list[str]:
    """The area paths not at or below `approver_path`."""
    return [p for p in area_paths if not p.startswith(approver_path)]


def check_approver(
    approver: Approver, *, drafted_by: str | None, area_paths: Sequence[str]
) -> None:
    """Raise PermissionDenied unless `approver` may approve a draft over `area_paths`."""
    if approver.is_system:
        return
    if drafted_by is not None and approver.name == drafted_by:
        raise PermissionDenied(
            "the composer of a draft cannot approve it (four-eyes rule)",
            details={"drafted_by": drafted_by},
        )
    if approver.region_path is None:
        raise PermissionDenied(
            "only a member of a department may approve a public warning",
            details={"rule": "approver's department region at or above the warning's region"},
        )
    beyond = outside(approver.region_path, area_paths)
    if beyond:
        raise PermissionDenied(
            "the approver's department is below the warning's region",
            details={"approver_region": approver.region_code, "regions_outside": beyond},
        )

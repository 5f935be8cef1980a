"""Scope: which regions and fields a caller may see; applied in the service layer on every query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute


@dataclass(frozen=True)
class Scope:
    """Region subtrees (by materialised path) and fields visible to a caller; None means all."""

    region_paths: tuple[str, ...] | None = None
    fields: frozenset[str] | None = None

    @property
    def unrestricted(self) -> bool:
        """True when nothing is filtered."""
        return self.region_paths is None and self.fields is None

    def region_clause(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """SQL condition: the row's region path lies in one of the scope's subtrees."""
        if self.region_paths is None:
            return true()
        if not self.region_paths:
            return false()
        return or_(*(path_column.startswith(p, autoescape=True) for p in self.region_paths))

    def field_clause(self, field_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """SQL condition: the row's field is in scope."""
        if self.fields is None:
            return true()
        return field_column.in_(sorted(self.fields))

    def allows(self, region_path: str | None, field: str | None) -> bool:
        """Whether one object with this region path and field is visible."""
        if self.region_paths is not None and not any(
            (region_path or "").startswith(p) for p in self.region_paths
        ):
            return False
        return self.fields is None or field is None or field in self.fields

    def ancestor_paths(self) -> list[str]:
        """Paths of the regions above each scope subtree (visible for navigation only)."""
        out: set[str] = set()
        for path in self.region_paths or ():
            parts = [p for p in path.split("/") if p]
            out.update("/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts)))
        return sorted(out)

    def region_tree_clause(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """SQL condition for region lists: inside a subtree, or one of its ancestors."""
        if self.region_paths is None:
            return true()
        ancestors = self.ancestor_paths()
        inside = self.region_clause(path_column)
        return or_(inside, path_column.in_(ancestors)) if ancestors else inside

    def allows_region(self, region_path: str) -> bool:
        """Whether a region (by path) is visible: inside a subtree, or an ancestor of one."""
        if self.region_paths is None:
            return True
        return any(
            region_path.startswith(p) or p.startswith(region_path) for p in self.region_paths
        )


ALL = Scope()

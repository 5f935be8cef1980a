"""Copies of region paths kept by warnings and silences follow a region the catalogue moves."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from forewarn.warnings.models import DETAILS, Silence


def follow_region_moves(session: Session, moves: Mapping[str, str]) -> None:
    """Rewrite stored region paths by `moves` (old path -> new path of every moved region)."""
    if not moves:
        return
    # A warning's region_path is the path of its region, so an exact match finds its warnings.
    session.execute(
        update(DETAILS)
        .where(DETAILS.c.region_path == bindparam("old_path"))
        .values(region_path=bindparam("new_path")),
        [{"old_path": old, "new_path": new} for old, new in moves.items()],
    )
    for silence in session.scalars(select(Silence).where(Silence.region_paths.is_not(None))):
        paths = silence.region_paths or []
        moved = [moves.get(p, p) for p in paths]
        if moved != paths:
            silence.region_paths = moved

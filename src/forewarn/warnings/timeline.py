"""The append-only time line of a warning: events are only ever inserted, never changed.

Other domains (delivery, publishing) record what they did to a warning with `record_event`,
e.g. ``kind="notification_delivered"`` or ``kind="cap_issued"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forewarn.common import Level
from forewarn.warnings import bulk
from forewarn.warnings.models import WarningEvent, table_of

ENGINE = "engine"
SYSTEM = "system"


def event_row(
    warning_id: int,
    time: datetime,
    kind: str,
    actor: str,
    *,
    level: Level | int | None = None,
    status: str | None = None,
    rule: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event as a row for `append_events`."""
    return {
        "warning_id": warning_id,
        "time": time,
        "kind": kind,
        "actor": actor,
        "level": int(level) if level is not None else None,
        "status": status,
        "rule": rule,
        "data": data or {},
    }


def append_events(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert events in one round trip; their ids, in the order given."""
    if not rows:
        return []
    return bulk.insert_returning_ids(session, table_of(WarningEvent), rows)


def add_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert events whose ids nobody needs (cheaper than `append_events` on PostgreSQL)."""
    bulk.insert_rows(session, table_of(WarningEvent), rows)


def record_event(
    session: Session,
    *,
    warning_id: int,
    kind: str,
    actor: str,
    time: datetime,
    data: dict[str, Any] | None = None,
    level: Level | int | None = None,
) -> int:
    """Append one event to a warning's time line (for other domains); its id."""
    row = event_row(warning_id, time, kind, actor, level=level, data=data)
    return append_events(session, [row])[0]


def explanation_of(data: Any) -> dict[str, Any] | None:
    """The detector's explanation an event carries (level events do), else None."""
    found = data.get("explanation") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else None


def current_explanation(
    opening: Mapping[str, Any] | None, events: Iterable[WarningEvent]
) -> dict[str, Any]:
    """A warning's explanation now: that of its latest level event, else the one it opened with.

    The details row keeps the explanation a warning opened with (written once); each level
    change's explanation is on its time-line event, so it is stored once and never rewritten.
    """
    found = dict(opening or {})
    for event in events:
        explanation = explanation_of(event.data)
        if explanation is not None:
            found = explanation
    return found


def level_explanations(
    session: Session, warning_ids: Sequence[int], *, limit: int = 500
) -> list[dict[str, Any]]:
    """The explanations on the latest `limit` level events of the given warnings, oldest
    first."""
    if not warning_ids:
        return []
    events = session.scalars(
        select(WarningEvent)
        .where(WarningEvent.warning_id.in_(warning_ids), WarningEvent.level.is_not(None))
        .order_by(WarningEvent.id.desc())
        .limit(limit)
    ).all()
    return [e for ev in reversed(events) if (e := explanation_of(ev.data)) is not None]

"""Taking escalation steps in the store: the ``escalated`` event and its notifications.

Shared by the clock (``advance.escalate``: steps that fell due) and by people
(``service.escalate``: the next step now, with a reason). Each step writes one ``escalated``
event on the warning's time line and records one outbox row per recipient target, keyed by that
event, in the caller's unit of work; the warning's progress through its chain moves on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from forewarn.common import Level
from forewarn.warnings import notices
from forewarn.warnings.escalation import StepDue, chain
from forewarn.warnings.models import Warning
from forewarn.warnings.routing import Recipient
from forewarn.warnings.timeline import append_events, event_row

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = (
    "id", "title", "rule", "status", "level", "region_code", "site_code", "field", "message",
    "started_at",
)  # fmt: skip


@dataclass(frozen=True)
class Taken:
    """A step to record: the warning, the step, who hears of it."""

    warning: Warning
    step: StepDue
    people: tuple[Recipient, ...]


def _summary_row(w: Warning) -> dict[str, Any]:
    return {c: getattr(w, c) for c in SUMMARY_COLUMNS}


def _data(t: Taken, manual: bool) -> dict[str, Any]:
    level = Level(t.warning.level) if t.warning.level else None
    found = chain(t.warning.escalation, level)
    data: dict[str, Any] = {
        "step": t.step.index + 1,
        "steps": len(found["steps"]) if found else None,
        "receiver": t.step.receiver.name,
        "reason": t.step.reason,
        "recipients": [p.id for p in t.people],
        "policy": (t.warning.escalation or {}).get("policy"),
    }
    if manual:
        data["manual"] = True
        data["text"] = t.step.note  # the person's words, shown as they wrote them
    if not t.people:
        data["unreached"] = True  # e.g. `parent` of a department at the top of its field
    return data


def _payload(t: Taken, event_id: int, actor: str, manual: bool) -> dict[str, Any]:
    step = t.step
    summary = notices.summary(_summary_row(t.warning), "escalation")
    content = t.warning.content or {}
    escalation: dict[str, Any] = {"step": step.index + 1, "reason": step.reason}
    if manual:
        escalation.update(manual=True, by=actor)
    return {
        "text": notices.text([summary], step.reason, content),
        "level": summary["level"],
        "url": summary["url"],
        "warning": summary,
        "warnings": [summary],
        "content": content,
        "event": {"id": event_id, "kind": "escalation"},
        "escalation": escalation,
    }


def record_steps(
    session: Session,
    taken: Sequence[Taken],
    *,
    now: datetime,
    actor: str,
    rule: str | None = None,
) -> int:
    """Write the events and notifications of `taken` steps and move each warning's chain on;
    how many notifications were new. `rule`: the lifecycle rule of a person's act."""
    manual = rule is not None
    rows = [
        event_row(t.warning.id, now, "escalated", actor, rule=rule, data=_data(t, manual))
        for t in taken
    ]
    items = []
    for t in taken:
        if not t.people:
            log.warning(
                "warning %s: escalation step %s (%s) reaches nobody",
                t.warning.id, t.step.index + 1, t.step.receiver.name,
            )  # fmt: skip
    for t, event_id in zip(taken, append_events(session, rows), strict=True):
        w, step = t.warning, t.step
        items += notices.outbox_items(
            t.people,
            warning_id=w.id,
            event_id=event_id,
            reason="escalation",
            title=notices.subject(_summary_row(w), "escalation", 0),
            payload=_payload(t, event_id, actor, manual),
        )
        w.escalation_step = step.index + 1
        w.escalation_due_at = step.next_due
    return notices.enqueue_all(session, items, now=now)

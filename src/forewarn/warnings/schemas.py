"""Warnings wire shapes: list items, the detail with its explanation and time line, acts,
silences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from forewarn.api.schemas import ApiModel
from forewarn.common import Level
from forewarn.warnings.content import current_content, level_text
from forewarn.warnings.models import Silence, Warning, WarningEvent
from forewarn.warnings.muting import silence_state
from forewarn.warnings.timeline import current_explanation
from forewarn.warnings.titles import english_title


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store a NUL in text: refuse it on every store, naming the field
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("contains a NUL character")
        return value


def _label(level: int | None) -> str | None:
    return Level(level).label if level else None


class WarningRead(ApiModel):
    """A warning in a list."""

    id: int
    fingerprint: str
    rule: str
    title: str
    title_en: str | None = Field(
        description="The title in English, when the rule has an English name (`name_en`)."
    )
    status: str
    level: str | None = Field(description="blue, yellow, orange or red (None while pending).")
    level_text: str = Field(description="e.g. 'II 橙色 orange'.")
    highest_level: str | None
    field: str
    region_code: str | None
    site_code: str | None
    department_id: int | None
    message: str
    labels: dict[str, str]
    started_at: datetime
    activated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    assignee: str | None
    ended_at: datetime | None
    ended_by: str | None
    end_reason: str | None
    flapping: bool
    muted_by: str | None = Field(description="The mute that last held back a notification.")
    escalation_step: int
    escalation_due_at: datetime | None
    reactivations: int

    @classmethod
    def of(cls, w: Warning) -> WarningRead:
        """The list shape of a stored warning."""
        level = Level(w.level) if w.level else None
        return cls.model_validate(
            {
                **{k: getattr(w, k) for k in cls.model_fields if hasattr(w, k)},
                "title_en": english_title(w.title, w.explanation),
                "level": _label(w.level),
                "level_text": level_text(level),
                "highest_level": _label(w.highest_level),
            }
        )


class EventRead(ApiModel):
    """One entry of a warning's time line."""

    id: int
    time: datetime
    kind: str
    actor: str
    level: str | None = Field(description="Set on events that set or change the level.")
    status: str | None = Field(description="The new status, on events that change it.")
    rule: str | None = Field(description="The lifecycle rule that allowed the change.")
    data: dict[str, Any]

    @classmethod
    def of(cls, e: WarningEvent) -> EventRead:
        """The wire shape of an event."""
        return cls(
            id=e.id,
            time=e.time,
            kind=e.kind,
            actor=e.actor,
            level=_label(e.level),
            status=e.status,
            rule=e.rule,
            data=e.data or {},
        )


class WarningDetail(WarningRead):
    """A warning with its explanation, release content, routing and time line."""

    explanation: dict[str, Any]
    content: dict[str, Any] = Field(description="What a warning release must state.")
    routing: dict[str, Any] = Field(description="Responsible departments and how they were found.")
    escalation: dict[str, Any] | None = Field(description="Policy snapshot taken at the start.")
    timeline: list[EventRead]

    @classmethod
    def build(cls, w: Warning, events: list[WarningEvent]) -> WarningDetail:
        """The detail shape of a stored warning and its events."""
        base = WarningRead.of(w).model_dump()
        return cls(
            **base,
            explanation=current_explanation(w.explanation, events),
            content=current_content(w.content or {}, w.level),
            routing=w.routing or {},
            escalation=w.escalation,
            timeline=[EventRead.of(e) for e in events],
        )


class AckIn(_Body):
    """Acknowledge, optionally with a comment."""

    comment: str | None = Field(default=None, max_length=4000)


class AssignIn(_Body):
    """Assign to a person."""

    assignee: str = Field(min_length=1, max_length=200)


class CommentIn(_Body):
    """A comment on the time line."""

    text: str = Field(min_length=1, max_length=4000)


class EscalateIn(_Body):
    """Escalate a warning now; the reason is required and recorded."""

    reason: str = Field(min_length=1, max_length=4000)


class LiftIn(_Body):
    """Lift (end) a warning; the reason is required and recorded."""

    reason: str = Field(min_length=1, max_length=4000)


class SilenceIn(_Body):
    """A new silence: matchers, a time span, a reason; optionally narrowed to a region or field."""

    matchers: list[str] = Field(min_length=1, max_length=20)
    starts_at: AwareDatetime | None = Field(default=None, description="Default: now.")
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=4000)
    region: str | None = Field(default=None, description="Only this region's subtree.")
    field: str | None = Field(default=None, description="Only this field.")


class SilencePatch(_Body):
    """Changes to a running or future silence."""

    matchers: list[str] | None = Field(default=None, min_length=1, max_length=20)
    ends_at: AwareDatetime | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=4000)


class SilenceRead(ApiModel):
    """A silence as the API shows it."""

    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    region_paths: list[str] | None
    fields: list[str] | None
    expired_by: str | None
    state: str

    @classmethod
    def of(cls, s: Silence, now: datetime) -> SilenceRead:
        """The wire shape of a silence at `now`."""
        data = {k: getattr(s, k) for k in cls.model_fields if k != "state"}
        return cls(**data, state=silence_state(s.starts_at, s.ends_at, now).value)

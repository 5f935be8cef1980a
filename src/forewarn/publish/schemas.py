"""Public-warning wire shapes: the composer's draft, the publication and its CAP messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forewarn.api.schemas import ApiModel
from forewarn.common import Level
from forewarn.publish.models import CapMessage, Publication

Language = Literal["zh-CN", "en"]
ResponseType = Literal[
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "None"
]  # fmt: skip
MAX_AREAS = 50


def _no_blank(value: dict[Language, str], limit: int, name: str) -> dict[Language, str]:
    out: dict[Language, str] = {}
    for language, text in value.items():
        clean = text.strip()
        if len(clean) > limit:
            raise ValueError(f"{name}[{language}] is longer than {limit} characters")
        if clean:
            out[language] = clean
    return out


class PublicationDraftIn(BaseModel):
    """What the composer writes; anything left out is taken from the warning's content."""

    model_config = ConfigDict(extra="forbid")

    event: dict[Language, str] = Field(default_factory=dict, description="Kind of event.")
    headline: dict[Language, str] = Field(
        default_factory=dict, description="Short headline per language (at most 160 characters)."
    )
    description: dict[Language, str] = Field(default_factory=dict, description="What is happening.")
    instruction: dict[Language, str] = Field(default_factory=dict, description="What to do.")
    response_types: list[ResponseType] = Field(
        default_factory=list, max_length=9, description="CAP responseType values."
    )
    areas: list[str] = Field(
        default_factory=list,
        max_length=MAX_AREAS,
        description="Region codes of the affected area (default: the warning's region).",
    )
    contact: str | None = Field(default=None, max_length=500)

    @field_validator("event", "headline", "description", "instruction")
    @classmethod
    def _texts(cls, value: dict[Language, str], info: Any) -> dict[Language, str]:
        limits = {"event": 200, "headline": 160, "description": 4000, "instruction": 2000}
        return _no_blank(value, limits[info.field_name], info.field_name)

    @field_validator("areas")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        codes = [c.strip() for c in value]
        if any(not c or len(c) > 32 for c in codes):
            raise ValueError("area codes must be 1..32 characters")
        return list(dict.fromkeys(codes))


class CapMessageRead(ApiModel):
    """One issued CAP message."""

    identifier: str
    msg_type: str
    references: str | None
    sent: datetime
    level: str
    revision: int
    headline: str
    url: str = Field(description="Public address of the CAP document.")

    @classmethod
    def of(cls, m: CapMessage, base_url: str) -> CapMessageRead:
        """The wire shape of a stored message."""
        return cls(
            identifier=m.identifier,
            msg_type=m.msg_type,
            references=m.references,
            sent=m.sent,
            level=Level(m.level).label,
            revision=m.revision,
            headline=m.headline,
            url=cap_url(base_url, m.identifier),
        )


class PublicationRead(ApiModel):
    """A warning's public release: state, pending draft, approved text, messages issued."""

    warning_id: int
    state: Literal["draft", "published", "revision_pending", "cancelled"]
    draft: dict[str, Any] | None
    drafted_by: str | None
    drafted_at: datetime | None
    approved: dict[str, Any] | None
    approved_by: str | None
    approved_at: datetime | None
    revision: int
    cancelled_at: datetime | None
    messages: list[CapMessageRead]

    @classmethod
    def of(cls, p: Publication, messages: list[CapMessage], base_url: str) -> PublicationRead:
        """The wire shape of a stored publication with its messages, oldest first."""
        return cls(
            warning_id=p.warning_id,
            state=publication_state(p),
            draft=p.draft,
            drafted_by=p.drafted_by,
            drafted_at=p.drafted_at,
            approved=p.approved,
            approved_by=p.approved_by,
            approved_at=p.approved_at,
            revision=p.revision,
            cancelled_at=p.cancelled_at,
            messages=[CapMessageRead.of(m, base_url) for m in messages],
        )


def publication_state(
    p: Publication,
) -> Literal["draft", "published", "revision_pending", "cancelled"]:
    """``draft`` (never approved), ``published``, ``revision_pending`` or ``cancelled``."""
    if p.cancelled_at is not None:
        return "cancelled"
    if p.approved is None:
        return "draft"
    return "revision_pending" if p.draft is not None else "published"


def cap_url(base_url: str, identifier: str) -> str:
    """Public address of a CAP document."""
    return f"{base_url.rstrip('/')}/feeds/cap/{identifier}.xml"

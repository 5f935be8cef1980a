"""Simulated provincial duty staff of the demo: they take flood warnings to the public.

A composer (`province.duty`) drafts the public release of a flood warning once it has been at
orange or red for half an hour; a second officer (`province.leader`) approves it, which issues
the CAP Alert (level changes then issue Updates). When the flood warning has been resolved for an
hour, the leader lifts it with a reason, which issues the CAP Cancel. Every step goes through the
same services as the API, so it is on the warning's time line and in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from forewarn.auth.principal import Principal
from forewarn.auth.service import get_user, principal_for
from forewarn.common import Level
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.publish.models import Publication
from forewarn.publish.schemas import PublicationDraftIn
from forewarn.publish.service import approve_publication, draft_publication
from forewarn.warnings import service as warnings
from forewarn.warnings.models import Warning

PUBLIC_RULES = ("river-stage", "flood-landslide-chain")
COMPOSER, APPROVER = "province.duty", "province.leader"
DRAFT_AFTER = timedelta(minutes=30)
LIFT_AFTER = timedelta(hours=1)
LIFT_REASON = "洪峰已过，险情解除 / The flood crest has passed; the danger is over."


def _as(session: Session, username: str) -> Principal:
    principal = principal_for(session, get_user(session, username))
    session.info["actor"] = principal.actor
    return principal


def to_publish(session: Session, now: datetime) -> list[int]:
    """Firing flood warnings at orange or above for a while, not yet published."""
    published = select(Publication.warning_id)
    query = select(Warning.id).where(
        Warning.rule.in_(PUBLIC_RULES),
        Warning.status.in_(("active", "acknowledged")),
        Warning.level >= int(Level.ORANGE),
        Warning.activated_at <= now - DRAFT_AFTER,
        Warning.id.not_in(published),
    )
    return list(session.scalars(query))


def to_lift(session: Session, now: datetime) -> list[int]:
    """Published flood warnings resolved an hour ago, not yet lifted."""
    live = select(Publication.warning_id).where(
        Publication.approved.is_not(None), Publication.cancelled_at.is_(None)
    )
    query = select(Warning.id).where(
        Warning.status == "resolved", Warning.ended_at <= now - LIFT_AFTER, Warning.id.in_(live)
    )
    return list(session.scalars(query))


@dataclass
class DemoDutyDesk:
    """A runtime job acting as the demo's provincial duty staff."""

    sessions: sessionmaker[Session]
    settings: Settings

    def __call__(self, now: datetime) -> None:
        """Publish what is due, lift what is over; one unit of work per warning."""
        with session_scope(self.sessions) as session:
            publish, lift = to_publish(session, now), to_lift(session, now)
        for warning_id in publish:
            with session_scope(self.sessions) as session:
                composer = _as(session, COMPOSER)
                draft = PublicationDraftIn()
                scope = composer.acting_scope
                draft_publication(session, warning_id, draft, who=composer, scope=scope, now=now)
            with session_scope(self.sessions) as session:
                approver = _as(session, APPROVER)
                approve_publication(
                    session,
                    warning_id,
                    who=approver,
                    scope=approver.acting_scope,
                    now=now,
                    settings=self.settings,
                )
        for warning_id in lift:
            with session_scope(self.sessions) as session:
                approver = _as(session, APPROVER)
                scope = approver.acting_scope
                name = approver.name
                warnings.lift(
                    session, warning_id, scope=scope, actor=name, now=now, reason=LIFT_REASON
                )

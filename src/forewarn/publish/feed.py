"""The public Atom feed: the newest CAP message of every approved public warning in force,
and of those cancelled within the retention time (so hubs see the Cancel)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forewarn.common import Level
from forewarn.config import Settings
from forewarn.publish.atom import FeedEntry, build_feed
from forewarn.publish.models import CapMessage, Publication
from forewarn.publish.schemas import cap_url


def feed_messages(
    session: Session, *, now: datetime, retention_s: float
) -> list[tuple[CapMessage, datetime]]:
    """(newest message, first message's time) of each warning the feed shows."""
    newest = (
        select(
            func.max(CapMessage.id).label("id"),
            func.min(CapMessage.sent).label("first_sent"),
        )
        .group_by(CapMessage.warning_id)
        .subquery()
    )
    since = now - timedelta(seconds=retention_s)
    query = (
        select(CapMessage, newest.c.first_sent)
        .join(newest, CapMessage.id == newest.c.id)
        .join(Publication, Publication.id == CapMessage.publication_id)
        .where(Publication.approved.is_not(None))
        .where(or_(Publication.cancelled_at.is_(None), Publication.cancelled_at >= since))
        .order_by(CapMessage.sent.desc(), CapMessage.id.desc())
    )
    return [(m, first) for m, first in session.execute(query).all()]


def atom_feed(session: Session, *, now: datetime, settings: Settings) -> bytes:
    """The Atom document of the current public warnings."""
    base = settings.public_base_url.rstrip("/")
    entries = []
    for message, first_sent in feed_messages(
        session, now=now, retention_s=settings.cap_cancel_retention_s
    ):
        url = cap_url(base, message.identifier)
        severity = Level(message.level).cap_severity
        entries.append(
            FeedEntry(
                entry_id=url,
                title=message.headline,
                summary=f"{message.area_desc} · {severity} · {message.msg_type}",
                cap_url=url,
                sent=message.sent,
                first_sent=first_sent,
                severity=severity,
                msg_type=message.msg_type,
                author=settings.cap_sender_name,
            )
        )
    updated = max((e.sent for e in entries), default=now)
    return build_feed(
        entries,
        feed_id=f"{base}/feeds/cap.atom",
        title=f"{settings.cap_sender_name}: public warnings (CAP 1.2)",
        self_url=f"{base}/feeds/cap.atom",
        author=settings.cap_sender_name,
        updated=updated,
    )

"""The delivery worker: claim due outbox rows, send each over its channel, record the outcome.

Safe for several workers at once: on PostgreSQL due rows are selected ``FOR UPDATE SKIP
LOCKED``; on SQLite each row is claimed by a conditional UPDATE that only one writer can win.
A claim sets ``status = 'sending'`` and moves ``next_attempt_at`` to the end of a lease; a
worker that dies leaves the row to become due again when the lease ends (nothing is lost).
Outcomes are recorded with a fence (``attempts`` must still be the claimed attempt), so a row
once delivered is never claimed again. Delivery is at least once: a crash after the receiver
got a message but before the row was marked sends it again, with the same idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from forewarn.db import session_scope
from forewarn.notify.channels.base import Channel, Message, Outcome
from forewarn.notify.models import Notification
from forewarn.notify.policy import Decision, RetryPolicy, decide

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    """One recorded attempt, handed to the time-line hook inside the recording transaction."""

    message: Message
    outcome: Outcome
    decision: Decision
    now: datetime


DeliveryHook = Callable[[Session, DeliveryReport], None]


@dataclass
class DeliveryStats:
    """Counts of one `deliver_due` run."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    given_up: int = 0
    lost_lease: int = 0


def _no_hook(_session: Session, _report: DeliveryReport) -> None:
    return None


def _due(now: datetime, channels: list[str]) -> ColumnElement[bool]:
    return and_(
        Notification.status.in_(("pending", "sending")),
        Notification.next_attempt_at <= now,
        Notification.channel.in_(channels),
    )


def _fenced(notification_id: int, status: str, attempts: int) -> ColumnElement[bool]:
    return and_(
        Notification.id == notification_id,
        Notification.status == status,
        Notification.attempts == attempts,
    )


def _give_up(session: Session, row: Notification, *, now: datetime, hook: DeliveryHook) -> bool:
    error = "lease expired after the last attempt" if row.status == "sending" else "too old"
    result = session.execute(
        update(Notification)
        .where(_fenced(row.id, row.status, row.attempts))
        .values(status="given_up", last_error=error)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    message = Message.of(row, now=now)
    hook(
        session,
        DeliveryReport(message, Outcome.transient(error), Decision("given_up", None, error), now),
    )
    return True


def claim_due(
    session: Session,
    *,
    now: datetime,
    channels: list[str],
    policy: RetryPolicy,
    limit: int,
    hook: DeliveryHook = _no_hook,
) -> tuple[list[Message], int]:
    """Claim up to `limit` due rows of `channels` for a lease; also count the rows given up."""
    query = (
        select(Notification)
        .where(_due(now, channels))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    lease_end = now + timedelta(seconds=policy.lease_s)
    claimed: list[Message] = []
    given_up = 0
    for row in session.scalars(query).all():
        if policy.expired(attempts=row.attempts, created_at=row.created_at, now=now):
            given_up += _give_up(session, row, now=now, hook=hook)
            continue
        result = session.execute(
            update(Notification)
            .where(_fenced(row.id, row.status, row.attempts))
            .values(status="sending", attempts=row.attempts + 1, next_attempt_at=lease_end)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(replace(Message.of(row, now=now), attempt=row.attempts + 1))
    return claimed, given_up


def record_outcome(
    session: Session,
    message: Message,
    outcome: Outcome,
    *,
    now: datetime,
    policy: RetryPolicy,
    hook: DeliveryHook = _no_hook,
) -> Decision | None:
    """Record the outcome of a claimed attempt; None when the claim was lost meanwhile."""
    decision = decide(
        outcome, attempts=message.attempt, created_at=message.created_at, now=now, policy=policy
    )
    values: dict[str, object] = {"status": decision.status, "last_error": decision.error}
    if decision.status == "delivered":
        values["delivered_at"] = now
    if decision.next_attempt_at is not None:
        values["next_attempt_at"] = decision.next_attempt_at
    result = session.execute(
        update(Notification)
        .where(_fenced(message.id, "sending", message.attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    hook(session, DeliveryReport(message, outcome, decision, now))
    return decision


def _send(channel: Channel | None, message: Message) -> Outcome:
    if channel is None:
        return Outcome.permanent(f"no channel {message.channel!r} configured")
    try:
        return channel.send(message)
    except Exception as exc:  # a bug in one channel must not stop the others
        log.exception("channel %s failed on notification %s", message.channel, message.id)
        return Outcome.transient(f"channel error: {type(exc).__name__}: {exc}")


def _count(stats: DeliveryStats, decision: Decision | None) -> None:
    if decision is None:
        stats.lost_lease += 1
    elif decision.status == "delivered":
        stats.delivered += 1
    elif decision.status == "pending":
        stats.retrying += 1
    elif decision.status == "failed":
        stats.failed += 1
    else:
        stats.given_up += 1


def deliver_due(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    channels: Mapping[str, Channel],
    policy: RetryPolicy | None = None,
    limit: int = 50,
    hook: DeliveryHook | None = None,
) -> DeliveryStats:
    """Deliver the outbox rows due at `now` over `channels` (keyed by channel name)."""
    policy = policy or RetryPolicy()
    hook = hook or default_hook()
    stats = DeliveryStats()
    with session_scope(session_factory) as session:
        messages, stats.given_up = claim_due(
            session, now=now, channels=sorted(channels), policy=policy, limit=limit, hook=hook
        )
    stats.claimed = len(messages)
    for message in messages:
        outcome = _send(channels.get(message.channel), message)
        with session_scope(session_factory) as session:
            decision = record_outcome(session, message, outcome, now=now, policy=policy, hook=hook)
        _count(stats, decision)
    return stats


def expire_unclaimable(
    session: Session, *, now: datetime, policy: RetryPolicy, hook: DeliveryHook | None = None
) -> int:
    """Give up pending rows older than the policy's age on any channel (e.g. one not configured)."""
    hook = hook or default_hook()
    cutoff = now - timedelta(seconds=policy.max_age_s)
    lease_over = or_(Notification.status == "pending", Notification.next_attempt_at <= now)
    rows = session.scalars(
        select(Notification).where(
            Notification.status.in_(("pending", "sending")),
            Notification.created_at <= cutoff,
            lease_over,
        )
    ).all()
    return sum(_give_up(session, row, now=now, hook=hook) for row in rows)


def default_hook() -> DeliveryHook:
    """The hook that writes delivery outcomes on the warning's time line."""
    from forewarn.notify.timeline import record_delivery

    return record_delivery

"""The delivery job the process loop (or a dedicated delivery worker) runs every few seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from forewarn.clock import Clock
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.notify.channels import Channel, build_channels
from forewarn.notify.policy import RetryPolicy
from forewarn.notify.worker import DeliveryStats, deliver_due, expire_unclaimable


@dataclass
class DeliveryJob:
    """Delivers due outbox rows over the configured channels; owns one HTTP client."""

    sessions: sessionmaker[Session]
    settings: Settings
    channels: dict[str, Channel]
    policy: RetryPolicy
    client: httpx.Client
    runs: int = field(default=0)

    @classmethod
    def create(
        cls,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        clock: Clock | None = None,
        extra: dict[str, Channel] | None = None,
    ) -> DeliveryJob:
        """A job with the channels of `settings` (plus `extra`, which win by name)."""
        client = httpx.Client(timeout=settings.notify_timeout_s, follow_redirects=False)
        channels = build_channels(settings, sessions=sessions, client=client, clock=clock)
        channels.update(extra or {})
        policy = RetryPolicy.from_settings(settings)
        return cls(sessions, settings, channels, policy, client)

    def run_once(self, now: datetime, *, max_batches: int = 20) -> DeliveryStats:
        """Deliver rows due at `now` (up to `max_batches` batches), give up rows too old."""
        total = DeliveryStats()
        for _ in range(max_batches):
            stats = deliver_due(
                self.sessions,
                now=now,
                channels=self.channels,
                policy=self.policy,
                limit=self.settings.delivery_batch,
            )
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            if stats.claimed + stats.given_up < self.settings.delivery_batch:
                break
        with session_scope(self.sessions) as session:
            total.given_up += expire_unclaimable(session, now=now, policy=self.policy)
        self.runs += 1
        return total

    def __call__(self, now: datetime) -> None:
        """Run once at `now` (the signature of a ``forewarn.runtime.Runtime`` job)."""
        self.run_once(now)

    def close(self) -> None:
        """Release the HTTP client."""
        self.client.close()

"""Retry policy of the outbox: a deterministic exponential back-off, attempt and age limits.

After failed attempt ``n`` (1-based) the next try waits ``min(max_delay, base * factor**(n-1))``
seconds (or the receiver's ``Retry-After`` when longer, capped the same way). A notification is
given up after ``max_attempts`` attempts or once it is ``max_age_s`` old, whichever comes first.
No jitter: the schedule is a pure function of the attempt number, so it is testable with an
explicit clock; several workers spread load by claiming different rows, not by random delays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from forewarn.config import Settings
from forewarn.notify.channels.base import Outcome

Status = Literal["delivered", "pending", "failed", "given_up"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and for how long to retry, and how long a claim (lease) lasts."""

    max_attempts: int = 10
    base_delay_s: float = 30.0
    factor: float = 2.0
    max_delay_s: float = 3600.0
    max_age_s: float = 86_400.0
    lease_s: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy the ``delivery_*`` settings describe."""
        return cls(
            max_attempts=settings.delivery_max_attempts,
            base_delay_s=settings.delivery_base_delay_s,
            max_delay_s=settings.delivery_max_delay_s,
            max_age_s=settings.delivery_max_age_s,
            lease_s=settings.delivery_lease_s,
        )

    def delay_after(self, attempts: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after `attempts` failed attempts (honouring a longer Retry-After)."""
        delay = self.base_delay_s * self.factor ** max(0, attempts - 1)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return min(self.max_delay_s, delay)

    def schedule(self) -> list[float]:
        """The waits between consecutive attempts, from the first to the last."""
        return [self.delay_after(n) for n in range(1, self.max_attempts)]

    def expired(self, *, attempts: int, created_at: datetime, now: datetime) -> bool:
        """Whether a notification with `attempts` made so far must not be tried again."""
        too_old = (now - created_at).total_seconds() >= self.max_age_s
        return attempts >= self.max_attempts or too_old


@dataclass(frozen=True)
class Decision:
    """What to record after an attempt: the new status, and when to try next if pending."""

    status: Status
    next_attempt_at: datetime | None
    error: str | None


def decide(
    outcome: Outcome, *, attempts: int, created_at: datetime, now: datetime, policy: RetryPolicy
) -> Decision:
    """The outbox row's next state after attempt number `attempts` ended with `outcome`."""
    if outcome.kind == "delivered":
        return Decision("delivered", None, None)
    if outcome.kind == "permanent":
        return Decision("failed", None, outcome.detail)
    if policy.expired(attempts=attempts, created_at=created_at, now=now):
        return Decision("given_up", None, outcome.detail)
    delay = policy.delay_after(attempts, outcome.retry_after_s)
    return Decision("pending", now + timedelta(seconds=delay), outcome.detail)

"""Retry policy: the deterministic back-off schedule and the decision after each attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.notify.channels.base import Outcome
from forewarn.notify.policy import RetryPolicy, decide

T0 = datetime(2026, 5, 1, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=5, base_delay_s=30, factor=2, max_delay_s=200, max_age_s=3600)


@pytest.mark.parametrize(
    ("attempts", "retry_after", "expected"),
    [
        (1, None, 30),
        (2, None, 60),
        (3, None, 120),
        (4, None, 200),  # capped
        (9, None, 200),
        (1, 90.0, 90),  # a longer Retry-After wins
        (2, 10.0, 60),  # a shorter one does not shorten the back-off
        (1, 10_000.0, 200),  # and it is capped too
    ],
)
def test_delay_after(attempts, retry_after, expected):
    assert POLICY.delay_after(attempts, retry_after) == expected


def test_schedule_lists_the_waits_between_attempts():
    assert POLICY.schedule() == [30, 60, 120, 200]
    assert RetryPolicy().schedule()[:4] == [30, 60, 120, 240]


@pytest.mark.parametrize(
    ("outcome", "attempts", "age_s", "status", "wait_s"),
    [
        (Outcome.delivered(), 1, 0, "delivered", None),
        (Outcome.delivered(), 5, 4000, "delivered", None),  # late success still counts
        (Outcome.permanent("HTTP 404"), 1, 0, "failed", None),
        (Outcome.transient("HTTP 503"), 1, 0, "pending", 30),
        (Outcome.transient("HTTP 503"), 3, 100, "pending", 120),
        (Outcome.transient("HTTP 429", 150.0), 1, 0, "pending", 150),
        (Outcome.transient("timeout"), 5, 100, "given_up", None),  # attempts used up
        (Outcome.transient("timeout"), 2, 3600, "given_up", None),  # too old
        (Outcome.transient("timeout"), 2, 3599, "pending", 60),
    ],
)
def test_decide(outcome, attempts, age_s, status, wait_s):
    created = T0
    now = T0 + timedelta(seconds=age_s)
    decision = decide(outcome, attempts=attempts, created_at=created, now=now, policy=POLICY)
    assert decision.status == status
    if wait_s is None:
        assert decision.next_attempt_at is None
    else:
        assert decision.next_attempt_at == now + timedelta(seconds=wait_s)
    assert decision.error == (None if status == "delivered" else outcome.detail)

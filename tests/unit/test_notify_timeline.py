"""Which delivery attempts reach the warning's time line (pure: a report in, an entry out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.notify.channels.base import Message, Outcome
from forewarn.notify.policy import Decision
from forewarn.notify.timeline import DELIVERED, FAILED, timeline_entry
from forewarn.notify.worker import DeliveryReport

NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)
RETRY = Decision("pending", NOW + timedelta(minutes=1), "HTTP 503")


def report(decision: Decision, *, attempt: int, failed_before: bool) -> DeliveryReport:
    message = Message(
        id=1, idempotency_key="k", channel="webhook", target="https://hooks.example/a",
        reason="activated", subject="s", payload={}, created_at=NOW, attempt=attempt, now=NOW,
        warning_id=7, failed_before=failed_before,
    )  # fmt: skip
    return DeliveryReport(message, Outcome("transient", "HTTP 503"), decision, NOW)


@pytest.mark.parametrize(
    ("decision", "attempt", "failed_before", "kind"),
    [
        (RETRY, 1, False, FAILED),  # the first failure is written
        (RETRY, 2, True, None),  # later retries are not
        (RETRY, 2, False, FAILED),  # attempt 1 was cut short by a crash: this is the first failure
        (Decision("given_up", None, "HTTP 503"), 9, True, FAILED),  # the final one always
        (Decision("delivered", None, None), 3, True, DELIVERED),
    ],
)
def test_the_first_failure_and_every_outcome_that_ends_a_notification(
    decision, attempt, failed_before, kind
):
    entry = timeline_entry(report(decision, attempt=attempt, failed_before=failed_before))
    assert (entry.kind if entry else None) == kind
    if entry is not None and kind == FAILED:
        assert entry.detail["final"] is (decision.status != "pending")

"""The delivery worker over the outbox: claims, back-off, give-up, leases, concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from forewarn.catalogue.models import Department
from forewarn.db import session_scope
from forewarn.notify.channels.base import Message, Outcome
from forewarn.notify.channels.inapp import InAppChannel
from forewarn.notify.channels.webhook import WebhookChannel
from forewarn.notify.models import InboxItem, Notification
from forewarn.notify.outbox import OutboxItem, enqueue
from forewarn.notify.policy import RetryPolicy
from forewarn.notify.worker import claim_due, deliver_due, expire_unclaimable, record_outcome
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=4, base_delay_s=30, max_delay_s=100, max_age_s=7200, lease_s=300)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fill(sessions, n: int, *, channel: str = "webhook", target: str = "http://r.test/hook"):
    with session_scope(sessions) as s:
        for i in range(n):
            item = OutboxItem(f"key-{i}", channel, target, "activated", f"subject {i}", {"i": i})
            enqueue(s, item, now=T0)


def rows(sessions) -> dict[str, Notification]:
    with sessions() as s:
        return {r.idempotency_key: r for r in s.scalars(select(Notification))}


class Receiver:
    """httpx mock receiver answering with a fixed status; counts requests by key."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.keys[request.headers["X-Forewarn-Idempotency-Key"]] += 1
        return httpx.Response(self.status)

    def channels(self):
        client = httpx.Client(transport=httpx.MockTransport(self))
        return {"webhook": WebhookChannel(client, secret="k")}


class Hook:
    """Records what the worker reports for the time line."""

    def __init__(self) -> None:
        self.reports = []

    def __call__(self, session, report) -> None:
        self.reports.append(report)


def test_delivers_each_due_row_once(sessions):
    fill(sessions, 3)
    receiver, hook = Receiver(), Hook()
    stats = deliver_due(sessions, now=T0, channels=receiver.channels(), policy=POLICY, hook=hook)
    assert (stats.claimed, stats.delivered) == (3, 3)
    again = deliver_due(sessions, now=at(3600), channels=receiver.channels(), policy=POLICY)
    assert again.claimed == 0
    assert receiver.keys == {"key-0": 1, "key-1": 1, "key-2": 1}
    for row in rows(sessions).values():
        assert (row.status, row.attempts, row.delivered_at) == ("delivered", 1, T0)
    assert [r.decision.status for r in hook.reports] == ["delivered"] * 3


def test_backoff_schedule_then_give_up(sessions):
    fill(sessions, 1)
    receiver, hook = Receiver(503), Hook()
    channels = receiver.channels()
    run = lambda t: deliver_due(sessions, now=at(t), channels=channels, policy=POLICY, hook=hook)  # noqa: E731
    assert run(0).retrying == 1
    assert rows(sessions)["key-0"].next_attempt_at == at(30)
    assert run(29).claimed == 0  # not due yet
    assert run(30).retrying == 1
    assert rows(sessions)["key-0"].next_attempt_at == at(90)
    assert run(90).retrying == 1
    assert rows(sessions)["key-0"].next_attempt_at == at(190)  # 90 + min(120, 100)
    final = run(190)
    assert final.given_up == 1
    row = rows(sessions)["key-0"]
    assert (row.status, row.attempts) == ("given_up", 4)
    assert row.last_error.startswith("HTTP 503")
    assert receiver.keys["key-0"] == 4
    assert run(10_000).claimed == 0
    assert [r.decision.status for r in hook.reports] == ["pending"] * 3 + ["given_up"]


def test_permanent_failure_is_not_retried(sessions):
    fill(sessions, 1)
    receiver = Receiver(404)
    stats = deliver_due(sessions, now=T0, channels=receiver.channels(), policy=POLICY)
    assert stats.failed == 1
    assert deliver_due(sessions, now=at(9999), channels=receiver.channels()).claimed == 0
    row = rows(sessions)["key-0"]
    assert (row.status, row.attempts, receiver.keys["key-0"]) == ("failed", 1, 1)


def test_give_up_by_age(sessions):
    fill(sessions, 1)
    receiver = Receiver(200)
    stats = deliver_due(sessions, now=at(7200), channels=receiver.channels(), policy=POLICY)
    assert (stats.claimed, stats.given_up) == (0, 1)
    assert receiver.keys == {}
    assert rows(sessions)["key-0"].status == "given_up"


def test_only_configured_channels_are_claimed_and_old_others_expire(sessions):
    fill(sessions, 1, channel="email", target="duty@x.example")
    receiver = Receiver()
    assert deliver_due(sessions, now=T0, channels=receiver.channels(), policy=POLICY).claimed == 0
    assert rows(sessions)["key-0"].status == "pending"
    with session_scope(sessions) as s:
        assert expire_unclaimable(s, now=at(7199), policy=POLICY, hook=Hook()) == 0
    hook = Hook()
    with session_scope(sessions) as s:
        assert expire_unclaimable(s, now=at(7200), policy=POLICY, hook=hook) == 1
    assert rows(sessions)["key-0"].status == "given_up"
    assert hook.reports[0].decision.error == "too old"


def test_lease_expiry_makes_a_claimed_row_due_again_and_fences_the_old_worker(sessions):
    fill(sessions, 1)
    with session_scope(sessions) as s:
        (claimed,), _ = claim_due(s, now=T0, channels=["webhook"], policy=POLICY, limit=10)
    assert claimed.attempt == 1
    row = rows(sessions)["key-0"]
    assert (row.status, row.next_attempt_at) == ("sending", at(300))
    receiver = Receiver()
    assert (
        deliver_due(sessions, now=at(299), channels=receiver.channels(), policy=POLICY).claimed == 0
    )
    stats = deliver_due(sessions, now=at(300), channels=receiver.channels(), policy=POLICY)
    assert stats.delivered == 1
    assert rows(sessions)["key-0"].attempts == 2
    # The first worker wakes up and reports: its claim is gone, nothing changes.
    with session_scope(sessions) as s:
        lost = record_outcome(s, claimed, Outcome.transient("late"), now=at(301), policy=POLICY)
    assert lost is None
    assert rows(sessions)["key-0"].status == "delivered"


def test_a_lease_expiring_after_the_last_attempt_gives_up(sessions):
    fill(sessions, 1)
    policy = RetryPolicy(max_attempts=1, lease_s=60)
    with session_scope(sessions) as s:
        claim_due(s, now=T0, channels=["webhook"], policy=policy, limit=10)
    stats = deliver_due(sessions, now=at(60), channels=Receiver().channels(), policy=policy)
    assert (stats.claimed, stats.given_up) == (0, 1)
    assert rows(sessions)["key-0"].last_error == "lease expired after the last attempt"


def test_a_raising_channel_is_a_transient_failure(sessions):
    fill(sessions, 2)

    class Broken:
        name = "webhook"

        def send(self, message: Message) -> Outcome:
            raise RuntimeError("boom")

    stats = deliver_due(sessions, now=T0, channels={"webhook": Broken()}, policy=POLICY)
    assert stats.retrying == 2
    assert rows(sessions)["key-1"].last_error == "channel error: RuntimeError: boom"


def test_concurrent_workers_never_send_a_row_twice(sessions):
    fill(sessions, 60)
    receiver = Receiver()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            channels = receiver.channels()
            while deliver_due(sessions, now=T0, channels=channels, policy=POLICY, limit=4).claimed:
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(receiver.keys) == sorted(f"key-{i}" for i in range(60))
    assert set(receiver.keys.values()) == {1}
    assert {r.status for r in rows(sessions).values()} == {"delivered"}


def test_in_app_rows_are_written_once(sessions):
    load_catalogue(sessions)
    with sessions() as s:
        dept = s.scalar(select(Department.id).where(Department.code == "lz-em"))
    fill(sessions, 2, channel="inapp", target="user:5")
    with session_scope(sessions) as s:
        item = OutboxItem("key-d", "inapp", "lz-em", "activated", "s", department_id=dept)
        enqueue(s, item, now=T0)
        enqueue(s, OutboxItem("key-x", "inapp", "nobody", "activated", "s"), now=T0)
    channel = InAppChannel(sessions)
    stats = deliver_due(sessions, now=T0, channels={"inapp": channel}, policy=POLICY)
    assert (stats.delivered, stats.failed) == (3, 1)  # key-x names no department or user
    with sessions() as s:
        first = Message.of(s.scalars(select(Notification).limit(1)).one(), now=T0)
    assert channel.send(first).kind == "delivered"  # a repeat is a no-op
    with sessions() as s:
        items = s.scalars(select(InboxItem).order_by(InboxItem.idempotency_key)).all()
    assert [(i.idempotency_key, i.user_id, i.department_id) for i in items] == [
        ("key-0", 5, None),
        ("key-1", 5, None),
        ("key-d", None, dept),
    ]


@pytest.mark.parametrize("status", ["pending", "sending"])
def test_delivered_rows_are_never_claimed_even_when_due(sessions, status):
    fill(sessions, 1)
    deliver_due(sessions, now=T0, channels=Receiver().channels(), policy=POLICY)
    with session_scope(sessions) as s:
        messages, _ = claim_due(s, now=at(10**6), channels=["webhook"], policy=POLICY, limit=9)
    assert messages == []

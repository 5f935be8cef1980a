"""Restart during delivery: a worker dies mid-batch; a new one finishes. Every notification
reaches a real local HTTP receiver, exactly once after de-duplication by idempotency key,
and none is lost (at-least-once delivery + idempotency key, see docs/notifications.md)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from forewarn.db import make_engine, make_session_factory, session_scope
from forewarn.notify.channels.base import Message, Outcome
from forewarn.notify.channels.webhook import WebhookChannel, verify_signature
from forewarn.notify.models import Notification
from forewarn.notify.outbox import OutboxItem, enqueue
from forewarn.notify.policy import RetryPolicy
from forewarn.notify.worker import deliver_due

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
SECRET = "receiver-secret"
POLICY = RetryPolicy(lease_s=120)
ROOT = Path(__file__).resolve().parents[2]


class LocalReceiver:
    """A real HTTP server on loopback that records every POST; request number `block_on`
    is recorded and then held (no answer) until `release` is set."""

    def __init__(self, block_on: int | None = None) -> None:
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.block_on = block_on
        self.blocked = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append(
                        {
                            "key": self.headers["X-Forewarn-Idempotency-Key"],
                            "attempt": self.headers["X-Forewarn-Attempt"],
                            "signed": verify_signature(
                                SECRET, body, self.headers["X-Forewarn-Signature"]
                            ),
                            "body": body,
                        }
                    )
                    number = len(receiver.received)
                if number == receiver.block_on:
                    receiver.blocked.set()
                    receiver.release.wait(timeout=60)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the worker is gone

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> LocalReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def deduplicated(self) -> dict[str, bytes]:
        """What a receiver that de-duplicates by key keeps: one body per key."""
        out: dict[str, bytes] = {}
        for item in self.received:
            out.setdefault(item["key"], item["body"])
        return out


@pytest.fixture
def receiver() -> Iterator[LocalReceiver]:
    with LocalReceiver() as r:
        yield r


def fill(sessions, url: str, n: int) -> list[str]:
    keys = [f"warning-1:event-{i}:webhook:dept-1" for i in range(n)]
    with session_scope(sessions) as s:
        for i, key in enumerate(keys):
            enqueue(s, OutboxItem(key, "webhook", url, "activated", f"n{i}", {"i": i}), now=T0)
    return keys


def statuses(sessions) -> dict[str, tuple[str, int]]:
    with sessions() as s:
        rows = s.scalars(select(Notification)).all()
        return {r.idempotency_key: (r.status, r.attempts) for r in rows}


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it."""


class CrashAfter:
    """The real webhook channel, but the process 'dies' right after send number `n` was
    answered by the receiver and before the worker could mark the row."""

    name = "webhook"

    def __init__(self, inner: WebhookChannel, n: int) -> None:
        self.inner, self.n, self.sent = inner, n, 0

    def send(self, message: Message) -> Outcome:
        outcome = self.inner.send(message)
        self.sent += 1
        if self.sent == self.n:
            raise SimulatedCrash
        return outcome


def test_crash_mid_batch_then_new_worker_delivers_every_notification_once(
    sessions, database_url, receiver
):
    keys = fill(sessions, receiver.url, 6)
    with httpx.Client(timeout=10) as client:
        crashing = CrashAfter(WebhookChannel(client, secret=SECRET), n=3)
        with pytest.raises(SimulatedCrash):
            deliver_due(sessions, now=T0, channels={"webhook": crashing}, policy=POLICY)
    state = statuses(sessions)
    assert [state[k][0] for k in keys] == ["delivered", "delivered"] + ["sending"] * 4

    # A restarted worker: new engine, new sessions. Before the lease ends nothing is due.
    engine = make_engine(database_url)
    fresh = make_session_factory(engine)
    try:
        with httpx.Client(timeout=10) as client:
            channels = {"webhook": WebhookChannel(client, secret=SECRET)}
            early = deliver_due(fresh, now=T0 + timedelta(seconds=119), channels=channels)
            assert early.claimed == 0
            later = T0 + timedelta(seconds=POLICY.lease_s)
            stats = deliver_due(fresh, now=later, channels=channels, policy=POLICY)
    finally:
        engine.dispose()
    assert stats.delivered == 4
    assert all(status == "delivered" for status, _ in statuses(sessions).values())

    counts = Counter(item["key"] for item in receiver.received)
    assert counts == {k: (2 if k == keys[2] else 1) for k in keys}  # the in-flight one twice
    assert all(item["signed"] for item in receiver.received)
    twice = [item for item in receiver.received if item["key"] == keys[2]]
    assert twice[0]["body"] == twice[1]["body"]  # same message, same key: safe to drop
    assert [item["attempt"] for item in twice] == ["1", "2"]
    deduped = receiver.deduplicated()
    assert sorted(deduped) == sorted(keys)
    assert sorted(json.loads(b)["payload"]["i"] for b in deduped.values()) == list(range(6))


WORKER = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    import httpx
    from forewarn.db import make_engine, make_session_factory
    from forewarn.notify.channels.webhook import WebhookChannel
    from forewarn.notify.policy import RetryPolicy
    from forewarn.notify.worker import deliver_due

    url, secret, now = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
    sessions = make_session_factory(make_engine(url))
    with httpx.Client(timeout=120) as client:
        channels = {"webhook": WebhookChannel(client, secret=secret)}
        deliver_due(sessions, now=now, channels=channels, policy=RetryPolicy(lease_s=120))
    print("finished")
    """
)


def test_worker_process_killed_mid_request_loses_nothing(sessions, database_url):
    with LocalReceiver(block_on=3) as receiver:
        keys = fill(sessions, receiver.url, 5)
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, database_url, SECRET, T0.isoformat()],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert receiver.blocked.wait(timeout=60), worker.stderr.read() if worker.stderr else ""
            os.kill(worker.pid, signal.SIGKILL)  # dies holding request 3, rows 3..5 claimed
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.communicate(timeout=30)
        receiver.release.set()
        assert worker.returncode == -signal.SIGKILL
        state = statuses(sessions)
        assert [state[k][0] for k in keys] == ["delivered"] * 2 + ["sending"] * 3

        with httpx.Client(timeout=10) as client:
            channels = {"webhook": WebhookChannel(client, secret=SECRET)}
            later = T0 + timedelta(seconds=120)
            stats = deliver_due(sessions, now=later, channels=channels, policy=POLICY)
        assert stats.delivered == 3
        final = statuses(sessions)
        assert {k: final[k] for k in keys} == {
            keys[0]: ("delivered", 1),
            keys[1]: ("delivered", 1),
            keys[2]: ("delivered", 2),  # sent twice: once to the dead worker, once again
            keys[3]: ("delivered", 2),  # claimed by the dead worker, never sent by it
            keys[4]: ("delivered", 2),
        }
        counts = Counter(item["key"] for item in receiver.received)
        assert counts == {keys[0]: 1, keys[1]: 1, keys[2]: 2, keys[3]: 1, keys[4]: 1}
        assert sorted(receiver.deduplicated()) == sorted(keys)
        assert all(item["signed"] for item in receiver.received)

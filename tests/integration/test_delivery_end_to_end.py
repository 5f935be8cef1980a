"""From a firing signal to a delivered notification: the warnings core queues it in the outbox,
the worker delivers it over webhook (a real local HTTP server), e-mail (a real SMTP server) and
in-app, and each delivery appears on the warning's time line."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import httpx
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import select

from forewarn.catalogue.models import Department
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.notify.channels import build_channels
from forewarn.notify.models import InboxItem, Notification
from forewarn.notify.policy import RetryPolicy
from forewarn.notify.worker import deliver_due
from forewarn.warnings.advance import advance
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.models import WarningEvent
from tests.factories import load_catalogue
from tests.integration.test_delivery_restart import SECRET, LocalReceiver
from tests.unit.test_notify_email import Handler

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
MINE = {
    "site": "mine-honggu-1",
    "indicator": "ch4",
    "region": "620111",
    "field": "production_safety",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_signal_to_webhook_email_and_inbox_on_the_time_line(sessions, settings, client_as):
    load_catalogue(sessions)
    smtp = Handler()
    server = Controller(smtp, hostname="127.0.0.1", port=_free_port())
    server.start()
    try:
        with LocalReceiver() as receiver:
            with session_scope(sessions) as s:
                for d in s.scalars(select(Department)):
                    d.contact = {"webhook": receiver.url, "email": f"{d.code}@bureau.example"}
            desk = Desk()
            signal = Signal(
                rule="ch4_high", fingerprint="ch4:mine-honggu-1", labels=MINE,
                state=SignalState.FIRING, level=Level.ORANGE, at=T0, started_at=T0,
                value=1.3, message="ch4 1.3%",
            )  # fmt: skip
            with session_scope(sessions) as s:
                apply_signals(s, [signal], now=T0, desk=desk)
            with session_scope(sessions) as s:
                advance(s, now=T0 + timedelta(seconds=31), desk=desk, heartbeats=False)
            with sessions() as s:
                queued = s.scalars(select(Notification)).all()
                warning_id = queued[0].warning_id
            assert {n.channel for n in queued} == {"webhook", "email", "inapp"}

            configured = settings.model_copy(
                update={"smtp_host": "127.0.0.1", "smtp_port": server.port,
                        "webhook_secret": SecretStr(SECRET)}
            )  # fmt: skip
            with httpx.Client(timeout=10) as client:
                channels = build_channels(configured, sessions=sessions, client=client)
                now = T0 + timedelta(seconds=40)
                stats = deliver_due(sessions, now=now, channels=channels, policy=RetryPolicy())
            assert stats.delivered == len(queued)
    finally:
        server.stop()

    (hook,) = receiver.received
    assert hook["signed"]
    doc = json.loads(hook["body"])
    assert doc["warning_id"] == warning_id
    assert doc["url"] == f"http://127.0.0.1:8000/warnings/{warning_id}"
    ((_, rcpts, content),) = smtp.messages
    assert rcpts == ["lz-em@bureau.example"]
    assert b"X-Forewarn-Idempotency-Key" in content
    with sessions() as s:
        inbox = s.scalars(select(InboxItem)).one()
        lz = s.scalar(select(Department).where(Department.code == "lz-em"))
        kinds = [
            (e.kind, e.data.get("channel"))
            for e in s.scalars(select(WarningEvent).where(WarningEvent.warning_id == warning_id))
        ]
    assert inbox.department_id == lz.id
    delivered = sorted(c for k, c in kinds if k == "notification_delivered")
    assert delivered == ["email", "inapp", "webhook"]

    mine = client_as("responder", "lz-em").get("/api/v1/inbox").json()
    assert [i["warning_id"] for i in mine["items"]] == [warning_id]
    other = client_as("responder", "gs-em").get("/api/v1/inbox").json()
    assert other == {"items": [], "total": 0}
    reader = client_as("duty_officer", "lz-em")
    read = reader.post(f"/api/v1/inbox/{inbox.id}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert reader.get("/api/v1/inbox", params={"unread": True}).json()["total"] == 0
    assert client_as("responder", "gs-em").post(f"/api/v1/inbox/{inbox.id}/read").status_code == 404

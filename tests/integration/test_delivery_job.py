"""The delivery job and the ``forewarn notify`` commands on the test store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from forewarn.auth.principal import SYSTEM
from forewarn.cli.main import app as cli
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.notify.job import DeliveryJob
from forewarn.notify.models import Notification
from forewarn.notify.outbox import OutboxItem, enqueue
from forewarn.publish import service
from forewarn.publish.jobs import PublishJob
from forewarn.publish.schemas import PublicationDraftIn
from forewarn.runtime import Runtime
from forewarn.scope import ALL
from tests.factories import load_catalogue
from tests.integration.test_delivery_restart import SECRET, LocalReceiver
from tests.integration.test_publish_api import T0, fire


@dataclass
class Fixed:
    """A clock that stands still."""

    at: datetime

    def now(self) -> datetime:
        return self.at


def fill(sessions, url: str, n: int, now: datetime, channel: str = "webhook") -> None:
    with session_scope(sessions) as s:
        for i in range(n):
            enqueue(
                s, OutboxItem(f"job-{channel}-{i}", channel, url, "activated", f"s{i}"), now=now
            )


def statuses(sessions) -> dict[str, str]:
    with sessions() as s:
        return {n.idempotency_key: n.status for n in s.scalars(select(Notification))}


def test_run_once_drains_every_batch_and_expires_what_no_channel_takes(sessions, settings):
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    configured = settings.model_copy(
        update={"delivery_batch": 2, "webhook_secret": SecretStr(SECRET), "smtp_host": None}
    )
    with LocalReceiver() as receiver:
        fill(sessions, receiver.url, 5, t0)
        fill(sessions, "ops@x.example", 1, t0, channel="email")  # no SMTP host: no e-mail channel
        job = DeliveryJob.create(sessions, configured)
        try:
            assert "email" not in job.channels
            stats = job.run_once(t0)
            assert (stats.claimed, stats.delivered, stats.given_up) == (5, 5, 0)
            assert job.run_once(t0 + timedelta(days=1)).given_up == 1
        finally:
            job.close()
    assert len(receiver.received) == 5
    assert all(r["signed"] for r in receiver.received)
    assert statuses(sessions)["job-email-0"] == "given_up"


def test_notify_run_once_and_status(sessions, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("FOREWARN_DATABASE_URL", database_url)
    monkeypatch.setenv("FOREWARN_WEBHOOK_SECRET", SECRET)
    with LocalReceiver() as receiver:
        fill(sessions, receiver.url, 3, datetime.now(UTC))
        result = CliRunner().invoke(cli, ["notify", "run", "--once", "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "delivered 3" in result.output
    assert [r["signed"] for r in receiver.received] == [True] * 3
    shown = CliRunner().invoke(cli, ["notify", "status", "--data-dir", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "webhook" in shown.output
    assert "delivered" in shown.output


def test_jobs_run_in_the_process_loop(sessions, settings):
    load_catalogue(sessions)
    wid = fire(sessions, Level.YELLOW, T0)
    with session_scope(sessions) as s:
        service.draft_publication(s, wid, PublicationDraftIn(), who=SYSTEM, scope=ALL, now=T0)
        service.approve_publication(s, wid, who=SYSTEM, scope=ALL, now=T0, settings=settings)
    fire(sessions, Level.RED, T0 + timedelta(minutes=1))
    with LocalReceiver() as receiver:
        fill(sessions, receiver.url, 2, T0)
        configured = settings.model_copy(update={"webhook_secret": SecretStr(SECRET)})
        delivery = DeliveryJob.create(sessions, configured)
        runtime = Runtime(clock=Fixed(T0 + timedelta(minutes=2)))
        runtime.add("publish", PublishJob(sessions, settings))
        runtime.add("deliver", delivery)
        try:
            runtime.tick()
        finally:
            delivery.close()
    assert delivery.runs == 1
    assert len(receiver.received) == 2
    with sessions() as s:
        assert [m.msg_type for m in service.messages_of(s, wid)] == ["Alert", "Update"]

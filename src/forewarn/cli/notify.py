"""``forewarn notify``: run a delivery worker, and see the outbox."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from forewarn.cli.common import DataDir, console, plain, settings_for, store_session
from forewarn.clock import WallClock
from forewarn.db import make_engine, make_session_factory
from forewarn.migrate import upgrade
from forewarn.notify.job import DeliveryJob
from forewarn.notify.models import Notification
from forewarn.publish.jobs import publish_due

app = typer.Typer(help="Deliver notifications and publish due CAP messages.", no_args_is_help=True)


@app.command()
def run(
    data_dir: DataDir = None,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between passes.")] = 5.0,
) -> None:
    """A delivery worker: publish due CAP messages and deliver due notifications, in a loop.

    Several workers may run against the same PostgreSQL store; each row is claimed by one.
    """
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    clock = WallClock()
    job = DeliveryJob.create(sessions, settings, clock=clock)
    try:
        while True:
            now = clock.now()
            published = publish_due(sessions, now=now, settings=settings)
            stats = job.run_once(now)
            if once or stats.claimed or stats.given_up or published:
                console.print(
                    f"{now:%Y-%m-%dT%H:%M:%SZ} CAP issued {published}, claimed {stats.claimed}, "
                    f"delivered {stats.delivered}, retrying {stats.retrying}, "
                    f"failed {stats.failed}, given up {stats.given_up}"
                )
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        job.close()
        engine.dispose()


@app.command()
def status(data_dir: DataDir = None) -> None:
    """Notifications in the outbox by channel and status."""
    with store_session(settings_for(data_dir)) as session:
        rows = session.execute(
            select(Notification.channel, Notification.status, func.count())
            .group_by(Notification.channel, Notification.status)
            .order_by(Notification.channel, Notification.status)
        ).all()
    table = Table("channel", "status", "notifications", title="outbox")
    for channel, state, count in rows:
        table.add_row(*map(plain, (channel, state, count)))
    console.print(table)

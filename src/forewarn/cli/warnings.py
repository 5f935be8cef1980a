"""``forewarn warnings``: list, show and acknowledge warnings from the command line."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from forewarn.catalogue.service import paginate
from forewarn.cli.common import (
    DataDir,
    cli_actor,
    console,
    plain,
    print_error,
    settings_for,
    store_session,
)
from forewarn.errors import ForewarnError
from forewarn.scope import ALL
from forewarn.timeutil import utcnow
from forewarn.warnings import service
from forewarn.warnings.schemas import EventRead, WarningRead

app = typer.Typer(help="List, show and acknowledge warnings.", no_args_is_help=True)


def _fail(exc: ForewarnError) -> typer.Exit:
    print_error(exc.message)
    return typer.Exit(code=2 if exc.status_code == 404 else 1)


@app.command("list")
def list_(
    data_dir: DataDir = None,
    status: Annotated[list[str] | None, typer.Option(help="Status (repeatable).")] = None,
    level: Annotated[str | None, typer.Option(help="Exactly this level.")] = None,
    min_level: Annotated[str | None, typer.Option(help="This level or higher.")] = None,
    field: Annotated[str | None, typer.Option(help="Field code.")] = None,
    within: Annotated[str | None, typer.Option(help="Region code (its subtree).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 50,
) -> None:
    """Warnings, newest first."""
    with store_session(settings_for(data_dir)) as session:
        try:
            query = service.query_warnings(
                session, scope=ALL, status=status or (), level=level, min_level=min_level,
                field=field, within=within,
            )  # fmt: skip
        except ForewarnError as exc:
            raise _fail(exc) from None
        items, total = paginate(session, query, limit=limit, offset=0)
        rows = [WarningRead.of(w) for w in items]
    table = Table("id", "status", "level", "title", "region", "started", title=f"{total} warnings")
    for w in rows:
        table.add_row(*map(plain, (
            w.id, w.status, w.level_text or "-", w.title, w.region_code or "",
            w.started_at.isoformat(timespec="minutes"),
        )))  # fmt: skip
    console.print(table)


@app.command()
def show(
    warning_id: Annotated[int, typer.Argument(help="Warning id.")], data_dir: DataDir = None
) -> None:
    """One warning: its state, release content, routing and time line."""
    with store_session(settings_for(data_dir)) as session:
        try:
            warning = service.get_warning(session, warning_id, scope=ALL)
        except ForewarnError as exc:
            raise _fail(exc) from None
        head = WarningRead.of(warning)
        events = [EventRead.of(e) for e in service.timeline(session, warning.id)]
        routing, content = dict(warning.routing or {}), dict(warning.content or {})
    console.print(
        Text.assemble((f"#{head.id} {head.title}", "bold"), f"  {head.status}  {head.level_text}")
    )
    say = partial(console.print, markup=False)
    say(f"rule {head.rule}  region {head.region_code}  site {head.site_code or '-'}")
    say(f"started {head.started_at.isoformat()}  message: {head.message}")
    say(f"routing: {routing.get('why', '-')}")
    for key in ("type", "watch", "measures"):
        if content.get(key):
            say(f"{key}: {content[key]}")
    table = Table("time", "kind", "actor", "level", "status", "rule", title="time line")
    for e in events:
        table.add_row(*map(plain, (
            e.time.isoformat(timespec="seconds"), e.kind, e.actor, e.level or "", e.status or "",
            e.rule or "",
        )))  # fmt: skip
    console.print(table)


@app.command()
def ack(
    warning_id: Annotated[int, typer.Argument(help="Warning id.")],
    data_dir: DataDir = None,
    comment: Annotated[str | None, typer.Option(help="A note for the time line.")] = None,
) -> None:
    """Acknowledge an active warning (its escalation stops); recorded as `cli:<user>`."""
    try:
        with store_session(settings_for(data_dir)) as session:
            warning = service.acknowledge(
                session, warning_id, scope=ALL, actor=cli_actor(), now=utcnow(), comment=comment
            )
            status = warning.status
    except ForewarnError as exc:
        raise _fail(exc) from None
    console.print(plain(f"warning {warning_id} {status} by {cli_actor()}"))

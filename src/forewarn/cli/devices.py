"""``forewarn device-keys``: keys for ingest gateways (shown once, stored hashed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from forewarn.auth import devices
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

app = typer.Typer(help="Manage device keys of ingest gateways.")


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Name of the gateway.")],
    site: Annotated[list[str], typer.Option("--site", help="Site code it may write; repeat.")],
    department: Annotated[str | None, typer.Option(help="Owning department code.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a key for the listed sites and print it once."""
    try:
        with store_session(settings_for(data_dir)) as session:
            row, key = devices.create_device_key(
                session,
                name=name,
                sites=site,
                department=department,
                now=datetime.now(UTC),
                created_by=cli_actor(),
            )
            key_id = row.id
    except ForewarnError as exc:
        print_error(exc.message)
        raise typer.Exit(code=1) from None
    console.print(plain(f"device key {key_id} for {name}; store it now, it is not shown again:"))
    typer.echo(key)


@app.command("revoke")
def revoke(key_id: int, data_dir: DataDir = None) -> None:
    """Revoke a key at once."""
    try:
        with store_session(settings_for(data_dir)) as session:
            devices.revoke_device_key(session, key_id, now=datetime.now(UTC))
    except ForewarnError as exc:
        print_error(exc.message)
        raise typer.Exit(code=1) from None
    console.print(f"device key {key_id} revoked")


@app.command("list")
def list_keys(data_dir: DataDir = None) -> None:
    """List keys (never their secrets)."""
    table = Table("id", "name", "prefix", "sites", "state")
    with store_session(settings_for(data_dir)) as session:
        for row in session.scalars(devices.query_device_keys()):
            state = "revoked" if row.revoked_at else "active"
            sites = ", ".join(sorted(s.code for s in row.sites))
            table.add_row(*map(plain, (row.id, row.name, f"fwk_{row.prefix}_…", sites, state)))
    console.print(table)

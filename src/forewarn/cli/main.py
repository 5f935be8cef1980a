"""The ``forewarn`` command: a root Typer app joining one sub-app per concern."""

from __future__ import annotations

import typer

from forewarn.cli import audit, backtest, catalogue, check, db, demo, devices, ingest, serve, users
from forewarn.cli import notify as notify_cli
from forewarn.cli import rules as rules_cli
from forewarn.cli import warnings as warnings_cli

app = typer.Typer(
    name="forewarn",
    help="Public-safety risk monitoring, early warning and closed-loop risk governance.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)

app.add_typer(db.app, name="db")
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(ingest.app, name="ingest")
app.command("check")(check.check)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(users.app, name="users")
app.add_typer(devices.app, name="device-keys")
app.add_typer(audit.app, name="audit")
app.add_typer(warnings_cli.app, name="warnings")
app.add_typer(notify_cli.app, name="notify")
app.command("backtest")(backtest.backtest)
app.add_typer(rules_cli.app, name="rules")

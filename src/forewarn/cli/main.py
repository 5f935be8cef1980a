"""The ``forewarn`` command: a root Typer app joining one sub-app per concern."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="forewarn",
    help="Public-safety risk monitoring, early warning and closed-loop risk governance.",
    no_args_is_help=True,
    add_completion=False,
)

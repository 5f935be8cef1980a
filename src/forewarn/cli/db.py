"""``forewarn db``: schema migrations of the store."""

from __future__ import annotations

from typing import Annotated

import typer

from forewarn.cli.common import DataDir, console, settings_for
from forewarn.db import make_engine
from forewarn.migrate import upgrade as run_upgrade

app = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)


@app.command()
def upgrade(
    data_dir: DataDir = None,
    revision: Annotated[str, typer.Option(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Create or migrate the store's tables to `revision` (default: the newest)."""
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    try:
        run_upgrade(engine, revision)
    finally:
        engine.dispose()
    console.print(f"store at {engine.url.render_as_string(hide_password=True)} is at {revision}")

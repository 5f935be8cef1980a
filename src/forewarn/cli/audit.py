"""``forewarn audit``: verify the hash chain of the audit log."""

from __future__ import annotations

import typer

from forewarn.audit.verify import verify as verify_chain
from forewarn.cli.common import DataDir, console, err_console, labelled, settings_for
from forewarn.db import make_engine
from forewarn.migrate import upgrade

app = typer.Typer(help="The tamper-evident audit log.")


@app.command("verify")
def verify(data_dir: DataDir = None) -> None:
    """Check every entry's hash and link; name the first broken entry (exit code 1)."""
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            verdict = verify_chain(connection)
    finally:
        engine.dispose()
    if not verdict.ok:
        message = (
            f"audit entry {verdict.broken_id}: {verdict.reason} "
            f"({verdict.checked} entries before it are intact)"
        )
        err_console.print(labelled("broken", "red", message), soft_wrap=True)
        raise typer.Exit(code=1)
    console.print(
        f"ok: {verdict.checked} entries, head {verdict.head_hash}", highlight=False, soft_wrap=True
    )

"""``forewarn db``: schema migrations of the store."""

from __future__ import annotations

from typing import Annotated

import typer
from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from forewarn.cli.common import DataDir, console, plain, print_error, settings_for
from forewarn.db import make_engine
from forewarn.migrate import current_revision, revision_ids
from forewarn.migrate import upgrade as run_upgrade

app = typer.Typer(help="Manage the store's schema.", no_args_is_help=True)


@app.command()
def upgrade(
    data_dir: DataDir = None,
    revision: Annotated[str, typer.Option(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Create or migrate the store's tables to `revision` (default: the newest); never downgrades.

    Prints the revision the store is at afterwards.
    """
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        run_upgrade(engine, revision)
        current = current_revision(engine)
    except CommandError as exc:
        raise _fail(f"{where}: {exc}") from None
    except SQLAlchemyError as exc:
        raise _fail(
            f"{where}: cannot migrate the store: {getattr(exc, 'orig', None) or exc}"
        ) from None
    finally:
        engine.dispose()
    console.print(plain(f"store at {where} is at {current}"))
    if revision in revision_ids() and revision != current:
        console.print(plain(f"(it was already past {revision}; upgrade never goes back)"))


def _fail(message: str) -> typer.Exit:
    print_error(message)
    return typer.Exit(code=1)

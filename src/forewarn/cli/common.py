"""Pieces shared by CLI commands: the `--data-dir` option, settings, a store session, output."""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.orm import Session

from forewarn.audit import listener as audit_listener
from forewarn.config import Settings
from forewarn.db import make_engine, make_session_factory, session_scope
from forewarn.migrate import upgrade
from forewarn.yamlsource import ConfigInvalid

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data folder (default: FOREWARN_DATA_DIR or the user's data directory).",
        file_okay=False,
        show_default=False,
    ),
]


def setup_logging(settings: Settings) -> None:
    """Log to stderr at the configured level (servers: errors of background jobs show up)."""
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "alembic"):  # a line per webhook, per migration step otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)


def settings_for(data_dir: Path | None) -> Settings:
    """Settings from the environment, with `--data-dir` taking precedence."""
    return Settings(data_dir=data_dir) if data_dir is not None else Settings()


def cli_actor() -> str:
    """How a command's changes are attributed in the audit log: ``cli:<OS user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


@contextmanager
def store_session(settings: Settings, *, migrate: bool = True) -> Iterator[Session]:
    """A unit of work on the configured store (migrated first unless told not to)."""
    engine = make_engine(settings.effective_database_url)
    try:
        if migrate:
            upgrade(engine)
        audit_listener.install()
        with session_scope(make_session_factory(engine)) as session:
            session.info["actor"] = cli_actor()
            yield session
    finally:
        engine.dispose()


def plain(value: object) -> Text:
    """`value` as text that rich prints as is: brackets in user data are not markup."""
    return Text(str(value))


def labelled(label: str, style: str, message: object) -> Text:
    """``label message``: the label in `style`, the message printed as is."""
    return Text.assemble((label, style), " ", str(message))


def print_error(message: object) -> None:
    """Print ``error <message>`` on stderr (the message as is, on one line)."""
    err_console.print(labelled("error", "red", message), soft_wrap=True)


def fail_config(exc: ConfigInvalid) -> typer.Exit:
    """Print every issue of a refused configuration; return the exit to raise."""
    for issue in exc.issues:
        print_error(issue)
    err_console.print(f"{len(exc.issues)} error(s); nothing was changed.")
    return typer.Exit(code=1)

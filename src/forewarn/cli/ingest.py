"""``forewarn ingest``: load readings from files, with a progress bar and a summary."""

from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from forewarn.auth.devices import log_batch
from forewarn.cli.common import DataDir, cli_actor, console, err_console, settings_for
from forewarn.db import make_engine, make_session_factory, session_scope
from forewarn.ingest.directory import SeriesDirectory
from forewarn.ingest.pipeline import Horizon, ingest
from forewarn.migrate import upgrade
from forewarn.timeutil import utcnow

app = typer.Typer(help="Load readings into the store.", no_args_is_help=True)

HEADERS = ({"series", "time", "value"}, {"site", "indicator", "time", "value"})
CHUNK = 10_000


class _Counting:
    """A text file wrapper that reports how many bytes were read (for the progress bar)."""

    def __init__(self, path: Path) -> None:
        self.handle = path.open("r", encoding="utf-8-sig", newline="")
        self.done = 0

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.done += len(line.encode("utf-8"))
        return line


@app.command("csv")
def ingest_csv(
    file: Annotated[
        Path, typer.Argument(help="CSV with a header row.", exists=True, dir_okay=False)
    ],
    data_dir: DataDir = None,
    show: Annotated[int, typer.Option(help="How many rejected rows to print.")] = 20,
) -> None:
    """Load readings from CSV: columns `series,time,value` or `site,indicator,time,value`.

    Each chunk of 10,000 rows is stored in its own transaction; running the same file again
    stores nothing twice. Rejected rows are reported by line number.
    """
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    source = _Counting(file)
    reader = csv.DictReader(source)
    header = {h.strip() for h in (reader.fieldnames or [])}
    if not any(h <= header for h in HEADERS):
        err_console.print(
            f"[red]error[/red] {file}:1: header must hold series,time,value or "
            f"site,indicator,time,value (found {','.join(reader.fieldnames or [])})"
        )
        raise typer.Exit(code=1)
    total = {"accepted": 0, "duplicates": 0, "rejected": 0}
    shown: list[str] = []
    size = max(file.stat().st_size, 1)
    with session_scope(sessions) as session:
        directory = SeriesDirectory.build(session)
    progress = Progress(
        TextColumn("[bold]ingest[/bold] {task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task(file.name, total=size)
        first = 0
        while True:
            rows = list(islice(reader, CHUNK))
            if not rows:
                break
            with session_scope(sessions) as session:
                session.info["actor"] = cli_actor()
                horizon = Horizon.at(utcnow(), settings.ingest_max_ahead_s)
                result = ingest(session, rows, directory, horizon=horizon, first_index=first)
                log_batch(session, result, source=file.name)
            total["accepted"] += result.accepted
            total["duplicates"] += result.duplicates
            total["rejected"] += len(result.rejected)
            for rej in result.rejected[: max(0, show - len(shown))]:
                shown.append(f"{file}:{rej['index'] + 2}: {rej['error']}")
            first += len(rows)
            progress.update(task, completed=source.done)
    engine.dispose()
    for line in shown:
        err_console.print(f"[yellow]rejected[/yellow] {line}", highlight=False, soft_wrap=True)
    if total["rejected"] > len(shown):
        err_console.print(f"... and {total['rejected'] - len(shown)} more rejected rows")
    console.print(
        f"{file}: {first} rows, {total['accepted']} stored, "
        f"{total['duplicates']} already stored, {total['rejected']} rejected",
        soft_wrap=True,
    )
    if total["rejected"]:
        raise typer.Exit(code=3)

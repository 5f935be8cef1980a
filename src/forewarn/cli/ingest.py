"""``forewarn ingest``: load readings from files, with a progress bar and a summary."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from sqlalchemy.orm import Session, sessionmaker

from forewarn.auth.devices import log_batch
from forewarn.cli.common import DataDir, cli_actor, console, err_console, settings_for
from forewarn.config import Settings
from forewarn.db import make_engine, make_session_factory, session_scope
from forewarn.ingest.directory import SeriesDirectory
from forewarn.ingest.pipeline import BadRecord, Horizon, ingest
from forewarn.migrate import upgrade
from forewarn.timeutil import utcnow

app = typer.Typer(help="Load readings into the store.", no_args_is_help=True)

HEADERS = ({"series", "time", "value"}, {"site", "indicator", "time", "value"})
CHUNK = 10_000
# Undecodable bytes, kept by the "surrogateescape" error handler as U+DC80..U+DCFF.
_UNDECODABLE = re.compile("[\udc80-\udcff]")


class FileUnusable(Exception):
    """The file cannot be read as CSV text at `line` (a decoding or CSV error)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


class _Lines:
    """The file's text lines; counts them, and raises FileUnusable on a byte not in `encoding`."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.raw = path.open("rb")
        try:
            self.text = io.TextIOWrapper(
                self.raw, encoding=encoding, errors="surrogateescape", newline=""
            )
        except LookupError:
            self.raw.close()
            raise
        self.encoding = encoding
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.text)
        except UnicodeDecodeError as exc:  # bytes surrogateescape cannot keep (UTF-16, ...)
            raise FileUnusable(
                self.count + 1, f"not {self.encoding} text ({exc.reason}) at or after this line"
            ) from None
        self.count += 1
        bad = _UNDECODABLE.search(line)
        if bad is not None:
            byte = ord(bad.group()) - 0xDC00
            raise FileUnusable(
                self.count,
                f"byte 0x{byte:02x} is not {self.encoding} text "
                "(give the file's encoding with --encoding, e.g. --encoding gbk)",
            )
        return line

    @property
    def done(self) -> int:
        """Bytes read so far (for the progress bar)."""
        return self.raw.tell()

    def close(self) -> None:
        """Close the file."""
        self.text.close()


class _Rows:
    """CSV rows of a file as records keyed by the (stripped) header, with their start lines."""

    def __init__(self, lines: _Lines) -> None:
        self.lines = lines
        self.reader = csv.reader(lines)
        self.stopped: FileUnusable | None = None
        first = self._next()
        self.header_line = first[0] if first else 1
        self.header = [name.strip() for name in first[1]] if first else []

    def _next(self) -> tuple[int, list[str]] | None:
        """(start line, cells) of the next non-blank row, or None at the end of the file."""
        while True:
            start = self.lines.count + 1
            try:
                cells = next(self.reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                raise FileUnusable(start, f"not readable as CSV: {exc}") from None
            if cells:
                return start, cells

    def record(self, cells: list[str]) -> dict[str, str] | BadRecord:
        """The row as a record; a row with more cells than the header names is refused (an
        unquoted comma, as in a decimal comma `1,5`, would otherwise store the wrong value)."""
        if len(cells) > len(self.header):
            return BadRecord(
                f"row: {len(cells)} cells, the header names {len(self.header)} "
                "(an unquoted comma in a value?)"
            )
        return dict(zip(self.header, cells, strict=False))

    def chunk(self, size: int) -> tuple[list[int], list[dict[str, str] | BadRecord]]:
        """Up to `size` rows: their start lines and their records.

        At a part that cannot be read, the rows before it are returned and `stopped` is set.
        """
        starts: list[int] = []
        records: list[dict[str, str] | BadRecord] = []
        try:
            while len(records) < size and (row := self._next()) is not None:
                starts.append(row[0])
                records.append(self.record(row[1]))
        except FileUnusable as exc:
            self.stopped = exc
        return starts, records

    def rest(self) -> Iterator[int]:
        """Read every remaining row (checking that the file can be read); yield each one's line."""
        while (row := self._next()) is not None:
            yield row[0]


@dataclass
class _Totals:
    """What an ingest of a file did so far."""

    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    shown: list[str] = field(default_factory=list)


def _open(file: Path, encoding: str) -> _Rows:
    """The file's rows after its header; exits (code 1) when the header is unusable."""
    try:
        lines = _Lines(file, encoding)
    except LookupError:
        _fail(f"{escape(str(file))}: unknown text encoding {escape(repr(encoding))}")
    try:
        rows = _Rows(lines)
    except FileUnusable as exc:
        lines.close()
        _fail(f"{escape(str(file))}:{exc.line}: {escape(exc.message)}; nothing was stored")
    if not any(h <= set(rows.header) for h in HEADERS):
        lines.close()
        _fail(
            f"{escape(str(file))}:{rows.header_line}: header must hold series,time,value or "
            f"site,indicator,time,value (found {escape(','.join(rows.header)) or 'nothing'})"
        )
    return rows


def _fail(message: str) -> NoReturn:
    err_console.print(f"[red]error[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def _check(file: Path, encoding: str, progress: Progress) -> None:
    """Read the whole file once, storing nothing: exit (code 1) if it cannot be read."""
    rows = _open(file, encoding)
    task = progress.add_task(f"check {file.name}", total=max(file.stat().st_size, 1))
    try:
        for count, _line in enumerate(rows.rest()):
            if count % 4096 == 0:
                progress.update(task, completed=rows.lines.done)
    except FileUnusable as exc:
        _fail(f"{escape(str(file))}:{exc.line}: {escape(exc.message)}; nothing was stored")
    finally:
        rows.lines.close()
        progress.remove_task(task)


def _store(
    file: Path,
    encoding: str,
    sessions: sessionmaker[Session],
    settings: Settings,
    progress: Progress,
    show: int,
) -> tuple[_Totals, FileUnusable | None]:
    """Validate and store the file chunk by chunk; stop at a part that cannot be read."""
    with session_scope(sessions) as session:
        directory = SeriesDirectory.build(session)
    rows = _open(file, encoding)
    totals = _Totals()
    task = progress.add_task(f"ingest {file.name}", total=max(file.stat().st_size, 1))
    try:
        while True:
            starts, records = rows.chunk(CHUNK)
            if records:
                _store_chunk(sessions, settings, file, directory, starts, records, totals, show)
                progress.update(task, completed=rows.lines.done)
            if rows.stopped is not None or not records:
                return totals, rows.stopped  # stopped: the file changed since it was checked
    finally:
        rows.lines.close()


def _store_chunk(
    sessions: sessionmaker[Session],
    settings: Settings,
    file: Path,
    directory: SeriesDirectory,
    starts: list[int],
    records: list[dict[str, str] | BadRecord],
    totals: _Totals,
    show: int,
) -> None:
    """Ingest one chunk in its own transaction and add what happened to `totals`."""
    with session_scope(sessions) as session:
        session.info["actor"] = cli_actor()
        horizon = Horizon.at(utcnow(), settings.ingest_max_ahead_s)
        result = ingest(session, records, directory, horizon=horizon)
        log_batch(session, result, source=file.name)
    totals.rows += len(records)
    totals.accepted += result.accepted
    totals.duplicates += result.duplicates
    totals.rejected += len(result.rejected)
    for rej in result.rejected[: max(0, show - len(totals.shown))]:
        totals.shown.append(f"{file}:{starts[rej['index']]}: {rej['error']}")


def _report(file: Path, totals: _Totals, stopped: FileUnusable | None) -> None:
    """Print the rejected rows shown, and the summary."""
    for line in totals.shown:
        err_console.print(
            f"[yellow]rejected[/yellow] {escape(line)}", highlight=False, soft_wrap=True
        )
    if totals.rejected > len(totals.shown):
        err_console.print(f"... and {totals.rejected - len(totals.shown)} more rejected rows")
    if stopped is not None:
        err_console.print(
            f"[red]error[/red] {escape(str(file))}:{stopped.line}: {escape(stopped.message)}; "
            f"stopped there: the rows before line {stopped.line} were ingested as counted "
            "below, nothing from it on",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"{escape(str(file))}: {totals.rows} rows, {totals.accepted} stored, "
        f"{totals.duplicates} already stored, {totals.rejected} rejected",
        highlight=False,
        soft_wrap=True,
    )


@app.command("csv")
def ingest_csv(
    file: Annotated[
        Path, typer.Argument(help="CSV with a header row.", exists=True, dir_okay=False)
    ],
    data_dir: DataDir = None,
    show: Annotated[int, typer.Option(help="How many rejected rows to print.")] = 20,
    encoding: Annotated[
        str,
        typer.Option(
            help="Text encoding of the file, e.g. gbk (default: UTF-8, with or without a BOM)."
        ),
    ] = "utf-8-sig",
) -> None:
    """Load readings from CSV: columns `series,time,value` or `site,indicator,time,value`.

    The whole file is read first: if it cannot be decoded or parsed as CSV, the error is
    reported with its line and nothing is stored. Then each chunk of 10,000 rows is stored in
    its own transaction; running the same file again stores nothing twice. Rejected rows are
    reported by the line they start on.
    """
    settings = settings_for(data_dir)
    progress = Progress(
        TextColumn("[bold]{task.description}[/bold]"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        sessions = make_session_factory(engine)
        with progress:
            _check(file, encoding, progress)
            totals, stopped = _store(file, encoding, sessions, settings, progress, show)
    finally:
        engine.dispose()
    _report(file, totals, stopped)
    if stopped is not None:
        raise typer.Exit(code=1)
    if totals.rejected:
        raise typer.Exit(code=3)

"""Prepare the demo's store: catalogue, history and state, on first start; reuse it after."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from forewarn.catalogue import loader
from forewarn.catalogue import service as catalogue_service
from forewarn.db import session_scope
from forewarn.demo import catalogue as demo_catalogue
from forewarn.demo.generate import Generator, SeriesSpec, specs
from forewarn.ingest.directory import SeriesDirectory
from forewarn.ingest.pipeline import ingest_arrays
from forewarn.readings.models import Reading
from forewarn.yamlsource import YamlDocument

STATE_FILE = "demo.json"


@dataclass
class DemoState:
    """What a restart needs: the seed, when the store was built, where simulated time stands."""

    seed: int
    created: str
    readings: int


def read_state(data_dir: Path) -> DemoState | None:
    """The saved state, or None for a new data folder."""
    path = data_dir / STATE_FILE
    if not path.exists():
        return None
    return DemoState(**json.loads(path.read_text("utf-8")))


def write_state(data_dir: Path, state: DemoState) -> None:
    """Save the state next to the store."""
    (data_dir / STATE_FILE).write_text(json.dumps(asdict(state), indent=2), "utf-8")


def last_time_s(session: Session) -> int | None:
    """Newest reading time in the store, epoch seconds."""
    newest = session.scalar(select(func.max(Reading.time_ms)))
    return None if newest is None else int(newest // 1000)


def load_catalogue(sessions: sessionmaker[Session], data_dir: Path, now: datetime) -> None:
    """Build the Gansu catalogue, load it, and leave a YAML copy in the data folder."""
    cat = demo_catalogue.build()
    with session_scope(sessions) as session:
        loader.load(session, YamlDocument(file="forewarn demo", data=None), cat, now=now)
    demo_catalogue.write_yaml(cat, data_dir / "catalogue.yaml")


def generate_history(
    sessions: sessionmaker[Session], all_specs: list[SeriesSpec], generator: Generator, end_s: int
) -> int:
    """Write each series' history up to `end_s` through the ingest pipeline; return the count."""
    total = 0
    columns = (
        TextColumn("[bold]history[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("series"),
        TimeElapsedColumn(),
    )
    with session_scope(sessions) as session:
        directory = SeriesDirectory.build(session)
    groups = [
        [s for s in all_specs if s.history_s == span] for span in {s.history_s for s in all_specs}
    ]
    chunks = [group[i : i + 25] for group in groups for i in range(0, len(group), 25)]
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("history", total=len(all_specs))
        for chunk in chunks:
            ids, times, values = generator.batch(chunk, end_s - chunk[0].history_s, end_s)
            with session_scope(sessions) as session:
                total += ingest_arrays(session, directory, ids, times, values).accepted
            progress.advance(task, len(chunk))
    return total


def prepare(
    sessions: sessionmaker[Session], data_dir: Path, *, seed: int, now: datetime
) -> tuple[list[SeriesSpec], int, bool]:
    """Make the store ready; return (series, simulated start in epoch s, whether it was new)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with session_scope(sessions) as session:
        fresh = catalogue_service.revision(session) == 0
    if fresh:
        load_catalogue(sessions, data_dir, now)
    with session_scope(sessions) as session:
        all_specs = specs(session)
        newest = last_time_s(session)
    if newest is None:
        origin = int(now.timestamp()) // 60 * 60
        count = generate_history(sessions, all_specs, Generator(seed=seed), origin)
        write_state(data_dir, DemoState(seed=seed, created=now.isoformat(), readings=count))
        return all_specs, origin, True
    return all_specs, newest, fresh


def origin_datetime(origin_s: int) -> datetime:
    """The simulated start as an aware datetime."""
    return datetime.fromtimestamp(origin_s, UTC)

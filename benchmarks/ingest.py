"""Ingest throughput: readings per second into the store (SQLite, PostgreSQL) and over HTTP.

    python -m benchmarks ingest [--json FILE] [--readings N] [--postgres-url URL]

The store path is `forewarn.readings.service.insert` in batches of 10,000 (and 1,000), each batch
its own transaction. The HTTP path posts batches of 1,000 JSON readings to a real uvicorn server on
loopback, authenticated with a device key. Without `--postgres-url` (or FOREWARN_BENCH_DATABASE_URL)
the PostgreSQL figure is taken from a throw-away cluster started by `.ci/start-postgres` when the
PostgreSQL server binaries are installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks._common import ROOT, write_json
from forewarn.catalogue import loader
from forewarn.catalogue.schemas import CatalogueFile
from forewarn.db import make_engine, make_session_factory, session_scope
from forewarn.migrate import upgrade
from forewarn.readings import service as store
from forewarn.yamlsource import YamlDocument

SERIES = 1000
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def catalogue(series: int = SERIES) -> CatalogueFile:
    """One region, one indicator, `series` sites with one series each."""
    return CatalogueFile.model_validate(
        {
            "fields": [{"code": "production_safety", "name": "Production safety"}],
            "regions": [{"code": "620000", "name": "Gansu", "level": "province"}],
            "indicators": [
                {
                    "code": "ch4",
                    "name": "Methane",
                    "unit": "%",
                    "kind": "gauge",
                    "field": "production_safety",
                    "range": [0, 100],
                }
            ],
            "sites": [
                {
                    "code": f"s{i}",
                    "name": f"Site {i}",
                    "region": "620000",
                    "field": "production_safety",
                    "series": [{"indicator": "ch4", "interval": "1m"}],
                }
                for i in range(series)
            ],
        }
    )


def prepared(url: str) -> tuple[object, object]:
    """Engine and session factory of a migrated store holding the benchmark catalogue."""
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        loader.load(session, YamlDocument(file="bench", data=None), catalogue(), now=NOW)
    return engine, sessions


def readings(n: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n` readings cycling over the series, one minute apart per series."""
    i = np.arange(offset, offset + n, dtype=np.int64)
    series = i % SERIES + 1
    times = 1_777_593_600_000 + (i // SERIES) * 60_000
    values = np.random.default_rng(1).uniform(0.1, 1.0, n)
    return series, times, values


def store_rate(sessions: object, n: int, batch: int) -> float:
    """Readings per second through the store in batches of `batch`."""
    series, times, values = readings(n)
    start = time.perf_counter()
    for lo in range(0, n, batch):
        with session_scope(sessions) as session:  # type: ignore[arg-type]
            store.insert(
                session, series[lo : lo + batch], times[lo : lo + batch], values[lo : lo + batch]
            )
    return n / (time.perf_counter() - start)


def sqlite_figures(n: int) -> dict[str, float]:
    """Store rates into a fresh SQLite file."""
    folder = Path(tempfile.mkdtemp(prefix="fw-bench-"))
    try:
        out = {}
        for batch in (10_000, 1_000):
            engine, sessions = prepared(f"sqlite:///{folder / f'b{batch}.db'}")
            out[batch] = store_rate(sessions, n, batch)
            engine.dispose()  # type: ignore[attr-defined]
        return {"store_sqlite_per_s": out[10_000], "store_sqlite_batch1000_per_s": out[1_000]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_url(given: str | None) -> tuple[str | None, Path | None]:
    """A PostgreSQL URL: given, from the environment, or a throw-away local cluster."""
    url = given or os.environ.get("FOREWARN_BENCH_DATABASE_URL")
    if url:
        return url, None
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return None, None
    folder = Path(tempfile.mkdtemp(prefix="fw-bench-pg-"))
    os.chmod(folder, 0o777)
    pg_dir = folder / "pg"
    base = subprocess.run(
        [str(ROOT / ".ci/start-postgres"), str(pg_dir), "55499"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return base.rsplit("/", 1)[0] + "/postgres", pg_dir


def postgres_figures(url: str, n: int) -> dict[str, float]:
    """Store rate into PostgreSQL (a fresh database on the server of `url`)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS forewarn_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE forewarn_bench"))
    engine, sessions = prepared(base.set(database="forewarn_bench").render_as_string(False))
    try:
        return {"store_postgresql_per_s": store_rate(sessions, n, 10_000)}
    finally:
        engine.dispose()  # type: ignore[attr-defined]
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS forewarn_bench WITH (FORCE)"))
        admin.dispose()


def main(argv: list[str]) -> int:
    """Run the ingest benchmark and print (and optionally write) its figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks ingest", description=__doc__)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--readings", type=int, default=1_000_000, help="readings per store run")
    parser.add_argument("--http-readings", type=int, default=200_000, help="readings over HTTP")
    parser.add_argument(
        "--postgres-url", help="PostgreSQL server to measure (a database is created)"
    )
    args = parser.parse_args(argv)

    figures: dict[str, float | None] = {}
    figures.update(sqlite_figures(args.readings))
    url, pg_dir = postgres_url(args.postgres_url)
    try:
        figures.update(
            postgres_figures(url, args.readings) if url else {"store_postgresql_per_s": None}
        )
    finally:
        if pg_dir is not None:
            subprocess.run([str(ROOT / ".ci/stop-postgres"), str(pg_dir)], check=False)
    from benchmarks._ingest_http import http_rate

    figures["http_per_s"] = http_rate(args.http_readings)
    print(f"{'path':<34}{'readings/s':>14}")
    for name, value in figures.items():
        shown = f"{value:,.0f}" if value is not None else "not measured"
        print(f"{name:<34}{shown:>14}")
    print("targets: >= 100,000/s into SQLite and >= 50,000/s into PostgreSQL through the store")
    write_json(args.json, figures)
    return 0

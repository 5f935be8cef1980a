"""Warnings throughput and reading-to-notification latency, on a real store.

1. **Signals per second** through lifecycle, grouping, inhibition and routing into the outbox,
   with 100,000 active warnings: a synthetic province (1 province, 14 cities, 70 counties,
   departments per city and field, 2,000 sites) gets 100,000 firing warnings (50 rules x 2,000
   sites, loaded through ``apply_signals`` itself), then batches of mixed signals (level
   changes, resolutions, new warnings, re-activations, repeats), each batch followed by
   ``advance`` on a simulated clock that moves 10 s per batch, so groups wait, flush, remind and
   escalate as in operation. Timed: apply + advance + commit. The default policy. Batches hold
   20,000 signals by default: the process loop ticks once a second, so at the target rate each
   call of the detection job's sink brings about 20,000 (``--batch 5000`` measures a smaller
   tick's batch).
2. **Reading to notification latency** at 10,000 readings/s sustained: the real detection
   engine (``forewarn.detect``) watches 10,000 series with a graded threshold rule; every 100 ms
   a batch of 1,000 readings arrives and is stored, evaluated, turned into warnings and
   notifications and committed in one unit of work. Latency = commit time - the batch's
   scheduled arrival (so falling behind counts). The policy's deliberate waits are set to zero
   here (``group_wait: 0s``, each warning its own group), so the figure is the pipeline's own.

Targets: >= 20,000 signals/s; p99 reading-to-notification <= 1 s. ``--json FILE`` writes
``{"signals_per_s": x, "p99_reading_to_notification_s": x}``.

``--repeat N`` runs the throughput part N times, each on a fresh store (on PostgreSQL a fresh
database beside the given one, ``<name>_r2``..., dropped afterwards), and reports the median:
on a machine shared with other work single runs move by 10 to 20 %.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from benchmarks._common import write_json

T0 = datetime(2026, 5, 1, tzinfo=UTC)
SITES = 10_000  # the catalogue: 10,000 sites with one series each (the latency run watches all)
SITES_USED = 2_000  # the throughput run: 50 rules x 2,000 sites = 100,000 fingerprints
FIELDS = ("production_safety", "natural_disaster", "public_health")
LATENCY_POLICY = """
routes:
  receiver: responsible
  group_by: ['...']
  group_wait: 0s
  group_interval: 0s
  repeat_interval: 4h
"""
LATENCY_RULES = """
rules:
  - id: level
    name: Graded level
    detector: {type: threshold}
    levels:
      yellow: {enter: ">= 80", exit: "< 75"}
      orange: {enter: ">= 90", exit: "< 85"}
      red: {enter: ">= 100", exit: "< 95"}
"""


def build_store(url: str, sites: int) -> sessionmaker[Session]:
    """A migrated store with a synthetic province: regions, departments, sites, series."""
    import forewarn.model_registry  # noqa: F401
    from forewarn.catalogue.models import (
        CatalogueRevision,
        FieldDomain,
        Indicator,
        Region,
        Series,
        Site,
    )
    from forewarn.db import make_engine, make_session_factory, session_scope
    from forewarn.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as s:
        fields = {c: FieldDomain(code=c, name=c) for c in FIELDS}
        s.add_all(fields.values())
        s.flush()
        province = Region(code="620000", name="甘肃省", level="province", path="/620000/")
        s.add(province)
        counties = []
        for c in range(14):
            city_code = f"62{c + 1:02d}00"
            city = Region(code=city_code, name=f"city {c}", level="city", parent=province,
                          path=f"/620000/{city_code}/")  # fmt: skip
            s.add(city)
            for k in range(5):
                code = f"62{c + 1:02d}{k + 1:02d}"
                county = Region(code=code, name=f"county {c}.{k}", level="county", parent=city,
                                path=f"{city.path}{code}/")  # fmt: skip
                counties.append(county)
                s.add(county)
            for f in FIELDS:
                contact = {"email": f"{f}@{city_code}.example"}
                s.add(_department(f"{city_code}-{f}", city, fields[f], contact))
        for f in FIELDS:
            contact = {"webhook": f"https://hooks.example/{f}"}
            s.add(_department(f"620000-{f}", province, fields[f], contact))
        indicator = Indicator(code="x", name="x", unit="u", kind="gauge", field_code=FIELDS[0])
        s.add(indicator)
        s.flush()
        for i in range(sites):
            site = Site(
                code=f"s{i}",
                name=f"site {i}",
                region=counties[i % len(counties)],
                field_code=FIELDS[i % len(FIELDS)],
                labels={"river": f"r{i % 7}"},
            )
            s.add(site)
            s.add(Series(site=site, indicator=indicator, interval_s=1.0))
        s.add(CatalogueRevision(loaded_at=T0, source="benchmark", summary={}))
    return sessions


def _department(code: str, region: object, field: object, contact: dict[str, str]) -> object:
    from forewarn.catalogue.models import Department

    return Department(code=code, name=code, region=region, fields=[field], contact=contact)


def _labels(site: int, counties: list[str]) -> dict[str, str]:
    return {"site": f"s{site}", "indicator": "x", "region": counties[site % len(counties)],
            "field": FIELDS[site % len(FIELDS)]}  # fmt: skip


def _explanation(rule: int, level: int | None, value: float, at: datetime) -> dict[str, object]:
    """An explanation shaped like the engine's (``detect/explain.py``): its values change with
    every signal, as a real detector's do."""
    bounds = {"blue": 60.0, "yellow": 70.0, "orange": 80.0, "red": 90.0}
    return {
        "rule": f"r{rule}", "rule_name": f"Rule {rule}", "field": FIELDS[rule % len(FIELDS)],
        "detector": "threshold", "params": {"levels": {k: f">= {v}" for k, v in bounds.items()}},
        "transition": "level_changed" if level else "resolved", "cause": "value",
        "previous_state": "firing", "value": value, "measure": value, "score": value / 100,
        "baseline": 50.0, "scale": 7.5,
        "threshold": {"enter": list(bounds.values())[(level or 1) - 1], "exit": 55.0},
        "for_s": 0, "keep_firing_for_s": 0, "missing_data": False,
        "started_at": at.isoformat(), "annotations": {"summary": f"Rule {rule} at {value:.1f}"},
    }  # fmt: skip


def _signal(fp: tuple[int, int], state: str, level: int | None, at: datetime, counties: list[str]):
    from forewarn.common import Level
    from forewarn.detect.signals import Signal, SignalState

    rule, site = fp
    value = 50.0 + 10.0 * (level or 0) + (site % 97) / 10
    return Signal(
        rule=f"r{rule}", fingerprint=f"r{rule}:s{site}", labels=_labels(site, counties),
        state=SignalState(state), level=Level(level) if level else None, at=at, started_at=at,
        value=value, message=f"r{rule} at s{site}: {value:.1f}",
        explanation=_explanation(rule, level, value, at),
    )  # fmt: skip


def _step(
    sessions: sessionmaker[Session], desk: object, signals: list, now: datetime
) -> tuple[float, float]:
    from forewarn.db import session_scope
    from forewarn.warnings.advance import advance
    from forewarn.warnings.apply import apply_signals

    began, cpu = time.perf_counter(), time.process_time()
    with session_scope(sessions) as s:
        apply_signals(s, signals, now=now, desk=desk)  # type: ignore[arg-type]
        advance(s, now=now, desk=desk, heartbeats=False)  # type: ignore[arg-type]
    return time.perf_counter() - began, time.process_time() - cpu


def batches(
    sessions: sessionmaker[Session],
    *,
    active: int,
    total: int,
    batch: int,
    seed: int,
    sites: int = SITES_USED,
) -> Iterator[tuple[str, list[Any], datetime]]:
    """The run's batches in order, as (phase, signals, now): ``load`` batches of 10,000 that
    open `active` warnings (`sites` sites, `active` / `sites` rules), then ``mixed`` batches of
    `batch` until `total` signals. Each batch is made when the previous one was applied (the
    mix follows the levels it set)."""
    rng = random.Random(seed)
    _KEYS.clear()  # same seed, same run: also when runs repeat in one process
    from forewarn.catalogue.models import Region

    with sessions() as s:
        counties = sorted(s.scalars(select(Region.code).where(Region.level == "county")))
    rules = max(1, active // sites)
    fps = [(r, i) for r in range(rules) for i in range(sites)]
    now = T0
    levels: dict[tuple[int, int], int] = {}
    for start in range(0, len(fps), 10_000):
        now += timedelta(seconds=10)
        sigs = []
        for fp in fps[start : start + 10_000]:
            levels[fp] = rng.choice((1, 2, 2, 3))
            sigs.append(_signal(fp, "firing", levels[fp], now, counties))
        yield "load", sigs, now
    resolved: list[tuple[int, int]] = []
    fresh = [(r, i) for r in range(rules, rules + 50) for i in range(sites)]
    done, sent = 0, []
    while done < total:
        now += timedelta(seconds=10)
        sigs = []
        for _ in range(min(batch, total - done)):
            sigs.append(_mixed(rng, levels, resolved, fresh, sent, now, counties))
        sent.extend(sigs[-50:])
        done += len(sigs)
        yield "mixed", sigs, now


def throughput(
    sessions: sessionmaker[Session], *, active: int, total: int, batch: int, seed: int
) -> dict[str, float]:
    """Load `active` warnings, then time `total` mixed signals in batches of `batch`."""
    from forewarn.warnings.desk import Desk

    desk = Desk()
    loaded, load_s, elapsed, cpu = 0, 0.0, 0.0, 0.0
    for phase, sigs, now in batches(sessions, active=active, total=total, batch=batch, seed=seed):
        wall, used = _step(sessions, desk, sigs, now)
        if phase == "load":
            loaded, load_s = loaded + len(sigs), load_s + wall
        else:
            elapsed, cpu = elapsed + wall, cpu + used
    with sessions() as s:
        from forewarn.notify.models import Notification
        from forewarn.warnings.models import Warning

        open_now = s.scalar(select(func.count()).where(Warning.open_fingerprint.is_not(None)))
        notes = s.scalar(select(func.count()).select_from(Notification))
    return {"signals_per_s": total / elapsed, "seconds": elapsed, "cpu_seconds": cpu,
            "signals_per_cpu_s": total / cpu, "signals": float(total),
            "load_signals_per_s": loaded / load_s, "open_warnings": float(open_now or 0),
            "notifications": float(notes or 0)}  # fmt: skip


def _mixed(rng, levels, resolved, fresh, sent, now, counties):
    """One signal of the measured mix."""
    roll = rng.random()
    if roll < 0.10 and sent:
        return rng.choice(sent)  # a repeat: must change nothing
    if roll < 0.55 and levels:
        fp = rng.choice(list(levels)) if len(levels) < 1000 else _any(rng, levels)
        levels[fp] = rng.choice([lv for lv in (1, 2, 3, 4) if lv != levels[fp]])
        return _signal(fp, "firing", levels[fp], now, counties)
    if roll < 0.70 and levels:
        fp = _any(rng, levels)
        del levels[fp]
        resolved.append(fp)
        return _signal(fp, "resolved", None, now, counties)
    if roll < 0.85 and resolved:
        fp = resolved.pop(rng.randrange(len(resolved)))
        levels[fp] = 2
        return _signal(fp, "firing", 2, now, counties)  # re-activation within the window
    fp = fresh.pop() if fresh else _any(rng, levels)
    levels[fp] = 1
    return _signal(fp, "firing", 1, now, counties)


_KEYS: list = []


def _any(rng, levels):
    """A random key of `levels` without building a list each time (rebuilt when stale)."""
    while True:
        if not _KEYS or rng.random() < 0.001:
            _KEYS[:] = list(levels)
        fp = _KEYS[rng.randrange(len(_KEYS))]
        if fp in levels:
            return fp


def latency(
    sessions: sessionmaker[Session], *, rate: int, seconds: float, seed: int
) -> dict[str, float]:
    """Stream `rate` readings/s through store, engine and warnings; latency percentiles."""
    from forewarn.db import session_scope
    from forewarn.detect.engine import Engine
    from forewarn.detect.ruleset import rules_from_text
    from forewarn.detect.series import series_from_store
    from forewarn.readings import service as readings
    from forewarn.timeutil import to_ms
    from forewarn.warnings.apply import apply_signals
    from forewarn.warnings.desk import Desk
    from forewarn.warnings.policy import parse_policy

    with sessions() as s:
        infos = series_from_store(s)
    ids = np.array(sorted(i.id for i in infos), dtype=np.int64)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    engine = Engine(rules_from_text(LATENCY_RULES), infos, start=start)
    desk = Desk(parse_policy(LATENCY_POLICY))
    rng = np.random.default_rng(seed)
    level = 60 + 5 * rng.standard_normal(ids.size)
    per_batch, tick = max(1, rate // 10), 0.1
    lat: list[float] = []
    batches, behind = int(seconds / tick), 0
    origin = time.perf_counter()
    for k in range(batches):
        due = origin + k * tick
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            behind += 1
        pick = (np.arange(per_batch) + k * per_batch) % ids.size
        level[pick] += 1.5 * rng.standard_normal(per_batch) + np.where(
            rng.random(per_batch) < 0.01, 40, 0
        )
        level[pick] = np.clip(level[pick], 0, 150) - np.where(level[pick] > 110, 50, 0)
        at = start + timedelta(seconds=k * tick)
        times = np.full(per_batch, to_ms(at), dtype=np.int64)
        with session_scope(sessions) as s:
            readings.insert(s, ids[pick], times, level[pick].copy())
            signals = engine.ingest(ids[pick], times, level[pick]) + engine.advance(at)
            made = apply_signals(s, signals, now=at, desk=desk).notifications
        done = time.perf_counter()
        lat.extend([done - due] * made)
    arr = np.array(lat) if lat else np.array([float("nan")])
    return {"p50_s": float(np.percentile(arr, 50)), "p99_s": float(np.percentile(arr, 99)),
            "max_s": float(arr.max()), "notifications": float(len(lat)),
            "readings": float(batches * per_batch), "late_batches": float(behind)}  # fmt: skip


def _median(values: list[float]) -> float:
    return float(np.median(np.array(values)))


@contextmanager
def _fresh_store(url: str, run: int) -> Iterator[str]:
    """The URL of a fresh store for repeat `run` (0: `url` itself), dropped after use."""
    if run == 0:
        yield url
        return
    if url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    from sqlalchemy.engine import make_url

    from forewarn.db import drop_database, recreate_database

    fresh = recreate_database(url, f"{make_url(url).database}_r{run + 1}")
    try:
        yield fresh
    finally:
        drop_database(fresh)


def _repeated(
    url: str, args: argparse.Namespace
) -> tuple[sessionmaker[Session], dict[str, float], list[float]]:
    """Throughput `args.repeat` times on fresh stores: the first store's sessions (the latency
    run goes on there), the median run's figures, every run's rate."""
    first: sessionmaker[Session] | None = None
    runs: list[dict[str, float]] = []
    for run in range(args.repeat):
        with _fresh_store(url, run) as fresh:
            sessions = build_store(fresh, SITES)
            sizes = {"active": args.active, "total": args.signals, "batch": args.batch}
            runs.append(throughput(sessions, seed=args.seed, **sizes))
            if first is None:
                first = sessions
            else:
                sessions.kw["bind"].dispose()
        if args.repeat > 1:
            print(f"run {run + 1} of {args.repeat}: {runs[-1]['signals_per_s']:,.0f} signals/s")
    assert first is not None
    rates = [r["signals_per_s"] for r in runs]
    middle = sorted(runs, key=lambda r: r["signals_per_s"])[len(runs) // 2]
    return first, {**middle, "signals_per_s": _median(rates)}, rates


def _unusable(url: str) -> str | None:
    """Why the store at `url` cannot hold the benchmark's province (it cannot be opened, or it
    already holds tables: the benchmark fills an empty database), or None."""
    from sqlalchemy import inspect

    from forewarn.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except DBAPIError as exc:
        return str(exc.orig).strip()
    finally:
        engine.dispose()
    if tables:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        return f"it already holds tables ({shown}); give an empty database"
    return None


def main(argv: list[str]) -> int:
    """``python -m benchmarks warnings [--json FILE] [--database-url URL] [options]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks warnings")
    parser.add_argument("--json", default=None)
    parser.add_argument("--database-url", default=None, help="Default: a temporary SQLite file.")
    parser.add_argument("--active", type=int, default=100_000)
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument(
        "--batch",
        type=int,
        default=20_000,
        help="Signals per sink call (20,000: one tick at 20,000/s).",
    )
    parser.add_argument("--rate", type=int, default=10_000, help="Readings per second.")
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of the latency run.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=1, help="Throughput runs on fresh stores; the median counts."
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        problem = _unusable(url)
        if problem:
            parser.error(f"cannot use the store at {url}: {problem}")
        sessions, tp, rates = _repeated(url, args)
        lat = latency(sessions, rate=args.rate, seconds=args.seconds, seed=args.seed)
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"backend: {backend}; signals: synthetic mix; readings: forewarn.detect engine")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    rows = [
        ("signals per batch (sink call)", f"{args.batch:,}"),
        ("warnings loaded (signals/s)", f"{tp['load_signals_per_s']:,.0f}"),
        ("open warnings during the run", f"{tp['open_warnings']:,.0f}"),
        ("signals timed", f"{tp['signals']:,.0f}"),
        ("seconds", f"{tp['seconds']:.2f}"),
        ("signals/s (target >= 20,000)", f"{tp['signals_per_s']:,.0f}"),
        ("runs (median counts)", ", ".join(f"{r:,.0f}" for r in rates)),
        ("signals per CPU second", f"{tp['signals_per_cpu_s']:,.0f}"),
        ("notifications recorded", f"{tp['notifications']:,.0f}"),
        ("readings streamed", f"{lat['readings']:,.0f} at {args.rate:,}/s"),
        ("notifications timed", f"{lat['notifications']:,.0f}"),
        ("p50 reading -> notification (s)", f"{lat['p50_s']:.3f}"),
        ("p99 reading -> notification (s)", f"{lat['p99_s']:.3f} (target <= 1)"),
        ("max (s)", f"{lat['max_s']:.3f}"),
        ("batches started late", f"{lat['late_batches']:,.0f}"),
    ]
    for name, value in rows:
        print(f"{name:<36}{value:>24}")
    write_json(
        args.json,
        {"signals_per_s": tp["signals_per_s"], "p99_reading_to_notification_s": lat["p99_s"]},
    )
    return 0

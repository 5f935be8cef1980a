"""Migrations: the schema they build is the models' schema, and 0008 (warning details in a
table of their own) keeps every warning and its time line, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, create_engine, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import forewarn.model_registry  # noqa: F401
from forewarn.db import Base, make_engine
from forewarn.migrate import alembic_config, is_current, upgrade
from forewarn.warnings.models import Warning, WarningEvent

START = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def fresh(database_url: str, tmp_path: Any, worker_id: str) -> Iterator[Engine]:
    """An empty store of this test's own on the test backend (not migrated)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrated_schema_is_the_models_schema(fresh: Engine) -> None:
    upgrade(fresh)
    assert is_current(fresh)
    with fresh.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _old_warning(n: int) -> dict[str, Any]:
    """A row of the 0007 `warnings` table, every column given."""
    return {
        "fingerprint": f"rule.a|site=S{n}",
        "open_fingerprint": f"rule.a|site=S{n}" if n == 1 else None,
        "rule": "rule.a",
        "status": "active" if n == 1 else "resolved",
        "level": 3,
        "highest_level": 2,
        "title": f"Methane high at S{n}",
        "message": "CH4 1.2 %",
        "labels": {"site": f"S{n}", "indicator": "ch4"},
        "field": "mine",
        "region_code": "620100",
        "region_path": "/620000/620100/",
        "site_code": f"S{n}",
        "department_id": None,
        "routing": {"route": "root", "department": None},
        "content": {"measures": "evacuate the face"},
        "explanation": {"detector": "threshold", "value": 1.2},
        "value": 1.2,
        "score": 0.5,
        "started_at": START,
        "activated_at": START,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "assignee": "duty" if n == 1 else None,
        "ended_at": None if n == 1 else START,
        "ended_by": None,
        "end_reason": None,
        "updated_at": START,
        "last_signal_at": START,
        "last_signal_key": "k",
        "last_event_id": None,
        "last_change": "activated",
        "reactivations": 0,
        "flapping": False,
        "changes": [1.0, 2.0],
        "muted_by": None,
        "escalation": {"steps": [{"after_s": 600}]} if n == 1 else None,
        "escalation_started_at": START if n == 1 else None,
        "escalation_step": 1 if n == 1 else 0,
        "escalation_due_at": None,
    }


def _seed_0007(engine: Engine) -> list[int]:
    """Two warnings with a time-line event each, written at revision 0007."""
    upgrade(engine, "0007")
    with engine.begin() as conn:
        meta = MetaData()
        warnings = Table("warnings", meta, autoload_with=conn)
        events = Table("warning_events", meta, autoload_with=conn)
        assert "labels" in warnings.c  # the old, wide table
        ids = []
        for n in (1, 2):
            wid = conn.execute(insert(warnings).values(_old_warning(n))).inserted_primary_key[0]
            conn.execute(
                insert(events).values(
                    warning_id=wid, time=START, kind="activated", actor="system", level=3, data={}
                )
            )
            ids.append(wid)
    return ids


def test_0008_moves_details_and_keeps_every_warning_and_its_time_line(fresh: Engine) -> None:
    ids = _seed_0007(fresh)
    upgrade(fresh)
    with Session(fresh) as session:
        for n, wid in enumerate(ids, start=1):
            warning = session.get(Warning, wid)
            assert warning is not None
            old = _old_warning(n)
            for name, value in old.items():
                got = warning.stored_content if name == "content" else getattr(warning, name)
                assert got == value, (wid, name)
            kinds = session.scalars(select(WarningEvent.kind).where(WarningEvent.warning_id == wid))
            assert list(kinds) == ["activated"]
        narrow = {c["name"] for c in _columns(fresh, "warnings")}
        assert "labels" not in narrow
        assert "status" in narrow
        assert {c["name"] for c in _columns(fresh, "warning_details")} >= {"labels", "content"}


def test_0008_downgrade_restores_the_wide_table(fresh: Engine) -> None:
    ids = _seed_0007(fresh)
    upgrade(fresh)
    _downgrade_to_0007(fresh)
    with fresh.connect() as conn:
        warnings = Table("warnings", MetaData(), autoload_with=conn)
        rows = {r.id: r._mapping for r in conn.execute(select(warnings))}
        assert not conn.execute(
            text("SELECT 1 FROM warning_events WHERE warning_id NOT IN (SELECT id FROM warnings)")
        ).first()
    assert sorted(rows) == ids
    for n, wid in enumerate(ids, start=1):
        for name in ("fingerprint", "title", "labels", "content", "region_path", "assignee"):
            assert rows[wid][name] == _old_warning(n)[name], (wid, name)


def _downgrade_to_0007(engine: Engine) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0007")


def _columns(engine: Engine, table: str) -> list[dict[str, Any]]:
    return list(inspect(engine).get_columns(table))

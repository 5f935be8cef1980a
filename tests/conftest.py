"""Shared fixtures: a migrated store per test session (SQLite, or PostgreSQL when
FOREWARN_TEST_DATABASE_URL is set), emptied after each test, and an app bound to it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import argon2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import forewarn.model_registry  # noqa: F401
from forewarn.api.app import create_app
from forewarn.audit import listener as audit_listener
from forewarn.auth import security
from forewarn.auth.service import create_user
from forewarn.config import Settings
from forewarn.db import Base, make_engine, make_session_factory, recreate_database, session_scope
from forewarn.migrate import upgrade

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _postgres_url(base: str, worker: str) -> str:
    """A database of this xdist worker's own, created fresh on the server of `base`."""
    return recreate_database(base, f"{make_url(base).database}_{worker}")


@pytest.fixture(scope="session", autouse=True)
def _audit_and_cheap_hashes() -> None:
    """Audit every session as the app does; hash passwords with Argon2's cheapest profile."""
    audit_listener.install()
    security.hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """URL of this test session's store."""
    base = os.environ.get("FOREWARN_TEST_DATABASE_URL")
    if base:
        return _postgres_url(base, worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'forewarn.db'}"


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    """The migrated store, shared by the tests of one worker."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sequence(conn) else None


def _has_sequence(conn: object) -> bool:
    row = conn.execute(  # type: ignore[attr-defined]
        text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
    ).first()
    return row is not None


@pytest.fixture
def db(db_engine: Engine) -> Iterator[Engine]:
    """The store, emptied after the test."""
    yield db_engine
    _empty(db_engine)


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    """Session factory on the test store."""
    return make_session_factory(db)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session on the test store; the test commits what it wants others to see."""
    with sessions() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the test store and a temporary data folder."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def app(settings: Settings, db: Engine):
    """The HTTP app on the test store."""
    return create_app(settings, migrate=False)


def user_token(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    username: str,
    roles: list[str],
    department: str | None = None,
) -> str:
    """Create a user and return a bearer token for it (no login round trip)."""
    with session_scope(sessions) as s:
        user = create_user(
            s,
            username=username,
            password="correct horse battery staple",
            roles=roles,
            department=department,
            now=datetime.now(UTC),
        )
        user_id, version = user.id, user.token_version
    return security.issue_token(
        security.secret_key(settings),
        user_id=user_id,
        version=version,
        now=datetime.now(UTC),
        ttl_s=3600,
    ).token


@pytest.fixture
def client(app, sessions, settings) -> Iterator[TestClient]:
    """An in-process HTTP client of the app, authenticated as an administrator."""
    token = user_token(sessions, settings, username="test-admin", roles=["administrator"])
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, raise_server_exceptions=False, headers=headers) as c:
        yield c


@pytest.fixture
def anon_client(app, client) -> TestClient:
    """A client of the same app without credentials."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client_as(app, sessions, settings, client) -> Callable[..., TestClient]:
    """Factory: ``client_as(role, department_code)`` is a client for a new user of that role."""
    made: list[str] = []

    def make(role: str, department: str | None = None, *, username: str | None = None):
        name = username or f"{role}.{department or 'none'}.{len(made)}".lower()[:64]
        made.append(name)
        token = user_token(sessions, settings, username=name, roles=[role], department=department)
        headers = {"Authorization": f"Bearer {token}"}
        return TestClient(app, raise_server_exceptions=False, headers=headers)

    return make


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder beside the checkout (datasets, standards)."""
    assert SHARED.is_dir(), f"missing {SHARED}: the shared data must sit beside the checkout"
    return SHARED

"""Database: declarative base, engine and session factory, and the unit of work."""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from forewarn.walcheckpoint import Checkpointer

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model; constraint names are fixed so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the offset; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; refuse naive datetimes, which would be ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# The sqlite3 module of Python 3.11 runs its adaptation protocol for every parameter that is
# not exactly an int, float, str or bytearray, None included: a failed attribute look-up whose
# error message is formatted and thrown away, for every NULL bound (about 100,000 in a batch of
# warnings, 2 % of its instructions). With an adapter registered for None, one dict look-up and
# one call of a C function (`{}.get` returns None for any value) bind the NULL instead.
_NULL: dict[None, None] = {}
sqlite3.register_adapter(type(None), cast("Callable[[None], None]", _NULL.get))


MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def could_be_id(value: int) -> bool:
    """Whether `value` could be a stored row's id (others cannot exist: not found, not an error
    of the store)."""
    return 0 < value <= MAX_ID


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    _set_pragmas(dbapi_connection, autocheckpoint=True)


def _checkpointed(checkpointer: Checkpointer) -> Callable[[Any, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The engine's `Checkpointer` thread checkpoints the log; commits do not.
        _set_pragmas(dbapi_connection, autocheckpoint=False)
        checkpointer.ensure_running()

    return on_connect


def _set_pragmas(dbapi_connection: Any, *, autocheckpoint: bool) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache (default 2 MiB): a batch of warnings dirties tens of megabytes of
    # pages spread over the tables; with the default the writer re-reads them (6 % of the
    # warnings benchmark). Allocated as used, so idle connections stay small.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def checkpointer_of(engine: Engine) -> Checkpointer | None:
    """The log checkpointer of an engine on a SQLite file (None for other engines)."""
    return _CHECKPOINTERS.get(engine)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and a larger page cache
    on every connection, and a database file its log checkpointed on a thread of its own
    (``walcheckpoint``)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        on_file = path not in ("", ":memory:") and not path.startswith("file:") and "?" not in path
        if on_file:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        if not on_file:
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        checkpointer = Checkpointer(Path(path).absolute())
        event.listen(engine, "connect", _checkpointed(checkpointer))
        _CHECKPOINTERS[engine] = checkpointer
        weakref.finalize(engine, checkpointer.stop)
        checkpointer.start()
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _admin(url: str) -> Engine:
    """An autocommit engine on the ``postgres`` database of the server of `url`."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate_database(url: str, name: str) -> str:
    """Drop (if it exists) and create the PostgreSQL database `name` on the server of `url`;
    its URL (for test and benchmark stores of their own)."""
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database of `url` (if it exists), closing its connections."""
    admin = _admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's unit of work has committed (not on rollback)."""
    session.info.setdefault("on_commit", []).append(callback)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Unit of work: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop("on_commit", None)
        raise
    finally:
        callbacks = session.info.pop("on_commit", [])
        session.close()
    for callback in callbacks:
        callback()

"""Values bound through forewarn's SQLite engines keep their types (None is NULL, not text)."""

from __future__ import annotations

from sqlalchemy import text

from forewarn.db import make_engine


def test_none_binds_as_null_and_other_values_keep_their_storage_class(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        with engine.begin() as connection:
            raw = connection.connection.driver_connection
            raw.execute("CREATE TABLE t (a, b, c, d)")
            raw.executemany(
                "INSERT INTO t VALUES (?, ?, ?, ?)", [(None, 1, 2.5, "x"), ("y", None, None, None)]
            )
            rows = connection.execute(
                text("SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d) FROM t")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        (None, "null", 1, "integer", 2.5, "real", "x", "text"),
        ("y", "text", None, "null", None, "null", None, "null"),
    ]

"""A real forewarn server in a thread, on its own store, for the browser tests."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from forewarn.db import recreate_database


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def store_url(folder: Path, worker: str) -> str:
    """A fresh store of its own: a SQLite file, or a new PostgreSQL database when the tests run
    on PostgreSQL (FOREWARN_TEST_DATABASE_URL)."""
    base = os.environ.get("FOREWARN_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{folder / 'browser.db'}"
    return recreate_database(base, f"{make_url(base).database}_browser_{worker}")


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run `app` with uvicorn on a free loopback port; yield its base address."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="forewarn-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)

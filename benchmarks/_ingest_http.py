"""The HTTP half of the ingest benchmark: batches of 1,000 JSON readings to a real uvicorn."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from benchmarks.ingest import NOW, SERIES, prepared, readings
from forewarn.api.app import create_app
from forewarn.auth.devices import create_device_key
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.timeutil import from_ms

BATCH = 1_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _body(lo: int) -> dict[str, list[dict[str, object]]]:
    series, times, values = readings(BATCH, lo)
    return {
        "readings": [
            {"series": s, "time": from_ms(t).isoformat(), "value": v}
            for s, t, v in zip(series.tolist(), times.tolist(), values.tolist(), strict=True)
        ]
    }


def http_rate(n: int) -> float:
    """Readings per second posted over loopback HTTP into a fresh SQLite store."""
    folder = Path(tempfile.mkdtemp(prefix="fw-bench-http-"))
    engine, sessions = prepared(f"sqlite:///{folder / 'forewarn.db'}")
    with session_scope(sessions) as session:  # type: ignore[arg-type]
        _row, key = create_device_key(
            session,
            name="bench",
            sites=[f"s{i}" for i in range(SERIES)],
            now=NOW,
            created_by="benchmark",
        )
    engine.dispose()  # type: ignore[attr-defined]
    settings = Settings(data_dir=folder, ingest_requests_per_s=1e6)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    bodies = [_body(lo) for lo in range(0, n, BATCH)]
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
        ) as client:
            start = time.perf_counter()
            for body in bodies:
                answer = client.post("/api/v1/readings", json=body)
                answer.raise_for_status()
                assert answer.json()["accepted"] == BATCH, answer.text
            elapsed = time.perf_counter() - start
    finally:
        server.should_exit = True
        thread.join(10)
    return len(bodies) * BATCH / elapsed

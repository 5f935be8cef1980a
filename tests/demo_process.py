"""A real `forewarn demo` child process for end-to-end and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ADMIN_PASSWORD = "e2e-admin-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = probe()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Demo:
    """A `forewarn demo` child process on a free port."""

    def __init__(self, data_dir: Path, speed: float = 3600) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
        env |= {"FOREWARN_ADMIN_PASSWORD": ADMIN_PASSWORD, "FOREWARN_LOG_LEVEL": "WARNING"}
        self.log = (data_dir.parent / f"demo-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "forewarn", "demo", "--data-dir", str(data_dir),
             "--port", str(self.port), "--speed", str(speed)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for("the demo to serve", self._healthy, timeout=240)

    def _healthy(self) -> bool:
        assert self.proc.poll() is None, "the demo process exited"
        return httpx.get(f"{self.url}/api/v1/health", timeout=2).json() == {"status": "ok"}

    def client(self, username: str, password: str) -> httpx.Client:
        """An API client logged in as `username`."""
        answer = httpx.post(
            f"{self.url}/api/v1/auth/token", data={"username": username, "password": password}
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"})

    def stop(self) -> None:
        """Stop the process as Ctrl-C would."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

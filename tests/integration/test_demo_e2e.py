"""`forewarn demo` end to end: a real process builds Gansu, serves it, detects and publishes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

ADMIN_PASSWORD = "e2e-admin-password"
ATOM = "{http://www.w3.org/2005/Atom}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(what: str, probe: Callable[[], Any], timeout: float) -> Any:
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

    def __init__(self, data_dir: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOREWARN_")}
        env |= {"FOREWARN_ADMIN_PASSWORD": ADMIN_PASSWORD, "FOREWARN_LOG_LEVEL": "WARNING"}
        self.log = (data_dir.parent / f"demo-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "forewarn", "demo", "--data-dir", str(data_dir),
             "--port", str(self.port), "--speed", "3600"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait("the demo to serve", self._healthy, timeout=240)

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


@pytest.fixture
def demo_dir(tmp_path: Path) -> Path:
    return tmp_path / "demo"


def test_demo_serves_gansu_detects_incidents_publishes_cap_and_restarts(demo_dir):
    demo = Demo(demo_dir)
    try:
        admin = demo.client("admin", ADMIN_PASSWORD)
        sites = admin.get("/api/v1/sites", params={"limit": 1}).json()
        assert sites["total"] == 270
        cities = admin.get("/api/v1/regions", params={"level": "city"}).json()
        assert cities["total"] == 14
        duty = demo.client("province.duty", "forewarn-demo")

        def methane_red() -> bool:
            found = duty.get("/api/v1/warnings", params={"rule": "coal-methane"}).json()
            return any(w["highest_level"] == "red" for w in found["items"])

        _wait("the methane surge to raise a red warning", methane_red, timeout=120)
        feed = _wait(
            "a public CAP warning in the Atom feed",
            lambda: ET.fromstring(httpx.get(f"{demo.url}/feeds/cap.atom").content).find(
                f"{ATOM}entry"
            ),
            timeout=120,
        )
        links = [link.get("href", "") for link in feed.iter(f"{ATOM}link")]
        cap_url = next(u for u in links if u.endswith(".xml"))
        assert cap_url.startswith(demo.url)
        cap = ET.fromstring(httpx.get(cap_url).content)
        assert cap.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
        warnings_before = admin.get("/api/v1/warnings", params={"limit": 1}).json()["total"]
    finally:
        demo.stop()
    again = Demo(demo_dir)
    try:
        admin = again.client("admin", ADMIN_PASSWORD)
        assert admin.get("/api/v1/sites", params={"limit": 1}).json()["total"] == 270
        assert admin.get("/api/v1/warnings", params={"limit": 1}).json()["total"] >= warnings_before
    finally:
        again.stop()

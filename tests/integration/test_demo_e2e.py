"""`forewarn demo` end to end: a real process builds Gansu, serves it, detects and publishes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from tests.demo_process import ADMIN_PASSWORD, Demo, wait_for

ATOM = "{http://www.w3.org/2005/Atom}"


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

        wait_for("the methane surge to raise a red warning", methane_red, timeout=120)
        feed = wait_for(
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
    printed = Path(demo.log.name).read_text().splitlines()  # stdout is a file: no terminal width
    assert any(
        line.startswith("  login") and "province.duty" in line and line.endswith("/ forewarn-demo")
        for line in printed
    ), printed
    again = Demo(demo_dir)
    try:
        admin = again.client("admin", ADMIN_PASSWORD)
        assert admin.get("/api/v1/sites", params={"limit": 1}).json()["total"] == 270
        assert admin.get("/api/v1/warnings", params={"limit": 1}).json()["total"] >= warnings_before
    finally:
        again.stop()

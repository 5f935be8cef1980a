"""The newcomer's first minute, in a real Chromium against a real `forewarn demo` process.

The issue's promise: open the printed address, sign in as the documented demo user, and within a
minute see the scripted incidents on the map and in the warning desk.
"""

from __future__ import annotations

import time

import pytest

from tests.demo_process import Demo, wait_for
from tests.web.test_browser import ARGS, CHROMIUM, LAPTOP, map_option, shot

pytestmark = pytest.mark.browser
HUATING = "620824"  # the county of the coal mine whose methane surges


def test_a_newcomer_sees_the_incidents_within_a_minute(tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: install the Debian package chromium"
    demo = Demo(tmp_path / "demo", speed=360)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
            tab = browser.new_context(viewport=LAPTOP, locale="zh-CN").new_page()
            tab.goto(f"{demo.url}/")
            tab.wait_for_url("**/login**")
            tab.fill("#username", "province.duty")
            tab.fill("#password", "forewarn-demo")
            tab.click("form button[type=submit]")
            tab.wait_for_url("**/situation")
            signed_in = time.monotonic()

            def huating_warned() -> bool:
                drawn = map_option(tab)
                return drawn.get(HUATING, {}).get("key", "none") != "none"

            wait_for("the methane surge on the map", huating_warned, timeout=60)
            assert time.monotonic() - signed_in <= 60
            shot(tab, "newcomer-situation")
            tab.goto(f"{demo.url}/warnings")
            tab.wait_for_selector("text=砚北煤矿", timeout=15_000)
            shot(tab, "newcomer-desk")
            browser.close()
    finally:
        demo.stop()

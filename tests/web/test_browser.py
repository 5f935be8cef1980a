"""The console in a real Chromium (Debian's, driven by Playwright) against a real server.

Fails, never skips, when Chromium is missing: ``.ci/run`` installs it. Screenshots of every page
go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from forewarn.api.app import create_app
from forewarn.common import Level
from forewarn.config import Settings
from forewarn.db import session_scope
from forewarn.detect.signals import SignalState
from forewarn.scope import ALL
from forewarn.warnings import service
from forewarn.warnings.timeline import record_event
from tests.web import gansu, live, scenario

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}
WALL = {"width": 2560, "height": 1440}


class Live:
    """The running server, its app and what the scenario built."""

    def __init__(self, base: str, app, built: scenario.Built) -> None:
        self.base, self.app, self.built = base, app, built


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: install the Debian package chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, worker_id) -> Iterator[Live]:
    """forewarn on a store of its own with the demo province, its users and four warnings."""
    folder = tmp_path_factory.mktemp("browser")
    settings = Settings(
        data_dir=folder,
        database_url=live.store_url(folder, worker_id),
        admin_password=SecretStr(gansu.ADMIN_PASSWORD),
        login_attempts_per_min=10_000,  # every test signs in from 127.0.0.1
    )
    app = create_app(settings, clock=scenario.FixedClock(scenario.NOW), web_refresh_s=1)
    built = gansu.build(app.state.sessions, settings, scenario.NOW)
    with live.serve(app) as base:
        yield Live(base, app, built)
    app.state.engine.dispose()


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A fresh browser page (own cookies) that fails the test on any script error or CSP
    violation."""
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert not problems, problems


def sign_in(tab, base: str, username: str, lang: str = "en") -> None:
    """Use the login form."""
    password = gansu.ADMIN_PASSWORD if username == "admin" else "forewarn-demo"
    tab.goto(f"{base}/login?lang={lang}")
    tab.fill("#username", username)
    tab.fill("#password", password)
    tab.click("form button[type=submit]")
    tab.wait_for_url("**/situation")


def map_option(tab) -> dict[str, dict[str, object]]:
    """Region code -> what ECharts was told to draw for it (after the map has rendered)."""
    tab.wait_for_selector("#situation-map[data-rendered]")
    data = tab.evaluate(
        """() => {
          const option = echarts.getInstanceByDom(document.getElementById('situation-map'))
            .getOption();
          const labels = Object.fromEntries(option.series.find(s => s.id === 'labels').data
            .map(d => [d.name, d.label.formatter]));
          return option.geo[0].regions.map(d => ({
            code: d.name, key: d.levelKey, color: d.itemStyle.areaColor,
            label: labels[d.name] || (d.label.show ? d.label.formatter : null),
            border: d.itemStyle.borderWidth}));
        }"""
    )
    return {d["code"]: d for d in data}


def map_sites(tab) -> dict[str, dict[str, object]]:
    """Site code -> what ECharts was told to mark for it (after the map has rendered)."""
    tab.wait_for_selector("#situation-map[data-rendered]")
    data = tab.evaluate(
        """() => echarts.getInstanceByDom(document.getElementById('situation-map'))
              .getOption().series.filter(s => s.id === 'sites' || s.id === 'warned')
              .flatMap(s => s.data).map(d => ({
                 code: d.name, key: d.levelKey, color: d.itemStyle.color, at: d.value,
                 size: d.symbolSize}))"""
    )
    return {d["code"]: d for d in data}


def shot(tab, name: str) -> None:
    """Save a screenshot as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("username", list(gansu.EXPECTED_MAP))
def test_each_demo_role_sees_the_map_coloured_as_the_warnings_say(page, server, username):
    sign_in(page, server.base, username)
    drawn = map_option(page)
    expected = gansu.EXPECTED_MAP[username]
    if username in gansu.MAP_REGIONS:
        assert len(drawn) == gansu.MAP_REGIONS[username]
    assert {c: d["key"] for c, d in drawn.items() if d["key"] != "none"} == expected
    colours = page.evaluate("() => window.forewarnLevels")
    for code, key in expected.items():
        rank = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}[key]
        assert drawn[code]["color"] == colours[str(rank)]["color"]
        assert drawn[code]["label"].endswith(
            f"{colours[str(rank)]['roman']} {colours[str(rank)]['zh']}"
        )
        assert drawn[code]["border"] > colours["0"]["borderWidth"]  # outline, not colour alone
    listed = page.eval_on_selector_all(
        "li[data-region]",
        "els => Object.fromEntries(els.map(e => [e.dataset.region, e.dataset.level]))",
    )
    assert listed == expected
    filled = page.eval_on_selector_all("#situation-map svg path", "els => els.length")
    assert filled >= len(drawn)
    heard = page.get_attribute("#situation-map", "aria-label") or ""
    assert "的数据是" not in heard, "a screen reader hears names and levels, not codes and numbers"
    if expected:  # one "<name> <level> (<count>)" per warned region, most severe first
        assert heard.count(" (") == len(expected), heard
        top = max(expected.values(), key=["blue", "yellow", "orange", "red"].index)
        rank = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}[top]
        assert f" {colours[str(rank)]['roman']} {colours[str(rank)]['zh']} (" in heard, heard
    shot(page, f"situation-{username}")


def test_a_county_officers_map_marks_its_sites_and_a_click_opens_one(page, server):
    sign_in(page, server.base, "county.inspector")
    marked = map_sites(page)
    colours = page.evaluate("() => window.forewarnLevels")
    page.goto(f"{server.base}/sites")
    listed = page.eval_on_selector_all("tr[data-site]", "els => els.map(e => e.dataset.site)")
    assert set(marked) == set(listed)  # every site of the county, calm ones too
    assert {c: d["key"] for c, d in marked.items() if d["key"] != "none"} == {
        "mine-620111-01": "red"
    }
    red, calm = marked["mine-620111-01"], next(d for d in marked.values() if d["key"] == "none")
    assert red["color"] == colours["4"]["color"]
    assert red["size"] > calm["size"]  # a site under warning stands out, not by colour alone
    page.goto(f"{server.base}/situation")
    map_sites(page)
    x, y = page.evaluate(
        """([lon, lat]) => echarts.getInstanceByDom(document.getElementById('situation-map'))
              .convertToPixel({geoIndex: 0}, [lon, lat])""",
        red["at"][:2],
    )
    box = page.locator("#situation-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/sites/mine-620111-01")


def test_open_a_warning_acknowledge_it_and_see_the_time_line(page, server):
    sign_in(page, server.base, "city.duty")
    page.click("nav.mainnav >> text=Warning desk")
    wid = server.built.warnings["ch4"]
    page.click(f'tr[data-warning="{wid}"] a')
    page.wait_for_selector("[data-chart][data-rendered]")
    assert page.get_attribute(".warning-head", "data-status") == "active"
    option = page.evaluate(
        """() => { const el = document.querySelector('[data-chart]');
                   const o = echarts.getInstanceByDom(el).getOption();
                   const s = o.series[0];
                   return {points: s.data.length, lines: s.markLine.data.map(l => l.yAxis),
                           areas: s.markArea.data.length}; }"""
    )
    assert option["lines"] == [1.5, 1.0, 0.8]  # red, orange, yellow thresholds
    assert option["areas"] == 3  # yellow, orange, red periods
    assert option["points"] > 50
    shot(page, "warning-before-ack")
    page.click('details[data-action="ack"] > summary')
    page.fill("#ack-comment", "Mine rescue team on its way")
    page.click('details[data-action="ack"] button[type=submit]')
    page.wait_for_selector("#done")
    assert page.get_attribute(".warning-head", "data-status") == "acknowledged"
    first = page.locator("#timeline li").first
    assert first.get_attribute("data-event") == "acknowledged"
    assert "Mine rescue team on its way" in first.inner_text()
    assert "city.duty" in first.inner_text()
    shot(page, "warning-after-ack")


def test_the_time_line_and_the_map_update_without_a_reload(page, server):
    sign_in(page, server.base, "admin")
    page.wait_for_selector("#situation-map[data-rendered]")
    page.evaluate("() => { window.notReloaded = true; }")
    story = [scenario.Step(scenario.NOW, SignalState.FIRING, Level.ORANGE, 1.1, 1.0)]
    with session_scope(server.app.state.sessions) as s:
        added = scenario.tell(
            s, rule="ch4-high", site="mine-620981-01", indicator="ch4", steps=story
        )
    try:
        page.wait_for_function(
            "() => JSON.parse(document.getElementById('situation-map').dataset.levels)"
            "['620981'] === 'orange'",
            timeout=10_000,
        )
        assert page.evaluate("() => window.notReloaded") is True
        wid = server.built.warnings["water"]
        page.goto(f"{server.base}/warnings/{wid}")
        page.evaluate("() => { window.notReloaded = true; }")
        before = page.locator("#timeline li").count()
        with session_scope(server.app.state.sessions) as s:
            service.comment(
                s, wid, scope=ALL, actor="province.duty", now=scenario.NOW, text="crest"
            )
        page.wait_for_function(
            f"() => document.querySelectorAll('#timeline li').length === {before + 1}",
            timeout=10_000,
        )
        assert "crest" in page.locator("#timeline li").first.inner_text()
        assert page.evaluate("() => window.notReloaded") is True
    finally:  # leave the situation as the other tests expect it
        with session_scope(server.app.state.sessions) as s:
            service.lift(s, added, scope=ALL, actor="admin", now=scenario.NOW, reason="test over")


def test_a_lost_server_is_announced_and_the_announcement_clears(browser, server):
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    tab = context.new_page()
    sign_in(tab, server.base, "city.duty")
    banner = tab.locator("#stale")
    assert banner.is_hidden()
    tab.route("**/situation/live", lambda route: route.abort())
    banner.wait_for(state="visible", timeout=10_000)
    assert "out of date" in banner.inner_text()
    tab.unroute("**/situation/live")
    banner.wait_for(state="hidden", timeout=10_000)
    context.close()


def test_switch_language(page, server):
    sign_in(page, server.base, "province.duty", lang="en")
    assert page.inner_text("main h1") == "Situation"
    page.click('a[data-lang="zh"]')
    page.wait_for_selector("html[lang='zh-Hans']")
    assert page.inner_text("main h1") == "态势总览"
    assert "红色" in page.inner_text(".legend")
    shot(page, "situation-zh")
    page.click("nav.mainnav >> text=预警处置台")
    assert page.inner_text("main h1") == "预警处置台"  # the choice is remembered
    page.click('a[data-lang="en"]')
    assert page.inner_text("main h1") == "Warning desk"


def test_keyboard_skip_link_and_focus(page, server):
    sign_in(page, server.base, "county.viewer")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_a_refreshed_queue_keeps_the_keyboard_on_the_warning_it_was_on(page, server):
    sign_in(page, server.base, "province.duty")
    page.goto(f"{server.base}/warnings")
    link = page.locator("#queue tbody a").first
    href = link.get_attribute("href")
    link.focus()
    page.evaluate("() => { document.getElementById('queue').dataset.old = '1'; }")
    # the queue refreshes every second here: wait for a new one, then ask where focus is
    page.wait_for_function("() => !document.getElementById('queue').dataset.old", timeout=10_000)
    page.wait_for_timeout(300)  # htmx settles the swap after it
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == href


def test_a_reason_of_spaces_is_refused_in_the_form_which_keeps_the_page(page, server):
    sign_in(page, server.base, "province.duty")
    page.goto(f"{server.base}/warnings/{server.built.warnings['water']}")
    page.click('details[data-action="lift"] summary')
    page.fill("#lift-reason", "   ")
    page.click('details[data-action="lift"] button[type="submit"]')
    assert page.evaluate("() => document.getElementById('lift-reason').validity.valueMissing")
    assert page.url.endswith(f"/warnings/{server.built.warnings['water']}"), "no error page"


def test_notification_entries_fold_away_until_asked_for_and_stay_as_chosen(page, server):
    wid = server.built.warnings["noro"]
    with session_scope(server.app.state.sessions) as s:
        data = {"channel": "email", "target": "cdc@example.org", "reason": "activated"}
        record_event(s, warning_id=wid, kind="notification_delivered", actor="system",
                     time=scenario.NOW, data=data)  # fmt: skip
    sign_in(page, server.base, "admin")
    page.goto(f"{server.base}/warnings/{wid}")
    delivered = page.locator('#timeline li[data-event="notification_delivered"]').first
    assert delivered.is_hidden()
    toggle = page.locator("[data-toggle-deliveries]")
    toggle.click()
    assert delivered.is_visible()
    assert toggle.get_attribute("aria-pressed") == "true"
    page.evaluate("() => { document.getElementById('timeline').dataset.old = '1'; }")
    page.wait_for_function(
        "() => !document.getElementById('timeline').dataset.old", timeout=10_000
    )  # the time line refreshed itself
    page.wait_for_timeout(300)
    assert page.locator('#timeline li[data-event="notification_delivered"]').first.is_visible()
    assert page.locator("[data-toggle-deliveries]").get_attribute("aria-pressed") == "true"


def test_chart_ticks_fall_on_round_times_of_the_display_zone_in_any_browser_zone(browser, server):
    # a browser in India (+5:30) looking at Gansu (+8): ticks on round Beijing hours, not :30
    context = browser.new_context(viewport=LAPTOP, locale="en-GB", timezone_id="Asia/Kolkata")
    tab = context.new_page()
    sign_in(tab, server.base, "admin")
    tab.goto(f"{server.base}/warnings/{server.built.warnings['ch4']}")
    tab.wait_for_selector("[data-chart][data-rendered]")
    texts = tab.eval_on_selector_all("[data-chart] svg text", "els => els.map(e => e.textContent)")
    ticks = [t for t in texts if len(t) == 5 and t[2] == ":" and t.replace(":", "").isdigit()]
    assert ticks, texts
    assert all(t.endswith(":00") for t in ticks), ticks
    context.close()


def test_a_county_officers_map_names_its_region_when_all_is_calm(page, server):
    sign_in(page, server.base, "county.inspector")
    map_option(page)
    page.evaluate(
        """() => {
          const node = document.getElementById('map-state');
          const calm = s => Object.assign({}, s, {level: 0, count: 0, titles: []});
          const state = JSON.parse(node.textContent);
          node.textContent = JSON.stringify(
            {regions: state.regions.map(calm), sites: state.sites.map(calm)});
          document.getElementById('live').dispatchEvent(
            new CustomEvent('htmx:afterSettle', {bubbles: true}));
        }"""
    )
    [region] = map_option(page).values()
    assert region["key"] == "none"
    assert region["label"], "one calm region is still named"


PAGES = [
    ("login", "/login?lang=en"),
    ("desk", "/warnings"),
    ("warning", "/warnings/{ch4}"),
    ("series", "/series?site=mine-620111-01&indicator=ch4&range=1d"),
    ("sites", "/sites"),
    ("site", "/sites/mine-620111-01"),
    ("regions", "/regions"),
    ("region", "/regions/620100"),
]


def test_screenshots_of_every_page_on_a_laptop_and_a_wall(browser, server):
    for viewport, suffix in ((LAPTOP, "1366x768"), (WALL, "wall")):
        context = browser.new_context(viewport=viewport, locale="en-GB")
        tab = context.new_page()
        errors: list[str] = []
        tab.on(
            "console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None
        )
        tab.goto(f"{server.base}/login?lang=en")
        shot(tab, f"login-{suffix}")
        sign_in(tab, server.base, "admin")
        tab.wait_for_selector("#situation-map[data-rendered]")
        box = tab.eval_on_selector("#situation-map", "e => e.getBoundingClientRect().bottom")
        assert box <= viewport["height"]  # the whole map fits on the screen
        shot(tab, f"situation-{suffix}")
        for name, path in PAGES[1:]:
            tab.goto(server.base + path.format(**server.built.warnings))
            if tab.locator("[data-chart]").count():
                tab.wait_for_selector("[data-chart][data-rendered]")
            assert tab.locator("main h1").count() == 1, name
            shot(tab, f"{name}-{suffix}")
        context.close()
        assert not errors, errors
    for name, _path in [("situation", ""), *PAGES]:
        for suffix in ("1366x768", "wall"):
            assert (ARTIFACTS / f"{name}-{suffix}.png").stat().st_size > 10_000


def test_on_a_phone_the_desk_fits_and_acting_is_one_tap_away(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    tab = context.new_page()
    sign_in(tab, server.base, "province.duty")
    tab.goto(f"{server.base}/warnings")
    width = tab.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "the queue scrolls inside its card, the page does not"
    tab.goto(f"{server.base}/warnings/{server.built.warnings['water']}")
    tab.click('[data-jump="actions"]')
    assert tab.locator("#actions-title").is_visible()
    context.close()

"""Every page of the console over HTTP: status, key content, scope, language, sign-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select

from forewarn.catalogue.models import Department
from forewarn.db import session_scope
from forewarn.warnings.advance import advance
from forewarn.warnings.desk import Desk
from forewarn.warnings.timeline import SYSTEM, append_events, event_row
from tests.web import scenario
from tests.web.conftest import LOGIN_TOKEN, sign_in


def doc(response) -> html.HtmlElement:
    """The parsed page."""
    return html.fromstring(response.text)


def map_levels(response, kind: str = "regions") -> dict[str, int]:
    """Region (or site) code -> level of the situation map's state."""
    (node,) = doc(response).xpath('//script[@id="map-state"]')
    return {s["code"]: s["level"] for s in json.loads(node.text)[kind]}


def queue_ids(response) -> list[int]:
    """Warning ids listed in the desk's queue, in order."""
    return [int(x) for x in doc(response).xpath("//tr[@data-warning]/@data-warning")]


PAGES = [
    ("/situation", "Highest active warning level by region and site"),
    ("/situation/live", "Newest events"),
    ("/warnings", "Warning desk"),
    ("/warnings/queue", "Queue"),
    ("/series", "Series explorer"),
    ("/series?site=mine-honggu&indicator=ch4", "Honggu No. 1 coal mine"),
    ("/sites", "Sites"),
    ("/sites/mine-honggu", "Sensors and last readings"),
    ("/regions", "Regions"),
    ("/regions/620100", "Sub-regions"),
]


@pytest.mark.parametrize(("path", "text"), PAGES)
def test_every_page_renders_for_the_administrator(web_as, built, path, text):
    client = web_as("administrator", None, **{"accept-language": "en"})
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert text in answer.text
    assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_warning_page_shows_explanation_chart_timeline_and_actions(web_as, built):
    client = web_as("duty_officer", "gs-em", **{"accept-language": "en"})
    page = doc(client.get(f"/warnings/{built.warnings['ch4']}"))
    assert page.xpath('//h1//span[@data-level="red"]')
    assert page.xpath('//dl[contains(@class, "release")]//span[@data-level="red"]'), "in words"
    [threshold] = page.xpath('//dd[@data-fact="threshold"]')
    assert ">= 1.5" in threshold.text_content(), "the red level's threshold, not the blue one's"
    data = json.loads(page.xpath('//script[@id="chart-data"]')[0].text)
    assert data["unit"] == "%"
    assert len(data["points"]) == 60
    assert data["points"][-1] == [data["end"] - 5 * 60_000 - 1, 1.7]
    assert [t["level"] for t in data["thresholds"]] == [4, 3, 2, 1]
    assert [t["value"] for t in data["thresholds"]] == [1.5, 1.0, 0.8, 0.5]
    assert [p["key"] for p in data["periods"]] == ["blue", "yellow", "orange", "red"]
    assert data["periods"][-1]["open"] is True
    kinds = page.xpath('//section[@id="timeline"]//li/@data-event')
    assert kinds[-1] == "activated"
    assert kinds.count("level_changed") == 3
    actions = {"ack", "assign", "comment", "escalate", "silence", "lift", "draft"}
    assert set(page.xpath("//details/@data-action")) == actions


def test_timeline_names_the_department_whose_inbox_was_told(web_app, web_as, built):
    with web_app.state.sessions() as session:
        dept = session.scalar(select(Department).where(Department.code == "gs-em"))
        assert dept is not None
        wid = built.warnings["ch4"]
        data = {"channel": "inapp", "target": f"department:{dept.id}", "reason": "activated"}
        stray = {"channel": "inapp", "target": "department:999999", "reason": "activated"}
        append_events(
            session,
            [
                event_row(wid, datetime.now(UTC), "notification_delivered", SYSTEM, data=data),
                event_row(wid, datetime.now(UTC), "notification_delivered", SYSTEM, data=stray),
            ],
        )
        session.commit()
    for lang, name in (
        ("en", "in-app → Gansu Emergency Management"),
        ("zh", "站内消息 → 甘肃省应急管理厅"),
    ):
        client = web_as("duty_officer", "gs-em", **{"accept-language": lang})
        for path in (f"/warnings/{wid}", f"/warnings/{wid}/timeline"):
            told = doc(client.get(path)).xpath(
                '//li[@data-event="notification_delivered"]/p[contains(@class, "muted")]'
            )
            texts = [t.text_content().strip() for t in told]
            assert name in texts, (lang, path, texts)  # the channel in words, not its code
            stray_text = ("in-app" if lang == "en" else "站内消息") + " → department:999999"
            assert stray_text in texts  # an unknown target: shown as stored


def test_map_counts_and_events_follow_the_active_warnings(web_as, built):
    client = web_as("administrator", None)
    answer = client.get("/situation/live")
    assert map_levels(answer) == {"620102": 3, "620111": 4, "620402": 2}
    # sites are marked at their place with their own level; one without a location is not
    assert map_levels(answer, "sites") == {"gauge-lanzhou": 3, "mine-honggu": 4}
    page = doc(answer)
    cells = {
        (row.get("data-field"), td.get("data-level")): td.text_content().strip()
        for row in page.xpath("//table[@class='counts']//tr[@data-field]")
        for td in row.xpath("td[@data-level]")
    }
    assert cells[("production_safety", "red")] == "1"
    assert cells[("natural_disaster", "orange")] == "1"
    assert cells[("public_health", "yellow")] == "1"
    assert cells[("production_safety", "blue")] == "0"  # the resolved CO warning is not counted
    assert page.xpath('//li[@data-region="620111"]/@data-level') == ["red"]
    kinds = page.xpath('//ol[@class="events"]/li/@data-event')
    assert kinds
    assert not [k for k in kinds if k.startswith("notification")]


@pytest.mark.parametrize(
    ("department", "levels", "sites", "visible", "hidden"),
    [
        ("gs-em", {"620102": 3, "620111": 4, "620402": 0}, {"gauge-lanzhou", "mine-honggu"},
         {"ch4", "water"}, {"cases"}),
        ("lz-em", {"620102": 3, "620111": 4}, {"gauge-lanzhou", "mine-honggu"}, {"ch4", "water"},
         {"cases"}),
        ("hg-em", {"620111": 4}, {"mine-honggu"}, {"ch4"}, {"water", "cases"}),
        ("by-health", {"620402": 2}, set(), {"cases"}, {"ch4", "water", "co"}),
    ],
)  # fmt: skip
def test_each_user_sees_only_their_scope(web_as, built, department, levels, sites, visible, hidden):
    client = web_as("duty_officer", department)
    answer = client.get("/situation")
    assert map_levels(answer) == levels
    assert set(map_levels(answer, "sites")) == sites
    listed = set(queue_ids(client.get("/warnings?status=open")))
    assert listed == {built.warnings[k] for k in visible}
    for name in hidden:
        answer = client.get(f"/warnings/{built.warnings[name]}")
        assert answer.status_code == 404, name
        assert "text/html" in answer.headers["content-type"]


def test_a_county_user_sees_only_county_sites_and_regions(web_as, built):
    client = web_as("inspector", "hg-em")
    sites = doc(client.get("/sites")).xpath("//tr[@data-site]/@data-site")
    assert sites == ["mine-honggu"]
    assert client.get("/sites/gauge-lanzhou").status_code == 404
    assert client.get("/series?site=gauge-lanzhou").status_code == 404
    regions = doc(client.get("/regions")).xpath("//tr[@data-region]/@data-region")
    assert regions == ["620000", "620100", "620111"]  # its county and the regions above it
    assert client.get("/regions/620402").status_code == 404


def test_desk_filters(web_as, built):
    client = web_as("administrator", None)
    w = built.warnings
    assert queue_ids(client.get("/warnings")) == [w["ch4"], w["water"], w["cases"]]
    assert queue_ids(client.get("/warnings?level=red")) == [w["ch4"]]
    assert queue_ids(client.get("/warnings?level=II")) == [w["water"]]
    assert queue_ids(client.get("/warnings?field=public_health")) == [w["cases"]]
    assert queue_ids(client.get("/warnings?region=620400")) == [w["cases"]]
    assert queue_ids(client.get("/warnings?status=acknowledged")) == [w["cases"]]
    assert w["co"] in queue_ids(client.get("/warnings?status=all"))
    assert queue_ids(client.get("/warnings?status=resolved")) == [w["co"]]
    fragment = client.get("/warnings/queue?level=red", headers={"hx-request": "true"})
    assert fragment.headers["hx-replace-url"] == "/warnings?level=red&status=open"
    assert "<html" not in fragment.text


def test_sign_in_failure_and_redirects(web_app, built):
    scenario.add_user(web_app.state.sessions, "alice", "viewer", "gs-em")
    anon = TestClient(web_app, raise_server_exceptions=False)
    bounce = anon.get(
        "/warnings?level=red", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert bounce.status_code == 303
    assert bounce.headers["location"].startswith("/login?next=")
    form = anon.get("/login?next=/sites")
    token = LOGIN_TOKEN.search(form.text).group(1)
    wrong = anon.post(
        "/login", data={"username": "alice", "password": "nope", "login_token": token}
    )
    assert wrong.status_code == 401
    assert 'id="login-error"' in wrong.text
    no_token = anon.post("/login", data={"username": "alice", "password": scenario.PASSWORD})
    assert no_token.status_code == 403
    token = LOGIN_TOKEN.search(anon.get("/login").text).group(1)
    ok = anon.post(
        "/login",
        data={
            "username": "alice",
            "password": scenario.PASSWORD,
            "login_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/situation"
    assert "httponly" in ok.headers["set-cookie"].lower()


def test_language_from_browser_switch_and_cookie(web_app, built):
    scenario.add_user(web_app.state.sessions, "bob", "viewer", "gs-em")
    client = sign_in(web_app, "bob", **{"accept-language": "en-GB,en;q=0.8"})
    english = client.get("/situation")
    assert "Highest active warning level by region" in english.text
    assert doc(english).xpath("/html/@lang") == ["en"]
    chinese = client.get("/situation?lang=zh")
    assert "各地区及监测点最高生效预警级别" in chinese.text
    assert "态势总览" in chinese.text
    assert doc(chinese).xpath("/html/@lang") == ["zh-Hans"]
    assert "forewarn_lang=zh" in chinese.headers["set-cookie"]
    again = client.get("/warnings")  # the cookie now wins over Accept-Language
    assert "预警处置台" in again.text
    assert "Warning desk" not in again.text
    switch = doc(again).xpath('//a[@data-lang="en"]/@href')
    assert switch == ["/warnings?lang=en"]


def test_times_are_shown_in_the_configured_zone(web_as, built):
    client = web_as("administrator", None)
    page = doc(client.get(f"/warnings/{built.warnings['water']}"))
    started = page.xpath('//div[contains(@class, "warning-head")]//time')[0]
    assert started.get("datetime") == "2026-05-01T02:00:00+00:00"
    assert started.text == "2026-05-01 10:00"  # Asia/Shanghai, UTC+8


def test_site_page_marks_the_silent_sensor(web_as, built):
    client = web_as("administrator", None)
    page = doc(client.get("/sites/mine-honggu"))
    silent = dict(
        zip(
            page.xpath("//tr[@data-indicator]/@data-indicator"),
            page.xpath("//tr[@data-indicator]/@data-silent"),
            strict=True,
        )
    )
    assert silent == {"ch4": "no", "co": "yes"}
    row = doc(client.get("/sites")).xpath('//tr[@data-site="mine-honggu"]/@data-silent')
    assert row == ["1"]


def test_regions_page_shows_the_highest_level_in_each_subtree(web_as, built):
    client = web_as("administrator", None)
    rows = doc(client.get("/regions")).xpath("//tr[@data-region]")
    levels = {r.get("data-region"): r.get("data-level") for r in rows}
    assert levels == {
        "620000": "red",
        "620100": "red",
        "620102": "orange",
        "620111": "red",
        "620400": "yellow",
        "620402": "yellow",
    }


def test_assets_are_served_from_the_package_and_no_page_uses_a_cdn(web_as, built):
    client = web_as("administrator", None)
    for path in (
        "/static/vendor/echarts.min.js",
        "/static/vendor/htmx.min.js",
        "/static/css/forewarn.css",
        "/static/js/situation.js",
    ):
        assert client.get(path).status_code == 200, path
    for path, _text in PAGES:
        sources = doc(client.get(path)).xpath("//script/@src | //link/@href")
        assert all(s.startswith("/static/") for s in sources), (path, sources)


def test_fragments_and_redirects(web_as, built):
    client = web_as("duty_officer", "gs-em")
    wid = built.warnings["ch4"]
    fragment = client.get(f"/warnings/{wid}/timeline")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert doc(fragment).xpath("//li/@data-event")[-1] == "activated"
    assert client.get(f"/warnings/{built.warnings['cases']}/timeline").status_code == 404
    home = client.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/situation")
    again = client.get("/login?next=/regions", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/regions")
    assert client.get("/warnings/999999").status_code == 404
    bad = client.get("/warnings?offset=-1")
    assert bad.status_code == 422
    assert "offset" in bad.text


def test_the_desk_shows_what_a_duty_officer_weighs(web_as, built):
    client = web_as("administrator", None, **{"accept-language": "en"})
    page = doc(client.get("/warnings"))

    def row(name: str):
        [found] = page.xpath(f'//tr[@data-warning="{built.warnings[name]}"]')
        return found

    ch4, cases = row("ch4"), row("cases")
    [waiting] = ch4.xpath(".//*[@data-waiting]")
    assert waiting.get("data-overdue") is not None, "red for an hour: past its 15 minutes"
    assert "overdue" in waiting.text_content()
    assert ch4.xpath(".//*[@data-department]")[0].text_content().strip()
    assert "unassigned" in ch4.text_content()
    assert not cases.xpath(".//*[@data-waiting]"), "acknowledged: nobody is waiting on it"


def test_an_escalation_on_the_time_line_reads_in_the_users_language(web_app, web_as, built):
    with session_scope(web_app.state.sessions) as s:  # red for an hour: its first step is due
        advance(s, now=scenario.NOW, desk=Desk(), heartbeats=False)
    wid = built.warnings["ch4"]
    for lang, words in (("zh", ("系统", "上级单位", "第 1/2 步", "超时未确认")),
                        ("en", ("system", "parent department", "step 1 of 2",
                                "not acknowledged in time"))):  # fmt: skip
        client = web_as("duty_officer", "gs-em", **{"accept-language": lang})
        [step] = doc(client.get(f"/warnings/{wid}")).xpath('//li[@data-event="escalated"]')
        text = " ".join(step.text_content().split())
        assert all(w in text for w in words), (lang, text)
        assert "not acknowledged within" not in text, "the stored English sentence is not shown"


def test_why_names_the_detector_and_the_cause_in_words(web_as, built):
    client = web_as("duty_officer", "gs-em", **{"accept-language": "zh"})
    page = doc(client.get(f"/warnings/{built.warnings['ch4']}"))
    facts = " ".join(page.xpath('//dl[contains(@class, "explanation")]')[0].text_content().split())
    assert "阈值判定" in facts  # the detector in words, its code beside it for analysts
    assert "监测读数" in facts  # the cause
    assert "op=>=" in facts  # parameters folded, as written


def test_the_level_filter_names_each_level_once_in_chinese(web_as, built):
    client = web_as("duty_officer", "gs-em", **{"accept-language": "zh"})
    labels = doc(client.get("/warnings")).xpath('//select[@id="f-level"]/option/text()')
    assert "I 红色" in [" ".join(label.split()) for label in labels]


def test_titles_are_said_in_english_when_the_rule_has_an_english_name(web_as, built):
    wid = built.warnings["ch4"]
    for lang, shown, hidden in (
        ("en", "Methane above its limit — ", "ch4 high — "),
        ("zh", "ch4 high — ", "Methane above its limit"),
    ):
        client = web_as("duty_officer", "gs-em", **{"accept-language": lang})
        queue = doc(client.get("/warnings?status=open"))
        [link] = queue.xpath(f'//tr[@data-warning="{wid}"]//a')
        assert link.text_content().startswith(shown), (lang, link.text_content())
        page = doc(client.get(f"/warnings/{wid}"))
        head = page.xpath("//h1")[0].text_content()
        assert shown in head, (lang, head)
        assert hidden not in head, (lang, head)
        rule = page.xpath('//dl[contains(@class, "explanation")]/dd')[0].text_content()
        assert rule.startswith("Methane above its limit" if lang == "en" else "ch4 high"), rule
    water = doc(client.get(f"/warnings/{built.warnings['water']}")).xpath("//h1")[0]
    assert "water level high — " in water.text_content()  # no English name: as stored

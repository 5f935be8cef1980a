"""Acting on a warning from its page: CSRF, permissions, the service's effects and the audit."""

from __future__ import annotations

from lxml import html
from sqlalchemy import select

from forewarn.audit.models import AuditEntry
from forewarn.warnings.models import Silence, Warning, WarningEvent
from tests.web.conftest import sign_in


def events(sessions, warning_id: int) -> list[WarningEvent]:
    with sessions() as s:
        query = select(WarningEvent).where(WarningEvent.warning_id == warning_id)
        return list(s.scalars(query.order_by(WarningEvent.id)))


def warning(sessions, warning_id: int) -> Warning:
    with sessions() as s:
        return s.get(Warning, warning_id)


def test_a_post_without_the_csrf_token_is_refused(web_app, web_as, built):
    client = web_as("duty_officer", "gs-em")
    wid = built.warnings["ch4"]
    before = len(events(web_app.state.sessions, wid))
    refused = client.post(f"/warnings/{wid}/ack", data={"comment": "x"}, follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post(f"/warnings/{wid}/ack", data={"csrf_token": "forged"})
    assert wrong.status_code == 403
    assert warning(web_app.state.sessions, wid).status == "active"
    assert len(events(web_app.state.sessions, wid)) == before


def test_acknowledge_updates_status_time_line_and_audit(web_app, web_as, built):
    client = web_as("duty_officer", "lz-em", **{"accept-language": "en"})
    wid = built.warnings["ch4"]
    answer = client.post(
        f"/warnings/{wid}/ack",
        data={"csrf_token": client.csrf, "comment": "on my way"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/warnings/{wid}?done=ack#done"
    stored = warning(web_app.state.sessions, wid)
    assert stored.status == "acknowledged"
    assert stored.acknowledged_by.startswith("duty_officer.lz-em")
    last = events(web_app.state.sessions, wid)[-1]
    assert (last.kind, last.data.get("comment")) == ("acknowledged", "on my way")
    page = html.fromstring(client.get(answer.headers["location"]).text)
    assert page.xpath('//p[@id="done"]')
    assert page.xpath('//section[@id="timeline"]//li/@data-event')[0] == "acknowledged"
    assert "on my way" in page.xpath('//section[@id="timeline"]//li')[0].text_content()
    assert "ack" not in page.xpath("//details/@data-action")  # nothing more to acknowledge
    with web_app.state.sessions() as s:
        acts = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "warnings", AuditEntry.entity_id == str(wid)
            )
        ).all()
    # the act itself, with what was said, is in the tamper-evident log under the user's name
    [ack] = [a for a in acts if a.action == "acknowledged"]
    assert ack.actor == f"user:{client.username}"
    assert ack.after["comment"] == "on my way"
    assert ack.after["event"] == last.id


def test_comment_assign_silence_and_lift(web_app, web_as, built):
    client = web_as("duty_officer", "gs-em")
    wid = built.warnings["water"]
    token = client.csrf
    assert (
        client.post(
            f"/warnings/{wid}/comment", data={"csrf_token": token, "text": "crest at 3 pm"}
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/warnings/{wid}/assign", data={"csrf_token": token, "assignee": "Wang Fang"}
        ).status_code
        == 200
    )
    silenced = client.post(
        f"/warnings/{wid}/silence", data={"csrf_token": token, "hours": "4", "reason": "known"}
    )
    assert silenced.status_code == 200
    lifted = client.post(
        f"/warnings/{wid}/lift", data={"csrf_token": token, "reason": "crest passed"}
    )
    assert lifted.status_code == 200
    assert 'id="done"' in lifted.text
    found = events(web_app.state.sessions, wid)
    assert [e.kind for e in found][-4:] == ["commented", "assigned", "silenced", "lifted"]
    [silenced_event] = [e for e in found if e.kind == "silenced"]
    assert (silenced_event.actor, silenced_event.data["reason"]) == (client.username, "known")
    stored = warning(web_app.state.sessions, wid)
    assert (stored.status, stored.assignee, stored.end_reason) == (
        "lifted",
        "Wang Fang",
        "crest passed",
    )
    with web_app.state.sessions() as s:
        (silence,) = s.scalars(select(Silence)).all()
    assert silence.reason == "known"
    assert 'rule="water-level-high"' in silence.matchers
    assert (silence.ends_at - silence.starts_at).total_seconds() == 4 * 3600


def test_a_viewer_gets_no_forms_and_cannot_post(web_app, web_as, built):
    client = web_as("viewer", "gs-em")
    wid = built.warnings["ch4"]
    page = html.fromstring(client.get(f"/warnings/{wid}").text)
    assert not page.xpath("//details[@data-action]")
    assert page.xpath('//p[@data-empty="actions"]')
    refused = client.post(f"/warnings/{wid}/ack", data={"csrf_token": client.csrf})
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert warning(web_app.state.sessions, wid).status == "active"


def test_a_responder_may_acknowledge_and_comment_only(web_as, built):
    client = web_as("responder", "lz-em")
    page = html.fromstring(client.get(f"/warnings/{built.warnings['ch4']}").text)
    assert set(page.xpath("//details/@data-action")) == {"ack", "comment"}


def test_an_action_the_status_forbids_is_a_conflict_page(web_app, web_as, built):
    client = web_as("duty_officer", "by-health")
    wid = built.warnings["cases"]  # already acknowledged
    answer = client.post(f"/warnings/{wid}/ack", data={"csrf_token": client.csrf})
    assert answer.status_code == 409
    assert "cannot ack" in answer.text
    assert [e.kind for e in events(web_app.state.sessions, wid)].count("acknowledged") == 1


def test_bad_form_input_names_the_field(web_as, built):
    client = web_as("duty_officer", "gs-em")
    wid = built.warnings["water"]
    answer = client.post(f"/warnings/{wid}/lift", data={"csrf_token": client.csrf, "reason": "  "})
    assert answer.status_code == 422
    assert "reason" in answer.text
    answer = client.post(
        f"/warnings/{wid}/silence", data={"csrf_token": client.csrf, "hours": "9999", "reason": "x"}
    )
    assert answer.status_code == 422
    assert "hours" in answer.text


def test_acting_outside_scope_is_not_found(web_app, web_as, built):
    client = web_as("duty_officer", "hg-em")
    wid = built.warnings["water"]
    answer = client.post(f"/warnings/{wid}/ack", data={"csrf_token": client.csrf})
    assert answer.status_code == 404
    assert warning(web_app.state.sessions, wid).status == "active"


def test_sign_out_needs_the_token_and_ends_the_session(web_app, web_as, built):
    client = web_as("duty_officer", "gs-em")
    other = sign_in(web_app, client.username)  # the same person on another computer
    kept = client.cookies.get("forewarn_session")
    assert client.post("/logout").status_code == 403
    out = client.post("/logout", data={"csrf_token": client.csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert not client.cookies.get("forewarn_session")  # the browser is told to forget it
    # a copy of the cookie (a shared computer, a proxy's log) no longer opens anything...
    client.cookies.set("forewarn_session", kept)
    replayed = client.get("/situation", headers={"accept": "text/html"}, follow_redirects=False)
    assert replayed.status_code == 303
    assert replayed.headers["location"].startswith("/login")
    wid = built.warnings["water"]
    acted = client.post(
        f"/warnings/{wid}/comment",
        data={"csrf_token": client.csrf, "text": "after logout"},
        follow_redirects=False,
    )
    assert acted.status_code in (303, 401)  # ...nor acts with the session's CSRF token
    with web_app.state.sessions() as s:
        said = s.scalars(select(WarningEvent.data).where(WarningEvent.warning_id == wid)).all()
        assert not [d for d in said if d and d.get("text") == "after logout"]
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("login", "logout")))
        ).all()
    assert other.get("/situation").status_code == 200  # the other session goes on
    actor = f"user:{client.username}"
    assert {(e.action, e.actor) for e in entries} >= {("login", actor), ("logout", actor)}


def test_draft_and_approve_a_public_release_with_four_eyes(web_app, web_as, built):
    wid = built.warnings["ch4"]
    composer = web_as("duty_officer", "gs-em", **{"accept-language": "en"})
    page = html.fromstring(composer.get(f"/warnings/{wid}").text)
    assert page.xpath('//dd[@data-publication="none"]')
    assert page.xpath('//input[@name="headline_zh"]/@value')[0].startswith("红色预警")
    drafted = composer.post(
        f"/warnings/{wid}/publication/draft",
        data={
            "csrf_token": composer.csrf,
            "headline_zh": "红古区煤矿瓦斯红色预警",
            "headline_en": "Red warning: methane at Honggu",
            "description_zh": "甲烷浓度超限",
        },
    )
    assert drafted.status_code == 200
    page = html.fromstring(drafted.text)
    assert page.xpath('//dd[@data-publication="draft"]')
    assert page.xpath("//p[@data-four-eyes]")
    assert not page.xpath('//details[@data-action="approve"]')
    refused = composer.post(
        f"/warnings/{wid}/publication/approve", data={"csrf_token": composer.csrf}
    )
    assert refused.status_code == 403
    assert "four-eyes" in refused.text
    approver = web_as("duty_officer", "lz-em")
    page = html.fromstring(approver.get(f"/warnings/{wid}").text)
    assert page.xpath('//details[@data-action="approve"]')
    approved = approver.post(
        f"/warnings/{wid}/publication/approve", data={"csrf_token": approver.csrf}
    )
    assert approved.status_code == 200
    page = html.fromstring(approved.text)
    assert page.xpath('//dd[@data-publication="approved"]')
    (link,) = page.xpath('//li[@data-cap="Alert"]/a/@href')
    cap = approver.get(link)
    assert cap.status_code == 200
    assert "红古区煤矿瓦斯红色预警" in cap.text
    kinds = [e.kind for e in events(web_app.state.sessions, wid)]
    assert {"publication_drafted", "publication_approved", "cap_issued"} <= set(kinds)


def test_an_analyst_may_draft_but_not_approve(web_as, built):
    client = web_as("analyst", "gs-em")
    page = html.fromstring(client.get(f"/warnings/{built.warnings['ch4']}").text)
    assert page.xpath('//details[@data-action="draft"]')
    assert not page.xpath('//details[@data-action="approve"]')
    assert set(page.xpath("//details/@data-action")) == {"comment", "draft"}


def test_escalate_takes_the_next_step_after_confirmation(web_app, web_as, built):
    client = web_as("duty_officer", "gs-em", **{"accept-language": "en"})
    wid = built.warnings["water"]
    page = html.fromstring(client.get(f"/warnings/{wid}").text)
    (form,) = page.xpath('//details[@data-action="escalate"]//form')
    assert form.xpath('.//input[@name="csrf_token"]/@value') == [client.csrf]
    assert form.xpath('.//button[@data-confirm="escalate"]')
    before = warning(web_app.state.sessions, wid).escalation_step
    refused = client.post(f"/warnings/{wid}/escalate", data={"reason": "no answer"})
    assert refused.status_code == 403, "no CSRF token"
    blank = client.post(
        f"/warnings/{wid}/escalate", data={"csrf_token": client.csrf, "reason": " "}
    )
    assert blank.status_code == 422
    assert "reason" in blank.text
    answer = client.post(
        f"/warnings/{wid}/escalate",
        data={"csrf_token": client.csrf, "reason": "the county does not answer"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/warnings/{wid}?done=escalate#done"
    assert warning(web_app.state.sessions, wid).escalation_step == before + 1
    last = events(web_app.state.sessions, wid)[-1]
    assert (last.kind, last.rule, last.data["manual"]) == ("escalated", "escalate", True)
    assert last.actor.startswith("duty_officer.gs-em")
    assert "the county does not answer" in last.data["reason"]
    shown = html.fromstring(client.get(answer.headers["location"]).text)
    assert shown.xpath('//p[@id="done"]')
    assert shown.xpath('//section[@id="timeline"]//li/@data-event')[0] == "escalated"


def test_escalate_is_offered_only_with_the_permission_and_status(web_as, built):
    responder = web_as("responder", "lz-em")
    page = html.fromstring(responder.get(f"/warnings/{built.warnings['water']}").text)
    assert "escalate" not in page.xpath("//details/@data-action")
    refused = responder.post(
        f"/warnings/{built.warnings['water']}/escalate",
        data={"csrf_token": responder.csrf, "reason": "x"},
    )
    assert refused.status_code == 403
    officer = web_as("duty_officer", "by-health")
    page = html.fromstring(officer.get(f"/warnings/{built.warnings['cases']}").text)
    assert "escalate" not in page.xpath("//details/@data-action"), "acknowledged already"
    conflict = officer.post(
        f"/warnings/{built.warnings['cases']}/escalate",
        data={"csrf_token": officer.csrf, "reason": "x"},
    )
    assert conflict.status_code == 409


def test_the_page_says_who_silenced_a_warning_why_and_until_when(web_app, web_as, built):
    client = web_as("duty_officer", "gs-em", **{"accept-language": "en"})
    wid = built.warnings["water"]
    client.post(
        f"/warnings/{wid}/silence",
        data={"csrf_token": client.csrf, "hours": "4", "reason": "known"},
    )
    with web_app.state.sessions.begin() as s:  # as the next flush records it
        s.get(Warning, wid).muted_by = f"silence:{s.scalars(select(Silence.id)).one()}"
    page = html.fromstring(client.get(f"/warnings/{wid}").text)
    [tag] = page.xpath('//span[@data-mute="silence"]')
    text = tag.text_content()
    assert "silenced until" in text
    assert f"{client.username}: known" in text
    timeline = page.xpath('//li[@data-event="silenced"]')[0].text_content()
    assert "known" in timeline
    assert "Until" in timeline


def test_the_assign_form_offers_the_people_of_the_warnings_regions(web_app, web_as, built):
    client = web_as("duty_officer", "gs-em")  # the province's department: above every warning
    other = web_as("duty_officer", "by-health")  # Baiyin: not above the Lanzhou gauge
    health = web_as("duty_officer", "gs-health")  # above it, but of another field
    page = html.fromstring(client.get(f"/warnings/{built.warnings['water']}").text)
    [field] = page.xpath('//input[@id="assignee"]')
    options = page.xpath('//datalist[@id="assignee-options"]/option/@value')
    assert field.get("list") == "assignee-options"
    assert client.username in options
    assert other.username not in options
    assert health.username not in options  # a flood is not the health commission's


def test_errors_of_an_act_are_said_in_the_readers_language(web_app, web_as, built):
    client = web_as("duty_officer", "by-health", **{"accept-language": "zh"})
    wid = built.warnings["cases"]  # acknowledged already
    again = client.post(f"/warnings/{wid}/ack", data={"csrf_token": client.csrf})
    assert again.status_code == 409
    page = html.fromstring(again.text)
    [said] = page.xpath('//section[contains(@class, "error-card")]//p[@role="alert"]')
    assert said.text_content() == "该预警当前状态为“已确认”，无法确认。"
    assert "cannot ack" in page.xpath("//p[@data-detail]")[0].text_content()  # for support
    empty = client.post(f"/warnings/{wid}/lift", data={"csrf_token": client.csrf, "reason": " "})
    assert empty.status_code == 422
    assert "请正确填写“理由”。" in empty.text


def test_the_silences_page_shows_what_is_muted_and_ends_a_silence(web_app, web_as, built):
    officer = web_as("duty_officer", "gs-em", **{"accept-language": "en"})
    wid = built.warnings["water"]
    form = {"csrf_token": officer.csrf, "hours": "4", "reason": "crew on site"}
    officer.post(f"/warnings/{wid}/silence", data=form)
    page = html.fromstring(officer.get("/silences").text)
    [row] = page.xpath("//tr[@data-silence]")
    assert row.get("data-state") == "active"
    assert "crew on site" in row.text_content()
    assert officer.username in row.text_content()
    viewer = web_as("responder", "gs-em", **{"accept-language": "en"})  # reads silences
    seen = html.fromstring(viewer.get("/silences").text)
    assert seen.xpath("//tr[@data-silence]"), "a responder sees it"
    assert not seen.xpath("//button[@data-expire]"), "and cannot end it"
    ended = officer.post(
        f"/silences/{row.get('data-silence')}/expire", data={"csrf_token": officer.csrf}
    )
    assert ended.status_code == 200
    assert not html.fromstring(ended.text).xpath("//tr[@data-silence]")
    expired = html.fromstring(officer.get("/silences?state=expired").text)
    [gone] = expired.xpath("//tr[@data-silence]")
    assert f"ended by {officer.username}" in " ".join(gone.text_content().split())

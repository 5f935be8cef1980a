"""Webhook, WeCom and DingTalk channels against an httpx mock transport."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from forewarn.notify.channels.base import Message, Outcome, classify_response
from forewarn.notify.channels.dingtalk import DingTalkChannel, dingtalk_sign
from forewarn.notify.channels.render import markdown_body, text_body, truncate_utf8
from forewarn.notify.channels.webhook import WebhookChannel, sign_body, verify_signature
from forewarn.notify.channels.wecom import MARKDOWN_MAX_BYTES, WeComChannel

T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)


def message(**overrides) -> Message:
    base = {
        "id": 7,
        "idempotency_key": "w42:e3:webhook:dept-1",
        "channel": "webhook",
        "target": "https://receiver.example/hook",
        "reason": "level_changed",
        "subject": "红色预警 Red warning: 兰州水文站 water level",
        "payload": {"text": "水位 1520.4 m > 1520 m", "level": "red", "url": "http://fw/w/42"},
        "created_at": T0,
        "attempt": 1,
        "now": T0,
        "warning_id": 42,
        "event_id": 3,
    }
    base.update(overrides)
    return Message(**base)


class Recorder:
    """A mock receiver that records requests and answers with a scripted response."""

    def __init__(self, response: httpx.Response | Exception | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response or httpx.Response(200, json={"ok": True})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def test_webhook_signs_the_exact_body_and_carries_the_key():
    rec = Recorder()
    outcome = WebhookChannel(rec.client(), secret="s3cret").send(message())
    assert outcome == Outcome.delivered("HTTP 200")
    (request,) = rec.requests
    body = request.content
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert request.headers["X-Forewarn-Signature"] == expected
    assert request.headers["X-Forewarn-Idempotency-Key"] == "w42:e3:webhook:dept-1"
    assert request.headers["X-Forewarn-Attempt"] == "1"
    assert request.headers["content-type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["idempotency_key"] == "w42:e3:webhook:dept-1"
    assert doc["warning_id"] == 42
    assert doc["payload"]["text"] == "水位 1520.4 m > 1520 m"
    assert doc["created_at"] == "2026-05-01T00:00:00Z"
    assert "水位".encode() in body  # UTF-8, not \\u escapes


def test_webhook_body_is_identical_across_attempts_and_per_url_secret_wins():
    rec = Recorder()
    channel = WebhookChannel(rec.client(), secret="default", secrets={"https://b/h": "own"})
    channel.send(message(attempt=1))
    channel.send(message(attempt=2))
    channel.send(message(target="https://b/h"))
    first, second, third = rec.requests
    assert first.content == second.content
    assert second.headers["X-Forewarn-Attempt"] == "2"
    assert verify_signature("own", third.content, third.headers["X-Forewarn-Signature"])
    assert not verify_signature("default", third.content, third.headers["X-Forewarn-Signature"])


def test_webhook_without_secret_is_unsigned():
    rec = Recorder()
    WebhookChannel(rec.client()).send(message())
    assert "X-Forewarn-Signature" not in rec.requests[0].headers


@pytest.mark.parametrize(
    ("body", "header", "ok"),
    [
        (b'{"a":1}', sign_body("k", b'{"a":1}'), True),
        (b'{"a":1}', sign_body("k", b'{"a": 1}'), False),  # re-serialised body
        (b'{"a":1}', sign_body("other", b'{"a":1}'), False),
        (b'{"a":1}', None, False),
        (b'{"a":1}', "", False),
    ],
)
def test_verify_signature(body, header, ok):
    assert verify_signature("k", body, header) is ok


@pytest.mark.parametrize(
    ("status", "headers", "kind", "retry_after"),
    [
        (200, {}, "delivered", None),
        (204, {}, "delivered", None),
        (301, {}, "permanent", None),
        (400, {}, "permanent", None),
        (401, {}, "permanent", None),
        (404, {}, "permanent", None),
        (408, {}, "transient", None),
        (429, {"retry-after": "120"}, "transient", 120.0),
        (429, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, "transient", None),
        (500, {}, "transient", None),
        (503, {"retry-after": "5"}, "transient", 5.0),
    ],
)
def test_classify_response(status, headers, kind, retry_after):
    outcome = classify_response(httpx.Response(status, headers=headers, text="x"))
    assert outcome.kind == kind
    assert outcome.retry_after_s == retry_after


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectError("refused"), "transient"),
        (httpx.ReadTimeout("slow"), "transient"),
        (httpx.UnsupportedProtocol("ftp"), "permanent"),
    ],
)
def test_transport_errors(error, kind):
    outcome = WebhookChannel(Recorder(error).client()).send(message())
    assert outcome.kind == kind


@pytest.mark.parametrize("target", ["not a url", "", "ftp://host/x", "mailto:a@b", "http:///x"])
def test_bad_target_is_permanent_and_nothing_is_sent(target):
    rec = Recorder()
    outcome = WebhookChannel(rec.client()).send(message(target=target))
    assert outcome.kind == "permanent"
    assert "bad URL" in outcome.detail
    assert rec.requests == []


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ({"errcode": 0, "errmsg": "ok"}, "delivered"),
        ({"errcode": 45009, "errmsg": "api freq out of limit"}, "transient"),
        ({"errcode": -1, "errmsg": "system busy"}, "transient"),
        ({"errcode": 93000, "errmsg": "invalid webhook url"}, "permanent"),
    ],
)
def test_wecom_markdown_and_errcodes(answer, kind):
    rec = Recorder(httpx.Response(200, json=answer))
    target = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    outcome = WeComChannel(rec.client()).send(message(channel="wecom", target=target))
    assert outcome.kind == kind
    doc = json.loads(rec.requests[0].content)
    assert doc["msgtype"] == "markdown"
    content = doc["markdown"]["content"]
    assert content.startswith("### 红色预警 Red warning")
    assert "水位 1520.4 m > 1520 m" in content
    assert "(http://fw/w/42)" in content
    assert str(rec.requests[0].url) == target


def test_wecom_text_and_size_limit():
    rec = Recorder(httpx.Response(200, json={"errcode": 0}))
    long = message(payload={"text": "危" * 3000})
    WeComChannel(rec.client(), msgtype="text").send(long)
    WeComChannel(rec.client()).send(long)
    text_doc, md_doc = (json.loads(r.content) for r in rec.requests)
    assert text_doc["msgtype"] == "text"
    assert len(text_doc["text"]["content"].encode()) <= 2048
    assert len(md_doc["markdown"]["content"].encode()) <= MARKDOWN_MAX_BYTES
    assert md_doc["markdown"]["content"].endswith("…")


def _dingtalk_verifier(secret: str, seen: list[dict[str, list[str]]]):
    """A receiver that checks the signature the way DingTalk documents it."""

    def handle(request: httpx.Request) -> httpx.Response:
        query = parse_qs(urlsplit(str(request.url)).query)
        seen.append(query)
        timestamp = query["timestamp"][0]
        mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
        if query["sign"][0] != base64.b64encode(mac.digest()).decode():
            return httpx.Response(200, json={"errcode": 310000, "errmsg": "sign not match"})
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    return handle


def test_dingtalk_signature_is_accepted_by_an_independent_verifier():
    secret = "SEC0123456789abcdef"
    target = "https://oapi.dingtalk.com/robot/send?access_token=tok"
    seen: list[dict[str, list[str]]] = []
    client = httpx.Client(transport=httpx.MockTransport(_dingtalk_verifier(secret, seen)))
    channel = DingTalkChannel(client, secrets={target: secret})
    signs = []
    for second in range(40):  # enough timestamps that some signatures hold '+' or '/'
        now = datetime(2026, 5, 1, 0, 0, second, tzinfo=UTC)
        outcome = channel.send(message(channel="dingtalk", target=target, now=now))
        assert outcome.kind == "delivered", outcome
        signs.append(seen[-1]["sign"][0])
    assert any("+" in s or "/" in s for s in signs)
    assert seen[0]["access_token"] == ["tok"]
    assert seen[0]["timestamp"] == [str(int(T0.timestamp() * 1000))]
    assert dingtalk_sign(secret, 1) != dingtalk_sign(secret, 2)


def test_dingtalk_wrong_secret_is_permanent_and_unsigned_robot_gets_plain_url():
    target = "https://oapi.dingtalk.com/robot/send?access_token=tok"
    client = httpx.Client(transport=httpx.MockTransport(_dingtalk_verifier("right", [])))
    bad = DingTalkChannel(client, secret="wrong").send(message(target=target))
    assert bad == Outcome.permanent("errcode 310000: sign not match")
    rec = Recorder(httpx.Response(200, json={"errcode": 0}))
    DingTalkChannel(rec.client()).send(message(target=target))
    assert str(rec.requests[0].url) == target
    doc = json.loads(rec.requests[0].content)
    assert doc["msgtype"] == "markdown"
    assert doc["markdown"]["title"].startswith("红色预警")


def test_dingtalk_rate_limit_is_transient():
    rec = Recorder(httpx.Response(200, json={"errcode": 130101, "errmsg": "send too fast"}))
    outcome = DingTalkChannel(rec.client()).send(message())
    assert outcome.kind == "transient"
    assert outcome.retry_after_s == 60.0


def test_render_lists_payload_without_text():
    msg = message(payload={"level": "orange", "value": 3.2, "nested": {"x": 1}})
    assert text_body(msg) == "level: orange\nvalue: 3.2"
    assert markdown_body(msg).startswith("### 红色预警")
    assert truncate_utf8("ab", 2) == "ab"
    assert truncate_utf8("危险危险", 7) == "危…"


def test_relative_links_are_made_absolute_with_the_public_base_url():
    msg = message(payload={"text": "t", "url": "/warnings/42"})
    rec = Recorder(httpx.Response(200, json={"errcode": 0}))
    WebhookChannel(rec.client(), base_url="https://fw.example/").send(msg)
    WeComChannel(rec.client(), base_url="https://fw.example").send(msg)
    hook, robot = (json.loads(r.content) for r in rec.requests)
    assert hook["url"] == "https://fw.example/warnings/42"
    assert hook["payload"]["url"] == "/warnings/42"  # the payload itself is passed on as is
    assert robot["markdown"]["content"].endswith("(https://fw.example/warnings/42)")
    assert text_body(msg).endswith("\n\n/warnings/42")  # no base: left as it is

"""E-mail channel against a real SMTP server (aiosmtpd) started in-process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from forewarn.notify.channels.base import Message
from forewarn.notify.channels.email import EmailChannel, SmtpConfig, message_id

T0 = datetime(2026, 5, 1, tzinfo=UTC)


class Handler:
    """Keeps every accepted message; refuses recipients at refused.example (550)
    and answers 451 (try later) for busy.example."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        if address.endswith("@busy.example"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _message(target: str) -> Message:
    return Message(
        id=1,
        idempotency_key="w9:e2:email:ops",
        channel="email",
        target=target,
        reason="escalated",
        subject="橙色预警 Orange warning: methane at 红古一号煤矿",
        payload={"text": "CH4 1.3 % for 5 min", "url": "http://fw/w/9"},
        created_at=T0,
        attempt=1,
        now=T0,
        warning_id=9,
    )


def test_email_is_delivered_with_key_and_stable_message_id(smtp):
    handler, port = smtp
    config = SmtpConfig(host="127.0.0.1", port=port, sender="forewarn@bureau.example")
    outcome = EmailChannel(config).send(_message("duty@lz.example"))
    assert outcome.kind == "delivered", outcome
    ((mail_from, rcpts, content),) = handler.messages
    assert mail_from == "forewarn@bureau.example"
    assert rcpts == ["duty@lz.example"]
    mail = message_from_bytes(content, policy=policy.default)
    assert mail["Subject"] == "橙色预警 Orange warning: methane at 红古一号煤矿"
    assert mail["X-Forewarn-Idempotency-Key"] == "w9:e2:email:ops"
    assert mail["Message-ID"] == message_id("w9:e2:email:ops", "forewarn@bureau.example")
    assert mail["Message-ID"].endswith("@bureau.example>")
    body = mail.get_body(("plain",)).get_content()
    assert "CH4 1.3 % for 5 min" in body
    assert "http://fw/w/9" in body


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("nobody@refused.example", "permanent"),
        ("someone@busy.example", "transient"),
        ("not-an-address", "permanent"),
    ],
)
def test_refusals(smtp, target, kind):
    handler, port = smtp
    outcome = EmailChannel(SmtpConfig(host="127.0.0.1", port=port)).send(_message(target))
    assert outcome.kind == kind, outcome
    assert handler.messages == []


def test_server_down_is_transient():
    outcome = EmailChannel(SmtpConfig(host="127.0.0.1", port=_free_port(), timeout_s=2)).send(
        _message("duty@lz.example")
    )
    assert outcome.kind == "transient"
    assert "Connection" in outcome.detail or "refused" in outcome.detail.lower()

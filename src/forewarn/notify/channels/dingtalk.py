"""DingTalk (钉钉) custom robot: POST ``{"msgtype": "markdown", ...}``, optionally signed.

The target is the robot's address (``https://oapi.dingtalk.com/robot/send?access_token=...``).
A robot with "加签" security has a secret (``SEC...``): each request then carries
``timestamp`` (epoch ms, within an hour of DingTalk's clock) and
``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

import httpx

from forewarn.clock import Clock
from forewarn.notify.channels.base import (
    IDEMPOTENCY_HEADER,
    Message,
    Outcome,
    post_json,
)
from forewarn.notify.channels.render import markdown_body
from forewarn.notify.channels.robot import robot_outcome
from forewarn.timeutil import to_ms

# -1 system busy; 130101 sending too fast (20 messages a minute per robot).
TRANSIENT_ERRCODES = frozenset({-1, 130101})


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The URL-encoded ``sign`` parameter of a signed DingTalk request."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """`url` with ``timestamp`` and ``sign`` appended."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def dingtalk_document(message: Message, base_url: str | None = None) -> dict[str, Any]:
    """The markdown robot message of `message` (``title`` shows in the notification list)."""
    text = markdown_body(message, base_url=base_url)
    return {"msgtype": "markdown", "markdown": {"title": message.subject[:64], "text": text}}


@dataclass
class DingTalkChannel:
    """Send to DingTalk custom robots; `secrets` maps a robot address to its signing secret.

    DingTalk checks the signature's timestamp against real time, so a process running a
    simulated clock passes the wall `clock`; without one the message's ``now`` is used.
    """

    client: httpx.Client
    secret: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    clock: Clock | None = None
    base_url: str | None = None
    name: str = "dingtalk"

    def url_for(self, message: Message) -> str:
        """The address to POST to: signed with the message's time when the robot has a secret."""
        secret = self.secrets.get(message.target, self.secret)
        if not secret:
            return message.target
        now = self.clock.now() if self.clock is not None else message.now
        return signed_url(message.target, secret, to_ms(now))

    def send(self, message: Message) -> Outcome:
        """POST the robot message."""
        body = json.dumps(dingtalk_document(message, self.base_url), ensure_ascii=False).encode(
            "utf-8"
        )
        headers = {IDEMPOTENCY_HEADER: message.idempotency_key}
        response = post_json(self.client, self.url_for(message), body, headers)
        if isinstance(response, Outcome):
            return response
        return robot_outcome(response, transient_codes=TRANSIENT_ERRCODES)

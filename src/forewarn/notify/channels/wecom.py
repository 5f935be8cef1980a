"""WeCom (企业微信) group robot: POST ``{"msgtype": "markdown"|"text", ...}`` to the robot's URL.

The target is the robot's full webhook address
(``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``); the key in it is the credential.
Markdown content is limited to 4096 bytes and text to 2048 bytes (UTF-8); longer bodies are cut.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from forewarn.notify.channels.base import (
    IDEMPOTENCY_HEADER,
    Message,
    Outcome,
    post_json,
)
from forewarn.notify.channels.render import markdown_body, text_body, truncate_utf8
from forewarn.notify.channels.robot import robot_outcome

MARKDOWN_MAX_BYTES = 4096
TEXT_MAX_BYTES = 2048
# -1 system busy; 45009 API call frequency over the limit (20 messages a minute per robot).
TRANSIENT_ERRCODES = frozenset({-1, 45009})


def wecom_document(
    message: Message, msgtype: Literal["markdown", "text"], base_url: str | None = None
) -> dict[str, Any]:
    """The robot message for `message` in the chosen `msgtype`."""
    if msgtype == "text":
        body = f"{message.subject}\n{text_body(message, base_url)}"
        return {"msgtype": "text", "text": {"content": truncate_utf8(body, TEXT_MAX_BYTES)}}
    content = truncate_utf8(markdown_body(message, base_url=base_url), MARKDOWN_MAX_BYTES)
    return {"msgtype": "markdown", "markdown": {"content": content}}


@dataclass
class WeComChannel:
    """Send to WeCom group robots."""

    client: httpx.Client
    msgtype: Literal["markdown", "text"] = "markdown"
    base_url: str | None = None
    name: str = "wecom"

    def send(self, message: Message) -> Outcome:
        """POST the robot message to ``message.target``."""
        doc = wecom_document(message, self.msgtype, self.base_url)
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        headers = {IDEMPOTENCY_HEADER: message.idempotency_key}
        response = post_json(self.client, message.target, body, headers)
        if isinstance(response, Outcome):
            return response
        return robot_outcome(response, transient_codes=TRANSIENT_ERRCODES)

"""Generic webhook: a JSON body signed with HMAC-SHA256 in ``X-Forewarn-Signature``.

A receiver verifies a request by computing ``hmac_sha256(secret, raw_body_bytes)`` over the
bytes exactly as received (before any JSON parsing) and comparing ``sha256=<hex>`` with the
header in constant time (see `verify_signature` and ``docs/notifications.md``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from forewarn.notify.channels.base import (
    ATTEMPT_HEADER,
    IDEMPOTENCY_HEADER,
    Message,
    Outcome,
    classify_response,
    post_json,
)
from forewarn.notify.channels.render import link
from forewarn.timeutil import to_ms

SIGNATURE_HEADER = "X-Forewarn-Signature"
EVENT_HEADER = "X-Forewarn-Event"


def sign_body(secret: str, body: bytes) -> str:
    """The signature header value of `body`: ``sha256=<hex of HMAC-SHA256(secret, body)>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the right signature of `body` (constant-time comparison)."""
    if not header:
        return False
    return hmac.compare_digest(sign_body(secret, body), header.strip())


def webhook_document(message: Message, base_url: str | None = None) -> dict[str, Any]:
    """The JSON document posted for `message` (stable across retries of the same message)."""
    return {
        "url": link(message, base_url),
        "idempotency_key": message.idempotency_key,
        "notification_id": message.id,
        "reason": message.reason,
        "subject": message.subject,
        "warning_id": message.warning_id,
        "event_id": message.event_id,
        "department_id": message.department_id,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
        "created_at_ms": to_ms(message.created_at),
        "payload": message.payload,
    }


def encode_body(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON with sorted keys: the exact bytes that are signed and sent."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.encode("utf-8")


@dataclass
class WebhookChannel:
    """POST signed JSON to the target URL; `secrets` may hold a secret per URL."""

    client: httpx.Client
    secret: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    base_url: str | None = None
    name: str = "webhook"

    def secret_for(self, url: str) -> str | None:
        """The signing secret of `url`: its own, else the channel's default (None: unsigned)."""
        return self.secrets.get(url, self.secret)

    def headers(self, message: Message, body: bytes) -> dict[str, str]:
        """Idempotency key, attempt number, reason and (when a secret is set) the signature."""
        headers = {
            IDEMPOTENCY_HEADER: message.idempotency_key,
            ATTEMPT_HEADER: str(message.attempt),
            EVENT_HEADER: message.reason,
        }
        secret = self.secret_for(message.target)
        if secret:
            headers[SIGNATURE_HEADER] = sign_body(secret, body)
        return headers

    def send(self, message: Message) -> Outcome:
        """POST the signed document to ``message.target``."""
        body = encode_body(webhook_document(message, self.base_url))
        response = post_json(self.client, message.target, body, self.headers(message, body))
        if isinstance(response, Outcome):
            return response
        return classify_response(response)

"""The channel contract: a `Message` goes in, an `Outcome` comes out.

Channels never touch the outbox; the worker (``forewarn.notify.worker``) claims rows, hands each
channel a detached `Message`, and records the `Outcome` with retries and back-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx

from forewarn.notify.models import Notification

OutcomeKind = Literal["delivered", "transient", "permanent"]
IDEMPOTENCY_HEADER = "X-Forewarn-Idempotency-Key"
ATTEMPT_HEADER = "X-Forewarn-Attempt"
USER_AGENT = "forewarn-notify/1"


@dataclass(frozen=True)
class Message:
    """One claimed notification, detached from the session, as a channel sees it."""

    id: int
    idempotency_key: str
    channel: str
    target: str
    reason: str
    subject: str
    payload: dict[str, Any]
    created_at: datetime
    attempt: int
    now: datetime
    warning_id: int | None = None
    event_id: int | None = None
    department_id: int | None = None
    failed_before: bool = False  # an earlier attempt failed (a lost lease is no failure)

    @classmethod
    def of(cls, row: Notification, *, now: datetime) -> Message:
        """The message of an outbox row (``attempt`` counts this try, from 1)."""
        return cls(
            id=row.id,
            idempotency_key=row.idempotency_key,
            channel=row.channel,
            target=row.target,
            reason=row.reason,
            subject=row.subject,
            payload=dict(row.payload or {}),
            created_at=row.created_at,
            attempt=row.attempts,
            now=now,
            warning_id=row.warning_id,
            event_id=row.event_id,
            department_id=row.department_id,
            failed_before=row.last_error is not None,
        )


@dataclass(frozen=True)
class Outcome:
    """What happened to one send: delivered, or failed for now (retry) or for good."""

    kind: OutcomeKind
    detail: str = ""
    retry_after_s: float | None = field(default=None)

    @classmethod
    def delivered(cls, detail: str = "") -> Outcome:
        """The receiver accepted the message."""
        return cls("delivered", detail)

    @classmethod
    def transient(cls, detail: str, retry_after_s: float | None = None) -> Outcome:
        """A failure worth retrying (network, timeout, 5xx, rate limit)."""
        return cls("transient", detail, retry_after_s)

    @classmethod
    def permanent(cls, detail: str) -> Outcome:
        """A failure that retrying cannot fix (bad address, refused, 4xx)."""
        return cls("permanent", detail)


class Channel(Protocol):
    """A way of delivering messages; `name` is the outbox row's ``channel``."""

    name: str

    def send(self, message: Message) -> Outcome:
        """Deliver `message` once; never raise for delivery failures, return an Outcome."""
        ...


TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def classify_response(response: httpx.Response) -> Outcome:
    """Outcome of an HTTP answer: 2xx delivered; 408/425/429/5xx transient; others permanent."""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome.delivered(f"HTTP {status}")
    detail = f"HTTP {status}: {response.text[:200]}".rstrip(": ")
    if status in TRANSIENT_STATUS or status >= 500:
        return Outcome.transient(detail, _retry_after(response))
    return Outcome.permanent(detail)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be posted to (None when it is an absolute http(s) URL with a host)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        return f"bad URL {url!r}: {exc}"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return f"bad URL {url!r}: not an absolute http(s) address"
    return None


def post_json(
    client: httpx.Client, url: str, body: bytes, headers: dict[str, str]
) -> httpx.Response | Outcome:
    """POST `body` (JSON bytes) to `url`: the answer, or the Outcome of a failure to talk."""
    problem = url_problem(url)
    if problem:
        return Outcome.permanent(problem)
    all_headers = {
        "content-type": "application/json; charset=utf-8",
        "user-agent": USER_AGENT,
        **headers,
    }
    try:
        return client.post(url, content=body, headers=all_headers)
    except httpx.UnsupportedProtocol as exc:
        return Outcome.permanent(f"bad URL: {exc}")
    except httpx.HTTPError as exc:
        return Outcome.transient(f"{type(exc).__name__}: {exc}")

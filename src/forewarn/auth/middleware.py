"""Authentication at the edge: every request but the public paths needs valid credentials.

Credentials, first found wins: ``Authorization: Bearer <token>`` (a user token, or a device key
``fwk_...``), ``X-API-Key: fwk_...``, or the web session cookie. The Principal is put on
``request.state.principal``; requests without valid credentials get 401 (web pages: a redirect
to the login page). Unsafe requests authenticated by the cookie must carry the CSRF token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote

from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forewarn.auth.devices import device_principal
from forewarn.auth.models import User
from forewarn.auth.principal import Principal
from forewarn.auth.security import DEVICE_PREFIX, csrf_valid, read_token
from forewarn.auth.service import principal_for, session_ended
from forewarn.auth.web import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, app_key
from forewarn.catalogue.models import Department

PUBLIC_PATHS = frozenset({"/api/v1/health", "/api/v1/auth/token", "/login", "/favicon.ico"})
"""Paths served without credentials (health, login)."""
PUBLIC_PREFIXES = ("/feeds/", "/static/")
"""Path prefixes served without credentials (the public feed, static assets)."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Credentials:
    """What the request presented: a user token (api or web audience) or a device key."""

    kind: str  # "token", "cookie" or "device"
    secret: str


def is_public(path: str) -> bool:
    """Whether `path` is served without credentials."""
    return path in PUBLIC_PATHS or path == "/feeds" or path.startswith(PUBLIC_PREFIXES)


def credentials_of(request: HTTPConnection) -> Credentials | None:
    """The credentials a request carries, if any."""
    auth = request.headers.get("authorization")
    if auth is not None:
        scheme, _, value = auth.partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            return Credentials("token", "")
        return Credentials("device" if value.startswith(DEVICE_PREFIX) else "token", value)
    api_key = request.headers.get("x-api-key")
    if api_key is not None:
        return Credentials("device", api_key.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return Credentials("cookie", cookie)
    return None


def resolve(session: Session, key: bytes, creds: Credentials, now: datetime) -> Principal | None:
    """The Principal the credentials stand for, or None when they are not valid now."""
    if creds.kind == "device":
        return device_principal(session, creds.secret)
    audience = "web" if creds.kind == "cookie" else "api"
    claims = read_token(key, creds.secret, now=now, audience=audience)
    if claims is None:
        return None
    user = session.get(
        User,
        claims.user_id,
        options=[selectinload(User.department).selectinload(Department.fields)],
    )
    if user is None or not user.active or user.token_version != claims.version:
        return None
    if session_ended(session, claims.session_id):
        return None
    return principal_for(
        session, user, session_id=claims.session_id if creds.kind == "cookie" else None
    )


def _lookup(app: Any, creds: Credentials, now: datetime) -> Principal | None:
    with app.state.sessions() as session:
        return resolve(session, app_key(app), creds, now)


class Authenticate:
    """ASGI middleware putting the caller's Principal on the request, or refusing it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Authenticate one HTTP request."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request = HTTPConnection(scope)
        public = is_public(scope["path"])
        creds = credentials_of(request)
        principal = None
        if creds is not None:
            now = datetime.now(UTC)  # tokens and lock-outs run on real time, also in the demo
            principal = await run_in_threadpool(_lookup, scope["app"], creds, now)
        if principal is None:
            if public:
                await self.app(scope, receive, send)
            elif scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})  # policy violation
            else:
                await _refuse(scope, send, invalid=creds is not None)
            return
        unsafe = scope["type"] == "http" and scope["method"] not in SAFE_METHODS
        if creds is not None and creds.kind == "cookie" and unsafe:
            receive, token = await _csrf_submitted(Request(scope), receive)
            key = app_key(scope["app"])
            if not csrf_valid(key, principal.session_id or "", token):
                await _send_json(
                    scope, send, 403, "permission_denied", "missing or wrong CSRF token"
                )
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def _csrf_submitted(request: Request, receive: Receive) -> tuple[Receive, str | None]:
    """The CSRF token from the header or an url-encoded form body (replayed to the app)."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return receive, header
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return receive, None
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
    return replay, values[0] if values else None


async def _refuse(scope: Scope, send: Send, *, invalid: bool) -> None:
    path = scope["path"]
    headers = dict(HTTPConnection(scope).headers)
    wants_html = "text/html" in headers.get("accept", "")
    if scope["method"] == "GET" and not path.startswith("/api/") and wants_html:
        location = f"/login?next={quote(path)}"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    message = "invalid or expired credentials" if invalid else "authentication required"
    await _send_json(
        scope, send, 401, "unauthenticated", message, [(b"www-authenticate", challenge.encode())]
    )


async def _send_json(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    message: str,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "details": None}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})

"""Web sessions: the signed session cookie and its CSRF token (synchronizer pattern).

A web page's login handler calls ``start_web_session`` on its response; templates put
``csrf_for(request)`` in a hidden ``csrf_token`` field of every form (or JavaScript sends it in
the ``X-CSRF-Token`` header). The authentication middleware refuses any POST, PUT, PATCH or
DELETE authenticated by the cookie without the right token.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import FastAPI, Request, Response

from forewarn.auth.models import User
from forewarn.auth.security import csrf_token, csrf_valid, issue_token, secret_key
from forewarn.config import Settings
from forewarn.errors import PermissionDenied

SESSION_COOKIE = "forewarn_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def app_key(app: FastAPI) -> bytes:
    """The signing key of `app` (read or created once, then kept on ``app.state``)."""
    key: bytes | None = getattr(app.state, "secret_key", None)
    if key is None:
        key = secret_key(app.state.settings)
        app.state.secret_key = key
    return key


def is_https(request: Request) -> bool:
    """Whether the client reached us over TLS (behind a proxy: run uvicorn with proxy headers)."""
    return request.url.scheme == "https"


def start_web_session(
    response: Response, request: Request, *, user: User, settings: Settings, now: datetime
) -> str:
    """Set the session cookie for `user` on `response`; return the session's CSRF token."""
    key = app_key(request.app)
    issued = issue_token(
        key,
        user_id=user.id,
        version=user.token_version,
        now=now,
        ttl_s=settings.token_ttl_s,
        audience="web",
    )
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=settings.token_ttl_s,
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="lax",
    )
    return csrf_token(key, issued.session_id)


def end_web_session(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def csrf_for(request: Request) -> str:
    """The CSRF token to embed in the pages of the current web session."""
    principal = getattr(request.state, "principal", None)
    session_id = getattr(principal, "session_id", None)
    if session_id is None:
        raise PermissionDenied("no web session")
    return csrf_token(app_key(request.app), session_id)


def verify_csrf(request: Request, submitted: str | None) -> None:
    """Raise PermissionDenied unless `submitted` is the current web session's CSRF token."""
    principal = getattr(request.state, "principal", None)
    session_id = getattr(principal, "session_id", None)
    if session_id is None or not csrf_valid(app_key(request.app), session_id, submitted):
        raise PermissionDenied("missing or wrong CSRF token", details={"field": CSRF_FIELD})

"""Sign in and out of the console (session cookie and CSRF from ``forewarn.auth.web``).

The login form itself is protected against login CSRF with a double-submit token: the form page
sets a random, strict same-site cookie and embeds the same value; a POST must present both.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from forewarn.api.deps import NowDep, SessionDep, SettingsDep
from forewarn.audit.service import record
from forewarn.auth import service as auth_service
from forewarn.auth.models import User
from forewarn.auth.ratelimit import client_address, enforce
from forewarn.auth.security import read_token
from forewarn.auth.web import SESSION_COOKIE, app_key, end_web_session, is_https, start_web_session
from forewarn.errors import RateLimited, Unauthenticated
from forewarn.web.errors import WebRoute
from forewarn.web.i18n import N_
from forewarn.web.render import gettext, page, principal_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
LOGIN_CSRF_COOKIE = "forewarn_login_csrf"
Text = Annotated[str, Form(max_length=256)]


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (anything else: the situation page)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/situation"
    return target


def _form(request: Request, now: datetime, *, error: str | None, status: int, nxt: str) -> Response:
    token = secrets.token_urlsafe(24)
    context = {"error": error, "next": nxt, "login_token": token}
    response = page(request, "login.html", context, now=now, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        secure=is_https(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
def login_page(request: Request, now: NowDep, next: str | None = None) -> Response:
    """The sign-in form (an already signed-in user goes straight on)."""
    if principal_of(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, now, error=None, status=200, nxt=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    username: Text,
    password: Annotated[str, Form(max_length=1024)],  # as long as a password may be
    login_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/situation",
) -> Response:
    """Check the credentials; on success set the session cookie and go to `next`."""
    _ = gettext(request)
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_token):
        message = _(N_("The form expired. Please try again."))
        return _form(request, now, error=message, status=403, nxt=target)
    try:
        enforce(request.app.state.rate_limits.login, client_address(request), "login")
    except RateLimited:
        message = _(N_("Too many attempts. Wait a minute and try again."))
        return _form(request, now, error=message, status=429, nxt=target)
    wall = datetime.now(UTC)  # sessions and lock-outs run on real time, also in the demo
    try:
        user = auth_service.authenticate(session, username, password, now=wall)
    except Unauthenticated:
        known = session.scalar(auth_service.query_users().where(User.username == username[:64]))
        record(
            session,
            action="login_failed",
            entity="users",
            entity_id=str(known.id) if known else None,
        )
        message = _(N_("Wrong user name or password, or the account is locked."))
        return _form(request, now, error=message, status=401, nxt=target)
    session.info["actor"] = f"user:{user.username}"
    record(session, action="login", entity="users", entity_id=str(user.id), after={"via": "web"})
    response = RedirectResponse(target, status_code=303)
    start_web_session(response, request, user=user, settings=settings, now=wall)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    """End the web session: its cookie is refused from now on, wherever a copy of it is (the
    middleware has checked the CSRF token)."""
    wall = datetime.now(UTC)
    token = request.cookies.get(SESSION_COOKIE, "")
    claims = read_token(app_key(request.app), token, now=wall, audience="web")
    if claims is not None:
        auth_service.end_session(session, claims, now=wall)
        record(session, action="logout", entity="users", entity_id=str(claims.user_id))
    response = RedirectResponse("/login", status_code=303)
    end_web_session(response)
    return response

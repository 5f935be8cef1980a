"""Security headers, web session cookie with CSRF, rate limits, body and batch limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import pytest
from fastapi import Form, Request, Response

from forewarn.api.deps import CurrentPrincipal, SessionDep, require_authenticated
from forewarn.auth import service
from forewarn.auth.ratelimit import TokenBuckets
from forewarn.auth.web import SESSION_COOKIE, csrf_for, end_web_session, start_web_session
from forewarn.db import session_scope
from tests.factories import load_catalogue

PASSWORD = "s3cret-Passw0rd!"


def test_security_headers_on_every_answer(client, anon_client):
    for answer in (
        client.get("/api/v1/sites"),
        anon_client.get("/api/v1/health"),
        anon_client.get("/api/v1/sites"),
    ):
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self';" in csp, "no inline scripts"
        assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in answer.headers, "plain HTTP: no HSTS"


def test_hsts_only_behind_tls(app, client):
    from fastapi.testclient import TestClient

    tls = TestClient(app, base_url="https://forewarn.example", headers=dict(client.headers))
    answer = tls.get("/api/v1/sites")
    assert answer.status_code == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.fixture
def web(app, sessions, monkeypatch):
    """A login handler and form handlers built with the web-session helpers (test paths)."""
    from forewarn.auth import middleware

    monkeypatch.setattr(middleware, "PUBLIC_PATHS", middleware.PUBLIC_PATHS | {"/t/login"})
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        service.create_user(
            s,
            username="alice",
            password=PASSWORD,
            roles=["duty_officer"],
            department="lz-em",
            now=datetime.now(UTC),
        )

    @app.post("/t/login")
    def login_page(
        request: Request,
        session: SessionDep,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
    ) -> Response:
        user = service.authenticate(session, username, password, now=datetime.now(UTC))
        response = Response(status_code=204)
        token = start_web_session(
            response, request, user=user, settings=app.state.settings, now=datetime.now(UTC)
        )
        response.headers["x-test-csrf"] = token
        return response

    @app.post("/t/acknowledge", dependencies=[require_authenticated()])
    def act(principal: CurrentPrincipal, note: Annotated[str, Form()] = "") -> dict[str, str]:
        return {"by": principal.name, "note": note}

    @app.get("/t/form", dependencies=[require_authenticated()])
    def form(request: Request) -> dict[str, str]:
        return {"csrf": csrf_for(request)}

    @app.post("/t/logout")
    def logout() -> Response:
        response = Response(status_code=204)
        end_web_session(response)
        return response

    return app


def test_web_session_cookie_is_httponly_samesite_and_csrf_protected(web, anon_client):
    answer = anon_client.post("/t/login", data={"username": "alice", "password": PASSWORD})
    assert answer.status_code == 204, answer.text
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    csrf = answer.headers["x-test-csrf"]
    assert anon_client.get("/t/form").json() == {"csrf": csrf}, "cookie authenticates GETs"
    refused = anon_client.post("/t/acknowledge", data={"note": "x"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    wrong = anon_client.post("/t/acknowledge", data={"note": "x", "csrf_token": csrf[:-2]})
    assert wrong.status_code == 403
    ok = anon_client.post("/t/acknowledge", data={"note": "seen", "csrf_token": csrf})
    assert ok.status_code == 200
    assert ok.json() == {"by": "alice", "note": "seen"}, "the form body still reaches the handler"
    by_header = anon_client.post("/t/acknowledge", headers={"X-CSRF-Token": csrf})
    assert by_header.status_code == 200
    assert anon_client.get("/api/v1/auth/me").json()["username"] == "alice"


def test_session_cookie_is_secure_over_tls_and_cleared_on_logout(web):
    from fastapi.testclient import TestClient

    tls = TestClient(web, base_url="https://forewarn.example")
    answer = tls.post("/t/login", data={"username": "alice", "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]
    csrf = answer.headers["x-test-csrf"]
    gone = tls.post("/t/logout", headers={"X-CSRF-Token": csrf})
    assert gone.status_code == 204
    assert 'forewarn_session=""' in gone.headers["set-cookie"]
    assert tls.get("/api/v1/auth/me").status_code == 401


def test_api_tokens_are_not_web_sessions(web, anon_client):
    token = anon_client.post(
        "/api/v1/auth/token", data={"username": "alice", "password": PASSWORD}
    ).json()["access_token"]
    anon_client.cookies.set(SESSION_COOKIE, token)
    assert anon_client.get("/t/form").status_code == 401, "an api token is no cookie"


def test_login_is_rate_limited_per_client(app, anon_client):
    app.state.rate_limits.login = TokenBuckets(rate=1 / 3600, burst=3)
    codes = [
        anon_client.post(
            "/api/v1/auth/token", data={"username": "x", "password": "wrong-password"}
        ).status_code
        for _ in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]
    answer = anon_client.post("/api/v1/auth/token", data={"username": "x", "password": "y"})
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["error"]["code"] == "rate_limited"


def test_ingest_is_rate_limited_per_caller(app, client, client_as, sessions):
    load_catalogue(sessions)
    app.state.rate_limits.ingest = TokenBuckets(rate=1 / 3600, burst=2)
    codes = [client.post("/api/v1/readings", json={"readings": []}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = client_as("administrator", "gs-em")
    assert other.post("/api/v1/readings", json={"readings": []}).status_code == 200


def test_body_over_the_limit_is_refused_before_authentication(app, anon_client, client):
    limit = app.state.settings.max_body_bytes
    big = b"x" * (limit + 1)
    for caller in (anon_client, client):
        answer = caller.post(
            "/api/v1/readings", content=big, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 413
        assert answer.json()["error"]["details"] == {"limit": limit}


def test_a_chunked_body_over_the_limit_is_refused_too(app, client):
    # no Content-Length: the limit is found while the body streams, inside the app's own reader
    limit = app.state.settings.max_body_bytes

    def chunks():
        yield b'{"text": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    answer = client.post(
        "/api/v1/readings", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == {
        "code": "payload_too_large",
        "message": f"request body over {limit} bytes",
        "details": {"limit": limit},
    }


def test_batch_over_the_limit_is_refused_whole(client, sessions, settings):
    load_catalogue(sessions)
    records = [{"series": 1, "time": "2026-05-01T00:00:00Z", "value": 1}] * (
        settings.max_batch_readings + 1
    )
    answer = client.post("/api/v1/readings", json={"readings": records})
    assert answer.status_code == 413
    assert answer.json()["error"]["details"] == {"limit": settings.max_batch_readings}

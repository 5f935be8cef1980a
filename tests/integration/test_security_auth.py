"""Logging in, lock-out, revocation, 401s, /auth/me and user administration."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from forewarn.auth import service
from forewarn.auth.models import User
from forewarn.db import session_scope
from tests.factories import load_catalogue

PASSWORD = "s3cret-Passw0rd!"


def _user(sessions, username="alice", roles=("duty_officer",), department="lz-em"):
    with session_scope(sessions) as s:
        service.create_user(
            s,
            username=username,
            password=PASSWORD,
            roles=list(roles),
            department=department,
            now=datetime.now(UTC),
        )


def _login(client, username="alice", password=PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_login_gives_a_bearer_token_that_opens_the_api(anon_client, sessions):
    load_catalogue(sessions)
    _user(sessions)
    answer = _login(anon_client)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 8 * 3600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = anon_client.get("/api/v1/auth/me", headers=headers).json()
    assert me["username"] == "alice"
    assert me["department"]["code"] == "lz-em"
    assert me["region"] == "620100"
    assert me["roles"] == ["duty_officer"]
    assert "warnings:ack" in me["permissions"]
    assert "users:read" not in me["permissions"]
    assert me["scope"] == {"regions": ["620100"], "fields": ["production_safety"]}


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong-password"), ("nobody", PASSWORD), ("alice", ""), ("", "")],
)
def test_bad_credentials_get_401_in_the_error_shape(anon_client, sessions, username, password):
    load_catalogue(sessions)
    _user(sessions)
    answer = _login(anon_client, username, password)
    assert answer.status_code in (401, 422)
    assert "error" in answer.json()
    if answer.status_code == 401:
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["error"]["code"] == "unauthenticated"


def test_five_failures_lock_the_account_for_fifteen_minutes(anon_client, sessions):
    load_catalogue(sessions)
    _user(sessions)
    for _ in range(service.LOCKOUT_THRESHOLD):
        assert _login(anon_client, password="nope-nope").status_code == 401
    assert _login(anon_client).status_code == 401, "locked even with the right password"
    with session_scope(sessions) as s:
        user = s.query(User).filter_by(username="alice").one()
        remaining = user.locked_until - datetime.now(UTC)
        assert timedelta(minutes=14) < remaining <= service.LOCKOUT_DURATION
        user.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # time passes
    assert _login(anon_client).status_code == 200


def test_four_failures_then_success_resets_the_count(anon_client, sessions):
    load_catalogue(sessions)
    _user(sessions)
    for _ in range(2):
        for _ in range(service.LOCKOUT_THRESHOLD - 1):
            assert _login(anon_client, password="nope-nope").status_code == 401
        assert _login(anon_client).status_code == 200


def test_disable_and_password_reset_revoke_tokens(anon_client, client, sessions):
    load_catalogue(sessions)
    _user(sessions)
    token = _login(anon_client).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert anon_client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with session_scope(sessions) as s:
        service.reset_password(s, "alice", "another-password")
    assert anon_client.get("/api/v1/auth/me", headers=headers).status_code == 401
    token = _login(anon_client, password="another-password").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert anon_client.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert client.post("/api/v1/users/alice/disable").json()["active"] is False
    answer = anon_client.get("/api/v1/auth/me", headers=headers)
    assert answer.status_code == 401
    assert "invalid_token" in answer.headers["www-authenticate"]
    assert _login(anon_client, password="another-password").status_code == 401
    assert client.post("/api/v1/users/alice/enable").json()["active"] is True
    assert _login(anon_client, password="another-password").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/auth/me"),
        ("GET", "/api/v1/sites"),
        ("GET", "/api/v1/series/1/readings"),
        ("POST", "/api/v1/readings"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/no-such-thing"),
        ("GET", "/"),
        ("DELETE", "/api/v1/shares/1"),
    ],
)
@pytest.mark.parametrize(
    "auth",
    [None, "Bearer", "Bearer junk", "Basic YWxpY2U6eA==", "Bearer fwk_0000_nope"],
)
def test_unauthenticated_requests_get_401(anon_client, method, path, auth):
    headers = {"Authorization": auth} if auth else {}
    answer = anon_client.request(method, path, headers=headers, json={})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["error"]["code"] == "unauthenticated"


def test_web_pages_redirect_to_login_and_public_paths_stay_open(anon_client):
    page = anon_client.get("/warnings", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/warnings"
    assert anon_client.get("/api/v1/health").json() == {"status": "ok"}
    assert anon_client.get("/feeds/nothing-here").status_code == 404, "public, so not 401"


def test_users_are_listed_for_administrators_only(client, client_as, sessions):
    load_catalogue(sessions)
    _user(sessions)
    _user(sessions, "bob", ("viewer",), "by-health")
    listing = client.get("/api/v1/users").json()
    names = [u["username"] for u in listing["items"]]
    assert names == ["alice", "bob", "test-admin"]
    assert all("password" not in str(u) for u in listing["items"])
    bob = next(u for u in listing["items"] if u["username"] == "bob")
    assert (bob["department"], bob["region"], bob["roles"]) == ("by-health", "620400", ["viewer"])
    assert client.get("/api/v1/users", params={"role": "viewer"}).json()["total"] == 1
    assert client.get("/api/v1/users", params={"department": "lz-em"}).json()["total"] == 1
    duty = client_as("duty_officer", "gs-em")
    answer = duty.get("/api/v1/users")
    assert answer.status_code == 403
    assert answer.json()["error"]["details"] == {"permission": "users:read"}
    assert duty.post("/api/v1/users/bob/disable").status_code == 403


def test_administrators_create_users_through_the_api(client, anon_client, sessions):
    load_catalogue(sessions)
    body = {"username": "carol", "password": PASSWORD, "roles": ["analyst"], "department": "gs-em"}
    made = client.post("/api/v1/users", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["roles"] == ["analyst"]
    assert client.post("/api/v1/users", json=body).status_code == 409
    bad = client.post("/api/v1/users", json=body | {"username": "dan", "roles": ["device"]})
    assert bad.status_code == 422
    assert "roles" in bad.json()["error"]["message"]
    no_dept = client.post("/api/v1/users", json=body | {"username": "erin", "department": None})
    assert no_dept.status_code == 422
    assert _login(anon_client, "carol").status_code == 200


def test_no_password_reaches_the_logs(anon_client, sessions, caplog):
    load_catalogue(sessions)
    _user(sessions)
    caplog.set_level(logging.DEBUG)
    secret_guess = "Guess-Th1s-Password"
    for password in (secret_guess, PASSWORD):
        _login(anon_client, "alice", password)
    _login(anon_client, "nobody", secret_guess)
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records)
    assert caplog.records, "logging was captured"
    assert PASSWORD not in text
    assert secret_guess not in text


def test_websockets_need_credentials_too(app, anon_client, client):
    @app.websocket("/api/v1/ws-probe")
    async def probe(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text(ws.state.principal.name)
        await ws.close()

    with (
        pytest.raises(WebSocketDisconnect) as refused,
        anon_client.websocket_connect("/api/v1/ws-probe"),
    ):
        pass
    assert refused.value.code == 1008
    assert refused.value.reason == "", "closed by the middleware, before any handler"
    with client.websocket_connect("/api/v1/ws-probe") as ws:
        assert ws.receive_text() == "test-admin"

"""Fixtures of the web tests: the app on a fixed clock, the scenario, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from forewarn.api.app import create_app
from tests.web import scenario

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


@pytest.fixture
def web_app(settings, db):
    """The app on the test store, its clock standing at ``scenario.NOW``."""
    return create_app(settings, migrate=False, clock=scenario.FixedClock(scenario.NOW))


@pytest.fixture
def built(web_app) -> scenario.Built:
    """The small scenario loaded into the store."""
    return scenario.small(web_app.state.sessions)


def sign_in(app, username: str, password: str = scenario.PASSWORD, **headers: str) -> TestClient:
    """A browser-like client signed in through the login form (session cookie + CSRF token)."""
    client = TestClient(app, raise_server_exceptions=False, headers=headers)
    form = client.get("/login")
    token = LOGIN_TOKEN.search(form.text)
    assert token, form.text
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/situation")
    found = CSRF.search(page.text)
    client.csrf = found.group(1) if found else None  # type: ignore[attr-defined]
    return client


@pytest.fixture
def web_as(web_app, built) -> Iterator[Callable[..., TestClient]]:
    """Factory: ``web_as(role, department)`` signs in a new user of that role."""
    clients: list[TestClient] = []

    def make(role: str, department: str | None = None, **headers: str) -> TestClient:
        name = f"{role}.{department or 'all'}.{len(clients)}"
        scenario.add_user(web_app.state.sessions, name, role, department)
        client = sign_in(web_app, name, **headers)
        client.username = name  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()

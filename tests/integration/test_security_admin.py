"""Administration: the users and device-key commands, demo users, shares and the audit API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from forewarn.audit.models import AuditEntry
from forewarn.auth import service
from forewarn.auth.demo import ADMIN_USERNAME, demo_users, ensure_demo_users
from forewarn.auth.models import User
from forewarn.auth.security import verify_password
from forewarn.cli.main import app as cli
from forewarn.db import session_scope
from tests.factories import load_catalogue


@pytest.fixture
def run(settings):
    """Invoke the CLI on the test store."""
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(
            cli, [*args, "--data-dir", str(settings.data_dir)], env=env, input=input
        )

    return invoke


def _user(sessions, name):
    with sessions() as s:
        user = s.scalar(select(User).where(User.username == name))
        if user is not None:
            _ = user.department and user.department.code  # loaded before the session closes
        return user


def test_users_commands_create_disable_reset(run, sessions):
    load_catalogue(sessions)
    made = run("users", "create", "alice", "--department", "lz-em", "--role", "duty_officer",
               "--password-stdin", input="first-password\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "first-password" not in made.output
    alice = _user(sessions, "alice")
    assert (alice.roles, alice.department.code) == (["duty_officer"], "lz-em")
    assert verify_password(alice.password_hash, "first-password")
    admin = run("users", "create", "root", "--admin", input="root-password\nroot-password\n")
    assert admin.exit_code == 0, admin.output
    assert _user(sessions, "root").roles == ["administrator"]
    assert run("users", "disable", "alice").exit_code == 0
    assert _user(sessions, "alice").active is False
    reset = run("users", "reset-password", "alice", "--password-stdin", input="second-password\n")
    assert reset.exit_code == 0
    after = _user(sessions, "alice")
    assert verify_password(after.password_hash, "second-password")
    assert after.token_version == 2, "disable and reset each revoke tokens"
    listing = run("users", "list")
    assert "alice" in listing.output
    assert "disabled" in listing.output
    with sessions() as s:
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.entity == "users")))
    assert len(actors) == 1
    assert actors.pop().startswith("cli:")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "create", "bob", "--role", "viewer"], "password-1\n", "department"),
        (["users", "create", "bob", "--department", "lz-em"], "password-1\n", "roles"),
        (["users", "create", "Bob!", "--admin"], "password-1\n", "username"),
        (["users", "create", "bob", "--admin"], "short\n", "password"),
        (
            ["users", "create", "bob", "--department", "nope", "--role", "viewer"],
            "password-1\n",
            "department 'nope'",
        ),
        (["users", "disable", "nobody"], None, "not found"),
    ],
)
def test_users_commands_refuse_bad_input(run, sessions, args, stdin, message):
    load_catalogue(sessions)
    result = run(*args, *(["--password-stdin"] if stdin else []), input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert _user(sessions, "bob") is None


def test_device_key_commands(run, sessions, anon_client):
    load_catalogue(sessions)
    made = run("device-keys", "create", "gw", "--site", "mine-honggu-1")
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("fwk_")
    headers = {"X-API-Key": key}
    assert anon_client.post("/api/v1/readings", json={"readings": []}, headers=headers).is_success
    assert "gw" in run("device-keys", "list").output
    assert key not in run("device-keys", "list").output
    assert run("device-keys", "revoke", "1").exit_code == 0
    assert (
        anon_client.post("/api/v1/readings", json={"readings": []}, headers=headers).status_code
        == 401
    )


def test_demo_users_are_created_once(sessions, settings):
    load_catalogue(sessions)
    users = demo_users(province="gs-em", city="lz-em", county="lz-em")
    with session_scope(sessions) as s:
        created = ensure_demo_users(s, settings=settings, now=datetime.now(UTC), users=users)
    admin = created[0]
    assert admin.username == ADMIN_USERNAME
    assert admin.password is not None, "generated, to be printed once"
    assert len(admin.password) >= 16
    assert [c.username for c in created[1:]] == [u.username for u in users]
    assert all(c.password is None for c in created[1:])
    with sessions() as s:
        stored = {u.username: u for u in s.scalars(select(User))}
    assert verify_password(stored["admin"].password_hash, admin.password)
    assert verify_password(stored["province.duty"].password_hash, "forewarn-demo")
    assert stored["county.inspector"].roles == ["inspector"]
    with session_scope(sessions) as s:
        again = ensure_demo_users(s, settings=settings, now=datetime.now(UTC), users=users)
    assert again == []


def test_demo_admin_password_from_settings(sessions, settings):
    load_catalogue(sessions)
    given = settings.model_copy(update={"admin_password": SecretStr("from-the-env-1")})
    with session_scope(sessions) as s:
        created = ensure_demo_users(s, settings=given, now=datetime.now(UTC), users=[])
    assert created[0].password is None, "nothing to print: the operator chose it"
    assert verify_password(_user(sessions, "admin").password_hash, "from-the-env-1")


def test_shares_widen_reading_only_and_are_administered(client, client_as, sessions):
    load_catalogue(sessions)
    county = client_as("duty_officer", "lz-em")
    before = county.get("/api/v1/auth/me").json()
    assert before["scope"] == {"regions": ["620100"], "fields": ["production_safety"]}
    share = {"department": "lz-em", "region": "620400", "field": "public_health", "note": "up"}
    made = client.post("/api/v1/shares", json=share)
    assert made.status_code == 201, made.text
    me = county.get("/api/v1/auth/me").json()
    assert me["scope"] == {"regions": ["620100", "620400"],
                           "fields": ["production_safety", "public_health"]}  # fmt: skip
    assert me["write_scope"] == before["scope"]
    assert county.get("/api/v1/sites/cdc-baiyin").status_code == 200
    listed = client.get("/api/v1/shares", params={"department": "lz-em"}).json()
    assert [s["region"] for s in listed["items"]] == ["620400"]
    assert county.get("/api/v1/shares").status_code == 403
    assert client.post("/api/v1/shares", json={"department": "lz-em"}).status_code == 422
    assert (
        client.post("/api/v1/shares", json={"department": "x", "region": "620400"}).status_code
        == 404
    )
    assert client.delete(f"/api/v1/shares/{made.json()['id']}").status_code == 204
    assert county.get("/api/v1/sites/cdc-baiyin").status_code == 404
    assert client.delete(f"/api/v1/shares/{made.json()['id']}").status_code == 404


def test_audit_api_lists_for_administrators(client, client_as, sessions):
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        service.create_user(s, username="zed", password="password-1", roles=["viewer"],
                            department="lz-em", now=datetime.now(UTC))  # fmt: skip
    page = client.get("/api/v1/audit", params={"entity": "users", "limit": 5}).json()
    assert page["total"] >= 2
    assert page["items"][0]["after"]["username"] == "zed", "newest first"
    assert all(len(e["hash"]) == 64 for e in page["items"])
    assert client_as("duty_officer", "gs-em").get("/api/v1/audit").status_code == 403

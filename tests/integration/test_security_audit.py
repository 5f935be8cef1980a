"""The audit log: who changed what, from where, chained so that tampering shows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from typer.testing import CliRunner

from forewarn.audit.models import AuditEntry
from forewarn.audit.service import record
from forewarn.audit.verify import verify
from forewarn.auth import service
from forewarn.catalogue.models import Series, Site
from forewarn.cli.main import app as cli
from forewarn.db import session_scope
from tests.factories import load_catalogue


def _entries(sessions, **where):
    with sessions() as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEntry, key) == value)
        return list(s.scalars(query))


def test_api_changes_are_logged_with_actor_client_before_and_after(client, sessions):
    load_catalogue(sessions)
    body = {
        "username": "carol",
        "password": "pw-123456789",
        "roles": ["analyst"],
        "department": "gs-em",
    }
    assert client.post("/api/v1/users", json=body).status_code == 201
    assert client.post("/api/v1/users/carol/disable").status_code == 200
    entries = _entries(sessions, entity="users", actor="user:test-admin")
    insert, update = entries[-2], entries[-1]
    assert insert.action == "insert"
    assert insert.client == "testclient"
    assert insert.after["username"] == "carol"
    assert insert.after["roles"] == ["analyst"]
    assert insert.after["password_hash"] == "<redacted>", "no secret in the log"
    assert update.action == "update"
    assert update.entity_id == str(insert.after["id"])
    assert update.before == {"active": True, "token_version": 0}
    assert update.after == {"active": False, "token_version": 1}
    assert "pw-123456789" not in str([e.after for e in entries])


def test_password_reset_and_device_keys_log_no_secret(client, sessions):
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        service.create_user(
            s,
            username="dan",
            password="first-pass-1",
            roles=["viewer"],
            department="lz-em",
            now=datetime.now(UTC),
        )
        service.reset_password(s, "dan", "second-pass-2")
    key = client.post("/api/v1/devices", json={"name": "gw", "sites": ["cdc-baiyin"]}).json()
    entries = _entries(sessions)
    dumped = str([(e.before, e.after) for e in entries])
    assert "$argon2" not in dumped
    assert key["key"] not in dumped
    device = _entries(sessions, entity="device_keys")[0]
    assert device.after["key_hash"] == "<redacted>"
    assert device.after["prefix"] == key["prefix"]
    links = _entries(sessions, entity="device_keys")
    assert links[0].after["sites"], "many-to-many links are recorded"


def test_an_ingest_batch_is_one_entry(client, sessions):
    load_catalogue(sessions)
    with sessions() as s:
        ch4 = s.scalar(select(Series.id).join(Site).where(Site.code == "mine-honggu-1"))
    before = len(_entries(sessions))
    records = [
        {"series": ch4, "time": f"2026-05-01T00:{m:02d}:00Z", "value": 0.3} for m in range(30)
    ]
    assert client.post("/api/v1/readings", json={"readings": records}).json()["accepted"] == 30
    entries = _entries(sessions)
    assert len(entries) == before + 1
    batch = entries[-1]
    assert (batch.action, batch.entity, batch.actor) == ("ingest", "readings", "user:test-admin")
    assert batch.after["accepted"] == 30
    assert batch.after["series"] == [ch4]
    assert client.post("/api/v1/readings", json={"readings": records}).json()["duplicates"] == 30
    assert len(_entries(sessions)) == before + 1, "a batch that changed nothing is not logged"


def test_failed_logins_are_logged_without_the_attempted_text(anon_client, sessions):
    load_catalogue(sessions)
    with session_scope(sessions) as s:
        user = service.create_user(
            s,
            username="erin",
            password="right-pass-1",
            roles=["viewer"],
            department="lz-em",
            now=datetime.now(UTC),
        )
        uid = user.id
    for name in ("erin", "my-password-typed-as-name"):
        anon_client.post("/api/v1/auth/token", data={"username": name, "password": "wrong-x-1"})
    failed = _entries(sessions, action="login_failed")
    assert [f.entity_id for f in failed] == [str(uid), None]
    assert "my-password-typed-as-name" not in str([(e.before, e.after) for e in _entries(sessions)])
    counted = _entries(sessions, entity="users", action="update")[-1]
    assert counted.after == {"failed_logins": 1}


def test_tampering_with_a_stored_row_is_caught_and_named(client, sessions, db, settings):
    load_catalogue(sessions)
    total = len(_entries(sessions))
    assert total > 10
    with db.connect() as conn:
        verdict = verify(conn)
    assert verdict.ok
    assert verdict.checked == total
    victim = _entries(sessions, entity="sites")[1].id
    with db.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET actor = 'user:mallory' WHERE id = :id"), {"id": victim}
        )
    with db.connect() as conn:
        verdict = verify(conn)
    assert not verdict.ok
    assert verdict.broken_id == victim
    assert verdict.checked == victim - 1
    assert "altered" in verdict.reason
    result = CliRunner().invoke(
        cli,
        ["audit", "verify", "--data-dir", str(settings.data_dir)],
        env={"FOREWARN_DATABASE_URL": settings.effective_database_url},
    )
    assert result.exit_code == 1
    assert f"audit entry {victim}" in result.output


def test_removing_a_row_is_caught(sessions, db):
    load_catalogue(sessions)
    with db.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 3"))
    with db.connect() as conn:
        verdict = verify(conn)
    assert verdict.broken_id == 4
    assert "jump" in verdict.reason


def test_rehashing_a_forged_row_still_breaks_the_next_link(sessions, db):
    load_catalogue(sessions)
    from forewarn.audit.chain import entry_hash

    with db.begin() as conn:
        row = dict(
            conn.execute(select(AuditEntry.__table__).where(AuditEntry.id == 2)).mappings().one()
        )
        row["actor"] = "user:mallory"
        forged = entry_hash(row)
        conn.execute(
            text("UPDATE audit_log SET actor = 'user:mallory', hash = :h WHERE id = 2"),
            {"h": forged},
        )
    with db.connect() as conn:
        verdict = verify(conn)
    assert verdict.broken_id == 3
    assert "prev_hash" in verdict.reason


def test_concurrent_appends_never_fork_the_chain(sessions, db):
    errors: list[Exception] = []

    def writer(n: int) -> None:
        for i in range(10):
            try:
                with session_scope(sessions) as s:
                    s.info["actor"] = f"worker:{n}"
                    record(s, action="test", entity="things", entity_id=f"{n}-{i}")
            except Exception as exc:  # a refused concurrent write is fine, a fork is not
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sessions() as s:
        count = s.scalar(select(func.count()).select_from(AuditEntry))
    assert count == 40 - len(errors)
    assert count >= 20, errors[:3]
    with db.connect() as conn:
        verdict = verify(conn)
    assert verdict.ok, verdict
    assert verdict.checked == count


def test_a_csv_ingest_is_one_entry_per_chunk_naming_the_file(sessions, settings, tmp_path):
    load_catalogue(sessions)
    path = tmp_path / "mine.csv"
    rows = [f"mine-honggu-1,ch4,2026-05-01T00:{m:02d}:00Z,0.3" for m in range(20)]
    path.write_text("site,indicator,time,value\n" + "\n".join(rows) + "\nx,y,z,w\n", "utf-8")
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}
    args = ["ingest", "csv", str(path), "--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 3, result.output  # one rejected row
    batch = _entries(sessions, action="ingest")
    assert len(batch) == 1
    assert batch[0].actor.startswith("cli:")
    assert batch[0].after["source"] == "mine.csv"
    assert (batch[0].after["accepted"], batch[0].after["rejected"]) == (20, 1)


def test_rolled_back_changes_leave_no_entry_and_savepoints_are_respected(sessions):
    load_catalogue(sessions)
    before = len(_entries(sessions))
    with sessions() as s:
        service.create_user(s, username="gone", password="password-1", roles=["viewer"],
                            department="lz-em", now=datetime.now(UTC))  # fmt: skip
        s.flush()
        s.rollback()
    assert len(_entries(sessions)) == before
    with session_scope(sessions) as s:
        kept = service.create_user(
            s, username="kept", password="password-1", roles=["viewer"], department="lz-em",
            now=datetime.now(UTC),
        )  # fmt: skip
        kept.display_name = "Kept"
        nested = s.begin_nested()
        service.create_user(s, username="undone", password="password-1", roles=["viewer"],
                            department="lz-em", now=datetime.now(UTC))  # fmt: skip
        nested.rollback()
    names = [e.after.get("username") for e in _entries(sessions, entity="users")]
    assert "kept" in names
    assert "undone" not in names
    assert "gone" not in names

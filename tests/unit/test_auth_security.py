"""Passwords, signed tokens, device keys and CSRF tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forewarn.auth import security
from forewarn.config import Settings

KEY = b"k" * 32
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_password_hash_is_argon2id_salted_and_verifies():
    first = security.hash_password("correct horse battery staple")
    second = security.hash_password("correct horse battery staple")
    assert first.startswith("$argon2id$")
    assert first != second, "salted"
    assert "correct horse" not in first
    assert security.verify_password(first, "correct horse battery staple")


@pytest.mark.parametrize(
    ("stored", "password", "ok"),
    [
        ("good", "correct horse battery staple", True),
        ("good", "correct horse battery stapl", False),
        ("good", "", False),
        ("good", "x" * 2000, False),
        ("garbage", "correct horse battery staple", False),
        (None, "correct horse battery staple", False),
    ],
)
def test_verify_password(stored, password, ok):
    hashes = {"good": security.hash_password("correct horse battery staple"), "garbage": "$x$"}
    assert security.verify_password(hashes.get(stored) if stored else None, password) is ok


def _token(**kw):
    args = {"user_id": 7, "version": 2, "now": NOW, "ttl_s": 3600, "audience": "api"} | kw
    return security.issue_token(KEY, **args)


def test_token_round_trip_carries_claims_and_expiry():
    issued = _token()
    claims = security.read_token(KEY, issued.token, now=NOW + timedelta(minutes=59), audience="api")
    assert claims is not None
    assert (claims.user_id, claims.version, claims.audience) == (7, 2, "api")
    assert claims.session_id == issued.session_id
    assert issued.expires_at == NOW + timedelta(hours=1)
    assert issued.token.startswith("fwt1.")


def _flip(token: str, part: int) -> str:
    parts = token.split(".")
    piece = parts[part]
    parts[part] = piece[:-2] + ("A" if piece[-2] != "A" else "B") + piece[-1]
    return ".".join(parts)


@pytest.mark.parametrize(
    ("case", "make", "at", "audience", "key"),
    [
        ("expired", lambda t: t, NOW + timedelta(hours=1), "api", KEY),
        ("wrong audience", lambda t: t, NOW, "web", KEY),
        ("other key", lambda t: t, NOW, "api", b"o" * 32),
        ("payload altered", lambda t: _flip(t, 1), NOW, "api", KEY),
        ("signature altered", lambda t: _flip(t, 2), NOW, "api", KEY),
        ("no signature", lambda t: t.rsplit(".", 1)[0], NOW, "api", KEY),
        ("other prefix", lambda t: "fwt2" + t[4:], NOW, "api", KEY),
        ("empty", lambda t: "", NOW, "api", KEY),
        ("junk", lambda t: "a.b.c", NOW, "api", KEY),
        ("huge", lambda t: t + "A" * 3000, NOW, "api", KEY),
    ],
)
def test_bad_tokens_are_refused(case, make, at, audience, key):
    token = make(_token().token)
    assert security.read_token(key, token, now=at, audience=audience) is None, case


def test_device_keys_are_random_and_only_their_hash_is_kept():
    key, prefix, digest = security.new_device_key()
    other, _, _ = security.new_device_key()
    assert key != other
    assert key.startswith(f"fwk_{prefix}_")
    assert security.device_key_prefix(key) == prefix
    assert digest == security.device_key_hash(key)
    assert key not in digest
    assert len(digest) == 64


@pytest.mark.parametrize("text", ["", "fwk_", "fwk_abc", "fwt1.x.y", "fwk__x", "x" * 300])
def test_malformed_device_keys_have_no_prefix(text):
    assert security.device_key_prefix(text) is None


def test_csrf_token_is_bound_to_the_session():
    token = security.csrf_token(KEY, "s1")
    assert security.csrf_valid(KEY, "s1", token)
    assert not security.csrf_valid(KEY, "s2", token)
    assert not security.csrf_valid(KEY, "s1", None)
    assert not security.csrf_valid(KEY, "s1", token[:-1])


def test_secret_key_is_created_once_private_and_reused(tmp_path):
    settings = Settings(data_dir=tmp_path / "d")
    first = security.secret_key(settings)
    path = tmp_path / "d" / "secret.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert security.secret_key(settings) == first
    assert len(first) >= 32


def test_secret_key_from_settings_wins_and_must_be_long(tmp_path):
    given = Settings(data_dir=tmp_path, secret_key="s" * 40)
    assert security.secret_key(given) == b"s" * 40
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(ValueError, match="at least"):
        security.secret_key(Settings(data_dir=tmp_path, secret_key="short"))

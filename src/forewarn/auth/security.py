"""Secrets: Argon2 password hashes, the signing key, signed bearer tokens, device keys, CSRF.

Token format: ``fwt1.<payload>.<signature>``, both parts base64url without padding; the payload
is JSON ``{"sub": user id, "ver": token version, "aud": "api"|"web", "sid": random id,
"iat": issued (epoch s), "exp": expiry (epoch s)}`` and the signature is HMAC-SHA256 of
``fwt1.<payload>`` with the secret key. Device keys are ``fwk_<prefix>_<secret>``; only the
SHA-256 of the whole key is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from forewarn.config import Settings

TOKEN_PREFIX = "fwt1"
DEVICE_PREFIX = "fwk_"
MIN_KEY_BYTES = 16
MAX_PASSWORD_CHARS = 1024

# argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4).
hasher = PasswordHasher()
# A hash of a random password, verified when the username is unknown so that timing does not
# tell which usernames exist.
_DUMMY_HASH: str | None = None


def hash_password(password: str) -> str:
    """The Argon2id hash of `password` (salted; parameters are kept in the hash string)."""
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches `stored_hash`; a missing hash still costs one verification."""
    global _DUMMY_HASH
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    if stored_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
        stored_hash = _DUMMY_HASH
        password = password + "\x00"  # never matches the dummy
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password of 20 URL-safe characters (about 120 bits)."""
    return secrets.token_urlsafe(15)


def secret_key(settings: Settings) -> bytes:
    """The signing key: `secret_key` from settings, else `data_dir/secret.key` (created once)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"FOREWARN_SECRET_KEY must be at least {MIN_KEY_BYTES} characters")
        return key
    return _key_file(settings.data_dir / "secret.key")


def _key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes().strip()
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"{path} holds a key shorter than {MIN_KEY_BYTES} bytes") from None
        return key
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode("ascii"), hashlib.sha256).digest())


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says: whose, which version, for which audience, until when."""

    user_id: int
    version: int
    audience: str
    session_id: str
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class IssuedToken:
    """A new token, when it expires, and its session id (which binds the CSRF token)."""

    token: str
    expires_at: datetime
    session_id: str


def issue_token(
    key: bytes, *, user_id: int, version: int, now: datetime, ttl_s: int, audience: str = "api"
) -> IssuedToken:
    """A signed token for the user."""
    iat = int(now.timestamp())
    sid = secrets.token_hex(8)
    claims = {
        "sub": user_id,
        "ver": version,
        "aud": audience,
        "sid": sid,
        "iat": iat,
        "exp": iat + ttl_s,
    }
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    head = f"{TOKEN_PREFIX}.{payload}"
    expires = datetime.fromtimestamp(iat + ttl_s, UTC)
    return IssuedToken(f"{head}.{_sign(key, head)}", expires, sid)


def read_token(key: bytes, token: str, *, now: datetime, audience: str) -> TokenClaims | None:
    """The claims of a well-signed, unexpired token for `audience`; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(token) > 2048:
        return None
    head = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(key, head), parts[2]):
        return None
    try:
        data: Any = json.loads(_unb64(parts[1]))
        claims = TokenClaims(
            user_id=int(data["sub"]),
            version=int(data["ver"]),
            audience=str(data["aud"]),
            session_id=str(data["sid"]),
            issued_at=int(data["iat"]),
            expires_at=int(data["exp"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if claims.audience != audience or claims.expires_at <= int(now.timestamp()):
        return None
    return claims


def new_device_key() -> tuple[str, str, str]:
    """(full key shown once, public prefix, SHA-256 hex to store)."""
    prefix = secrets.token_hex(4)
    key = f"{DEVICE_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, device_key_hash(key)


def device_key_hash(key: str) -> str:
    """SHA-256 hex of a device key (keys are random, so a fast hash is enough)."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def device_key_prefix(key: str) -> str | None:
    """The public prefix of a device key, or None when `key` is not shaped like one."""
    if not key.startswith(DEVICE_PREFIX) or len(key) > 200:
        return None
    prefix, sep, _rest = key[len(DEVICE_PREFIX) :].partition("_")
    return prefix if sep and prefix else None


def csrf_token(key: bytes, session_id: str) -> str:
    """The synchronizer CSRF token bound to one web session."""
    return _sign(key, f"csrf:{session_id}")


def csrf_valid(key: bytes, session_id: str, submitted: str | None) -> bool:
    """Whether `submitted` is the CSRF token of the session."""
    if not submitted:
        return False
    return hmac.compare_digest(csrf_token(key, session_id), submitted)

"""Settings: one class, read from ``FOREWARN_*`` environment variables, built by a factory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The user's data folder for forewarn (e.g. ``~/.local/share/forewarn`` on Linux)."""
    return Path(platformdirs.user_data_dir("forewarn", appauthor=False))


class Settings(BaseSettings):
    """Every setting of a forewarn process; each is read from ``FOREWARN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FOREWARN_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder holding the SQLite store and other state; `--data-dir` on the CLI.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store, e.g. postgresql+psycopg://u:p@host/db. "
        "Unset: a SQLite file `forewarn.db` inside `data_dir`.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="IANA time zone used to display times, and of the policy's time intervals "
        "that name none; everything stored is UTC.",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port of the HTTP server.")
    trusted_proxies: str | None = Field(
        default=None,
        description="Comma-separated addresses of the reverse proxies whose `X-Forwarded-For` "
        "and `X-Forwarded-Proto` headers are believed (`*`: any). Unset: none, so a client "
        "cannot choose the address that rate limits and the audit log see.",
    )
    max_batch_readings: int = Field(
        default=10_000, ge=1, description="Most readings accepted in one ingest request."
    )
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Largest request body accepted, in bytes."
    )
    ingest_max_ahead_s: float = Field(
        default=600.0,
        ge=0,
        description="How far ahead of the server's clock a reading's time may be, in seconds "
        "(clock skew of the sender); a reading dated later is rejected, as it would make live "
        "detection of its series drop every real reading as late.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs session cookies and tokens. Unset: a random key is created "
        "once and kept in `data_dir/secret.key`.",
    )
    token_ttl_s: int = Field(
        default=8 * 3600, ge=60, description="Lifetime of bearer tokens and sessions, in seconds."
    )
    admin_password: SecretStr | None = Field(
        default=None,
        description="Password of the first administrator created by `forewarn demo` "
        "(a generated one is printed once when unset).",
    )
    demo_password: SecretStr = Field(
        default=SecretStr("forewarn-demo"),
        description="Password shared by the demo's department users.",
    )
    log_level: str = Field(default="INFO", description="Logging level of the process.")
    login_attempts_per_min: float = Field(
        default=10.0, gt=0, description="Login attempts allowed per client address per minute."
    )
    ingest_requests_per_s: float = Field(
        default=20.0,
        gt=0,
        description="Ingest requests allowed per device key or user per second (bursts of "
        "three seconds' worth); per process.",
    )
    rules_file: Path | None = Field(
        default=None,
        description="Rules YAML the detection engine runs (reloaded when it changes). Unset: "
        "`data_dir/rules.yaml` when it exists, else no detection.",
    )
    policy_file: Path | None = Field(
        default=None,
        description="Notification policy YAML (routes, receivers, time intervals, inhibition, "
        "escalation, lifecycle, heartbeats; reloaded when it changes, a file with errors is "
        "refused and the last good policy kept). Unset: `data_dir/policy.yaml` when it exists "
        "at start, else the built-in policy.",
    )
    # Notification delivery (forewarn.notify; see docs/notifications.md).
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Default HMAC-SHA256 key signing webhook bodies (`X-Forewarn-Signature`); "
        "unset: webhooks without their own secret are sent unsigned.",
    )
    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Signing key per webhook URL, as a JSON object {url: secret}; "
        "overrides `webhook_secret` for those URLs.",
    )
    dingtalk_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="DingTalk robot signing secrets (SEC...) per robot URL, as a JSON object.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail notifications; unset: no e-mail channel."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port.")
    smtp_from: str = Field(
        default="forewarn@localhost", description="Sender address of notification e-mail."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login (unset: none).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=False, description="Upgrade SMTP with STARTTLS.")
    smtp_ssl: bool = Field(default=False, description="Connect to SMTP over TLS (port 465).")
    notify_timeout_s: float = Field(
        default=10.0, gt=0, description="Timeout of one webhook, robot or SMTP exchange, seconds."
    )
    delivery_max_attempts: int = Field(
        default=10, ge=1, description="Attempts per notification before it is given up."
    )
    delivery_base_delay_s: float = Field(
        default=30.0, gt=0, description="Wait after the first failed attempt; doubles each time."
    )
    delivery_max_delay_s: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts, seconds."
    )
    delivery_max_age_s: float = Field(
        default=86_400.0,
        gt=0,
        description="Age after which an undelivered notification is given up.",
    )
    delivery_lease_s: float = Field(
        default=600.0,
        gt=0,
        description="How long a worker's claim on a notification lasts; an unfinished claim "
        "(a crashed worker) becomes due again after it. Keep above batch x timeout.",
    )
    delivery_batch: int = Field(
        default=50, ge=1, description="Most notifications one delivery run claims."
    )
    # Public warnings (forewarn.publish; see docs/cap.md).
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of this server: makes the warning links in notifications "
        "absolute, and gives the Atom feed its addresses and CAP messages their public URL "
        "(`<base>/feeds/cap/<identifier>.xml`).",
    )
    cap_sender: str = Field(
        default="forewarn@localhost",
        description="CAP `sender`: globally unique id of the issuer (no spaces, commas, < or &).",
    )
    cap_sender_name: str = Field(
        default="forewarn",
        description="CAP `senderName` when the issuing department has no name to show.",
    )
    cap_identifier_prefix: str = Field(
        default="forewarn",
        description="Prefix of CAP identifiers `<prefix>.<warning id>.<n>` (no spaces or commas).",
    )
    cap_max_polygon_vertices: int = Field(
        default=100, ge=4, description="Most vertices of one CAP polygon (boundaries simplified)."
    )
    cap_expires_s: float | None = Field(
        default=None,
        gt=0,
        description="If set, CAP `expires` = sent + this many seconds; unset: no `expires`.",
    )
    cap_cancel_retention_s: float = Field(
        default=86_400.0,
        ge=0,
        description="How long a Cancel stays in the Atom feed after a warning is lifted, seconds.",
    )

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    def config_file(self, name: str) -> Path | None:
        """`rules_file` / `policy_file`, else the file of that name in `data_dir` if present."""
        given: Path | None = getattr(self, f"{name}_file")
        if given is not None:
            return given.expanduser()
        default = self.data_dir / f"{name}.yaml"
        return default if default.exists() else None

    @property
    def effective_database_url(self) -> str:
        """The store URL: `database_url` or the SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'forewarn.db'}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` that follow the settings (forwarded headers)."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}

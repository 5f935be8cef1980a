"""Settings: one class, read from ``FOREWARN_*`` environment variables, built by a factory."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
        description="IANA time zone used to display times; everything stored is UTC.",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port of the HTTP server.")
    max_batch_readings: int = Field(
        default=10_000, ge=1, description="Most readings accepted in one ingest request."
    )
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="Largest request body accepted, in bytes."
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

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

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

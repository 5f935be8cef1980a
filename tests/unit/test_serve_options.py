"""How ``forewarn serve`` and ``forewarn demo`` start uvicorn: forwarded headers only from the
proxies the settings name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from forewarn.cli import serve as serve_module
from forewarn.cli.main import app


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"proxy_headers": False}),
        (
            {"FOREWARN_TRUSTED_PROXIES": "10.0.0.5,10.0.0.6"},
            {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.0.0.6"},
        ),
    ],
)
def test_serve_believes_forwarded_headers_only_from_trusted_proxies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: dict[str, Any]
) -> None:
    # uvicorn's own default believes X-Forwarded-For from 127.0.0.1: any local process could
    # then pick the address that login rate limits and the audit log see
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module.uvicorn, "run", lambda _app, **kw: calls.append(kw))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [options] = calls
    assert {k: options[k] for k in options if k in {"proxy_headers", "forwarded_allow_ips"}} == (
        expected
    )

"""``forewarn warnings list|show|ack`` and ``forewarn check`` on a policy file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from forewarn.cli.main import app
from forewarn.common import Level
from forewarn.db import session_scope
from forewarn.detect.signals import Signal, SignalState
from forewarn.warnings.apply import apply_signals
from forewarn.warnings.desk import Desk
from forewarn.warnings.models import Warning, WarningEvent
from tests.factories import load_catalogue

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)


@pytest.fixture
def cli(settings, sessions):
    load_catalogue(sessions)
    signal = Signal(
        rule="ch4_high", fingerprint="ch4:mine-honggu-1",
        labels={"site": "mine-honggu-1", "region": "620111", "field": "production_safety"},
        state=SignalState.FIRING, level=Level.ORANGE, at=T0, started_at=T0, value=1.2,
        message="CH4 1.2%",
    )  # fmt: skip
    with session_scope(sessions) as s:
        apply_signals(s, [signal], now=T0, desk=Desk())
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url, "COLUMNS": "200"}

    def run(*args: str):
        return CliRunner().invoke(app, [*args, "--data-dir", str(settings.data_dir)], env=env)

    return run


def test_list_show_and_ack(cli, sessions):
    listed = cli("warnings", "list", "--min-level", "yellow")
    assert listed.exit_code == 0, listed.output
    assert "1 warnings" in listed.output
    assert "II 橙色 orange" in listed.output
    shown = cli("warnings", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "lz-em: no department for production_safety in 620111" in shown.output
    assert "activated" in shown.output
    acked = cli("warnings", "ack", "1", "--comment", "checked by phone")
    assert acked.exit_code == 0, acked.output
    with sessions() as s:
        assert s.scalar(select(Warning.status)) == "acknowledged"
        event = s.scalars(select(WarningEvent).order_by(WarningEvent.id.desc())).first()
        assert (event.kind, event.actor.startswith("cli:"), event.data) == (
            "acknowledged",
            True,
            {"comment": "checked by phone"},
        )
    again = cli("warnings", "ack", "1")
    assert again.exit_code == 1
    assert "cannot ack a warning that is acknowledged" in again.output
    missing = cli("warnings", "show", "42")
    assert missing.exit_code == 2
    assert "warning 42 not found" in missing.output
    assert cli("warnings", "list", "--level", "purple").exit_code == 1


def test_check_validates_a_policy_file_with_locations(tmp_path):
    good = tmp_path / "policy.yaml"
    good.write_text(
        "routes:\n  receiver: responsible\nreceivers:\n  - {name: duty, targets: "
        "[{channel: email, target: duty@gs.cn}]}\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes:\n  receiver: nobody\n  group_wait: soon\n", encoding="utf-8")
    ok = CliRunner().invoke(app, ["check", str(good)], env={"COLUMNS": "200"})
    assert ok.exit_code == 0, ok.output
    assert "policy: 1 routes, 4 receivers" in ok.output
    failed = CliRunner().invoke(app, ["check", str(bad)], env={"COLUMNS": "200"})
    assert failed.exit_code == 1
    assert f"{bad}:3: routes.group_wait" in failed.output


def test_titles_and_messages_are_printed_as_written_not_as_markup(cli, sessions):
    with session_scope(sessions) as s:
        warning = s.scalars(select(Warning)).one()
        warning.title, warning.message = "[b]CH4[/b]", "CH4 [/b] 1.2%"
    listed = cli("warnings", "list")
    assert listed.exit_code == 0, listed.output
    assert "[b]CH4[/b]" in listed.output
    shown = cli("warnings", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "#1 [b]CH4[/b]" in shown.output
    assert "message: CH4 [/b] 1.2%" in shown.output

"""``forewarn catalogue load`` and ``forewarn check`` on catalogue files, from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from forewarn.cli.main import app as cli


def _run(settings, *args):
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url, "COLUMNS": "200"}
    return CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)], env=env)


def test_errors_are_printed_as_written_not_as_rich_markup(settings, tmp_path):
    bad = tmp_path / "markup.yaml"
    bad.write_text(
        "sites:\n"
        '  - {code: s-y, name: Y, region: "620100", field: f, location: [500, 36]}\n'
        '  - {code: s-z, name: Z, region: "[/b]620100", field: "[red]f"}\n',
        "utf-8",
    )
    result = _run(settings, "catalogue", "load", str(bad))
    assert result.exit_code == 1, result.output
    assert "location must be [longitude, latitude] in degrees" in result.output
    bad.write_text('sites:\n  - {code: s-z, name: Z, region: "[/b]620100", field: "[red]f"}\n')
    result = _run(settings, "catalogue", "load", str(bad))
    assert result.exit_code == 1, result.output
    assert "unknown region '[/b]620100'" in result.output
    assert "unknown field '[red]f'" in result.output

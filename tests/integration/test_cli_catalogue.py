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


def test_check_sees_the_store_when_asked_and_agrees_with_load(settings, tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(
        'regions:\n  - {code: "620000", name: 甘肃省, level: province}\n'
        '  - {code: "620100", name: 兰州市, level: city, parent: "620000"}\n'
        '  - {code: "620200", name: 嘉峪关市, level: city, parent: "620000"}\n'
        '  - {code: "620102", name: 城关区, level: county, parent: "620100"}\n',
        "utf-8",
    )
    assert _run(settings, "catalogue", "load", str(base)).exit_code == 0
    move = tmp_path / "move.yaml"
    move.write_text(
        'regions:\n  - {code: "620102", name: 城关区, level: county, parent: "620200"}\n'
    )
    alone = CliRunner().invoke(cli, ["check", str(move)])
    assert alone.exit_code == 1
    assert "unknown region '620200'" in alone.output
    with_store = _run(settings, "check", str(move))
    assert with_store.exit_code == 0, with_store.output
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}
    assert CliRunner().invoke(cli, ["check", "--store", str(move)], env=env).exit_code == 0
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(
        'regions:\n  - {code: "620000", name: 甘肃省, level: township, parent: "620102"}\n'
    )
    refused = _run(settings, "check", str(cycle))
    assert refused.exit_code == 1
    assert "regions form a cycle: 620000 -> 620102 -> 620100 -> 620000" in refused.output
    assert _run(settings, "catalogue", "load", str(move)).exit_code == 0


def test_check_against_a_missing_store_is_an_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "none"
    cat = tmp_path / "cat.yaml"
    cat.write_text('regions:\n  - {code: "620000", name: 甘肃省, level: province}\n')
    env = {"FOREWARN_DATABASE_URL": ""}
    result = CliRunner().invoke(cli, ["check", str(cat), "--data-dir", str(missing)], env=env)
    assert result.exit_code == 1
    assert "error no store at sqlite:///" in result.output
    assert not missing.exists()

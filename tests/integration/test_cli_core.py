"""The core commands: check, catalogue load and ingest csv, on the test store."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from forewarn.catalogue.models import Site
from forewarn.cli.main import app as cli
from forewarn.readings.models import Reading
from tests.factories import DATA, load_catalogue


def _run(settings, *args):
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}
    return CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)], env=env)


def _check(*files):
    return CliRunner().invoke(cli, ["check", *map(str, files)])


def test_check_passes_a_good_file_and_lists_every_error_of_a_bad_one(tmp_path):
    good = _check(DATA / "catalogue.yaml")
    assert good.exit_code == 0, good.output
    assert "3 sites" in good.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (DATA / "catalogue.yaml")
        .read_text("utf-8")
        .replace('region: "620402"', 'region: "629999"')
        .replace("field: public_health\n    department", "field: nope\n    department"),
        "utf-8",
    )
    result = _check(bad)
    assert result.exit_code == 1
    assert "unknown region '629999'" in result.output
    assert "unknown field 'nope'" in result.output
    assert "2 error(s); nothing was changed." in result.output


def test_catalogue_load_then_csv_ingest_by_codes_and_ids(settings, sessions, tmp_path):
    loaded = _run(settings, "catalogue", "load", str(DATA / "catalogue.yaml"))
    assert loaded.exit_code == 0, loaded.output
    with sessions() as s:
        assert s.scalar(select(Site.name).where(Site.code == "gauge-lanzhou")) == "兰州水文站"
    by_codes = tmp_path / "codes.csv"
    by_codes.write_text(
        "site,indicator,time,value\n"
        "gauge-lanzhou,water_level,2026-05-01T00:00:00Z,1512.1\n"
        "gauge-lanzhou,water_level,2026-05-01T00:05:00Z,1512.2\n"
        "gauge-lanzhou,water_level,2026-05-01T00:10:00,1512.3\n"  # line 4: no offset
        "gauge-lanzhou,rainfall,2026-05-01T00:10:00Z,3\n",  # line 5: no such series
        "utf-8",
    )
    first = _run(settings, "ingest", "csv", str(by_codes))
    assert first.exit_code == 3, first.output
    assert "2 stored, 0 already stored, 2 rejected" in first.output
    assert "codes.csv:4: time:" in first.output
    assert "codes.csv:5: series:" in first.output
    again = _run(settings, "ingest", "csv", str(by_codes))
    assert "0 stored, 2 already stored, 2 rejected" in again.output
    with sessions() as s:
        values = sorted(s.scalars(select(Reading.value)))
    assert values == [1512.1, 1512.2]


def test_csv_with_a_wrong_header_is_refused(settings, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("when,what\n1,2\n", "utf-8")
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 1
    assert "header must hold" in result.output


def test_csv_rows_ahead_of_the_clock_are_rejected_with_their_line(settings, sessions, tmp_path):
    load_catalogue(sessions)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    path = tmp_path / "ahead.csv"
    path.write_text(
        "site,indicator,time,value\n"
        f"gauge-lanzhou,water_level,{soon.isoformat()},1512.1\n"
        "gauge-lanzhou,water_level,2999-01-01T00:00:00Z,1512.2\n",
        "utf-8",
    )
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 3, result.output
    assert "1 stored, 0 already stored, 1 rejected" in result.output
    assert re.search(
        r"ahead\.csv:3: time: 2999-01-01T00:00:00Z is 97\d years \d+ days ahead of the server "
        r"clock",
        result.output,
    ), result.output

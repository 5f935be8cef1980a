"""`forewarn ingest csv` on awkward files: line numbers, headers, encodings, markup-like text."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from forewarn.cli import ingest as ingest_cli
from forewarn.cli.main import app as cli
from forewarn.readings.models import Reading
from tests.factories import load_catalogue

HEADER = "site,indicator,time,value\n"
ROW = "gauge-lanzhou,water_level,2026-05-01T{:02d}:{:02d}:00Z,{}\n"


def _run(settings, *args):
    env = {"FOREWARN_DATABASE_URL": settings.effective_database_url}
    return CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)], env=env)


def _stored(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Reading)) or 0


def _row(minute: int, value: object) -> str:
    return ROW.format(minute // 60, minute % 60, value)


@pytest.fixture
def catalogue(sessions):
    load_catalogue(sessions)


def test_rejected_rows_are_reported_on_the_line_where_they_start(
    catalogue, settings, sessions, tmp_path
):
    path = tmp_path / "lines.csv"
    path.write_bytes(
        (
            HEADER  # 1
            + _row(0, 1512.0)  # 2
            + "\n"  # 3 blank
            + _row(1, "abc")  # 4
            + _row(2, '"1\n2"')  # 5-6, a quoted field over two lines
            + _row(3, "xyz")  # 7
            + _row(4, 1512.4).replace("\n", "\r\n")  # 8
            + _row(5, "bad")  # 9
        ).encode()
    )
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 3, result.output
    for line in (4, 5, 7, 9):
        assert f"lines.csv:{line}: value: not a number" in result.output, result.output
    assert "6 rows, 2 stored, 0 already stored, 4 rejected" in result.output


def test_a_header_with_spaces_after_the_commas_is_read(catalogue, settings, sessions, tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text("site, indicator, time, value\n" + _row(0, 1512.0), "utf-8")
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 0, result.output
    assert "1 stored" in result.output
    assert _stored(sessions) == 1


def test_a_row_with_more_cells_than_the_header_is_rejected(catalogue, settings, sessions, tmp_path):
    # a decimal comma left unquoted: "1512,5" would have stored 1512
    path = tmp_path / "comma.csv"
    path.write_text(HEADER + _row(0, "1512,5") + _row(1, 1512.5), "utf-8")
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 3, result.output
    assert "comma.csv:2: row: 5 cells, the header names 4" in result.output
    assert "2 rows, 1 stored, 0 already stored, 1 rejected" in result.output
    with sessions() as s:
        assert s.scalars(select(Reading.value)).all() == [1512.5]


def _gbk_file(tmp_path, rows: int, bad_row: int):
    path = tmp_path / "gbk.csv"
    with path.open("wb") as out:
        out.write(b"site,indicator,time,value,note\n")
        for i in range(rows):
            note = "正常".encode("gbk") if i == bad_row else b"ok"
            out.write(_row(i, i % 100).rstrip("\n").encode() + b"," + note + b"\n")
    return path


def test_a_file_in_another_encoding_is_refused_whole_then_read_with_encoding(
    catalogue, settings, sessions, tmp_path, monkeypatch
):
    monkeypatch.setattr(ingest_cli, "CHUNK", 3)  # the bad row is in the fourth chunk
    path = _gbk_file(tmp_path, rows=12, bad_row=10)
    refused = _run(settings, "ingest", "csv", str(path))
    assert refused.exit_code == 1, refused.output
    assert "gbk.csv:12: byte 0xd5 is not utf-8-sig text" in refused.output
    assert "--encoding" in refused.output
    assert "nothing was stored" in refused.output
    assert _stored(sessions) == 0, "nothing is stored from a file that cannot be read"
    read = _run(settings, "ingest", "csv", str(path), "--encoding", "gbk")
    assert read.exit_code == 0, read.output
    assert "12 rows, 12 stored" in read.output
    unknown = _run(settings, "ingest", "csv", str(path), "--encoding", "klingon")
    assert unknown.exit_code == 1
    assert "unknown text encoding 'klingon'" in unknown.output


def test_a_field_over_the_csv_limit_is_reported_with_its_line(
    catalogue, settings, sessions, tmp_path
):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + _row(0, 1512.0) + _row(1, '"' + "9" * 200_000 + '"'), "utf-8")
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 1, result.output[:500]
    assert "big.csv:3: not readable as CSV: field larger than field limit" in result.output
    assert _stored(sessions) == 0


def test_a_file_that_changes_while_it_is_read_says_what_was_stored(
    catalogue, settings, sessions, tmp_path, monkeypatch
):
    monkeypatch.setattr(ingest_cli, "CHUNK", 2)
    path = _gbk_file(tmp_path, rows=5, bad_row=3)  # line 5, the second row of chunk 2
    monkeypatch.setattr(ingest_cli, "_check", lambda *args: None)  # as if it changed after
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 1, result.output
    assert "gbk.csv:5: byte 0xd5" in result.output
    assert "stopped there: the rows before line 5 were ingested as counted below" in result.output
    assert "3 rows, 3 stored, 0 already stored, 0 rejected" in result.output
    assert _stored(sessions) == 3


def test_text_from_the_file_is_printed_as_it_is(catalogue, settings, sessions, tmp_path):
    path = tmp_path / "[b]markup.csv"
    path.write_text(
        HEADER + _row(0, "[/b]") + "[red]gauge-lanzhou,water_level,2026-05-01T00:01:00Z,1\n",
        "utf-8",
    )
    result = _run(settings, "ingest", "csv", str(path))
    assert result.exit_code == 3, result.output
    assert "[b]markup.csv:2: value: not a number: '[/b]'" in result.output
    assert "[b]markup.csv:3: series: no series for site '[red]gauge-lanzhou'" in result.output
    assert "[b]markup.csv: 2 rows, 0 stored" in result.output
    header = tmp_path / "header.csv"
    header.write_text("[bold]when,what\n", "utf-8")
    refused = _run(settings, "ingest", "csv", str(header))
    assert "(found [bold]when,what)" in refused.output

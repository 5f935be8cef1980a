"""``forewarn db upgrade``: names the revision the store is at; bad revisions are errors."""

from __future__ import annotations

from typer.testing import CliRunner

from forewarn.cli.main import app as cli
from forewarn.migrate import revision_ids

HEAD = max(revision_ids())


def _upgrade(data_dir, *args, url=""):
    env = {"FOREWARN_DATABASE_URL": url, "COLUMNS": "200"}
    return CliRunner().invoke(cli, ["db", "upgrade", "--data-dir", str(data_dir), *args], env=env)


def test_an_older_revision_leaves_the_store_where_it_is_and_says_so(tmp_path):
    assert _upgrade(tmp_path, "--revision", "0002").output.strip().endswith("is at 0002")
    assert _upgrade(tmp_path).output.strip().endswith(f"is at {HEAD}")
    older = _upgrade(tmp_path, "--revision", "0001")
    assert older.exit_code == 0, older.output
    assert f"forewarn.db is at {HEAD}\n" in older.output
    assert "already past 0001; upgrade never goes back" in older.output


def test_an_unknown_revision_or_a_broken_store_is_an_error_not_a_traceback(tmp_path, settings):
    unknown = _upgrade(tmp_path, "--revision", "nosuch", url=settings.effective_database_url)
    assert unknown.exit_code == 1
    assert "error" in unknown.output
    assert "Can't locate revision identified by 'nosuch'" in unknown.output
    (tmp_path / "forewarn.db").write_text("not a database", "utf-8")
    broken = _upgrade(tmp_path)
    assert broken.exit_code == 1
    assert "cannot migrate the store: file is not a database" in broken.output

"""The warnings benchmark's repeat harness: fresh stores and the median (no timing here)."""

from __future__ import annotations

from benchmarks.warnings import _fresh_store, _median


def test_the_first_run_uses_the_given_store_and_later_runs_fresh_ones(tmp_path):
    given = f"sqlite:///{tmp_path / 'given.db'}"
    with _fresh_store(given, 0) as first:
        assert first == given
    seen = []
    for run in (1, 2):
        with _fresh_store(given, run) as fresh:
            assert fresh.startswith("sqlite:///")
            assert fresh != given
            seen.append(fresh)
    assert seen[0] != seen[1]


def test_median_of_the_runs():
    assert _median([3.0, 1.0, 2.0]) == 2.0
    assert _median([4.0, 1.0]) == 2.5

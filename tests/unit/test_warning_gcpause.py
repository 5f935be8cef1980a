"""The collector is paused for a batch and restored after it, nested or not."""

from __future__ import annotations

import gc

import pytest

from forewarn.warnings.gcpause import paused


@pytest.fixture
def collector():
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


@pytest.mark.parametrize("enabled_before", [True, False])
def test_paused_restores_the_collector_as_it_was(collector, enabled_before):
    gc.enable() if enabled_before else gc.disable()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "still inside the outer batch"
    assert gc.isenabled() is enabled_before


def test_paused_restores_after_an_error(collector):
    gc.enable()
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("batch failed")
    assert gc.isenabled()

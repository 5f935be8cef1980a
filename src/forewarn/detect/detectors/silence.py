"""Silence: a series that stops reporting. Driven by the clock, not by readings.

The measure is the time since the series' last reading in units of its expected reporting
interval (from the catalogue; ``interval`` overrides it). Every reading sets it back to 0; as
time passes with no reading the level machine raises the level at the exact instants the gap
crosses each level's ``enter`` threshold (e.g. ``">= 3"``: three intervals without data). A series
that never reported counts from the engine's start. Score: ``1 - 1 / max(1, measure)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import field_validator

from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register, zeros_state
from forewarn.detect.labels import SeriesInfo
from forewarn.timeutil import parse_duration


class Params(DetectorParams):
    """Silence parameters."""

    interval: str | float | None = None

    @field_validator("interval")
    @classmethod
    def _duration(cls, value: str | float | None) -> str | float | None:
        if value is not None and parse_duration(value) <= 0:
            raise ValueError("must be a positive duration")
        return value

    def interval_s(self, info: SeriesInfo) -> float:
        """The expected interval of one series."""
        return parse_duration(self.interval) if self.interval is not None else info.interval_s


def check_series(params: Params, info: SeriesInfo) -> str | None:
    """A series needs an expected interval to be watched for silence."""
    if params.interval_s(info) <= 0:
        return "silence: the series has no expected interval (set detector.interval)"
    return None


@njit(cache=True)
def step(
    state: NDArray[np.float64],
    rows: NDArray[np.int64],
    t_s: NDArray[np.float64],
    x: NDArray[np.float64],
    params: NDArray[np.float64],
    out_measure: NDArray[np.float64],
    out_score: NDArray[np.float64],
    out_base: NDArray[np.float64],
    out_scale: NDArray[np.float64],
) -> None:
    """A reading ends any silence: measure 0."""
    for i in range(rows.size):
        out_measure[i] = 0.0
        out_score[i] = 0.0
        out_base[i] = np.nan
        out_scale[i] = np.nan


SPEC = register(
    DetectorSpec(
        name="silence",
        params=Params,
        init=zeros_state(0),
        step=step,
        summary="a series that stops reporting past its expected interval",
        measure="time since the last reading, in expected intervals",
        mode="silence",
        check_series=check_series,
    )
)

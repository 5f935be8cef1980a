"""Graded thresholds: the measure is the reading itself, or its deviation from a reference.

Parameters: ``deviation_from`` (a number or ``$label`` expression; off by default), ``relative``
(divide the deviation by the reference), ``absolute`` (take its absolute value). The reference
is resolved per series when the rule is bound, so it can come from a site label such as
``$nominal_mpa``. Levels, hysteresis and duration come from the rule's level machine; the score
is the measure's position on the rule's thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import field_validator

from forewarn.detect.conditions import Threshold, Unresolved, parse_threshold
from forewarn.detect.detectors.base import DetectorParams, DetectorSpec, register
from forewarn.detect.labels import SeriesInfo


class Params(DetectorParams):
    """Threshold parameters."""

    deviation_from: float | str | None = None
    relative: bool = False
    absolute: bool = False

    @field_validator("deviation_from")
    @classmethod
    def _expression(cls, value: float | str | None) -> float | str | None:
        if value is not None:
            parse_threshold(value)
        return value

    def reference(self) -> Threshold | None:
        """The parsed reference, if any."""
        return None if self.deviation_from is None else parse_threshold(self.deviation_from)

    def as_array(self) -> NDArray[np.float64]:
        """``[has reference, relative, absolute]``."""
        return np.array(
            [self.deviation_from is not None, self.relative, self.absolute], dtype=np.float64
        )


def init(n: int, params: Params, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
    """One column holding each row's reference (none without ``deviation_from``)."""
    ref = params.reference()
    if ref is None:
        return np.zeros((n, 0), dtype=np.float64)
    return np.array([[ref.resolve(info.site_labels)] for info in infos], dtype=np.float64).reshape(
        n, 1
    )


def check_series(params: Params, info: SeriesInfo) -> str | None:
    """Why the reference cannot be resolved for this series, if it cannot."""
    ref = params.reference()
    try:
        if ref is not None:
            ref.resolve(info.site_labels)
    except Unresolved as exc:
        return f"detector.deviation_from: {exc}"
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
    """Measure = value, or (relative, absolute) deviation from the row's reference."""
    has_ref, relative, absolute = params[0] > 0, params[1] > 0, params[2] > 0
    for i in range(rows.size):
        m = x[i]
        base = np.nan
        if has_ref:
            base = state[rows[i], 0]
            m = m - base
            if relative:
                m = m / abs(base) if base != 0.0 else np.nan
            if absolute:
                m = abs(m)
        out_measure[i] = m
        out_score[i] = np.nan
        out_base[i] = base
        out_scale[i] = np.nan


SPEC = register(
    DetectorSpec(
        name="threshold",
        params=Params,
        init=init,
        step=step,
        summary="graded thresholds on the value or its deviation from a reference",
        measure="the reading (or its deviation from `deviation_from`)",
        check_series=check_series,
    )
)

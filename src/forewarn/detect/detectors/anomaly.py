"""Registers the NAB anomaly detector (``forewarn.detect.anomaly``) as detector ``anomaly``.

Its kernel has the score-only shape ``step(state, rows, t_s, x, params, out_score)`` and plugs
in unchanged: the score in [0, 1] is also the measure the rule's levels compare. Its state is
``STATE_WIDTH`` float64 per (rule, series), which may exceed the 256-byte budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forewarn.detect import anomaly as nab
from forewarn.detect.detectors.base import DetectorSpec, register
from forewarn.detect.labels import SeriesInfo


def _init(n: int, params: Any, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
    return np.asarray(nab.init_state(n), dtype=np.float64).reshape(n, nab.STATE_WIDTH)


SPEC = register(
    DetectorSpec(
        name="anomaly",
        params=nab.Params,
        init=_init,
        step=nab.step,
        summary="streaming anomaly score (the NAB benchmark's detector)",
        measure="the anomaly score in [0, 1]",
        outputs="score",
        bounded=nab.STATE_WIDTH * 8 <= 256,
    )
)

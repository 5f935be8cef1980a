"""Detectors: each registered under a name that rules use in ``detector: {type: NAME}``.

Built-ins register themselves on import, like any other detector would; the NAB anomaly
detector (``forewarn.detect.anomaly``) is registered as ``anomaly`` when it is installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from forewarn.detect.detectors import (  # noqa: F401 - importing registers them
    charts,
    counts,
    rate,
    seasonal,
    silence,
    threshold,
)
from forewarn.detect.detectors.base import DetectorSpec, get, names, register
from forewarn.detect.labels import SeriesInfo

if find_spec("forewarn.detect.anomaly") is not None:  # written separately; plug it in once present
    from forewarn.detect.detectors import anomaly  # noqa: F401

__all__ = ["DetectorSpec", "Outputs", "get", "names", "register", "run"]


@dataclass(frozen=True)
class Outputs:
    """A detector's outputs for each reading of one series."""

    measure: NDArray[np.float64]
    score: NDArray[np.float64]
    base: NDArray[np.float64]
    scale: NDArray[np.float64]


def run(
    name: str,
    times_s: ArrayLike,
    values: ArrayLike,
    params: Mapping[str, Any] | None = None,
    info: SeriesInfo | None = None,
) -> Outputs:
    """Run detector `name` over one series from a fresh state: the pure-function view of its
    kernel (``info`` supplies site labels and the expected interval where a detector needs them).
    """
    spec = get(name)
    if spec is None:
        raise KeyError(f"unknown detector {name!r}")
    model = spec.params.model_validate(dict(params or {}))
    t = np.asarray(times_s, dtype=np.float64)
    x = np.asarray(values, dtype=np.float64)
    series = info or SeriesInfo("series", {})
    state = spec.init(1, model, [series])
    rows = np.zeros(t.size, dtype=np.int64)
    out = Outputs(*(np.empty(t.size) for _ in range(4)))
    kernel_params = spec.prepare(model)
    if spec.outputs == "full":
        spec.step(state, rows, t, x, kernel_params, out.measure, out.score, out.base, out.scale)
    else:
        spec.step(state, rows, t, x, kernel_params, out.score)
        out.measure[:] = out.score
        out.base[:] = np.nan
        out.scale[:] = np.nan
    return out

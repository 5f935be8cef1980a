"""The detector interface: a parameter model, a state initialiser and a batch kernel.

A detector keeps one row of float64 state per (rule, series) in a 2-d array and exposes a
kernel that walks a batch of readings in order, updating ``state[rows[i]]`` with reading
``(t_s[i], x[i])`` and writing its outputs for that reading:

- ``outputs="full"``: ``step(state, rows, t_s, x, params, out_measure, out_score, out_base,
  out_scale)`` - the measure the rule's level conditions compare, a score in [0, 1] (NaN lets
  the level machine derive it from the thresholds), and the baseline and scale it compared with.
- ``outputs="score"``: ``step(state, rows, t_s, x, params, out_score)`` - the score is also the
  measure (the NAB anomaly detector's shape; it plugs in unchanged).

Kernels are numba ``@njit(cache=True)`` functions where a sequential loop is needed; count
detectors, whose cost is a model fit per reading, are plain Python with the same signature.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from forewarn.detect.labels import SeriesInfo


class ParamsLike(Protocol):
    """What the engine needs of a detector's parameters."""

    def as_array(self) -> NDArray[np.float64]:
        """The parameters as the kernel's float64 vector."""
        ...


class DetectorParams(BaseModel):
    """Base of the built-in detectors' parameter models (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def as_array(self) -> NDArray[np.float64]:
        """The parameters as the kernel's float64 vector (none by default)."""
        return np.zeros(1)


def no_series_check(params: Any, info: SeriesInfo) -> str | None:
    """Series-independent detectors accept every series."""
    return None


def as_array(params: Any) -> Any:
    """What a numba kernel receives: the parameters as a float64 vector."""
    return params.as_array()


@dataclass(frozen=True)
class DetectorSpec:
    """A registered detector."""

    name: str
    params: type[BaseModel]
    init: Callable[[int, Any, Sequence[SeriesInfo]], NDArray[np.float64]]
    step: Callable[..., None]
    summary: str
    measure: str
    outputs: Literal["full", "score"] = "full"
    mode: Literal["value", "silence"] = "value"
    bounded: bool = True  # state within the 256-byte budget per (rule, series)
    check_series: Callable[[Any, SeriesInfo], str | None] = no_series_check
    prepare: Callable[[Any], Any] = as_array  # parameters -> the kernel's `params` argument
    base_name: str = "baseline"  # what the explanation calls out_base
    scale_name: str = "scale"  # what the explanation calls out_scale

    def state_width(self, params: Any) -> int:
        """Float64 columns of state per row for `params`."""
        return int(self.init(0, params, ()).shape[1])


_REGISTRY: dict[str, DetectorSpec] = {}


def register(spec: DetectorSpec) -> DetectorSpec:
    """Add a detector under its name (built-ins are registered the same way)."""
    _REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> DetectorSpec | None:
    """The detector called `name`, if registered."""
    return _REGISTRY.get(name)


def names() -> list[str]:
    """Names of the registered detectors."""
    return sorted(_REGISTRY)


def zeros_state(width: int) -> Callable[[int, Any, Sequence[SeriesInfo]], NDArray[np.float64]]:
    """An initialiser giving `width` zero columns per row."""

    def init(n: int, params: Any, infos: Sequence[SeriesInfo]) -> NDArray[np.float64]:
        return np.zeros((n, width), dtype=np.float64)

    return init

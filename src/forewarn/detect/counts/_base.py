"""What every count detector returns, and the input checks they share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _no_indices() -> NDArray[np.int64]:
    return np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class CountResult:
    """Per evaluated index: baseline expectation, alarm threshold, alarm flag and score.

    Arrays are aligned to ``indices`` (the time indexes that were evaluated). ``expected`` and
    ``upperbound`` are nan where the method could not compute them; ``alarm`` is then False and
    ``score`` 0. ``score`` lies in [0, 1] and grows with how far the observed count exceeds the
    baseline; each method documents its definition (docs/detectors-counts.md).
    """

    expected: NDArray[np.float64]
    upperbound: NDArray[np.float64]
    alarm: NDArray[np.bool_]
    score: NDArray[np.float64]
    indices: NDArray[np.int64] = field(default_factory=_no_indices)


def as_counts(counts: ArrayLike) -> NDArray[np.float64]:
    """Counts as a 1-d float array; nan marks a missing count; negative or infinite is refused."""
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"counts: expected a 1-d sequence, got shape {x.shape}")
    if np.isinf(x).any():
        raise ValueError(f"counts: infinite value at index {int(np.flatnonzero(np.isinf(x))[0])}")
    negative = np.flatnonzero(x < 0)
    if negative.size:
        i = int(negative[0])
        raise ValueError(f"counts: negative count {x[i]} at index {i}")
    return x


def resolve_indices(indices: ArrayLike | None, n: int, first: int) -> NDArray[np.int64]:
    """The indexes to evaluate: the given ones (checked to lie in [0, n)), else first..n-1."""
    if indices is None:
        return np.arange(max(first, 0), n, dtype=np.int64)
    idx = np.asarray(indices)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise ValueError("indices: expected a 1-d sequence of integers")
    idx = idx.astype(np.int64)
    bad = np.flatnonzero((idx < 0) | (idx >= n))
    if bad.size:
        raise ValueError(f"indices: {int(idx[bad[0]])} is outside 0..{n - 1}")
    return idx


def empty_result(m: int, indices: NDArray[np.int64]) -> CountResult:
    """A result of `m` not-computable entries (nan bounds, no alarms, zero scores)."""
    nan = np.full(m, np.nan)
    return CountResult(nan, nan.copy(), np.zeros(m, dtype=bool), np.zeros(m), indices)


def finish(
    observed: NDArray[np.float64],
    expected: NDArray[np.float64],
    upperbound: NDArray[np.float64],
    score: NDArray[np.float64],
    indices: NDArray[np.int64],
) -> CountResult:
    """Build a result: alarm where observed > upperbound; score 0 where the bound is nan."""
    ok = ~np.isnan(upperbound) & ~np.isnan(observed)
    alarm = np.zeros(observed.shape, dtype=bool)
    alarm[ok] = observed[ok] > upperbound[ok]
    clean = np.where(ok, np.clip(np.nan_to_num(score, nan=0.0), 0.0, 1.0), 0.0)
    return CountResult(expected, upperbound, alarm, clean, indices)

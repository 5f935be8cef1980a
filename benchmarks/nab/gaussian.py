"""Clean-room windowed-Gaussian baseline (NAB's simplest reference detector, re-described).

The score of a reading is one minus the two-sided normal tail probability of its distance from
the mean of a reference window: the window grows to ``WINDOW`` readings, then slides forward by
``STEP`` readings at a time (its mean and standard deviation are refreshed only then). The
first reading scores 0; with a zero standard deviation a reading equal to the mean scores 0
and any other scores 1.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

WINDOW = 6400
STEP = 100


@njit(cache=True)
def _tail_score(x: float, mean: float, std: float) -> float:
    if std <= 0.0:
        return 0.0 if x == mean else 1.0
    z = abs(x - mean) / std
    return 1.0 - 0.5 * math.erfc(z / math.sqrt(2.0))


@njit(cache=True)
def windowed_gaussian(x: NDArray[np.float64], window: int, step: int) -> NDArray[np.float64]:
    """Scores in [0, 1] for one series (see the module docstring)."""
    n = x.shape[0]
    out = np.zeros(n)
    mean = 0.0
    std = 0.0
    start = 0  # the reference window is x[start:end]
    end = 0
    count = 0
    m2 = 0.0
    for i in range(n):
        if count > 0:
            out[i] = _tail_score(x[i], mean, std)
        if count < window:  # growing: Welford update of mean and variance
            count += 1
            delta = x[i] - mean
            mean += delta / count
            m2 += delta * (x[i] - mean)
            std = math.sqrt(max(m2, 0.0) / count)
            end = i + 1
        elif i + 1 - end == step:  # full: slide by `step` readings and refresh
            start += step
            end = i + 1
            ref = x[start:end]
            mean = ref.mean()
            std = ref.std()
    return out


def score(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The baseline with NAB's window (6400) and step (100)."""
    return windowed_gaussian(np.ascontiguousarray(x, dtype=np.float64), WINDOW, STEP)

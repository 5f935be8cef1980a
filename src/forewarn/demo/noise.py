"""Counter-based random numbers: the value at tick k is a pure function of (key, k).

History and live replay draw from the same function, so a series is continuous across them and
across restarts, and the whole demo is deterministic for a seed.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def key_of(*parts: object) -> int:
    """A 64-bit key from any labels (stable across processes, unlike hash())."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def uniform(key: int, index: NDArray[np.int64]) -> NDArray[np.float64]:
    """Uniform numbers in (0, 1), one per index (splitmix64 of key and index)."""
    x = np.asarray(index, dtype=np.int64).astype(np.uint64) * _GOLDEN
    x ^= np.uint64(key)
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53 + 2.0**-54


def normal(key: int, index: NDArray[np.int64]) -> NDArray[np.float64]:
    """Standard normal numbers, one per index."""
    return np.asarray(ndtri(uniform(key, index)), dtype=np.float64)


def smooth(key: int, index: NDArray[np.int64], span: int) -> NDArray[np.float64]:
    """Correlated noise (unit variance at the knots) varying smoothly over about `span` ticks."""
    idx = np.asarray(index, dtype=np.int64)
    knot = np.floor_divide(idx, span)
    frac = (idx - knot * span) / span
    a, b = normal(key, knot), normal(key, knot + 1)
    w = frac * frac * (3 - 2 * frac)
    out: NDArray[np.float64] = a + (b - a) * w
    return out

"""A bounded memo for hot paths: a dict that computes a missing value once."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """``memo[key]``: the value `make` computed for `key` the first time it was asked for.

    Holds at most `limit` values and starts afresh when full (hot paths see a few distinct
    keys again and again). A known value costs one dict look-up in C, without a Python call:
    cheaper than ``functools.lru_cache``, whose bookkeeping and argument hashing cost more than
    the small conversions memoised here. A `make` that raises stores nothing.
    """

    __slots__ = ("_limit", "_make")

    def __init__(self, make: Callable[[K], V], limit: int) -> None:
        super().__init__()
        self._make = make
        self._limit = limit

    def __missing__(self, key: K) -> V:
        value = self._make(key)
        if len(self) >= self._limit:
            self.clear()
        self[key] = value
        return value

"""In-process token buckets for login and ingest, keyed by client address, user or device.

Each process keeps its own buckets: a deployment with several API processes multiplies the
limits by their number, and needs a shared limiter (e.g. at the reverse proxy) to hold them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from fastapi import Request

from forewarn.errors import RateLimited

LOGIN_RATE = (10 / 60.0, 10.0)
"""Default login attempts per client address: 10 a minute, bursts of 10 (a setting)."""
INGEST_RATE = (20.0, 60.0)
"""Default ingest requests per device key or user: 20 a second, bursts of 60 (a setting)."""


@dataclass
class TokenBuckets:
    """Buckets of `burst` tokens refilled at `rate` per second, one per key."""

    rate: float
    burst: float
    max_keys: int = 100_000
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, now: float) -> float:
        """Spend a token of `key` at `now` (seconds); 0 when allowed, else seconds to wait."""
        with self._lock:
            tokens, stamp = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - stamp) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                self._evict(now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _evict(self, now: float) -> None:
        if len(self._state) <= self.max_keys:
            return
        full = [k for k, (t, s) in self._state.items() if t + (now - s) * self.rate >= self.burst]
        for key in full:
            del self._state[key]


@dataclass
class RateLimits:
    """The limiters of one app."""

    login: TokenBuckets = field(default_factory=lambda: TokenBuckets(*LOGIN_RATE))
    ingest: TokenBuckets = field(default_factory=lambda: TokenBuckets(*INGEST_RATE))

    @classmethod
    def from_settings(cls, login_per_min: float, ingest_per_s: float) -> RateLimits:
        """Limits from the settings (bursts: 10 logins, three seconds of ingest)."""
        return cls(
            login=TokenBuckets(login_per_min / 60.0, max(1.0, min(10.0, login_per_min))),
            ingest=TokenBuckets(ingest_per_s, max(1.0, 3 * ingest_per_s)),
        )


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: run with proxy headers)."""
    return request.client.host if request.client else "unknown"


def enforce(buckets: TokenBuckets, key: str, what: str) -> None:
    """Raise RateLimited (429 with Retry-After) when `key` has no token left."""
    wait = buckets.take(key, time.monotonic())
    if wait > 0:
        exc = RateLimited(
            f"too many {what} requests; retry in {wait:.0f} s",
            details={"retry_after_s": round(wait, 1)},
        )
        exc.headers = {"Retry-After": str(max(1, round(wait)))}  # type: ignore[attr-defined]
        raise exc

"""Token buckets: bursts pass, the rate refills, keys are independent."""

from __future__ import annotations

import pytest

from forewarn.auth.ratelimit import TokenBuckets


@pytest.mark.parametrize(
    ("rate", "burst", "times", "expected"),
    [
        (1.0, 3, [0, 0, 0, 0], [True, True, True, False]),
        (1.0, 3, [0, 0, 0, 0, 1.0], [True, True, True, False, True]),
        (1.0, 1, [0, 0.5, 1.0, 1.2], [True, False, True, False]),
        (10 / 60, 10, [0] * 10 + [1, 6.1], [True] * 10 + [False, True]),
        (2.0, 2, [0, 0, 0, 10, 10, 10], [True, True, False, True, True, False]),
    ],
)
def test_bucket_admits_burst_then_rate(rate, burst, times, expected):
    buckets = TokenBuckets(rate, burst)
    assert [buckets.take("k", t) == 0 for t in times] == expected


def test_wait_tells_when_a_token_is_back():
    buckets = TokenBuckets(0.5, 1)
    assert buckets.take("k", 0) == 0
    assert buckets.take("k", 0) == pytest.approx(2.0)
    assert buckets.take("k", 1.0) == pytest.approx(1.0)


def test_keys_do_not_share_tokens():
    buckets = TokenBuckets(1.0, 1)
    assert buckets.take("a", 0) == 0
    assert buckets.take("a", 0) > 0
    assert buckets.take("b", 0) == 0


def test_idle_full_buckets_are_forgotten_past_max_keys():
    buckets = TokenBuckets(1.0, 1, max_keys=3)
    for i in range(10):
        buckets.take(f"k{i}", float(i) * 10)
    assert len(buckets._state) <= 4

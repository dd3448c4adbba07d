"""The token bucket never lets more through than its rate and burst allow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from predmm.platforms.limiter import TokenBucket

D = Decimal


def test_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(D(10), D(20))
    assert bucket.try_spend(D(10), 0.0)
    assert bucket.try_spend(D(10), 0.0)
    assert not bucket.try_spend(D(10), 0.5)
    assert bucket.wait_for(D(10), 0.5) == pytest.approx(0.5)
    assert bucket.try_spend(D(10), 1.0)


def test_a_request_larger_than_the_burst_is_an_error() -> None:
    with pytest.raises(ValueError, match="can never pass"):
        TokenBucket(D(1), D(5)).try_spend(D(6), 0.0)


def test_time_going_backwards_adds_nothing() -> None:
    bucket = TokenBucket(D(10), D(10))
    assert bucket.try_spend(D(10), 5.0)
    assert not bucket.try_spend(D(1), 4.0)


@given(
    st.lists(st.tuples(st.floats(0, 2, allow_nan=False), st.sampled_from([1, 2, 10])), max_size=200)
)
def test_spending_never_exceeds_burst_plus_rate_times_time(steps: list[tuple[float, int]]) -> None:
    rate, burst = D(40), D(80)
    bucket, now = TokenBucket(rate, burst), 0.0
    for dt, cost in steps:
        now += dt
        bucket.try_spend(D(cost), now)
        assert bucket.spent <= burst + rate * D(repr(now))
        assert D(0) <= bucket.tokens <= burst

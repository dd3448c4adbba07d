"""Kalshi's token buckets (kalshi-notes.md §7, rate_limits page of 2026-08-19).

Every request costs tokens (10 by default; a cancel 2, a batch N x the item cost, a
single-order GET 2). Reads and writes draw from separate buckets per account, which
refill continuously at the tier's per-second budget up to the tier's capacity. A
request that does not fit is refused whole (429), with no penalty: the next request
succeeds as soon as the bucket holds enough tokens. The balance endpoint has its own
small bucket. The clock is injected (seconds, monotonic).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

DEFAULT_COST = 10
CANCEL_COST = 2
GET_ORDER_COST = 2
BALANCE_COST = 1


class Bucket(enum.Enum):
    READ = "read"
    WRITE = "write"
    BALANCE = "balance"


@attrs.frozen
class Tier:
    """Per-second budgets and bucket capacities of one API usage tier."""

    name: str
    read_rate: int
    read_capacity: int
    write_rate: int
    write_capacity: int
    balance_rate: int

    def rate(self, bucket: Bucket) -> int:
        if bucket is Bucket.READ:
            return self.read_rate
        if bucket is Bucket.WRITE:
            return self.write_rate
        return self.balance_rate

    def capacity(self, bucket: Bucket) -> int:
        if bucket is Bucket.READ:
            return self.read_capacity
        if bucket is Bucket.WRITE:
            return self.write_capacity
        return self.balance_rate  # one second of budget, no burst


def _tier(name: str, read: int, write: int, read_burst: int, write_burst: int, bal: int) -> Tier:
    return Tier(name, read, read * read_burst, write, write * write_burst, bal)


# Basic/Advanced read and every write bucket above Basic hold 2 s of budget.
TIERS = {
    t.name: t
    for t in (
        _tier("basic", 200, 100, 2, 1, 1),
        _tier("advanced", 300, 300, 2, 2, 1),
        _tier("expert", 600, 600, 1, 2, 5),
        _tier("premier", 1_000, 1_000, 1, 2, 5),
        _tier("paragon", 2_000, 2_000, 1, 2, 5),
        _tier("prime", 4_000, 4_000, 1, 2, 5),
        _tier("prestige", 10_000, 8_000, 1, 2, 5),
    )
}


@attrs.define
class TokenBucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, cost: float, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if cost > self.tokens:
            return False
        self.tokens -= cost
        return True


@attrs.define
class RateLimiter:
    """One read, one write and one balance bucket per account (or anonymous client)."""

    tier: Tier
    clock: Callable[[], float]
    enabled: bool = True
    _buckets: dict[tuple[str, Bucket], TokenBucket] = attrs.field(factory=dict)

    def allow(self, who: str, bucket: Bucket, cost: int) -> bool:
        if not self.enabled:
            return True
        now = self.clock()
        state = self._buckets.get((who, bucket))
        if state is None:
            capacity = self.tier.capacity(bucket)
            state = TokenBucket(self.tier.rate(bucket), capacity, capacity, now)
            self._buckets[(who, bucket)] = state
        return state.take(cost, now)

    def tokens(self, who: str, bucket: Bucket) -> float:
        state = self._buckets.get((who, bucket))
        return float(self.tier.capacity(bucket)) if state is None else state.tokens

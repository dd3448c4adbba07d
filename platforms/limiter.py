"""A token bucket per venue, pure: time comes in as an argument.

The bucket holds at most ``burst`` tokens and gains ``rate`` tokens per second. A request
that costs more than the bucket holds waits; ``wait_for(cost, now)`` says how long.
Kalshi charges 10 tokens per order and 2 per cancel against its tier's budget per second;
Polymarket's 40 orders/s and 80 cancels/s are the same bucket with 2 and 1 tokens out of
80 per second. The costs come from ``Capabilities``.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.platforms.venue import Capabilities

ZERO = Decimal(0)


@attrs.define
class TokenBucket:
    rate: Decimal  # tokens per second
    burst: Decimal  # at most this many tokens held
    tokens: Decimal = attrs.field(default=None)
    updated: float | None = None
    spent: Decimal = ZERO  # every token ever spent (for tests and metrics)

    def __attrs_post_init__(self) -> None:
        if self.rate <= 0 or self.burst <= 0:
            raise ValueError(f"token bucket needs rate > 0 and burst > 0, got {self}")
        if self.tokens is None:
            self.tokens = self.burst

    @classmethod
    def for_venue(cls, capabilities: Capabilities) -> TokenBucket:
        return cls(capabilities.write_tokens_per_s, capabilities.write_burst)

    def _refill(self, now: float) -> None:
        if self.updated is not None and now > self.updated:
            gained = self.rate * Decimal(repr(now - self.updated))
            self.tokens = min(self.burst, self.tokens + gained)
        if self.updated is None or now > self.updated:
            self.updated = now

    def available(self, now: float) -> Decimal:
        self._refill(now)
        return self.tokens

    def try_spend(self, cost: Decimal, now: float) -> bool:
        """Take ``cost`` tokens if the bucket holds them."""
        if cost > self.burst:
            raise ValueError(f"a request of {cost} tokens can never pass a burst of {self.burst}")
        self._refill(now)
        if cost > self.tokens:
            return False
        self.tokens -= cost
        self.spent += cost
        return True

    def wait_for(self, cost: Decimal, now: float) -> float:
        """Seconds until ``cost`` tokens are held (0 if they are now)."""
        self._refill(now)
        missing = cost - self.tokens
        return 0.0 if missing <= 0 else float(missing / self.rate)

"""What quoting earned besides trading, in a backtest: Polymarket's liquidity rewards
estimated with the venue's formula on our resting orders, sampled once a minute of the
data's time (``strategies.reward_score``, the daemon's estimator), and the maker rebates of
our maker fills. Both are their own PnL lines, beside the trading PnL.

``rewards_of`` reads what the simulator lists a market paying (its Gamma fields) as the
adapters do; recorded data carries no rewards terms (the recordings and the Polymarket L2
sample list none), so only the simulator's markets earn any.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain.book import OrderBook
from predmm.domain.enums import OrderSide
from predmm.domain.market import Rewards
from predmm.simulator.exchange.model import MarketSpec
from predmm.strategies.reward_score import Resting, sample

ZERO = Decimal(0)
CENTS = Decimal(100)
SAMPLE_MS = 60_000  # the venue samples once a minute


def rewards_of(spec: MarketSpec) -> Rewards | None:
    """The simulator's listing as the Polymarket adapter reads it from Gamma."""
    listing = spec.polymarket
    if listing is None or listing.rewards is None:
        return None
    r = listing.rewards
    return Rewards(
        min_size=r.min_size,
        max_spread=r.max_spread_cents / CENTS,
        daily_rate=r.daily_rate,
        rebate_share=r.rebate_rate,
        fee_rate=spec.fees.taker,
        fee_exponent=int(spec.fees.exponent),
    )


@attrs.define
class SampleClock:
    """When to sample: once a minute, at a seeded random second of it, as the venue does
    (a fixed second would alias with anything periodic in the data: the simulator's
    liquidity providers refresh every 5 s). Times are seconds on any clock."""

    seed: int
    period_s: float = SAMPLE_MS / 1000
    _rng: random.Random = attrs.field(init=False)
    # the time of the next sample (before the first ``due``: any time is worth asking)
    next_s: float = attrs.field(init=False, default=-math.inf)

    def __attrs_post_init__(self) -> None:
        self._rng = random.Random(f"rewards-estimate:{self.seed}")

    def _at(self, slot: int) -> float:
        return (slot + self._rng.random()) * self.period_s

    def due(self, now: float) -> bool:
        """Whether a sample is due at ``now`` (then the next is set a minute on)."""
        if self.next_s == -math.inf:
            self.next_s = self._at(int(now // self.period_s))
        if now < self.next_s:
            return False
        self.next_s = self._at(int(now // self.period_s) + 1)
        return True


@attrs.define
class RewardTally:
    """One market's rewards so far: liquidity rewards (estimated), maker rebates, the
    samples taken and those with both our quotes inside the band."""

    liquidity: Decimal = ZERO
    rebates: Decimal = ZERO
    samples: int = 0
    in_band: int = 0

    def sample(
        self,
        rewards: Rewards,
        book: OrderBook,
        ours: Iterable[tuple[OrderSide, Decimal, Decimal]],
        at: datetime,
        interval_s: float = SAMPLE_MS / 1000,
    ) -> None:
        """One sample: ``book`` is the whole book (ours in it), ``ours`` our resting bids
        (side, price, remaining)."""
        if not rewards.pays_liquidity:
            return
        resting = tuple(Resting(side, price, size) for side, price, size in ours if size > 0)
        found = sample(rewards, book, resting, at, interval_s)
        self.liquidity += found.dollars
        self.samples += 1
        self.in_band += int(found.in_band)

    def maker_fill(self, rewards: Rewards | None, price: Decimal, quantity: Decimal) -> None:
        if rewards is not None:
            self.rebates += rewards.rebate(price, quantity)

    @property
    def in_band_share(self) -> float:
        return self.in_band / self.samples if self.samples else 0.0

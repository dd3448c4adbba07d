"""A market as the strategy sees it: one snapshot, taken at ``as_of``, with what its venue
pays makers for resting there (``Rewards``: Polymarket's liquidity rewards and maker
rebates; ``IncentiveProgram``: Kalshi's incentive programs)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

import attrs

from predmm.domain.enums import MarketStatus
from predmm.domain.ids import EventId, MarketId
from predmm.domain.ticks import TickSpec


class MarketView(Protocol):
    """What the strategy reads from a market (``Market`` and test doubles satisfy it)."""

    @property
    def market_id(self) -> MarketId: ...
    @property
    def status(self) -> MarketStatus: ...
    @property
    def liquidity(self) -> Decimal: ...
    @property
    def volume(self) -> Decimal: ...
    @property
    def tick(self) -> TickSpec: ...
    @property
    def best_yes_bid(self) -> Decimal | None: ...
    @property
    def best_yes_ask(self) -> Decimal | None: ...
    @property
    def event_id(self) -> EventId | None: ...
    @property
    def hours_to_close(self) -> float | None: ...
    @property
    def min_order_size(self) -> Decimal: ...
    @property
    def count_step(self) -> Decimal: ...
    @property
    def rewards(self) -> Rewards | None: ...


ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class Rewards:
    """What a Polymarket market pays its makers, as the venue publishes it.

    Liquidity rewards: resting orders of at least ``min_size`` shares within
    ``max_spread`` of the size-cutoff-adjusted midpoint score ((v - s) / v)^2 per share (v
    the max spread, s the order's distance), and ``daily_rate`` dollars a day are shared
    among the makers by score (Gamma ``rewardsMinSize``, ``rewardsMaxSpread`` in cents,
    ``clobRewards[].rewardsDailyRate``; CLOB ``rewards{min_size, max_spread, rates}``).
    Maker rebates: ``rebate_share`` of the market's taker fees goes back to its makers,
    each by the taker fee its maker fills would have paid (``fee_rate``, ``fee_exponent``:
    C x rate x (P(1 - P))^e; Gamma ``feeSchedule{rate, exponent, rebateRate}``).
    """

    min_size: Decimal = ZERO  # shares; a smaller order does not score
    max_spread: Decimal = ZERO  # dollars from the adjusted midpoint (the venue's cents / 100)
    daily_rate: Decimal = ZERO  # dollars a day for the market's makers
    rebate_share: Decimal = ZERO  # of the taker fees, paid back to makers
    fee_rate: Decimal = ZERO
    fee_exponent: int = 1

    def __attrs_post_init__(self) -> None:
        for name in ("min_size", "max_spread", "daily_rate", "rebate_share", "fee_rate"):
            if getattr(self, name) < ZERO:
                raise ValueError(f"rewards {name} = {getattr(self, name)}: must not be negative")
        if self.rebate_share > 1:
            raise ValueError(f"rewards rebate_share = {self.rebate_share}: must be at most 1")

    @property
    def pays_liquidity(self) -> bool:
        """Whether resting inside the band earns anything (a pool and a band)."""
        return self.daily_rate > ZERO and self.max_spread > ZERO

    def rebate(self, price: Decimal, count: Decimal) -> Decimal:
        """The rebate a maker fill of ``count`` at ``price`` earns: ``rebate_share`` of the
        taker fee it would have paid (the venue shares the pool by that fee)."""
        fee = count * self.fee_rate * (price * (1 - price)) ** self.fee_exponent
        return self.rebate_share * fee


@attrs.frozen(kw_only=True)
class IncentiveProgram:
    """One Kalshi incentive program, as ``GET /incentive_programs`` states it: a pool of
    ``period_reward`` dollars for the market over [start, end), shared by liquidity
    (resting orders near the best price, each order's credit cut by ``discount_factor``
    per step away, up to ``target_size`` contracts a side) or by volume traded."""

    program_id: str
    market_id: MarketId
    kind: str  # "liquidity", "volume", "margin_maker_volume", "margin_taker_volume"
    description: str
    start: datetime
    end: datetime
    period_reward: Decimal  # dollars (the venue's centi-cents / 10,000)
    paid_out: bool = False
    discount_factor: Decimal | None = None  # the venue's basis points / 10,000
    target_size: Decimal | None = None  # contracts
    max_reward_per_account: Decimal | None = None  # dollars

    def active(self, now: datetime) -> bool:
        return self.start <= now < self.end


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    """Hours from ``start`` to ``end`` (a market's time to close); None if either is."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600.0


@attrs.frozen(kw_only=True)
class Market:
    """One venue market. Time to close is measured from ``as_of``, the snapshot's time,
    so that code reading it stays pure."""

    market_id: MarketId
    title: str = ""
    status: MarketStatus = MarketStatus.OPEN
    # the venue's event (Kalshi event ticker, Polymarket Gamma event id) and what the
    # venue says of it (``domain.outcomes``): at most one of its markets resolves YES
    # (Kalshi ``mutually_exclusive``, Polymarket ``negRisk``); exactly one, one of
    # ``event_markets``, every market of the event (Polymarket neg risk, not augmented)
    event_id: EventId | None = None
    exclusive: bool = False
    exhaustive: bool = False
    event_markets: tuple[MarketId, ...] = ()
    tick: TickSpec = attrs.field(factory=lambda: TickSpec.uniform(Decimal("0.01")))
    liquidity: Decimal = Decimal(0)
    volume: Decimal = Decimal(0)
    best_yes_bid: Decimal | None = None
    best_yes_ask: Decimal | None = None
    last_price: Decimal | None = None
    close_time: datetime | None = None
    as_of: datetime | None = None
    min_order_size: Decimal = Decimal(0)  # the venue's smallest order (Polymarket: 5)
    rewards: Rewards | None = None  # Polymarket: liquidity rewards and maker rebates
    incentives: tuple[IncentiveProgram, ...] = ()  # Kalshi: its incentive programs
    # sizes are multiples of it (``domain.counts``): 1 for whole contracts, 0.01 where
    # fractional contracts trade (Kalshi markets that enable it, Polymarket)
    count_step: Decimal = Decimal(1)

    @property
    def hours_to_close(self) -> float | None:
        return hours_between(self.as_of, self.close_time)

    @property
    def is_open(self) -> bool:
        return self.status is MarketStatus.OPEN

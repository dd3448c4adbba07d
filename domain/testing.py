"""Factories for tests of code built on predmm (like ``trio.testing``).

The usage guide's unit tests build a market with ``create_test_market(...)`` and then
change it in place (``market.liquidity = Decimal("6000")``). ``Market`` is frozen, so the
factory returns a ``FakeMarket``: a mutable double with the same fields, which the
strategy accepts wherever it accepts a ``Market``; ``freeze()`` turns it into one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain.enums import MarketStatus, Venue
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import IncentiveProgram, Market, Rewards
from predmm.domain.ticks import TickSpec

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@attrs.define(kw_only=True)
class FakeMarket:
    market_id: MarketId
    title: str = ""
    status: MarketStatus = MarketStatus.OPEN
    event_id: EventId | None = None
    tick: TickSpec = attrs.field(factory=lambda: TickSpec.uniform(Decimal("0.01")))
    liquidity: Decimal = Decimal(0)
    volume: Decimal = Decimal(0)
    best_yes_bid: Decimal | None = None
    best_yes_ask: Decimal | None = None
    last_price: Decimal | None = None
    close_time: datetime | None = None
    as_of: datetime | None = None
    min_order_size: Decimal = Decimal(0)
    rewards: Rewards | None = None
    incentives: tuple[IncentiveProgram, ...] = ()
    count_step: Decimal = Decimal(1)

    @property
    def hours_to_close(self) -> float | None:
        if self.close_time is None or self.as_of is None:
            return None
        return (self.close_time - self.as_of).total_seconds() / 3600.0

    @property
    def is_open(self) -> bool:
        return self.status is MarketStatus.OPEN

    def freeze(self) -> Market:
        return Market(**attrs.asdict(self, recurse=False))


def create_test_market(
    *,
    market_id: MarketId | str = "TEST",
    venue: Venue = Venue.KALSHI,
    liquidity: Decimal | int | str = Decimal("15000"),
    hours_to_close: float = 48,
    fair_value: Decimal | str = Decimal("0.50"),
    half_spread: Decimal | str = Decimal("0.01"),
    volume: Decimal | int | str = Decimal("1000"),
    tick: TickSpec | Decimal | str = Decimal("0.01"),
    status: MarketStatus = MarketStatus.OPEN,
    event_id: EventId | str | None = None,
    as_of: datetime = EPOCH,
) -> FakeMarket:
    """A two-sided open market around ``fair_value`` closing ``hours_to_close`` after ``as_of``."""
    mid, half = Decimal(fair_value), Decimal(half_spread)
    return FakeMarket(
        market_id=market_id if isinstance(market_id, MarketId) else MarketId(venue, market_id),
        status=status,
        event_id=EventId(event_id) if isinstance(event_id, str) else event_id,
        tick=tick if isinstance(tick, TickSpec) else TickSpec.uniform(Decimal(tick)),
        liquidity=Decimal(liquidity),
        volume=Decimal(volume),
        best_yes_bid=mid - half,
        best_yes_ask=mid + half,
        close_time=as_of + timedelta(hours=hours_to_close),
        as_of=as_of,
    )

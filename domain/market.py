"""A market as the strategy sees it: one snapshot, taken at ``as_of``."""

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

    @property
    def hours_to_close(self) -> float | None:
        return hours_between(self.as_of, self.close_time)

    @property
    def is_open(self) -> bool:
        return self.status is MarketStatus.OPEN

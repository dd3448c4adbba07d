"""What a backtested market maker decides, given what it sees: the same pure strategy
code the daemon's MarketActor calls, or a naive fixed-spread baseline to compare with.

A policy is pure: market snapshot, book (without our own orders), inventory and config
in, desired bids and exit signals out. The driver (``backtest.driver``) owns the state.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook
from predmm.domain.enums import MarketStatus, OrderSide
from predmm.domain.market import MarketView
from predmm.domain.orders import Signal
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.market_making import exit_signal
from predmm.strategies.quoting import Quote, compute_quotes
from predmm.strategies.rewards import reward_quotes
from predmm.strategies.venues import select_per_venue

ONE = Decimal(1)


@attrs.frozen(kw_only=True)
class Desired:
    """The bids wanted per side and the fair value they were made from."""

    quotes: dict[OrderSide, Quote]
    fair: Decimal | None


class Policy(Protocol):
    """The decisions the driver asks for. ``guards``: the quote-age, price-move and
    volume-spike guards apply (with ``config``'s thresholds); ``exits``: exit signals;
    ``limits``: the risk limits (``RiskConfig`` and ``config.max_position_size``)."""

    @property
    def name(self) -> str: ...
    @property
    def config(self) -> MarketMakingConfig: ...
    @property
    def guards(self) -> bool: ...
    @property
    def exits(self) -> bool: ...
    @property
    def limits(self) -> bool: ...

    def select(self, markets: list[MarketView]) -> list[MarketView]: ...

    def desired(
        self, market: MarketView, book: OrderBook, inventory: InventoryTracker
    ) -> Desired: ...

    def exit(self, market: MarketView, inventory: InventoryTracker) -> Signal | None: ...


@attrs.frozen(kw_only=True)
class StrategyPolicy:
    """The daemon's strategy: ``strategies.quoting`` and ``exit_signal`` with ``config``."""

    name: str
    config: MarketMakingConfig
    guards: bool = True
    exits: bool = True
    limits: bool = True  # the PortfolioActor's pre-trade limits apply

    def select(self, markets: list[MarketView]) -> list[MarketView]:
        """As the daemon's scan: ``max_markets`` and the filters on each venue."""
        configs = {m.market_id.venue: self.config for m in markets}
        return select_per_venue(markets, configs)[0]

    def desired(self, market: MarketView, book: OrderBook, inventory: InventoryTracker) -> Desired:
        decision = compute_quotes(market, inventory, self.config, book)
        decision = reward_quotes(decision, market, inventory, self.config, book)
        if decision is None:
            return Desired(quotes={}, fair=None)
        return Desired(quotes={q.side: q for q in decision.quotes()}, fair=decision.fair_value)

    def exit(self, market: MarketView, inventory: InventoryTracker) -> Signal | None:
        return exit_signal(inventory, market, self.config)


@attrs.frozen(kw_only=True)
class FixedSpreadPolicy:
    """The naive baseline: YES bid at mid - half_spread and YES ask at mid + half_spread
    (a NO bid at 1 - ask), ``size`` contracts each, on every open two-sided market. No
    skew, no inventory or risk limit, no guards, no exits. Prices are rounded onto the grid
    (bids down, asks up) and kept off the other side so that post-only orders rest."""

    name: str = "baseline"
    half_spread: Decimal = Decimal("0.02")
    size: Decimal = Decimal(10)
    config: MarketMakingConfig = attrs.field(factory=MarketMakingConfig)
    guards: bool = False
    exits: bool = False
    limits: bool = False

    def select(self, markets: list[MarketView]) -> list[MarketView]:
        return [
            m
            for m in markets
            if m.best_yes_bid is not None and m.best_yes_ask is not None and _open(m)
        ]

    def desired(self, market: MarketView, book: OrderBook, inventory: InventoryTracker) -> Desired:
        mid = book.mid()
        if mid is None:
            return Desired(quotes={}, fair=None)
        bid, ask = mid - self.half_spread, mid + self.half_spread
        best_bid, best_ask = book.best_bid(), book.best_ask()
        if best_ask is not None and bid >= best_ask:
            bid = best_ask - market.tick.step_at(best_ask)
        if best_bid is not None and ask <= best_bid:
            ask = best_bid + market.tick.step_at(best_bid)
        yes, ask_price = market.tick.round_bid(bid), market.tick.round_ask(ask)
        quotes: dict[OrderSide, Quote] = {}
        if yes is not None:
            quotes[OrderSide.YES] = Quote(OrderSide.YES, yes, self.size)
        if ask_price is not None:
            quotes[OrderSide.NO] = Quote(OrderSide.NO, ONE - ask_price, self.size)
        return Desired(quotes=quotes, fair=mid)

    def exit(self, market: MarketView, inventory: InventoryTracker) -> Signal | None:
        return None


def _open(market: MarketView) -> bool:
    return market.status is MarketStatus.OPEN

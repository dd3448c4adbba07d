"""``MarketMakingStrategy``: the usage guide's API over the pure rules in ``quoting``.

The strategy holds one ``InventoryTracker`` per market (``strategy.inventory``); every
other method is a pure function of its arguments. ``scan_markets`` and ``check_exit`` are
coroutines because the guide awaits them; they never wait on anything.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from decimal import Decimal
from typing import Any

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook
from predmm.domain.counts import round_count
from predmm.domain.enums import Action, OrderSide, OrderType
from predmm.domain.market import MarketView
from predmm.domain.orders import Signal
from predmm.strategies import quoting
from predmm.strategies.base import LiveInventory, StrategyView
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import QuoteDecision
from predmm.strategies.rewards import reward_quotes

__all__ = ["InventoryTracker", "MarketMakingConfig", "MarketMakingStrategy", "QuoteDecision"]

ONE = Decimal(1)
QUOTE_STRENGTH = Decimal("0.5")
EXIT_STRENGTH = Decimal("1.0")


class MarketMakingStrategy:
    """The usage guide's market maker; also a ``strategies.base.Strategy``."""

    name = "market_making"
    priority = 0  # below arbitrage (``strategies.base``)

    def __init__(self, config: MarketMakingConfig | None = None) -> None:
        self.config = config if config is not None else MarketMakingConfig()
        self.inventory: dict[Hashable, InventoryTracker] = {}
        self._live: LiveInventory | None = None

    # inventory ----------------------------------------------------------------

    def inventory_for(self, market_id: Hashable) -> InventoryTracker:
        tracker = self.inventory.get(market_id)
        if tracker is None:
            tracker = InventoryTracker(
                market_id=market_id,  # type: ignore[arg-type]
                max_inventory=self.config.max_inventory,
            )
            self.inventory[market_id] = tracker
        return tracker

    def update_inventory(
        self,
        market_id: Hashable,
        side: OrderSide,
        quantity: Decimal | int,
        price: Decimal,
        action: Action = Action.BUY,
        fee: Decimal = Decimal(0),
    ) -> InventoryTracker:
        tracker = self.inventory_for(market_id)
        tracker.apply_fill(side, quantity, price, action, fee)
        return tracker

    def get_inventory_status(self) -> dict[str, dict[str, Any]]:
        """Per market, the guide's inventory keys: the engine's live inventory once the
        strategy is registered with a TradingEngine, else this object's own."""
        trackers = self._live() if self._live is not None else self.inventory
        return {str(mid): tracker.status() for mid, tracker in trackers.items()}

    def attach_live_inventory(self, source: LiveInventory | None) -> None:
        """The TradingEngine registering this strategy hands it its inventory (read-only
        copies, published by the PortfolioActor); None detaches it."""
        self._live = source

    # the guide's calculation hooks ------------------------------------------------

    def _calculate_dynamic_spread(self, market: MarketView, inventory: InventoryTracker) -> Decimal:
        return quoting.dynamic_spread(market, inventory, self.config)

    def _calculate_inventory_adjustments(
        self, inventory: InventoryTracker
    ) -> tuple[Decimal, Decimal]:
        return quoting.inventory_adjustments(inventory, self.config)

    # quoting ------------------------------------------------------------------

    def quote(self, market: MarketView, book: OrderBook | None = None) -> QuoteDecision | None:
        """Desired YES and NO bids for ``market`` given this strategy's inventory in it."""
        inventory = self.inventory_for(market.market_id)
        decision = quoting.compute_quotes(market, inventory, self.config, book)
        return reward_quotes(decision, market, inventory, self.config, book)

    def select_markets(
        self, markets: Iterable[MarketView]
    ) -> tuple[list[MarketView], list[tuple[MarketView, str]]]:
        return quoting.select_markets(list(markets), self.config)

    async def scan_markets(self, markets: Iterable[MarketView]) -> list[Signal]:
        """A YES bid and a NO bid for each selected market, best markets first."""
        selected, _ = self.select_markets(markets)
        signals: list[Signal] = []
        for market in selected:
            signals += quote_signals(market, self.quote(market))
        return signals

    def signals(self, view: StrategyView) -> list[Signal]:
        """The ``Strategy`` protocol's call, from ``view`` alone (its positions, not this
        object's inventory): quotes for the markets it selects, best first, then an exit
        or rebalance where a position needs one."""
        selected, _ = quoting.select_markets(list(view.markets.values()), self.config)
        signals: list[Signal] = []
        for market in selected:
            tracker = view.positions.get(market.market_id) or InventoryTracker(
                market_id=market.market_id, max_inventory=self.config.max_inventory
            )
            book = view.books.get(market.market_id)
            decision = quoting.compute_quotes(market, tracker, self.config, book)
            signals += quote_signals(
                market, reward_quotes(decision, market, tracker, self.config, book)
            )
        for market_id, tracker in view.positions.items():
            held = view.markets.get(market_id)
            exit_ = exit_signal(tracker, held, self.config) if held is not None else None
            if exit_ is not None:
                signals.append(exit_)
        return signals

    async def check_exit(self, position: InventoryTracker, market: MarketView) -> Signal | None:
        """Forced exit near resolution, else a rebalance past rebalance_threshold."""
        return exit_signal(position, market, self.config)


def quote_signals(market: MarketView, decision: QuoteDecision | None) -> list[Signal]:
    """A decision's quotes as signals (none without a decision)."""
    if decision is None:
        return []
    return [
        Signal(
            market_id=market.market_id,
            side=q.side,
            target_price=q.price,
            size=q.size,
            strength=QUOTE_STRENGTH,
            reason=f"quote fair={decision.fair_value} spread={decision.spread}",
        )
        for q in decision.quotes()
    ]


def rebalance_due(position: InventoryTracker, config: MarketMakingConfig) -> bool:
    """Whether ``exit_signal`` can give anything while the market is quoting (outside its
    exit window, where its first rule applies): only past ``rebalance_threshold``."""
    return abs(position.net_position) > config.rebalance_threshold


def exit_signal(
    position: InventoryTracker, market: MarketView, config: MarketMakingConfig
) -> Signal | None:
    """Buy the other side at its best ask (a marketable order):

    * inside the exit window with |net| > exit_min_inventory: all of the net position;
    * otherwise with |net| > rebalance_threshold: down to inventory_skew_threshold.
    """
    net = position.net_position
    hours = market.hours_to_close
    if (
        hours is not None
        and hours <= config.exit_window_hours
        and abs(net) > config.exit_min_inventory
    ):
        size, reason = abs(net), f"forced exit: {hours:.2f} h to close, net {net}"
    elif abs(net) > config.rebalance_threshold:
        size = abs(net) - config.inventory_skew_threshold
        reason = f"rebalance: net {net} past rebalance_threshold {config.rebalance_threshold}"
    else:
        return None
    side = OrderSide.NO if net > 0 else OrderSide.YES
    # the best ask for NO is 1 - best YES bid; for YES it is the best YES ask
    best = market.best_yes_bid if side is OrderSide.NO else market.best_yes_ask
    size = round_count(size, market.count_step)
    if best is None or size <= 0:
        return None
    price = ONE - best if side is OrderSide.NO else best
    return Signal(
        market_id=market.market_id,
        side=side,
        target_price=price,
        size=size,
        strength=EXIT_STRENGTH,
        reason=reason,
        order_type=OrderType.MARKET,
    )

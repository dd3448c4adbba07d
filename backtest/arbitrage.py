"""The arbitrageur beside the market maker in the deterministic backtest (``bench/day.py``'s
``arbitrage+mm``): what the daemon's executor does, synchronously, with the same pure
code (``ArbitrageStrategy``, ``strategies.execution``, ``strategies.leg_risk``).

On every look it shows the strategy the books of the open markets less our own quotes,
the links and the exhaustive events of the universe, and executes the strongest signal:
the risk limits checked for every leg first (the maker's quotes and both strategies'
holdings count, as in the one PortfolioActor), halved until they pass; our own quotes
that a leg could trade with cancelled first; the legs placed one by one as taker orders
(the thinner first, fill-or-kill, the others sized to what it filled); uneven legs hedged
or unwound with the books of the moment. Its fills are its own: they do not move the
maker's inventory. ``figures`` says what it did.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from predmm.config.arbitrage import ArbitrageConfig
from predmm.domain.book import OrderBook
from predmm.domain.enums import MarketStatus
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Leg, Order
from predmm.domain.risk import Terms
from predmm.simulator.exchange.model import FillRecord
from predmm.strategies.arbitrage import ArbitrageStrategy
from predmm.strategies.base import StrategyView
from predmm.strategies.execution import (
    Balance,
    Execution,
    Outcome,
    Send,
    legs_of,
    meets,
    scaled,
)
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.leg_risk import resolve_legs
from predmm.strategies.views import exhaustive_events

if TYPE_CHECKING:
    from predmm.backtest.driver import Backtest

ZERO = Decimal(0)
COOLDOWN_S = 5.0


class ArbitrageRunner:
    def __init__(self, backtest: Backtest, config: ArbitrageConfig) -> None:
        self.bt = backtest
        self.strategy = ArbitrageStrategy(config)
        self.links = tuple(link.markets for link in backtest.universe.links())
        self.orders: set[VenueOrderId] = set()
        self.fills: dict[VenueOrderId, list[FillRecord]] = {}
        self.held: dict[MarketId, InventoryTracker] = {}
        self.cooling: dict[frozenset[MarketId], float] = {}
        self.executions = self.refused = 0
        self.baskets_taken = self.locked = self.naked = self.fees = ZERO
        self._ids = itertools.count(1)

    # the driver's hooks -----------------------------------------------------------------

    def step(self) -> None:
        """One look: the strongest basket worth taking, executed."""
        markets = self._markets()
        view = StrategyView(
            now=self.bt.sim.now(),
            markets=markets,
            books={m: self._book(m) for m in markets},
            positions=self.held,
            links=self.links,
            events=exhaustive_events(markets.values()),
        )
        for signal in self.strategy.signals(view):
            legs = legs_of(signal)
            key = frozenset(leg.market_id for leg in legs)
            if self.cooling.get(key, -1.0) > self.bt.elapsed:
                continue
            self.cooling[key] = self.bt.elapsed + COOLDOWN_S
            if self._execute(legs):
                return

    def on_fill(self, fill: FillRecord) -> None:
        tracker = self.held.setdefault(fill.market_id, InventoryTracker(market_id=fill.market_id))
        tracker.apply_fill(fill.side, fill.quantity, fill.price, fill.action, fill.fee)
        self.fills.setdefault(fill.order_id, []).append(fill)
        self.fees += fill.fee

    def settled(self, market_id: MarketId, yes_won: bool) -> None:
        tracker = self.held.get(market_id)
        if tracker is not None:
            tracker.settle(yes_won)

    def figures(self) -> dict[str, Any]:
        return {
            "executions": self.executions,
            "baskets": float(self.baskets_taken),
            "locked": float(self.locked),
            "naked": float(self.naked),
            "refused": self.refused,
            "fees": float(self.fees),
        }

    # executing ------------------------------------------------------------------------

    def _execute(self, legs: tuple[Leg, ...]) -> bool:
        size = legs[0].size
        while size >= 1 and self._refused(scaled(legs, size)):
            size = (size / 2).to_integral_value(rounding=ROUND_FLOOR)
        if size < 1:
            self.refused += 1
            return False
        ex = Execution(f"bt-e{self.executions}", "arbitrage", scaled(legs, size))
        self.executions += 1
        decision: Any = ex.start()
        for _ in range(20):  # legs, and at most three rounds of balancing
            if isinstance(decision, Send):
                for index, leg in decision.orders:
                    decision = self._send(ex, index, leg)
            elif isinstance(decision, Balance):
                books = {m: self._book(m) for m in ex.markets}
                plan = resolve_legs(
                    decision.legs,
                    decision.held,
                    books,
                    self.strategy.config.fees,
                    only=decision.only,
                )
                decision = ex.planned(plan)
            else:
                break
        outcome = ex.fills_overdue() if not isinstance(decision, Outcome) else decision
        self._count(ex, outcome)
        return True

    def _send(self, ex: Execution, index: int, leg: Leg) -> Any:
        ms = self.bt.markets[leg.market_id]
        self._pull(ms, leg)
        coid = ClientOrderId(f"bt-x{next(self._ids)}")
        ex.sent(coid, index, leg.action)
        outcome = self.bt.ex.place_order(
            ms.account,
            leg.market_id,
            leg.side,
            leg.limit_price,
            leg.size,
            action=leg.action,
            time_in_force=leg.time_in_force,
            client_order_id=coid,
        )
        self.bt.count_order(leg.market_id)
        filled = ZERO
        if outcome.order is not None:
            self.orders.add(outcome.order.order_id)
            filled = outcome.order.filled_quantity
        self.bt.drain()
        return ex.ended(coid, filled)

    def _pull(self, ms: Any, leg: Leg) -> None:
        """Our quotes that the leg could trade with are cancelled first."""
        taker = _order(leg)
        for live in list(ms.live.values()):
            quote = Order(
                client_order_id=ClientOrderId("quote"),
                market_id=leg.market_id,
                side=live.side,
                price=live.price,
                quantity=live.remaining,
            )
            if meets(taker, quote):
                self.bt.cancel_quote(ms, live)

    def _count(self, ex: Execution, outcome: Outcome) -> None:
        cash = ZERO
        for order_id in self.orders:
            for fill in self.fills.pop(order_id, []):
                sign = -1 if fill.action.value == "buy" else 1
                cash += sign * fill.price * fill.quantity - fill.fee
        self.orders.clear()
        self.baskets_taken += outcome.baskets
        self.naked += outcome.naked
        self.locked += outcome.baskets + cash if outcome.naked == 0 else ZERO

    # views ----------------------------------------------------------------------------

    def _markets(self) -> dict[MarketId, Market]:
        found = {}
        for market_id in self.bt.markets:
            if self.bt.ex.status(market_id) is MarketStatus.OPEN:
                view = self.bt.view_of(market_id)
                if view is not None:
                    found[market_id] = view
        return found

    def _book(self, market_id: MarketId) -> OrderBook:
        ms = self.bt.markets[market_id]
        own = {(q.side, q.price): q.remaining for q in ms.live.values()}
        return self.bt.ex.book(market_id).without(own)

    def _refused(self, legs: Sequence[Leg]) -> bool:
        return any(
            self.bt.refuses(
                leg.market_id,
                Terms(side=leg.side, action=leg.action, price=leg.limit_price, quantity=leg.size),
            )
            for leg in legs
        )


def _order(leg: Leg) -> Order:
    return Order(
        client_order_id=ClientOrderId("leg"),
        market_id=leg.market_id,
        side=leg.side,
        price=leg.limit_price,
        quantity=leg.size,
        action=leg.action,
    )

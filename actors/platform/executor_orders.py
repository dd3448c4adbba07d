"""The PlatformActor's side of the executor (``actors.executor``), a mixin: its taker
orders placed so that they never trade with our own quotes (``PlaceLegs``:
``actors.platform.self_trade``), the quotes a live leg could meet held back, and the
executor's orders' fills routed to it (a cross-venue hedge's also to its market: it is
the market maker's inventory; a resting quote's fill in a hedged market also to the
executor, ``MakerFilled``)."""

from __future__ import annotations

from typing import Any

import pykka

from predmm.actors.messages import AmendOrder, FillReceived, MakerFilled
from predmm.actors.platform.flow import OrderFlow
from predmm.actors.platform.self_trade import SelfTrade
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.order_table import OrderTable
from predmm.domain.orders import MARKET_MAKING, Fill, Order, strategy_of
from predmm.platforms.bridge import safe_tell


class ExecutorOrders:
    """Mixed into the PlatformActor (its ``flow``, ``table``, ``routes`` and ``log``)."""

    flow: OrderFlow
    table: OrderTable
    routes: dict[MarketId, pykka.ActorRef[Any]]
    log: Any
    executor: pykka.ActorRef[Any] | None
    executor_prefix: str | None
    hedged: frozenset[MarketId]
    self_trade: SelfTrade

    def _amend(self, msg: AmendOrder) -> None:
        raise NotImplementedError

    def _place(self, orders: tuple[Order, ...]) -> None:
        """Placements, but those a live leg could meet: kept back until it is done."""
        if not self.self_trade.legs:
            self.flow.place(orders)
            return
        for order in orders:
            if self.table.add(order) and not self.self_trade.holds(order, self.table):
                self.flow.queue([order.client_order_id])

    def _legs(self, orders: tuple[Order, ...]) -> None:
        """Taker orders: our own orders in their way cancelled first; each goes once its
        way is clear."""
        for order in orders:
            if not self.table.add(order):
                continue
            blocking = self.self_trade.add_leg(order, self.table)
            if blocking:
                self.log.info(
                    "{leg} waits for {n} of our orders in its way",
                    leg=order.client_order_id,
                    n=len(blocking),
                )
                self.flow.cancel(blocking)
            else:
                self.flow.queue([order.client_order_id], first=True)

    def _release(self) -> None:
        """Legs whose way is clear go first; what they held back follows once no live leg
        could meet it."""
        trade = self.self_trade
        if not (trade.waiting or trade.held):
            return
        self.flow.queue(trade.legs_ready(self.table), first=True)
        for item in trade.released(self.table):
            if isinstance(item, AmendOrder):
                self._amend(item)
            else:
                self.flow.queue([item.client_order_id])

    def _executors(self, coid: ClientOrderId | None) -> bool:
        """Whether the order is the executor's."""
        prefix = self.executor_prefix
        return prefix is not None and coid is not None and coid.value.startswith(prefix)

    def _route_fill(self, fill: Fill, message: object) -> None:
        """The executor's fills to it (a hedge's also to its market: it is the market
        maker's inventory); the others to their market, and a resting quote's in a hedged
        market to the executor too."""
        maker = strategy_of(fill.strategy) == MARKET_MAKING
        if self._executors(fill.client_order_id):
            safe_tell(self.executor, message)
            if maker:
                safe_tell(self.routes.get(fill.market_id), message)
            return
        safe_tell(self.routes.get(fill.market_id), message)
        if maker and fill.market_id in self.hedged and isinstance(message, FillReceived):
            order = self.table.get(fill.client_order_id) if fill.client_order_id else None
            if order is not None and order.post_only:
                safe_tell(self.executor, MakerFilled(fill=fill))

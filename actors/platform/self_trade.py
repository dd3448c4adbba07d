"""Self-trade prevention for the executor's taker orders ("legs": arbitrage legs, their
hedges and unwinds, cross-venue hedges), for one venue's PlatformActor.

Two of our orders in one market would trade with each other when they are bids on
opposite sides whose prices sum to $1 or more (a YES bid at b meets a NO bid at q when
b + q >= 1; selling YES at p is bidding for NO at 1 - p: ``strategies.execution.meets``).
A leg that our own resting quote stands in the way of would trade with it, so:

* the quotes in its way (any order of ours not finished, on the other side, at a crossing
  price) are cancelled first, and the leg waits until they are all finished
  (``legs_ready``);
* while a leg is live (waiting or sent), a placement or an amend of ours that it could
  meet is held back (``holds``) and let go once no live leg could meet it (``released``),
  so the market maker, requoting after its quote was pulled, cannot slip in front of the
  leg.

Arbitrage outranks market making: the quote makes way for the leg, never the other way.
Plain state over the order table: no I/O, no clock, no logging.
"""

from __future__ import annotations

import attrs

from predmm.actors.messages import AmendOrder
from predmm.domain.ids import ClientOrderId
from predmm.domain.order_table import OrderTable
from predmm.domain.orders import Order
from predmm.strategies.execution import meets

__all__ = ["SelfTrade", "meets"]


@attrs.define
class SelfTrade:
    """The legs live on one venue, what each waits for, and what they hold back."""

    waiting: dict[ClientOrderId, frozenset[ClientOrderId]] = attrs.Factory(dict)
    legs: set[ClientOrderId] = attrs.Factory(set)  # waiting or sent, not finished
    held: list[Order | AmendOrder] = attrs.Factory(list)

    def add_leg(self, leg: Order, table: OrderTable) -> list[ClientOrderId]:
        """``leg`` (in the table already) waits for our orders in its way: the ids to
        cancel (none: it may go at once)."""
        self.legs.add(leg.client_order_id)
        blocking = [o.client_order_id for o in table.live(leg.market_id) if meets(leg, o)]
        if blocking:
            self.waiting[leg.client_order_id] = frozenset(blocking)
        return blocking

    def legs_ready(self, table: OrderTable) -> list[ClientOrderId]:
        """The waiting legs whose way is clear now (every order in it finished)."""
        ready = [
            leg
            for leg, blocking in self.waiting.items()
            if all(_finished(table, c) for c in blocking)
        ]
        for leg in ready:
            del self.waiting[leg]
        return ready

    def holds(self, order: Order, table: OrderTable) -> bool:
        """Whether a placement must wait for a live leg it could meet (then it is kept)."""
        self._forget_finished(table)
        if any(meets(table[leg], order) for leg in self.legs):
            self.held.append(order)
            return True
        return False

    def holds_amend(self, amend: AmendOrder, table: OrderTable) -> bool:
        """Whether an amend must wait for a live leg its new price could meet."""
        order = table.get(amend.client_order_id)
        if order is None:
            return False
        moved = attrs.evolve(order, price=amend.price, quantity=amend.quantity)
        self._forget_finished(table)
        if any(meets(table[leg], moved) for leg in self.legs):
            self.held.append(amend)
            return True
        return False

    def released(self, table: OrderTable) -> list[Order | AmendOrder]:
        """The placements and amends held back that no live leg could meet any more."""
        if not self.held:
            return []
        self._forget_finished(table)
        keep: list[Order | AmendOrder] = []
        free: list[Order | AmendOrder] = []
        for item in self.held:
            order = item if isinstance(item, Order) else _amended(table, item)
            blocked = order is not None and any(meets(table[leg], order) for leg in self.legs)
            (keep if blocked else free).append(item)
        self.held = keep
        return free

    def _forget_finished(self, table: OrderTable) -> None:
        self.legs = {c for c in self.legs if not _finished(table, c)}


def _finished(table: OrderTable, coid: ClientOrderId) -> bool:
    order = table.get(coid)
    return order is None or order.status.is_terminal


def _amended(table: OrderTable, amend: AmendOrder) -> Order | None:
    order = table.get(amend.client_order_id)
    if order is None:
        return None
    return attrs.evolve(order, price=amend.price, quantity=amend.quantity)

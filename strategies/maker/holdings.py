"""What a MarketActor holds beyond the fills it has received: fills its orders are known
to have made (an answer or an update says so) whose messages have not arrived yet.

Venue answers race: an immediate-or-cancel exit can come back FILLED before its fill
message, and a quote's update can say "5 filled" before the fill does. Until the fills
arrive, ``PendingFills`` counts what each order is owed as pending inventory
(``effective``: the inventory the strategy sizes quotes and exits on); each fill then
replaces its share exactly once, whether it comes before or after the answer. A finished
order stays here until its fills are in (``waiting``: an exit is in flight until then).
``reducing_room`` is what of a position is left to reduce once the orders that reduce it
fill: the room a REDUCING portfolio grants, which an exit takes before any quote
(``exit_within_room``, ``room_for_quotes``). Plain state owned by one MarketActor and pure
functions: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide, OrderStatus
from predmm.domain.ids import ClientOrderId, FillId
from predmm.domain.orders import Fill, Order
from predmm.strategies.fills import apply_fill
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import Quote

ZERO = Decimal(0)
PENDING = FillId("pending")


class PendingFills:
    def __init__(self) -> None:
        self.counted: dict[ClientOrderId, Decimal] = {}  # fills received, per order tracked
        self.finished: dict[ClientOrderId, Order] = {}  # done, but fills still to come

    def recovered(self, order: Order, counted: Decimal) -> None:
        """An order a new incarnation takes over, of which ``counted`` contracts of fills
        are in the inventory it starts from."""
        self.counted[order.client_order_id] = counted
        if order.status.is_terminal:
            self.order_done(order)

    def fill(self, fill: Fill, live: Mapping[ClientOrderId, Order]) -> ClientOrderId | None:
        """A fill received (already in the inventory); the finished order it completes."""
        coid = fill.client_order_id
        if coid is None or (coid not in live and coid not in self.finished):
            return None
        self.counted[coid] = self.counted.get(coid, ZERO) + fill.quantity
        done = self.finished.get(coid)
        if done is not None and self.counted[coid] >= done.filled_quantity:
            self._forget(coid)
            return coid
        return None

    def order_done(self, order: Order) -> bool:
        """``order`` finished: True while fills it made are still to come."""
        coid = order.client_order_id
        if order.filled_quantity > self.counted.get(coid, ZERO):
            self.finished[coid] = order
            return True
        self._forget(coid)
        return False

    def waiting(self, coid: ClientOrderId) -> bool:
        return coid in self.finished

    def owed(self, live: Mapping[ClientOrderId, Order]) -> Iterator[tuple[Order, Decimal]]:
        """Each order that filled more than its fills received, and by how much."""
        counted = self.counted
        for orders in (live, self.finished):
            for coid, order in orders.items():
                missing = order.filled_quantity - counted.get(coid, ZERO)
                if missing > 0:
                    yield order, missing

    def effective(
        self, inventory: InventoryTracker, live: Mapping[ClientOrderId, Order]
    ) -> InventoryTracker:
        """``inventory`` with what every order is owed added at the order's price (the
        same object when nothing is owed)."""
        owed = [*self.owed(live)]
        if not owed:
            return inventory
        out = InventoryTracker(
            market_id=inventory.market_id,
            yes_contracts=inventory.yes_contracts,
            no_contracts=inventory.no_contracts,
            avg_yes_price=inventory.avg_yes_price,
            avg_no_price=inventory.avg_no_price,
            realized_pnl=inventory.realized_pnl,
            fees_paid=inventory.fees_paid,
            max_inventory=inventory.max_inventory,
        )
        for order, quantity in owed:
            apply_fill(out, _as_fill(order, quantity))
        return out

    def _forget(self, coid: ClientOrderId) -> None:
        self.counted.pop(coid, None)
        self.finished.pop(coid, None)


def _as_fill(order: Order, quantity: Decimal) -> Fill:
    return Fill(
        fill_id=PENDING,
        market_id=order.market_id,
        side=order.side,
        price=order.price,
        quantity=quantity,
        action=order.action,
    )


def caught_up(order: Order, counted: Decimal) -> Order:
    """``order`` as the ``counted`` contracts of fills received for it show it: its fill
    comes before its own update, and an amend sized on the older count (Kalshi's amend
    names the new total, filled and resting) would leave less resting than wanted."""
    if counted <= order.filled_quantity:
        return order
    status = OrderStatus.PARTIALLY_FILLED if order.status is OrderStatus.OPEN else order.status
    return attrs.evolve(order, filled_quantity=min(counted, order.quantity), status=status)


def reducing_room(net: Decimal, orders: Iterable[Order]) -> Decimal:
    """How much of net position ``net`` (YES - NO) is left to reduce once every order of
    ``orders`` that reduces it (a buy of the short side) fills: never below zero."""
    if net == 0:
        return ZERO
    short = OrderSide.NO if net > 0 else OrderSide.YES
    resting = sum((o.remaining for o in orders if o.action is Action.BUY and o.side is short), ZERO)
    return max(ZERO, abs(net) - resting)


def exit_within_room(
    quote: Quote, net: Decimal, live: Mapping[ClientOrderId, Order]
) -> tuple[Quote | None, list[ClientOrderId]]:
    """A REDUCING exit ``quote`` cut to what is left to reduce of net position ``net``
    once the ``live`` orders that reduce it fill (None: nothing yet), and the orders in
    its way to cancel (the buys of its side: empty when the exit fits), so that the rest
    of the exit can follow once they are gone."""
    room = reducing_room(net, live.values())
    if quote.size <= room:
        return quote, []
    in_way = [c for c, o in live.items() if o.side is quote.side and o.action is Action.BUY]
    return (Quote(quote.side, quote.price, room) if room > 0 else None), in_way


def room_for_quotes(net: Decimal, exits: Iterable[Order], exit_waits: bool) -> Decimal:
    """What REDUCING quotes may take off net position ``net``, signed like it: what the
    ``exits`` in flight leave, nothing while an exit waits for room."""
    room = ZERO if exit_waits else reducing_room(net, exits)
    return room if net > 0 else -room

"""What one message handled by the PlatformActor changed in its order table, collected
until the actor tells it, once per message (``OrderChanges.record`` is the table's
``on_change``): every change for the journal, in the order it happened; per market, the
orders whose MarketActor did not make the change itself (anything but a submit or a
cancel request) or that closed; and the closed orders, whose reservations the
PortfolioActor releases. It only collects: the actor takes the lists and tells.
"""

from __future__ import annotations

from predmm.domain.exposure import OrderClosed
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order, OrderEvent

E = OrderEvent
QUIET = (None, E.SUBMIT, E.CANCEL_REQUEST)  # changes a market makes itself


class OrderChanges:
    def __init__(self) -> None:
        self.journal: list[tuple[Order, OrderEvent | None]] = []
        self.by_market: dict[MarketId, list[Order]] = {}
        self.closed: list[OrderClosed] = []

    def record(self, order: Order, event: OrderEvent | None, closed: bool) -> None:
        self.journal.append((order, event))
        if closed or event not in QUIET:
            self.by_market.setdefault(order.market_id, []).append(order)
        if closed:
            self.closed.append(
                OrderClosed(
                    client_order_id=order.client_order_id, filled_quantity=order.filled_quantity
                )
            )

    def take_journal(self) -> list[tuple[Order, OrderEvent | None]]:
        """The changes not yet journaled, oldest first; none are kept."""
        changes, self.journal = self.journal, []
        return changes

    def told(self) -> None:
        """The markets and the portfolio have been told."""
        self.by_market, self.closed = {}, []

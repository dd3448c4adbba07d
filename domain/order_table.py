"""The PlatformActor's order table: every order of one venue and its state, moved only
through ``Order.on`` (the domain's transition table). No I/O, no clock; owned by exactly
one PlatformActor. Each change is reported to ``on_change(order, event, closed)``.

Venue answers can arrive late or out of order (a fill after its cancel, an update after
a fill): an event for an order that is already finished is ignored, and an event that its
state does not allow is logged and dropped rather than killing the venue's actor.

The daemon runs for days: finished orders are kept only for the newest
``RETAIN_CLOSED`` of them (long enough for any late fill or update to find its order),
and fill ids for the newest ``RETAIN_FILLS`` (a duplicate arrives within seconds; the
journal's unique fill ids are the last guard).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

import attrs
from loguru import logger

from predmm.domain.enums import OrderStatus
from predmm.domain.errors import InvalidTransition
from predmm.domain.events import OrderUpdated, PlaceResult
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId
from predmm.domain.orders import Fill, Order, OrderEvent

E = OrderEvent
S = OrderStatus
ZERO = Decimal(0)
OnChange = Callable[[Order, OrderEvent | None, bool], None]
RETAIN_CLOSED = 20_000
RETAIN_FILLS = 200_000
K = TypeVar("K", bound=Hashable)


class RecentIds(Generic[K]):
    """A set that remembers only its newest ``limit`` members, forgetting the oldest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._ids: set[K] = set()
        self._order: deque[K] = deque()

    def add(self, key: K) -> None:
        if key in self._ids:
            return
        self._ids.add(key)
        self._order.append(key)
        if len(self._order) > self.limit:
            self._ids.discard(self._order.popleft())

    def discard(self, key: K) -> None:
        """Forget ``key`` (its place in the order is dropped when it comes up)."""
        self._ids.discard(key)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __iter__(self) -> Iterator[K]:
        """Oldest first."""
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._ids)


_EVENT_FOR_STATUS = {
    S.OPEN: E.ACCEPT,
    S.PARTIALLY_FILLED: E.PARTIAL_FILL,
    S.FILLED: E.FILL,
    S.CANCELLED: E.CANCELLED,
    S.REJECTED: E.REJECT,
    S.EXPIRED: E.EXPIRE,
    S.PENDING_CANCEL: E.ACCEPT,
}


class OrderTable:
    def __init__(
        self,
        on_change: OnChange,
        retain_closed: int = RETAIN_CLOSED,
        retain_fills: int = RETAIN_FILLS,
    ) -> None:
        self._on_change = on_change
        self._retain_closed = retain_closed
        self._closed: deque[ClientOrderId] = deque()  # finished orders, oldest first
        self._orders: dict[ClientOrderId, Order] = {}
        self._open: dict[MarketId, set[ClientOrderId]] = {}
        self._by_venue: dict[VenueOrderId, ClientOrderId] = {}
        self._fill_qty: dict[ClientOrderId, Decimal] = {}
        self._awaiting: set[ClientOrderId] = set()  # cancel wanted, submit answer not yet in
        self._ready: list[ClientOrderId] = []
        self._unknown: set[ClientOrderId] = set()
        self._owed: set[ClientOrderId] = set()  # finished, filled more than the fills counted
        # closed without the venue's word that they are gone (never found, or refused by
        # an error): the only finished orders a venue may later show resting
        self.given_up: RecentIds[ClientOrderId] = RecentIds(retain_closed)
        self.seen_fills: RecentIds[FillId] = RecentIds(retain_fills)
        self.duplicate_fills = 0
        self.closed_count = 0

    # queries ------------------------------------------------------------------------

    def get(self, coid: ClientOrderId) -> Order | None:
        return self._orders.get(coid)

    def __getitem__(self, coid: ClientOrderId) -> Order:
        return self._orders[coid]

    def live(self, market_id: MarketId | None) -> Iterator[Order]:
        """Orders not finished (PENDING included), of one market or of all."""
        if market_id is None:
            ids = [c for cs in self._open.values() for c in cs]
        else:
            ids = list(self._open.get(market_id, ()))
        return (self._orders[c] for c in sorted(ids))

    def has_live(self) -> bool:
        return any(self._open.values())

    def order_fills(self, market_id: MarketId) -> list[tuple[Order, Decimal]]:
        """The market's live orders and its finished orders still owed fills (the venue
        said they filled; the fill messages have not all come), each with the quantity of
        fills counted for it."""
        owed = {c for c in self._owed if self._orders[c].market_id == market_id}
        ids = sorted(owed | self._open.get(market_id, set()))
        return [(self._orders[c], self._fill_qty.get(c, ZERO)) for c in ids]

    def unknown(self) -> Iterator[Order]:
        """Orders whose state the venue must be asked about (a lost answer, a cancel the
        venue did not confirm)."""
        return (self._orders[c] for c in sorted(self._unknown))

    def is_unknown(self, coid: ClientOrderId) -> bool:
        return coid in self._unknown

    def taken_late(self, update: OrderUpdated) -> Order | None:
        """The order as ``update`` shows it, if it is one given up as never taken that
        the venue shows resting (it took it after all); None for any other update (a late
        update of an order that finished is stale, and ignored)."""
        coid = update.client_order_id or self._by_venue.get(update.venue_order_id)
        order = self._orders.get(coid) if coid is not None else None
        if order is None or coid not in self.given_up or not update.status.may_rest:
            return None
        if not order.status.is_terminal:
            return None
        return attrs.evolve(
            order,
            status=update.status,
            filled_quantity=update.filled_quantity,
            venue_order_id=update.venue_order_id,
        )

    def known_as(self, order: Order) -> Order | None:
        """This table's order for one the venue lists: by client order id, else by the
        venue's id (an order adopted at a restart under the venue's name for it)."""
        found = self._orders.get(order.client_order_id)
        if found is None and order.venue_order_id is not None:
            coid = self._by_venue.get(order.venue_order_id)
            found = self._orders.get(coid) if coid is not None else None
        return found

    # changes ------------------------------------------------------------------------

    def add(self, order: Order) -> bool:
        if order.client_order_id in self._orders:
            logger.error(
                "duplicate client order id {coid}: not placed twice", coid=order.client_order_id
            )
            return False
        self._store(order, None)
        return True

    def adopt(self, order: Order) -> None:
        """An order the venue holds that this table did not know (after a restart)."""
        if order.client_order_id not in self._orders and not order.status.is_terminal:
            self._store(order, None)

    def revive(self, order: Order) -> bool:
        """A finished order that the venue shows resting after all (taken after it was
        given up): live again, as the venue shows it. False if there is nothing to revive."""
        coid = order.client_order_id
        old = self._orders.get(coid)
        if old is None or not old.status.is_terminal or order.status.is_terminal:
            return False
        self._closed.remove(coid)
        self._owed.discard(coid)
        self.given_up.discard(coid)
        revived = attrs.evolve(
            old,
            status=order.status,
            filled_quantity=max(old.filled_quantity, order.filled_quantity),
            venue_order_id=order.venue_order_id or old.venue_order_id,
            reason="",
        )
        self._store(revived, None)
        return True

    def apply(self, coid: ClientOrderId, event: OrderEvent, **changes: object) -> Order | None:
        order = self._orders.get(coid)
        if order is None or order.status.is_terminal:
            return None
        try:
            new = order.on(event, **changes)
        except InvalidTransition as exc:
            logger.warning("order {coid}: {exc}; event dropped", coid=coid, exc=exc)
            return None
        if event is E.LOST:
            self._unknown.add(coid)
        self._store(new, event)
        return new

    def placed(self, result: PlaceResult) -> None:
        """The answer to a placement, or what reconciliation found."""
        self._answered(result.client_order_id)
        order = self._orders.get(result.client_order_id)
        if order is None:
            return
        event = self._event_for(order, result.status)
        filled = max(order.filled_quantity, result.filled_quantity)
        venue_id = result.venue_order_id or order.venue_order_id
        self.apply(
            result.client_order_id,
            event,
            filled_quantity=filled,
            venue_order_id=venue_id,
            reason=result.reason,
            expires_at=result.expires_at or order.expires_at,
        )
        self._after_answer(result.client_order_id)

    def reconciled(self, coid: ClientOrderId, found: Order | None) -> None:
        self._answered(coid)
        if found is None:
            if self.apply(coid, E.NOT_FOUND, reason="not on the venue") is not None:
                self.given_up.add(coid)
        else:
            self.placed(
                PlaceResult(
                    client_order_id=coid,
                    status=found.status,
                    venue_order_id=found.venue_order_id,
                    filled_quantity=found.filled_quantity,
                )
            )
        self._after_answer(coid)

    def update(self, update: OrderUpdated) -> None:
        coid = update.client_order_id or self._by_venue.get(update.venue_order_id)
        if coid is None or coid not in self._orders:
            return
        self.placed(
            PlaceResult(
                client_order_id=coid,
                status=update.status,
                venue_order_id=update.venue_order_id,
                filled_quantity=update.filled_quantity,
            )
        )

    def reject(self, coid: ClientOrderId, reason: str) -> None:
        order = self._orders.get(coid)
        if order is not None:
            self._answered(coid)
            self.apply(coid, self._event_for(order, S.REJECTED), reason=reason)

    def amended(
        self,
        coid: ClientOrderId,
        price: Decimal,
        quantity: Decimal,
        expires_at: datetime | None = None,
    ) -> None:
        order = self._orders.get(coid)
        if order is not None and not order.status.is_terminal:
            expiry = expires_at or order.expires_at
            changed = attrs.evolve(order, price=price, quantity=quantity, expires_at=expiry)
            self._store(changed, None)

    def renewed(self, coid: ClientOrderId, expires_at: datetime | None) -> None:
        """The venue moved a resting order's expiry (a renewal)."""
        order = self._orders.get(coid)
        if order is not None and not order.status.is_terminal and expires_at is not None:
            self._store(attrs.evolve(order, expires_at=expires_at), None)

    def fill(self, fill: Fill) -> Fill | None:
        """Count a fill once (None for a duplicate); returns it with our client order id
        and its order's strategy."""
        if fill.fill_id in self.seen_fills:
            self.duplicate_fills += 1
            return None
        self.seen_fills.add(fill.fill_id)
        coid = fill.client_order_id
        if coid is None and fill.venue_order_id is not None:
            coid = self._by_venue.get(fill.venue_order_id)
        if coid is None or coid not in self._orders:
            return fill
        total = self._fill_qty.get(coid, ZERO) + fill.quantity
        self._fill_qty[coid] = total
        order = self._orders[coid]
        filled = max(order.filled_quantity, total)
        event = E.FILL if filled >= order.quantity else E.PARTIAL_FILL
        self.apply(coid, event, filled_quantity=filled)
        current = self._orders.get(coid)
        if current is None or total >= current.filled_quantity:
            self._owed.discard(coid)
        if fill.client_order_id == coid and fill.strategy == order.strategy:
            return fill
        return attrs.evolve(fill, client_order_id=coid, strategy=order.strategy)

    def cancel_unconfirmed(self, coid: ClientOrderId) -> None:
        """The venue did not say what became of a cancelled order: look it up (a fill may
        still be on its way), and cancel again if it still rests."""
        self._unknown.add(coid)
        self._awaiting.add(coid)

    def defer_cancel(self, coid: ClientOrderId) -> None:
        self._awaiting.add(coid)

    def take_ready_cancels(self) -> list[ClientOrderId]:
        ready, self._ready = self._ready, []
        return [c for c in ready if (o := self._orders.get(c)) and o.status is S.PENDING_CANCEL]

    # internals ----------------------------------------------------------------------

    def _event_for(self, order: Order, status: OrderStatus) -> OrderEvent:
        if order.status is S.PENDING_CANCEL and status is S.REJECTED:
            return E.CANCELLED
        if status in (S.SUBMITTED, S.PENDING, S.UNKNOWN):
            return E.LOST
        return _EVENT_FOR_STATUS[status]

    def _answered(self, coid: ClientOrderId) -> None:
        self._unknown.discard(coid)

    def _after_answer(self, coid: ClientOrderId) -> None:
        if coid in self._awaiting:
            order = self._orders[coid]
            if order.status is S.PENDING_CANCEL and coid not in self._unknown:
                self._awaiting.discard(coid)
                self._ready.append(coid)
            elif order.status.is_terminal:
                self._awaiting.discard(coid)

    def __len__(self) -> int:
        """Orders held: every live one and the newest finished ones."""
        return len(self._orders)

    def _forget_oldest(self) -> None:
        while len(self._closed) > self._retain_closed:
            coid = self._closed.popleft()
            order = self._orders.pop(coid, None)
            self._fill_qty.pop(coid, None)
            self._owed.discard(coid)
            vid = order.venue_order_id if order is not None else None
            if vid is not None and self._by_venue.get(vid) == coid:
                del self._by_venue[vid]

    def _store(self, order: Order, event: OrderEvent | None) -> None:
        coid = order.client_order_id
        self._orders[coid] = order
        if order.venue_order_id is not None:
            self._by_venue[order.venue_order_id] = coid
        closed = order.status.is_terminal
        if closed:
            self._open.get(order.market_id, set()).discard(coid)
            self._unknown.discard(coid)
            self._awaiting.discard(coid)
            if order.filled_quantity > self._fill_qty.get(coid, ZERO):
                self._owed.add(coid)
            self.closed_count += 1
            self._closed.append(coid)
            self._forget_oldest()
        else:
            self._open.setdefault(order.market_id, set()).add(coid)
        self._on_change(order, event, closed)

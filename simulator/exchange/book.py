"""The price-time-priority book of one binary market: a YES-bid ladder and a NO-bid ladder.

A resting order lives on the ladder of the contract it gets long: BUY YES at p and SELL
NO at 1 - p on the YES ladder at p; BUY NO at q and SELL YES at 1 - q on the NO ladder at
q. A YES bid at p crosses a NO bid at q when p + q >= 1.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import attrs
from sortedcontainers import SortedDict

from predmm.domain import (
    Action,
    ClientOrderId,
    Level,
    MarketId,
    OrderBook,
    OrderSide,
    OrderStatus,
    TimeInForce,
    VenueOrderId,
)
from predmm.simulator.exchange.model import ZERO, AccountId, CancelReason, GroupId, OrderRecord


@attrs.define(eq=False, slots=True)
class WorkingOrder:
    """The exchange's mutable state of one order (never handed out: see ``record``)."""

    order_id: VenueOrderId
    account_id: AccountId
    market_id: MarketId
    side: OrderSide
    action: Action
    price: Decimal
    quantity: Decimal
    time_in_force: TimeInForce
    post_only: bool
    client_order_id: ClientOrderId | None
    expiration: datetime | None
    created_at: datetime
    updated_at: datetime
    book_side: OrderSide
    book_price: Decimal
    filled: Decimal = ZERO
    status: OrderStatus = OrderStatus.OPEN
    cancel_reason: CancelReason | None = None
    reserved_cash: Decimal = ZERO
    reserved_tokens: Decimal = ZERO
    maker_fees: Decimal = ZERO
    taker_fees: Decimal = ZERO
    cost: Decimal = ZERO
    in_book: bool = False  # queued on a ladder and live
    book_token: int = 0  # which queue entry is the live one (an order can be re-queued)
    maker_filled: Decimal = ZERO  # maker fills at ``price`` (the fee accumulator)
    maker_fee_base: Decimal = ZERO  # maker fees charged for them
    group_id: GroupId | None = None
    cancel_on_pause: bool = False

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled

    def record(self) -> OrderRecord:
        return OrderRecord(
            order_id=self.order_id,
            account_id=self.account_id,
            market_id=self.market_id,
            side=self.side,
            action=self.action,
            price=self.price,
            quantity=self.quantity,
            filled_quantity=self.filled,
            status=self.status,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            client_order_id=self.client_order_id,
            expiration=self.expiration,
            created_at=self.created_at,
            updated_at=self.updated_at,
            book_side=self.book_side,
            book_price=self.book_price,
            cancel_reason=self.cancel_reason,
            maker_fees=self.maker_fees,
            taker_fees=self.taker_fees,
            cost=self.cost,
            group_id=self.group_id,
            cancel_on_pause=self.cancel_on_pause,
        )


_Entry = tuple[int, WorkingOrder]


def _alive(entry: _Entry) -> bool:
    token, order = entry
    return order.in_book and order.book_token == token


class Ladder:
    """Bids of one side: price -> FIFO queue of orders, best (highest) price last.

    A cancel only marks the order out of the book (O(1)); dead entries are dropped when
    they reach the front of their queue, or with their level when it has no live order."""

    __slots__ = ("levels", "live", "sizes")

    def __init__(self) -> None:
        self.levels: SortedDict = SortedDict()
        self.sizes: dict[Decimal, Decimal] = {}
        self.live: dict[Decimal, int] = {}

    def best(self) -> Decimal | None:
        return self.levels.peekitem(-1)[0] if self.levels else None

    def add(self, order: WorkingOrder) -> Decimal:
        """Queue ``order`` at the back of its level; return the level's new size."""
        price = order.book_price
        queue = self.levels.get(price)
        if queue is None:
            queue = self.levels[price] = deque()
            self.live[price] = 0
        order.book_token += 1
        order.in_book = True
        queue.append((order.book_token, order))
        self.live[price] += 1
        size = self.sizes.get(price, ZERO) + order.remaining
        self.sizes[price] = size
        return size

    def remove(self, order: WorkingOrder, size_before: Decimal) -> Decimal:
        """Take ``order`` (which had ``size_before`` remaining) out; return the new size."""
        order.in_book = False
        price = order.book_price
        self.live[price] -= 1
        if self.live[price] == 0:
            self._drop(price)
            return ZERO
        size = self.sizes[price] - size_before
        self.sizes[price] = size
        return size

    def reduce(self, order: WorkingOrder, by: Decimal) -> Decimal:
        """The order stays queued with ``by`` less remaining; return the new level size."""
        size = self.sizes[order.book_price] - by
        self.sizes[order.book_price] = size
        return size

    def front(self, price: Decimal) -> WorkingOrder:
        """The first live order at ``price`` (the level must exist)."""
        queue: deque[_Entry] = self.levels[price]
        while not _alive(queue[0]):
            queue.popleft()
        return queue[0][1]

    def _drop(self, price: Decimal) -> None:
        for entry in self.levels.pop(price):
            if _alive(entry):
                entry[1].in_book = False
        del self.sizes[price], self.live[price]

    def queue(self, price: Decimal) -> Iterator[WorkingOrder]:
        """The live orders at ``price``, in time priority."""
        return (e[1] for e in self.levels[price] if _alive(e))

    def prices_best_first(self) -> Iterator[Decimal]:
        return reversed(self.levels.keys())  # type: ignore[no-any-return]

    def orders(self) -> Iterator[WorkingOrder]:
        for queue in self.levels.values():
            yield from (e[1] for e in queue if _alive(e))

    def snapshot(self) -> tuple[Level, ...]:
        return tuple(Level(p, self.sizes[p]) for p in reversed(self.levels.keys()))


class Book:
    __slots__ = ("ladders", "market_id", "seq")

    def __init__(self, market_id: MarketId) -> None:
        self.market_id = market_id
        self.ladders = {OrderSide.YES: Ladder(), OrderSide.NO: Ladder()}
        self.seq = 0

    def ladder(self, side: OrderSide) -> Ladder:
        return self.ladders[side]

    def snapshot(self) -> OrderBook:
        return OrderBook(
            self.market_id,
            self.ladders[OrderSide.YES].snapshot(),
            self.ladders[OrderSide.NO].snapshot(),
        )

    def resting(self) -> Iterator[WorkingOrder]:
        yield from self.ladders[OrderSide.YES].orders()
        yield from self.ladders[OrderSide.NO].orders()

"""An in-memory venue implementing ``platforms.venue.VenueClient``, for the actor tests.

A tiny matching book: our resting bids rest until a taker (``take``) trades into them.
Failures are injected per call: ``fail("place", "429")``, ``fail("place", "lost")`` (the
order IS placed, then the call times out), ``fail("place", "late")`` (the call times out
and the venue takes the orders only when the test says: ``accept_late()``),
``fail("cancel", "5xx")``; fills can be dropped from the stream (``drop_fills``: only
``get_fills`` shows them), sent twice (``duplicate_fills``) or, for immediate-or-cancel
orders, held back until ``release_fills()`` (``hold_ioc_fills``: the order's FILLED
answer then comes first; ``hold_fills``: every fill, a stream late with them).
``settle`` resolves a market as a venue does (resting orders cancelled, positions paid
out and cleared, the settlement listed by ``get_settlements`` and, unless
``announce=False``, told on the stream). Like Polymarket's client, it can answer cancels
without saying what filled (``cancels_say_filled = False``) and not find by client order
id the orders an earlier process placed (``strangers``; ``get_order_by_id`` finds them).
Immediate orders (IOC, FOK, MARKET) fill at their limit up to
``taker_liquidity[market]`` (unlimited when absent; FOK: all or nothing), the rest
cancelled. With ``order_ttl_s`` in its capabilities and a ``clock``, resting orders
expire that long after they were placed or last amended (``expire_due``), as Kalshi's
safety net has them; ``fail("place", "tripped")`` refuses a placement as a tripped order
group does, and ``trip()`` says so on the stream. Every request is logged in ``calls``
in the order it arrived. Used only from the trio thread.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import trio

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, OrderStatus, OrderType, TimeInForce, Venue
from predmm.domain.errors import RateLimited, VenueUnavailable
from predmm.domain.events import (
    BookUpdated,
    CancelResult,
    FillPage,
    MarketSettled,
    OrderFilled,
    OrderUpdated,
    PlaceResult,
    Position,
    SafetyNetTripped,
    Settlement,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Fill, Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.venue import Capabilities

ZERO = Decimal(0)
ONE = Decimal(1)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def fake_capabilities(
    *,
    amend: bool = False,
    batch: int = 20,
    tokens_per_s: str = "100000",
    burst: str = "100000",
    order_tokens: str = "10",
    cancel_tokens: str = "2",
    order_ttl_s: int | None = None,
) -> Capabilities:
    return Capabilities(
        amend=amend,
        decrease=amend,
        max_batch_create=batch,
        max_batch_cancel=batch,
        post_only=True,
        dead_man_switch=False,
        fractional_counts=False,
        write_tokens_per_s=Decimal(tokens_per_s),
        write_burst=Decimal(burst),
        order_tokens=Decimal(order_tokens),
        cancel_tokens=Decimal(cancel_tokens),
        order_ttl_s=order_ttl_s,
    )


def fake_market(
    venue: Venue,
    symbol: str,
    *,
    event: str | None = None,
    liquidity: str = "20000",
    hours: float = 48.0,
    bid: str = "0.48",
    ask: str = "0.52",
) -> Market:
    from predmm.domain.ids import EventId

    return Market(
        market_id=MarketId(venue, symbol),
        title=symbol,
        event_id=EventId(event) if event else None,
        tick=TickSpec.uniform("0.01"),
        liquidity=Decimal(liquidity),
        volume=Decimal(1000),
        best_yes_bid=Decimal(bid),
        best_yes_ask=Decimal(ask),
        close_time=T0 + timedelta(hours=hours),
        as_of=T0,
    )


def book_of(
    market_id: MarketId, bid: str = "0.48", ask: str = "0.52", size: str = "500"
) -> OrderBook:
    return OrderBook.from_yes_quotes(
        market_id, [Level(Decimal(bid), Decimal(size))], [Level(Decimal(ask), Decimal(size))]
    )


RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


class OrderTable(dict[ClientOrderId, Order]):
    """The venue's orders by client order id, the resting ones also kept apart: the
    storms of the actor tests place thousands of orders and look at the resting ones
    after every fill (a scan of every order ever placed made them quadratic)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: dict[ClientOrderId, Order] = {}
        self.rank: dict[ClientOrderId, int] = {}  # first placed first, as the dict lists

    def __setitem__(self, coid: ClientOrderId, order: Order) -> None:
        self.rank.setdefault(coid, len(self.rank))
        super().__setitem__(coid, order)
        if order.status in RESTING:
            self.open[coid] = order
        else:
            self.open.pop(coid, None)

    def __delitem__(self, coid: ClientOrderId) -> None:
        raise TypeError("a venue keeps every order it was sent")

    def resting(self) -> list[Order]:
        """The resting orders, in the order they were first placed."""
        return sorted(self.open.values(), key=lambda o: self.rank[o.client_order_id])


class Hub:
    """Wakes ``wait_until`` of every venue sharing it when any of them is asked anything."""

    def __init__(self) -> None:
        self.changed = trio.Event()

    def touch(self) -> None:
        self.changed.set()
        self.changed = trio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        with trio.fail_after(timeout):
            while not predicate():
                await self.changed.wait()


class FakeVenue:
    def __init__(
        self,
        venue: Venue = Venue.KALSHI,
        *,
        capabilities: Capabilities | None = None,
        markets: Sequence[Market] = (),
        hub: Hub | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.venue = venue
        self.clock = clock or (lambda: T0)
        self.capabilities = capabilities or fake_capabilities()
        self.markets = {m.market_id: m for m in markets}
        self.orders = OrderTable()
        self.fills: list[Fill] = []
        self.calls: list[tuple[str, tuple[ClientOrderId, ...]]] = []
        self.placements: dict[ClientOrderId, int] = {}  # how often each id was placed
        self._failures: dict[str, deque[str]] = {}
        self._streams: list[trio.MemorySendChannel[VenueEvent]] = []
        self._ids = itertools.count(1)
        self.drop_fills = 0
        self.duplicate_fills = 0
        self.hold_ioc_fills = False
        self.hold_fills = False  # every fill message held back until ``release_fills``
        self.held: list[VenueEvent] = []
        self.late: list[Order] = []  # taken by the venue only at ``accept_late``
        self.position_offsets: dict[MarketId, Decimal] = {}  # YES the positions misreport
        self.stale_open: list[Order] = []  # listed as resting although gone (a stale read)
        self.closed = False
        self.hub = hub or Hub()
        self.gate: trio.Event | None = None  # placements wait for it while it is set
        self.cancel_gate: trio.Event | None = None  # and cancels for this one
        self.amend_gate: trio.Event | None = None  # and amends for this one
        self.cancel_waiting = False
        self.settlements: dict[MarketId, Settlement] = {}
        self.cancels_say_filled = True  # False: a cancel's answer says nothing of fills
        self.strangers: set[ClientOrderId] = set()  # placed by an earlier process's client:
        # not found by client order id (Polymarket's client knows only its own hashes)
        self.taker_liquidity: dict[MarketId, Decimal] = {}  # what immediate orders can take

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait (trio) until ``predicate()`` holds, re-checking after every request."""
        await self.hub.wait_until(predicate, timeout)

    def _touch(self) -> None:
        self.hub.touch()

    # test controls ------------------------------------------------------------------

    def fail(self, op: str, kind: str, times: int = 1) -> None:
        self._failures.setdefault(op, deque()).extend([kind] * times)

    def publish_book(self, book: OrderBook) -> None:
        self._emit(BookUpdated(book=book))

    def resting(self, market_id: MarketId | None = None) -> list[Order]:
        return [o for o in self.orders.resting() if market_id in (None, o.market_id)]

    def orders_resting(self) -> set[ClientOrderId]:
        return {o.client_order_id for o in self.resting()}

    def vanish(self, coid: ClientOrderId) -> None:
        """The venue cancels an order and says nothing (a lost update message)."""
        self._cancel(coid)

    def expire(self, coid: ClientOrderId) -> None:
        """The venue takes an order away by itself (expiry, self-trade prevention, ...)."""
        self._cancel(coid)
        self._emit(self.update_event(self.orders[coid]))

    def expire_due(self, *, tell: bool = False) -> list[ClientOrderId]:
        """Expire the resting orders whose expiry has passed (``tell``: on the stream)."""
        now = self.clock()
        due = [o for o in self.resting() if o.expires_at is not None and o.expires_at <= now]
        for order in due:
            self.orders[order.client_order_id] = attrs.evolve(order, status=OrderStatus.EXPIRED)
            if tell:
                self._emit(self.update_event(self.orders[order.client_order_id]))
        self._touch()
        return [o.client_order_id for o in due]

    def trip(self, reason: str = "order group triggered") -> None:
        """The venue's safety net fires: our resting orders cancelled, the stream told."""
        for order in self.resting():
            self._cancel(order.client_order_id)
        self._emit(SafetyNetTripped(reason=reason))

    def settle(
        self, market_id: MarketId, won: OrderSide, *, at: datetime = T0, announce: bool = True
    ) -> Settlement:
        """The market resolves: ``won`` pays $1. Its resting orders are cancelled, it is
        no longer listed, our contracts in it are paid out."""
        for order in self.resting(market_id):
            self.expire(order.client_order_id)
        self.markets.pop(market_id, None)
        held = self._held().get(market_id, [ZERO, ZERO])
        settlement = attrs.evolve(
            Settlement.won(market_id, won, venue_ts=at, source="fake"),
            yes_contracts=held[0],
            no_contracts=held[1],
        )
        self.settlements[market_id] = settlement
        if announce:
            self._emit(MarketSettled(settlement=settlement))
        return settlement

    def release_fills(self) -> None:
        """The held fill messages go out now, in their order."""
        held, self.held = self.held, []
        for event in held:
            self._emit(event)

    def accept_late(self, *, tell: bool = False) -> list[PlaceResult]:
        """The venue takes the orders whose placement timed out (``fail("place", "late")``),
        and with ``tell`` says so on the stream (an order update each)."""
        late, self.late = self.late, []
        results = [self._place(o) for o in late]
        if tell:
            for order in late:
                self._emit(self.update_event(self.orders[order.client_order_id]))
        self._touch()
        return results

    def take(
        self,
        market_id: MarketId,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
        *,
        fee: Decimal = ZERO,
    ) -> list[Fill]:
        """A taker sells ``size`` of ``side`` down to ``price``: it fills our resting
        bids of ``side`` at or above ``price``, best first (``fee``: what each fill costs
        us)."""
        made: list[Fill] = []
        bids = sorted(
            (o for o in self.resting(market_id) if o.side is side and o.price >= price),
            key=lambda o: (-o.price, o.created_at or T0),
        )
        for order in bids:
            if size <= 0:
                break
            qty = min(size, order.remaining)
            size -= qty
            made.append(self._execute(order, qty, order.price, fee))
        return made

    # VenueClient -------------------------------------------------------------------------

    async def get_markets(self, status: str = "open") -> list[Market]:
        await trio.lowlevel.checkpoint()
        return list(self.markets.values())

    async def get_order_book(self, market_id: MarketId) -> OrderBook:
        await trio.lowlevel.checkpoint()
        return book_of(market_id)

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        await trio.lowlevel.checkpoint()
        if self.gate is not None:
            await self.gate.wait()
        self.calls.append(("place", tuple(o.client_order_id for o in orders)))
        failure = self._failure("place")
        if failure == "429":
            raise RateLimited("429 too many requests", retry_after=0.0, status=429)
        if failure == "5xx":
            raise VenueUnavailable("503 before the order was taken", status=503)
        if failure == "late":
            self.late.extend(orders)
            raise VenueUnavailable("timeout: the venue takes the orders later")
        if failure == "tripped":
            return [
                PlaceResult(
                    client_order_id=o.client_order_id,
                    status=OrderStatus.REJECTED,
                    reason="order_group_triggered",
                    tripped=True,
                )
                for o in orders
            ]
        results = [self._place(o) for o in orders]
        if failure == "lost":
            raise VenueUnavailable("timeout after the order was taken")
        return results

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        await trio.lowlevel.checkpoint()
        if self.cancel_gate is not None:
            self.cancel_waiting = True
            self._touch()
            await self.cancel_gate.wait()
        self.calls.append(("cancel", tuple(o.client_order_id for o in orders)))
        failure = self._failure("cancel")
        if failure == "429":
            raise RateLimited("429 too many requests", retry_after=0.0, status=429)
        if failure == "5xx":
            raise VenueUnavailable("503", status=503)
        return [self._cancel(o.client_order_id) for o in orders]

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        await trio.lowlevel.checkpoint()
        coid = order.client_order_id
        self.calls.append(("amend", (coid,)))
        self._touch()
        if self.amend_gate is not None:
            await self.amend_gate.wait()
        held = self.orders.get(coid)
        if held is None or held.status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            status = held.status if held is not None else OrderStatus.CANCELLED
            return PlaceResult(client_order_id=coid, status=status, reason="gone")
        new = attrs.evolve(
            held,
            price=price,
            quantity=max(quantity, held.filled_quantity),
            expires_at=self._expiry(),
        )
        if new.remaining <= 0:
            new = attrs.evolve(new, status=OrderStatus.FILLED)
        self.orders[coid] = new
        return self._result(new)

    async def rearm_safety_net(self) -> str:
        """Kalshi's ``rearm_safety_net``: after a trip, orders are taken again."""
        await trio.lowlevel.checkpoint()
        self.calls.append(("rearm", ()))
        self._touch()
        return "safety net reset"

    async def cancel_all(self) -> int:
        await trio.lowlevel.checkpoint()
        self.calls.append(("cancel_all", ()))
        self._touch()
        live = self.resting()
        for order in live:
            self._cancel(order.client_order_id)
        return len(live)

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        await trio.lowlevel.checkpoint()
        stale = [o for o in self.stale_open if market_id in (None, o.market_id)]
        return self.resting(market_id) + stale

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        await trio.lowlevel.checkpoint()
        self.calls.append(("get_order", (client_order_id,)))
        self._touch()
        return None if client_order_id in self.strangers else self.orders.get(client_order_id)

    async def get_order_by_id(self, venue_order_id: VenueOrderId) -> Order | None:
        await trio.lowlevel.checkpoint()
        found = [o for o in self.orders.values() if o.venue_order_id == venue_order_id]
        self.calls.append(("get_order_by_id", tuple(o.client_order_id for o in found)))
        self._touch()
        return found[0] if found else None

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        await trio.lowlevel.checkpoint()
        start = int(cursor) if cursor else 0
        page = tuple(self.fills[start : start + 100])
        return FillPage(fills=page, cursor=str(start + len(page)))

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        await trio.lowlevel.checkpoint()
        self.calls.append(("get_positions", ()))
        return [
            Position(market_id=m, yes_contracts=y, no_contracts=n)
            for m, (y, n) in self._held().items()
            if m not in self.settlements
        ]

    def _held(self) -> dict[MarketId, list[Decimal]]:
        held: dict[MarketId, list[Decimal]] = {}
        for fill in self.fills:
            pair = held.setdefault(fill.market_id, [ZERO, ZERO])
            sign = 1 if fill.action is Action.BUY else -1
            pair[0 if fill.side is OrderSide.YES else 1] += sign * fill.quantity
        for market_id, extra in self.position_offsets.items():
            held.setdefault(market_id, [ZERO, ZERO])[0] += extra
        return held

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        await trio.lowlevel.checkpoint()
        self.calls.append(("get_settlements", ()))
        self._touch()
        return [self.settlements[m] for m in market_ids if m in self.settlements]

    async def get_balance(self) -> Decimal:
        await trio.lowlevel.checkpoint()
        return Decimal(10000)

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        send, recv = trio.open_memory_channel[VenueEvent](100_000)
        self._streams.append(send)
        wanted = set(market_ids)

        async def events() -> AsyncIterator[VenueEvent]:
            async with recv:
                async for event in recv:
                    if not isinstance(event, BookUpdated) or event.book.market_id in wanted:
                        yield event

        return events()

    async def aclose(self) -> None:
        self.closed = True
        for send in self._streams:
            send.close()

    # internals --------------------------------------------------------------------------

    def _failure(self, op: str) -> str | None:
        self._touch()
        queue = self._failures.get(op)
        return queue.popleft() if queue else None

    def _place(self, order: Order) -> PlaceResult:
        coid = order.client_order_id
        held = self.orders.get(coid)
        if held is not None:  # the same intent again: reported, never placed twice
            return self._result(held)
        self.placements[coid] = self.placements.get(coid, 0) + 1
        if order.market_id in self.settlements:
            return PlaceResult(client_order_id=coid, status=OrderStatus.REJECTED, reason="settled")
        market = self.markets.get(order.market_id)
        if market is not None and not market.tick.is_on_grid(order.price):
            return PlaceResult(client_order_id=coid, status=OrderStatus.REJECTED, reason="off grid")
        vid = VenueOrderId(f"{self.venue.value}-{next(self._ids)}")
        placed = attrs.evolve(
            order, status=OrderStatus.OPEN, venue_order_id=vid, expires_at=self._expiry()
        )
        self.orders[coid] = placed
        immediate = (TimeInForce.IOC, TimeInForce.FOK)
        if order.time_in_force in immediate or order.order_type is OrderType.MARKET:
            self._take(placed)
        return self._result(self.orders[coid])

    def _take(self, order: Order) -> None:
        """An immediate order fills what the takers' liquidity allows; the rest goes."""
        available = self.taker_liquidity.get(order.market_id, order.quantity)
        quantity = min(order.quantity, available)
        if order.time_in_force is TimeInForce.FOK and quantity < order.quantity:
            quantity = ZERO
        if order.market_id in self.taker_liquidity:
            self.taker_liquidity[order.market_id] -= quantity
        if quantity > 0:
            self._execute(order, quantity, order.price)
        done = self.orders[order.client_order_id]
        if done.remaining > 0:
            self.orders[order.client_order_id] = attrs.evolve(done, status=OrderStatus.CANCELLED)

    def _cancel(self, coid: ClientOrderId) -> CancelResult:
        held = self.orders.get(coid)
        if held is None or held.status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            return CancelResult(client_order_id=coid, cancelled=False, reason="not found")
        self.orders[coid] = attrs.evolve(held, status=OrderStatus.CANCELLED)
        reduced_by = held.remaining if self.cancels_say_filled else ZERO
        return CancelResult(client_order_id=coid, cancelled=True, reduced_by=reduced_by)

    def _execute(self, order: Order, qty: Decimal, price: Decimal, fee: Decimal = ZERO) -> Fill:
        filled = order.filled_quantity + qty
        status = OrderStatus.FILLED if filled >= order.quantity else OrderStatus.PARTIALLY_FILLED
        self.orders[order.client_order_id] = attrs.evolve(
            order, filled_quantity=filled, status=status
        )
        fill = Fill(
            fill_id=FillId(f"{self.venue.value}-f{next(self._ids)}"),
            market_id=order.market_id,
            side=order.side,
            price=price,
            quantity=qty,
            action=order.action,
            fee=fee,
            client_order_id=order.client_order_id,
            venue_order_id=order.venue_order_id,
        )
        self.fills.append(fill)
        if self.hold_fills or (self.hold_ioc_fills and order.time_in_force is TimeInForce.IOC):
            self.held.append(OrderFilled(fill=fill))
        elif self.drop_fills:
            self.drop_fills -= 1
        else:
            self._emit(OrderFilled(fill=fill))
            if self.duplicate_fills:
                self.duplicate_fills -= 1
                self._emit(OrderFilled(fill=fill))
        return fill

    def _expiry(self) -> datetime | None:
        ttl = self.capabilities.order_ttl_s
        return None if ttl is None else self.clock() + timedelta(seconds=ttl)

    def _result(self, order: Order) -> PlaceResult:
        return PlaceResult(
            client_order_id=order.client_order_id,
            status=order.status,
            venue_order_id=order.venue_order_id,
            filled_quantity=order.filled_quantity,
            expires_at=order.expires_at if order.status.may_rest else None,
        )

    def _emit(self, event: VenueEvent) -> None:
        for send in list(self._streams):
            try:
                send.send_nowait(event)
            except (trio.ClosedResourceError, trio.BrokenResourceError):
                self._streams.remove(send)

    def update_event(self, order: Order) -> OrderUpdated:
        assert order.venue_order_id is not None
        return OrderUpdated(
            client_order_id=order.client_order_id,
            venue_order_id=order.venue_order_id,
            market_id=order.market_id,
            status=order.status,
            filled_quantity=order.filled_quantity,
            remaining_quantity=order.remaining,
        )

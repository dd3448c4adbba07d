"""An in-memory data venue for tests of the paper venue and of code driving it (like
``trio.testing``): it serves markets and books, streams what the test pushes, and
records any order traffic, which a paper venue must never send to its data venue."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterable, Sequence
from decimal import Decimal

import attrs
import trio

from predmm.domain.book import OrderBook
from predmm.domain.enums import Venue
from predmm.domain.events import (
    BookUpdated,
    CancelResult,
    FillPage,
    PlaceResult,
    Position,
    Settlement,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.platforms.venue import Capabilities

FAKE_CAPABILITIES = Capabilities(
    amend=True,
    decrease=True,
    max_batch_create=20,
    max_batch_cancel=20,
    post_only=True,
    dead_man_switch=False,
    fractional_counts=False,
    write_tokens_per_s=Decimal(10),
    write_burst=Decimal(10),
    order_tokens=Decimal(1),
    cancel_tokens=Decimal(1),
)


@attrs.define(eq=False)
class _Feed:
    markets: frozenset[MarketId]
    send: trio.MemorySendChannel[VenueEvent]


class FakeDataVenue:
    """The read side of a venue client, fed by the test."""

    def __init__(
        self,
        venue: Venue = Venue.KALSHI,
        *,
        markets: Iterable[Market] = (),
        capabilities: Capabilities = FAKE_CAPABILITIES,
    ) -> None:
        self.venue = venue
        self.capabilities = capabilities
        self.markets = {m.market_id: m for m in markets}
        self.books: dict[MarketId, OrderBook] = {}
        self.write_calls: list[str] = []
        self.book_requests = 0
        self.closed = False
        self.subscribed = trio.Event()
        self.settlements: list[Settlement] = []  # what get_settlements answers
        self._feeds: list[_Feed] = []

    def set_book(self, book: OrderBook) -> None:
        """The book ``get_order_book`` answers, without streaming it."""
        self.books[book.market_id] = book

    def push(self, event: VenueEvent, market_id: MarketId) -> None:
        """Stream ``event`` (of ``market_id``) to every stream that covers the market."""
        if isinstance(event, BookUpdated):
            self.set_book(event.book)
        for feed in self._feeds:
            if market_id in feed.markets:
                feed.send.send_nowait(event)

    @property
    def open_streams(self) -> int:
        return len(self._feeds)

    def end_streams(self) -> None:
        for feed in self._feeds:
            feed.send.close()

    async def get_markets(self, status: str = "open") -> list[Market]:
        return [m for m in self.markets.values() if m.status.value == status]

    async def get_order_book(self, market_id: MarketId) -> OrderBook:
        self.book_requests += 1
        return self.books.get(market_id, OrderBook(market_id))

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        return self._stream(frozenset(market_ids))

    async def _stream(self, markets: frozenset[MarketId]) -> AsyncIterator[VenueEvent]:
        send, receive = trio.open_memory_channel[VenueEvent](math.inf)
        feed = _Feed(markets, send)
        self._feeds.append(feed)
        self.subscribed.set()
        try:
            async with receive:
                async for event in receive:
                    yield event
        finally:
            self._feeds.remove(feed)

    # order traffic: a paper venue must never reach these ---------------------------

    def _write(self, name: str) -> None:
        self.write_calls.append(name)
        raise AssertionError(f"the paper venue sent {name} to its data venue")

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        self._write("place_orders")
        return []

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        self._write("cancel_orders")
        return []

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        self._write("amend_order")
        raise AssertionError

    async def cancel_all(self) -> int:
        self._write("cancel_all")
        return 0

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        self._write("get_open_orders")
        return []

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        self._write("get_order")
        return None

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        self._write("get_fills")
        return FillPage(fills=(), cursor=None)

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        self._write("get_positions")
        return []

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        await trio.lowlevel.checkpoint()
        return [s for s in self.settlements if s.market_id in market_ids]

    async def get_balance(self) -> Decimal:
        self._write("get_balance")
        return Decimal(0)

    async def aclose(self) -> None:
        self.closed = True

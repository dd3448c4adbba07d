"""The paper venue's stream: the data venue's market events and our own fill and order
events in one async iterator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime
from decimal import Decimal

import trio
import trio.testing

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.events import BookUpdated, OrderFilled, OrderUpdated, TradePrinted, VenueEvent
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import Fill, Order
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.paper.testing import FakeDataVenue

D = Decimal
M = MarketId(Venue.KALSHI, "KXSTREAM")
OTHER = MarketId(Venue.KALSHI, "KXOTHER")
BOOK = OrderBook(M, (Level(D("0.50"), D(10)),), (Level(D("0.48"), D(10)),))


async def _collect(events: AsyncIterator[VenueEvent], into: list[VenueEvent]) -> None:
    async with aclosing(events) as it:  # type: ignore[type-var]
        async for event in it:
            into.append(event)


def _order(price: str, quantity: int) -> Order:
    return Order(
        client_order_id=ClientOrderId(f"s-{price}-{quantity}"),
        market_id=M,
        side=OrderSide.YES,
        price=D(price),
        quantity=D(quantity),
    )


async def test_market_data_and_our_fills_arrive_in_one_stream() -> None:
    data = FakeDataVenue()
    paper = PaperPlatform(data, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    got: list[VenueEvent] = []
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_collect, paper.stream([M]), got)
            await data.subscribed.wait()
            data.push(BookUpdated(book=BOOK), M)
            await trio.testing.wait_all_tasks_blocked()
            assert got == [BookUpdated(book=BOOK)]
            # placed while the stream is live: the streamed book is used, no snapshot
            await paper.place_orders([_order("0.50", 5)])
            assert data.book_requests == 0
            await trio.testing.wait_all_tasks_blocked()
            assert isinstance(got[-1], OrderUpdated)
            assert got[-1].status is OrderStatus.OPEN
            print_ = TradePrinted(market_id=M, price=D("0.50"), size=D(12))
            data.push(print_, M)
            await trio.testing.wait_all_tasks_blocked()
            assert got[2] == print_
            assert isinstance(got[3], OrderFilled)
            assert got[3].fill.quantity == 2
            assert isinstance(got[4], OrderUpdated)
            assert got[4].status is OrderStatus.PARTIALLY_FILLED
            data.end_streams()
    assert data.write_calls == []


async def test_the_data_accounts_own_events_are_dropped() -> None:
    data = FakeDataVenue()
    paper = PaperPlatform(data)
    got: list[VenueEvent] = []
    theirs = Fill(
        fill_id=FillId("real-1"), market_id=M, side=OrderSide.YES, price=D("0.5"), quantity=D(1)
    )
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_collect, paper.stream([M]), got)
            await data.subscribed.wait()
            data.push(OrderFilled(fill=theirs), M)
            data.push(BookUpdated(book=BOOK), M)
            data.end_streams()
    assert got == [BookUpdated(book=BOOK)]
    assert (await paper.get_fills()).fills == ()


async def test_a_stream_gets_only_its_markets_fills_and_stops_cleanly() -> None:
    data = FakeDataVenue()
    data.set_book(BOOK)
    paper = PaperPlatform(data)
    got: list[VenueEvent] = []
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_collect, paper.stream([OTHER]), got)
            await data.subscribed.wait()
            await paper.place_orders([_order("0.50", 5)])  # on M: not this stream's
            await trio.testing.wait_all_tasks_blocked()
            assert got == []
            nursery.cancel_scope.cancel()
    await trio.testing.wait_all_tasks_blocked()
    assert data.open_streams == 0  # the consumer left: the data feed was closed
    assert data.book_requests == 1
    await paper.place_orders([_order("0.45", 1)])
    assert data.book_requests == 2

"""The metrics' view of a venue client: book -> order latency and feed resyncs."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import trio
from prometheus_client import CollectorRegistry

from predmm.cli.instrument import InstrumentedVenue, VenueMetrics
from predmm.domain import ClientOrderId, Level, MarketId, Order, OrderBook, OrderSide, Venue
from predmm.domain.events import BookInvalidated
from tests.actors.fake_venue import FakeVenue

M = MarketId(Venue.KALSHI, "KXFED-26DEC")


async def wait_for_subscription(venue: FakeVenue) -> None:
    while not venue._streams:  # the wrapped stream subscribes on its first read
        await trio.sleep(0)


def order(coid: str) -> Order:
    return Order(
        client_order_id=ClientOrderId(coid),
        market_id=M,
        side=OrderSide.YES,
        price=Decimal("0.48"),
        quantity=Decimal(10),
    )


async def test_book_to_order_latency_and_resyncs_are_recorded():
    registry = CollectorRegistry()
    venue = FakeVenue()
    client = InstrumentedVenue(venue, VenueMetrics(registry))
    seen = []

    async def read() -> None:
        async with contextlib.aclosing(client.stream([M])) as events:
            seen.append(await events.__anext__())
            seen.append(await events.__anext__())

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(read)
            await wait_for_subscription(venue)
            venue.publish_book(OrderBook(M, yes_bids=(Level(Decimal("0.47"), Decimal(5)),)))
            venue._emit(BookInvalidated(market_id=M, reason="seq gap"))
    assert [type(e).__name__ for e in seen] == ["BookUpdated", "BookInvalidated"]
    await client.place_orders([order("a")])
    await client.place_orders([order("b")])  # no new book since: not a tick -> order
    labels = {"venue": "kalshi"}
    assert registry.get_sample_value("predmm_tick_to_order_seconds_count", labels) == 1
    assert registry.get_sample_value("predmm_websocket_resyncs_total", labels) == 1
    assert client.capabilities is venue.capabilities
    assert len(venue.orders) == 2  # the wrapped client placed both

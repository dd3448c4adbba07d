"""The paper venue settles its positions from the data venue's resolutions: the stream's
``MarketSettled`` and ``get_settlements`` (what the engine polls) pay the paper account's
contracts out once, clear them and cancel what still rests, so a paper run ends right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime
from decimal import Decimal

import trio
import trio.testing

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, OrderStatus, TimeInForce, Venue
from predmm.domain.events import BookUpdated, MarketSettled, Settlement, VenueEvent
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.paper.testing import FakeDataVenue

D = Decimal
M = MarketId(Venue.POLYMARKET, "0xsettles")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# YES bids 0.40 x 100; NO bids 0.55 x 100 (a YES ask at 0.45)
BOOK = OrderBook(M, (Level(D("0.40"), D(100)),), (Level(D("0.55"), D(100)),))
START = D(1000)


def order(coid: str, side: OrderSide, price: str, quantity: int, **kw: object) -> Order:
    return Order(
        client_order_id=ClientOrderId(coid),
        market_id=M,
        side=side,
        price=D(price),
        quantity=D(quantity),
        **({"post_only": False} | kw),  # type: ignore[arg-type]
    )


async def holding(data: FakeDataVenue) -> PaperPlatform:
    """A paper account that bought 10 YES at 0.45 and rests a NO bid of 5 at 0.50."""
    data.set_book(BOOK)
    paper = PaperPlatform(data, clock=lambda: T0, starting_balance=START)
    taken = order("buy-yes", OrderSide.YES, "0.45", 10, time_in_force=TimeInForce.IOC)
    resting = order("rest-no", OrderSide.NO, "0.50", 5, post_only=True)
    results = await paper.place_orders([taken, resting])
    assert [r.status for r in results] == [OrderStatus.FILLED, OrderStatus.OPEN]
    return paper


async def test_a_resolution_the_engine_polls_settles_the_paper_position_once() -> None:
    data = FakeDataVenue(Venue.POLYMARKET)
    paper = await holding(data)
    cash = await paper.get_balance()
    data.settlements.append(Settlement.won(M, OrderSide.YES, venue_ts=T0, source="gamma"))

    (settled,) = await paper.get_settlements([M])

    # the paper account's contracts, paid at $1 each, and nothing held any more
    assert (settled.yes_contracts, settled.no_contracts) == (D(10), D(0))
    assert await paper.get_balance() == cash + D(10)
    assert await paper.get_positions() == []
    assert await paper.get_open_orders() == []  # the resting NO bid was cancelled
    (again,) = await paper.get_settlements([M])  # polled again: paid once
    assert await paper.get_balance() == cash + D(10)
    assert (again.yes_contracts, again.no_contracts) == (D(10), D(0))


async def _collect(events: AsyncIterator[VenueEvent], into: list[VenueEvent]) -> None:
    async with aclosing(events) as it:  # type: ignore[type-var]
        async for event in it:
            into.append(event)


async def test_a_resolution_on_the_stream_settles_the_paper_position_and_says_so() -> None:
    data = FakeDataVenue(Venue.POLYMARKET)
    paper = await holding(data)
    cash = await paper.get_balance()
    got: list[VenueEvent] = []
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_collect, paper.stream([M]), got)
            await data.subscribed.wait()
            data.push(BookUpdated(book=BOOK), M)
            lost = Settlement.won(M, OrderSide.NO, venue_ts=T0, source="gamma")
            data.push(MarketSettled(settlement=lost), M)
            await trio.testing.wait_all_tasks_blocked()
            data.end_streams()
    settled = [e.settlement for e in got if isinstance(e, MarketSettled)]
    assert [(s.yes_payout, s.yes_contracts, s.no_contracts) for s in settled] == [
        (D(0), D(10), D(0))
    ]
    assert await paper.get_balance() == cash  # the YES paid nothing; the stream lived on
    assert await paper.get_positions() == []
    assert await paper.get_open_orders() == []

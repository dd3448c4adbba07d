"""A public trade fills a paper order only if it printed after the order joined its level:
a match whose book change arrived before its prints (Kalshi's order; the simulator's on
a sweep) must not fill the order a market maker rested in reaction to that book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.events import BookUpdated, TradePrinted
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.paper.matching import Resting, on_trade
from predmm.platforms.paper.testing import FakeDataVenue

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
M = MarketId(Venue.POLYMARKET, "0xabc")
T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
MS = timedelta(milliseconds=1)


def resting(joined: datetime, side: OrderSide = YES, price: str = "0.40") -> Resting:
    order = Order(
        client_order_id=ClientOrderId("c1"), market_id=M, side=side, price=D(price), quantity=D(10)
    )
    return Resting(order=order, side=side, price=D(price), ahead=D(0), seq=1, joined=joined)


def filled_by(r: Resting, printed: datetime | None) -> Decimal:
    matches = on_trade([r], D("0.40"), D(4), T0 + timedelta(seconds=5), printed=printed)
    return sum((m.quantity for m in matches), D(0))


def test_a_print_stamped_before_the_order_joined_does_not_fill_it() -> None:
    assert filled_by(resting(joined=T0), T0 - MS) == 0


def test_a_print_stamped_after_the_order_joined_fills_it() -> None:
    assert filled_by(resting(joined=T0), T0 + MS) == 4


def test_a_print_stamped_the_instant_the_order_joined_does_not_fill_it() -> None:
    # stamps are truncated to their resolution: equal is not proof of after (pessimistic)
    assert filled_by(resting(joined=T0), T0) == 0


def test_a_print_without_a_venue_time_fills_as_before() -> None:
    assert filled_by(resting(joined=T0), None) == 4


def test_a_print_before_the_order_joined_leaves_its_queue_alone() -> None:
    r = Resting(order=resting(T0).order, side=YES, price=D("0.40"), ahead=D(10), seq=1, joined=T0)
    assert on_trade([r], D("0.40"), D(6), T0, printed=T0 - MS) == []


# through the paper venue: a placement, a reprice and a shrink --------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data() -> FakeDataVenue:
    market = Market(market_id=M, tick=TickSpec.uniform("0.01"))
    fake = FakeDataVenue(Venue.POLYMARKET, markets=[market])
    fake.set_book(book(yes="0.40"))
    return fake


@pytest.fixture
def paper(data: FakeDataVenue, clock: Clock) -> PaperPlatform:
    return PaperPlatform(data, clock=clock)


def book(yes: str) -> OrderBook:
    """YES bids at ``yes`` x 10; NO bids 0.55 x 10 (a YES ask at 0.45)."""
    return OrderBook(M, (Level(D(yes), D(10)),), (Level(D("0.55"), D(10)),))


def no_bid(price: str) -> Order:
    return Order(
        client_order_id=ClientOrderId("no-bid"), market_id=M, side=NO, price=D(price), quantity=D(5)
    )


def yes_buyer_print(price: str, at: datetime) -> TradePrinted:
    """A YES buyer at ``price``: a NO seller at 1 - price, into the NO bids."""
    return TradePrinted(market_id=M, price=D(price), size=D(20), venue_ts=at)


async def filled(paper: PaperPlatform) -> Decimal:
    found = await paper.get_order(ClientOrderId("no-bid"), M)
    assert found is not None
    return found.filled_quantity


async def test_a_reprice_rejoins_so_prints_from_before_it_do_not_fill(
    paper: PaperPlatform, data: FakeDataVenue, clock: Clock
) -> None:
    # the engineer's case: a sweep's book change comes first, the maker reprices its NO
    # bid up to 0.64, then the sweep's prints (YES 0.40: NO 0.60) arrive
    [placed] = await paper.place_orders([no_bid("0.50")])
    assert placed.status is OrderStatus.OPEN
    clock.now = T0 + timedelta(seconds=2)
    data.set_book(book(yes="0.35"))  # the YES bids swept down to 0.35
    paper.apply_event(BookUpdated(book=book(yes="0.35")))
    order = await paper.get_order(ClientOrderId("no-bid"), M)
    assert order is not None
    assert (await paper.amend_order(order, D("0.64"), D(5))).status is OrderStatus.OPEN
    clock.now = T0 + timedelta(seconds=2, milliseconds=50)
    paper.apply_event(yes_buyer_print("0.40", at=T0 + timedelta(seconds=1, milliseconds=990)))
    assert await filled(paper) == 0
    paper.apply_event(yes_buyer_print("0.36", at=clock.now))  # a YES buyer after the reprice
    assert await filled(paper) == 5


async def test_a_shrink_keeps_the_time_the_order_joined(paper: PaperPlatform, clock: Clock) -> None:
    await paper.place_orders([no_bid("0.58")])
    clock.now = T0 + timedelta(seconds=2)
    order = await paper.get_order(ClientOrderId("no-bid"), M)
    assert order is not None
    assert (await paper.decrease_order(order, D(3))).cancelled
    paper.apply_event(yes_buyer_print("0.42", at=T0 + timedelta(seconds=1)))  # after joining
    assert await filled(paper) == 3

"""The paper venue's fill model against an in-memory data venue: queue position, trades
at and through our price, crosses, post-only, taker walks, fees, money and positions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import (
    Action,
    MarketStatus,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    Venue,
)
from predmm.domain.events import (
    BookUpdated,
    MarketStatusChanged,
    OrderFilled,
    OrderUpdated,
    PlaceResult,
    Position,
    TradePrinted,
)
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.paper import PaperPlatform, polymarket_fee, wrap_if_paper
from predmm.platforms.paper.testing import FAKE_CAPABILITIES, FakeDataVenue
from predmm.platforms.venue import VenueClient

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
M = MarketId(Venue.KALSHI, "KXTEST-26")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
START = D(1000)


def book(yes: tuple[tuple[str, int], ...] = (), no: tuple[tuple[str, int], ...] = ()) -> OrderBook:
    return OrderBook(
        M, tuple(Level(D(p), D(s)) for p, s in yes), tuple(Level(D(p), D(s)) for p, s in no)
    )


# YES bids 0.50 x 100, 0.49 x 30; NO bids 0.48 x 80 (a YES ask at 0.52 x 80)
BASE = book(yes=(("0.50", 100), ("0.49", 30)), no=(("0.48", 80),))


@pytest.fixture
def data() -> FakeDataVenue:
    fake = FakeDataVenue(markets=[Market(market_id=M, tick=TickSpec.uniform("0.01"))])
    fake.set_book(BASE)
    return fake


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def paper(data: FakeDataVenue, clock: FakeClock) -> PaperPlatform:
    return PaperPlatform(data, clock=clock, starting_balance=START)


_ids = iter(range(1, 10**6))


def order(
    price: str = "0.50", quantity: int | Decimal = 10, side: OrderSide = YES, **kw: object
) -> Order:
    return Order(
        client_order_id=ClientOrderId(f"c{next(_ids)}"),
        market_id=M,
        side=side,
        price=D(price),
        quantity=D(quantity),
        **kw,  # type: ignore[arg-type]
    )


async def place(paper: PaperPlatform, o: Order) -> PlaceResult:
    [result] = await paper.place_orders([o])
    return result


def trade(price: str, size: int) -> TradePrinted:
    return TradePrinted(market_id=M, price=D(price), size=D(size))


async def filled(paper: PaperPlatform, o: Order) -> Decimal:
    found = await paper.get_order(o.client_order_id, M)
    assert found is not None
    return found.filled_quantity


# queue position ------------------------------------------------------------------------


async def test_a_trade_smaller_than_the_queue_ahead_fills_nothing_the_next_fills_the_rest(
    paper: PaperPlatform,
) -> None:
    o = order("0.50", 10)
    assert (await place(paper, o)).status is OrderStatus.OPEN  # 100 ahead of us
    assert paper.apply_event(trade("0.50", 60)) == []
    assert await filled(paper, o) == 0
    events = paper.apply_event(trade("0.50", 45))  # 40 ahead left: 5 reach us
    assert await filled(paper, o) == 5
    [fill_event] = [e for e in events if isinstance(e, OrderFilled)]
    assert fill_event.fill.price == D("0.50")
    assert fill_event.fill.quantity == 5
    assert not fill_event.fill.is_taker
    assert [e.status for e in events if isinstance(e, OrderUpdated)] == [
        OrderStatus.PARTIALLY_FILLED
    ]
    paper.apply_event(trade("0.50", 20))
    got = await paper.get_order(o.client_order_id, M)
    assert got is not None
    assert (got.status, got.filled_quantity) == (OrderStatus.FILLED, D(10))
    assert await paper.get_open_orders() == []


async def test_trades_on_the_ask_side_never_fill_a_bid(paper: PaperPlatform) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    paper.apply_event(trade("0.52", 500))  # a YES buyer lifting the ask
    paper.apply_event(trade("0.51", 500))
    assert await filled(paper, o) == 0


async def test_a_no_bid_is_filled_by_yes_buyers_at_one_minus_its_price(
    paper: PaperPlatform,
) -> None:
    o = order("0.47", 10, side=NO)  # a YES ask at 0.53; no NO bids at 0.47 yet: no queue
    await place(paper, o)
    paper.apply_event(trade("0.50", 100))  # YES sellers: not for us
    assert await filled(paper, o) == 0
    paper.apply_event(trade("0.53", 4))
    assert await filled(paper, o) == 4


async def test_a_resting_sell_is_filled_by_buyers_at_its_price(paper: PaperPlatform) -> None:
    o = order("0.55", 4, action=Action.SELL)  # a NO bid at 0.45: nobody there, no queue
    assert (await place(paper, o)).status is OrderStatus.OPEN
    paper.apply_event(trade("0.54", 10))  # below our ask: not for us
    assert await filled(paper, o) == 0
    paper.apply_event(trade("0.56", 10))  # a YES buyer through our ask
    assert await filled(paper, o) == 4
    [fill] = (await paper.get_fills()).fills
    assert (fill.action, fill.side, fill.price) == (Action.SELL, YES, D("0.55"))


async def test_a_trade_through_our_price_fills_what_is_beyond_the_queue(
    paper: PaperPlatform,
) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    paper.apply_event(trade("0.49", 95))  # through us, but 100 were ahead
    assert await filled(paper, o) == 0
    paper.apply_event(trade("0.48", 130))
    assert await filled(paper, o) == 10
    [fill] = (await paper.get_fills()).fills
    assert fill.price == D("0.50")  # a maker fill at our price, not the print's


async def test_a_book_showing_less_at_our_price_shortens_the_queue(
    paper: PaperPlatform, clock: FakeClock
) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    paper.apply_event(BookUpdated(book=book(yes=(("0.50", 20),), no=(("0.48", 80),))))
    clock.advance(2)  # no print of those 80 came: they were cancels ahead of us
    paper.apply_event(trade("0.50", 25))
    assert await filled(paper, o) == 5
    # a level growing again does not push us back
    paper.apply_event(BookUpdated(book=BASE))
    paper.apply_event(trade("0.50", 5))
    assert await filled(paper, o) == 10


SWEEP_BOOK = book(yes=(("0.49", 27),), no=(("0.48", 80),))  # 0.50 gone, 3 of 0.49 taken


async def test_a_sweep_fills_the_same_whether_its_book_or_its_prints_come_first(
    data: FakeDataVenue,
) -> None:
    """Someone sells 103 into the bids: 100 print at 0.50 (all ahead of us), 3 at 0.49.
    Our 0.50 bid gets 3, in either order of the feed's messages."""
    book_first, prints_first = (PaperPlatform(data, clock=lambda: T0) for _ in range(2))
    for paper in (book_first, prints_first):
        await place(paper, order("0.50", 10))
    book_first.apply_event(BookUpdated(book=SWEEP_BOOK))
    for paper in (book_first, prints_first):
        paper.apply_event(trade("0.50", 100))
        paper.apply_event(trade("0.49", 3))
    prints_first.apply_event(BookUpdated(book=SWEEP_BOOK))
    for paper in (book_first, prints_first):
        [fill] = (await paper.get_fills()).fills
        assert (fill.quantity, fill.price) == (D(3), D("0.50"))


async def test_a_print_within_the_window_after_a_cancel_ahead_fills_late_not_early(
    paper: PaperPlatform, clock: FakeClock
) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    paper.apply_event(BookUpdated(book=book(yes=(("0.50", 20),))))  # 80 fewer ahead
    paper.apply_event(trade("0.50", 85))  # could be those 80 printing late: counted once
    assert await filled(paper, o) == 0
    clock.advance(2)
    paper.apply_event(trade("0.50", 20))  # 15 ahead were left
    assert await filled(paper, o) == 5


async def test_our_own_earlier_order_at_a_level_is_ahead_and_a_cancel_frees_its_slot(
    paper: PaperPlatform,
) -> None:
    first, second = order("0.50", 10), order("0.50", 10)
    await place(paper, first)
    await place(paper, second)
    paper.apply_event(trade("0.50", 105))
    assert (await filled(paper, first), await filled(paper, second)) == (D(5), D(0))
    [cancelled] = await paper.cancel_orders([first])
    assert cancelled.cancelled
    assert cancelled.reduced_by == 5
    paper.apply_event(trade("0.50", 10))  # nobody is ahead of the second any more
    assert await filled(paper, second) == 10


async def test_better_priced_orders_take_a_sweep_first(paper: PaperPlatform) -> None:
    best, worse = order("0.51", 10), order("0.50", 10)  # 0 ahead at 0.51, 100 at 0.50
    await place(paper, best)
    await place(paper, worse)
    paper.apply_event(trade("0.49", 115))
    assert (await filled(paper, best), await filled(paper, worse)) == (D(10), D(5))


# crosses and post-only -----------------------------------------------------------------


async def test_a_book_moving_through_our_price_fills_us_at_our_price_once(
    paper: PaperPlatform,
) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    crossed = book(yes=(("0.45", 10),), no=(("0.52", 4),))  # a YES ask at 0.48 x 4
    events = paper.apply_event(BookUpdated(book=crossed))
    [fill] = [e.fill for e in events if isinstance(e, OrderFilled)]
    assert (fill.price, fill.quantity, fill.is_taker) == (D("0.50"), D(4), False)
    paper.apply_event(BookUpdated(book=crossed))  # the same 4 cannot fill us twice
    assert await filled(paper, o) == 4
    paper.apply_event(BookUpdated(book=book(no=(("0.52", 10),))))
    assert await filled(paper, o) == 10


async def test_post_only_orders_that_would_cross_are_rejected(
    paper: PaperPlatform, data: FakeDataVenue
) -> None:
    result = await place(paper, order("0.52", 10))  # the YES ask is 0.52
    assert result.status is OrderStatus.REJECTED
    assert "post-only" in result.reason
    no_side = await place(paper, order("0.50", 10, side=NO))  # NO ask = 1 - 0.50 = 0.50
    assert no_side.status is OrderStatus.REJECTED
    assert await paper.get_balance() == START
    assert (await paper.get_fills()).fills == ()
    assert data.write_calls == []


async def test_a_limit_that_crosses_takes_as_taker_then_rests(paper: PaperPlatform) -> None:
    result = await place(paper, order("0.53", 100, post_only=False))
    assert (result.status, result.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, D(80))
    [fill] = (await paper.get_fills()).fills
    assert (fill.price, fill.quantity, fill.is_taker) == (D("0.52"), D(80), True)
    assert fill.fee == D("1.397760")  # 0.07 x 80 x 0.52 x 0.48
    [resting] = await paper.get_open_orders(M)
    assert resting.remaining == 20
    paper.apply_event(trade("0.53", 20))  # nobody was ahead of us at 0.53
    assert await filled(paper, resting) == 100


# taker orders ----------------------------------------------------------------------------

DEEP = book(yes=(("0.50", 100),), no=(("0.48", 5), ("0.47", 5), ("0.45", 10)))


async def test_ioc_walks_the_book_and_cancels_the_rest(
    paper: PaperPlatform, data: FakeDataVenue
) -> None:
    data.set_book(DEEP)
    o = order("0.53", 12, time_in_force=TimeInForce.IOC, post_only=False)
    result = await place(paper, o)
    assert (result.status, result.filled_quantity) == (OrderStatus.CANCELLED, D(10))
    fills = (await paper.get_fills()).fills
    assert [(f.price, f.quantity) for f in fills] == [(D("0.52"), D(5)), (D("0.53"), D(5))]
    assert all(f.is_taker for f in fills)
    assert await paper.get_open_orders() == []


async def test_fok_fills_all_or_nothing(paper: PaperPlatform, data: FakeDataVenue) -> None:
    data.set_book(DEEP)
    kw: dict[str, object] = {"time_in_force": TimeInForce.FOK, "post_only": False}
    short = await place(paper, order("0.53", 11, YES, **kw))
    assert (short.status, short.filled_quantity) == (OrderStatus.CANCELLED, D(0))
    whole = await place(paper, order("0.53", 10, YES, **kw))
    assert (whole.status, whole.filled_quantity) == (OrderStatus.FILLED, D(10))


async def test_liquidity_taken_is_not_there_for_the_next_taker(
    paper: PaperPlatform, data: FakeDataVenue
) -> None:
    data.set_book(DEEP)
    ioc: dict[str, object] = {"time_in_force": TimeInForce.IOC, "post_only": False}
    await place(paper, order("0.52", 3, YES, **ioc))
    second = await place(paper, order("0.52", 3, YES, **ioc))
    assert second.filled_quantity == 2


async def test_a_market_sell_walks_the_bids(paper: PaperPlatform, data: FakeDataVenue) -> None:
    data.set_book(DEEP)
    await place(paper, order("0.52", 5, time_in_force=TimeInForce.IOC, post_only=False))
    sold = await paper.place_order(
        market_id=M, side=YES, order_type=OrderType.MARKET, quantity=5, action=Action.SELL
    )
    assert (sold.status, sold.filled_quantity) == (OrderStatus.FILLED, D(5))
    assert (await paper.get_fills()).fills[-1].price == D("0.50")
    assert await paper.get_positions() == []


# money and positions ---------------------------------------------------------------------


async def test_balance_and_positions_track_every_fill(paper: PaperPlatform) -> None:
    await place(paper, order("0.53", 10, post_only=False))  # 10 YES at 0.52, taker
    fee = D("0.174720")
    assert await paper.get_balance() == START - D("5.20") - fee
    assert await paper.get_positions() == [
        Position(market_id=M, yes_contracts=D(10), no_contracts=D(0))
    ]
    o = order("0.45", 4, side=NO)  # a maker NO bid; 0 ahead at 0.45
    await place(paper, o)
    paper.apply_event(trade("0.55", 4))
    # Kalshi nets: 4 YES + 4 NO close for $4
    assert await paper.get_balance() == START - D("5.20") - fee - D("1.80") + D(4)
    assert await paper.get_positions() == [
        Position(market_id=M, yes_contracts=D(6), no_contracts=D(0))
    ]


async def test_polymarket_keeps_both_tokens_and_charges_makers_nothing(
    data: FakeDataVenue,
) -> None:
    poly = PaperPlatform(data, starting_balance=START, net_pairs=False, fee=polymarket_fee())
    await place(poly, order("0.53", 10, post_only=False))
    await place(poly, order("0.45", 4, side=NO))
    poly.apply_event(trade("0.55", 4))
    assert await poly.get_positions() == [
        Position(market_id=M, yes_contracts=D(10), no_contracts=D(4))
    ]
    assert await poly.get_balance() == START - D("5.20") - D("1.80")


async def test_selling_more_than_held_buys_the_other_side(paper: PaperPlatform) -> None:
    await place(paper, order("0.53", 10, post_only=False, time_in_force=TimeInForce.IOC))
    before = await paper.get_balance()
    sell = order("0.50", 15, action=Action.SELL, post_only=False, time_in_force=TimeInForce.IOC)
    result = await place(paper, sell)  # hits the YES bids at 0.50
    assert result.filled_quantity == 15
    fee = D("0.262500")  # 0.07 x 15 x 0.5 x 0.5
    # 10 held sold for 0.50 each; 5 more sold short = 5 NO bought at 0.50
    assert await paper.get_balance() == before + D("7.50") - D(5) - fee
    assert await paper.get_positions() == [
        Position(market_id=M, yes_contracts=D(0), no_contracts=D(5))
    ]


async def test_orders_the_cash_cannot_cover_are_rejected(data: FakeDataVenue) -> None:
    poor = PaperPlatform(data, starting_balance=D(10))
    assert (await place(poor, order("0.50", 20))).status is OrderStatus.OPEN  # $10 reserved
    refused = await place(poor, order("0.40", 1))
    assert (refused.status, refused.reason) == (OrderStatus.REJECTED, "insufficient balance")


async def test_bad_orders_are_rejected_with_the_reason(paper: PaperPlatform) -> None:
    await paper.get_markets()  # learns the grid
    off_grid = await place(paper, order("0.505", 1))
    assert off_grid.status is OrderStatus.REJECTED
    assert "0.505" in off_grid.reason
    fractional = await place(paper, order("0.40", D("1.5")))
    assert fractional.status is OrderStatus.REJECTED
    assert "whole contracts" in fractional.reason
    assert (await place(paper, order("1.00", 1))).status is OrderStatus.REJECTED


async def test_a_client_order_id_is_never_placed_twice(paper: PaperPlatform) -> None:
    o = order("0.45", 10)
    first = await place(paper, o)
    again = await place(paper, o)
    assert again == first
    assert len(await paper.get_open_orders()) == 1


# fills paging ----------------------------------------------------------------------------


async def test_fill_ids_are_unique_and_the_cursor_pages_through_them(
    data: FakeDataVenue,
) -> None:
    paper = PaperPlatform(data, fills_page_size=3)
    data.set_book(book(no=tuple((f"0.{40 + i}", 1) for i in range(7))))
    await place(paper, order("0.60", 7, post_only=False, time_in_force=TimeInForce.IOC))
    pages, cursor = [], None
    while True:
        page = await paper.get_fills(cursor)
        pages.append(page.fills)
        if page.cursor is None:
            break
        cursor = page.cursor
    assert [len(p) for p in pages] == [3, 3, 1]
    fills = [f for p in pages for f in p]
    assert len({f.fill_id for f in fills}) == 7
    assert [f.price for f in fills] == sorted(f.price for f in fills)  # oldest first


# cancel, amend ---------------------------------------------------------------------------


async def test_cancel_all_and_cancelling_what_is_gone(paper: PaperPlatform) -> None:
    a, b = order("0.45", 1), order("0.44", 1)
    await place(paper, a)
    await place(paper, b)
    assert await paper.cancel_all() == 2
    [again] = await paper.cancel_orders([a])
    assert not again.cancelled
    assert await paper.get_open_orders() == []
    got = await paper.get_order(a.client_order_id, M)
    assert got is not None
    assert got.status is OrderStatus.CANCELLED


async def test_amend_down_keeps_the_queue_anything_else_goes_to_the_back(
    paper: PaperPlatform,
) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    paper.apply_event(trade("0.50", 60))  # 40 ahead now
    smaller = await paper.amend_order(o, D("0.50"), D(6))
    assert (smaller.status, smaller.reason) == (OrderStatus.OPEN, "")
    paper.apply_event(trade("0.50", 42))
    assert await filled(paper, o) == 2
    bigger = await paper.amend_order(o, D("0.50"), D(8))  # 100 ahead again (the book)
    assert bigger.status is OrderStatus.PARTIALLY_FILLED
    paper.apply_event(trade("0.50", 99))
    assert await filled(paper, o) == 2
    await paper.amend_order(o, D("0.49"), D(8))  # 30 ahead at 0.49
    paper.apply_event(trade("0.49", 33))
    assert await filled(paper, o) == 5
    [resting] = await paper.get_open_orders()
    assert (resting.price, resting.quantity, resting.remaining) == (D("0.49"), D(8), D(3))


async def test_decrease_keeps_the_queue(paper: PaperPlatform) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    paper.apply_event(trade("0.50", 98))  # 2 ahead now
    reduced = await paper.decrease_order(o, D(4))
    assert (reduced.cancelled, reduced.reduced_by) == (True, D(6))
    paper.apply_event(trade("0.50", 3))
    assert await filled(paper, o) == 1
    bad = await paper.decrease_order(o, D(3))  # 3 remain: not a decrease
    assert not bad.cancelled
    gone = await paper.decrease_order(o, D(0))
    assert (gone.cancelled, gone.reduced_by) == (True, D(3))
    assert await paper.get_open_orders() == []


async def test_a_post_only_amend_that_would_cross_is_refused_and_the_order_stays(
    paper: PaperPlatform,
) -> None:
    o = order("0.50", 10)
    await place(paper, o)
    refused = await paper.amend_order(o, D("0.52"), D(10))
    assert refused.status is OrderStatus.REJECTED
    [resting] = await paper.get_open_orders()
    assert resting.price == D("0.50")
    gone = await paper.amend_order(order("0.50", 1), D("0.49"), D(1))
    assert gone.reason == "order not resting"


async def test_a_closing_market_cancels_its_resting_orders(paper: PaperPlatform) -> None:
    await place(paper, order("0.45", 1))
    closed = Market(market_id=M, status=MarketStatus.CLOSED)
    events = paper.apply_event(MarketStatusChanged(market=closed))
    assert [e.status for e in events if isinstance(e, OrderUpdated)] == [OrderStatus.CANCELLED]
    assert await paper.get_open_orders() == []


# the usage guide ----------------------------------------------------------------------------


async def test_the_usage_guides_calls(paper: PaperPlatform) -> None:
    [market] = await paper.get_markets(status="open")
    resting = await paper.place_order(
        market_id=market.market_id,
        side=OrderSide.YES,
        order_type=OrderType.LIMIT,
        quantity=10,
        price=D("0.50"),
    )
    assert (resting.status, resting.filled_quantity) == (OrderStatus.OPEN, D(0))
    taken = await paper.place_order(
        market_id=market.market_id,
        side=OrderSide.YES,
        order_type=OrderType.LIMIT,
        quantity=10,
        price=D("0.52"),
    )
    assert (taken.status, taken.filled_quantity, taken.price) == (
        OrderStatus.FILLED,
        D(10),
        D("0.52"),
    )
    exit_order = await paper.place_order(
        market_id=str(market.market_id), side=OrderSide.NO, order_type=OrderType.MARKET, quantity=10
    )
    assert (exit_order.status, exit_order.filled_quantity) == (OrderStatus.FILLED, D(10))
    with pytest.raises(ValueError, match="needs a price"):
        await paper.place_order(market_id=M, side=YES, quantity=1)


# wiring -------------------------------------------------------------------------------------


async def test_paper_mode_selects_the_paper_venue(data: FakeDataVenue) -> None:
    assert wrap_if_paper(data, MarketMakingConfig()) is data
    wrapped = wrap_if_paper(data, MarketMakingConfig(paper_mode=True), starting_balance=D(5))
    assert isinstance(wrapped, PaperPlatform)
    assert isinstance(wrapped, VenueClient)
    assert await wrapped.get_balance() == D(5)
    assert wrap_if_paper(wrapped, MarketMakingConfig(paper_mode=True)) is wrapped
    await wrapped.aclose()
    assert data.closed


async def test_batches_beyond_the_venues_sizes_are_refused(paper: PaperPlatform) -> None:
    many = [order("0.40", 1) for _ in range(21)]
    with pytest.raises(ValueError, match="max_batch_create 20"):
        await paper.place_orders(many)
    with pytest.raises(ValueError, match="max_batch_cancel 20"):
        await paper.cancel_orders(many)
    results = await paper.place_orders(many[:20])
    assert {r.status for r in results} == {OrderStatus.OPEN}


def test_capabilities_mirror_the_data_venue(paper: PaperPlatform, data: FakeDataVenue) -> None:
    caps = paper.capabilities
    assert caps.max_batch_create == data.capabilities.max_batch_create
    assert caps.max_batch_cancel == data.capabilities.max_batch_cancel
    assert caps.fractional_counts == data.capabilities.fractional_counts
    assert caps.amend
    assert caps.decrease
    assert caps.post_only
    assert not caps.dead_man_switch
    assert paper.venue is Venue.KALSHI
    assert paper.paper


def test_paper_orders_never_expire_so_nothing_renews_them() -> None:
    """The data venue expires its orders unless renewed (Kalshi's safety net: an
    ``order_ttl_s``); paper orders rest until cancelled, so the paper venue says no TTL
    and the PlatformActor sends no renewal amends (``actors.platform.renewals``)."""
    data = FakeDataVenue(capabilities=attrs.evolve(FAKE_CAPABILITIES, order_ttl_s=60))
    assert PaperPlatform(data).capabilities.order_ttl_s is None

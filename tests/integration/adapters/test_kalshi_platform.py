"""KalshiPlatform against the simulator's Kalshi front end over 127.0.0.1 (REST + ws)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeGuard

import attrs
import pytest
import trio
from cryptography.hazmat.primitives.asymmetric import rsa

from predmm.domain import (
    AuthenticationError,
    ClientOrderId,
    Fill,
    MarketId,
    OffGridPrice,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TickSpec,
    Venue,
)
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    MarketSettled,
    OrderFilled,
    TickSizeChanged,
    VenueEvent,
)
from predmm.platforms.kalshi import KalshiPlatform, RetryPolicy
from predmm.simulator.faults import FaultKind
from predmm.simulator.testing import RunningSimulator, running_simulator

ORDERS = "POST /portfolio/events/orders"
FAST_RETRY = RetryPolicy(attempts=5, base_delay=0.02, max_delay=0.2)
FAST_RECONNECT = RetryPolicy(attempts=1, base_delay=0.05, max_delay=0.2)


@pytest.fixture
async def venue() -> AsyncIterator[RunningSimulator]:
    """A fresh simulator serving its venues on ephemeral 127.0.0.1 ports."""
    async with running_simulator(seed=7, flow=False) as running:
        yield running
    gc.collect()  # whatever the server leaked is reported in this test, not a later one


def client(venue: RunningSimulator, **kw: Any) -> KalshiPlatform:
    options: dict[str, Any] = {
        "api_key": venue.kalshi.key_id,
        "api_secret": venue.kalshi.private_key_path,
        "base_url": venue.kalshi.base_url,
        "ws_url": venue.kalshi.ws_url,
        "retry": FAST_RETRY,
        "reconnect": FAST_RECONNECT,
        "timeout": 5.0,
    }
    return KalshiPlatform(**(options | kw))


@pytest.fixture
async def platform(venue: RunningSimulator) -> AsyncIterator[KalshiPlatform]:
    p = client(venue)
    yield p
    await p.aclose()


@pytest.fixture
async def market(platform: KalshiPlatform) -> MarketId:
    markets = await platform.get_markets(status="open")
    assert markets, "the simulator lists open Kalshi markets"
    return markets[0].market_id


def open_ids(venue: RunningSimulator, mid: MarketId) -> list[str]:
    account = venue.sim.maker.kalshi_account
    return sorted(str(o.client_order_id) for o in venue.sim.exchange.open_orders(account, mid))


def counterparty_bid(
    venue: RunningSimulator, mid: MarketId, side: OrderSide, price: str, qty: int
) -> None:
    trader = venue.sim.create_trader(f"cp-{side.value}-{price}", cash=Decimal(1000))
    outcome = venue.sim.exchange.place_order(
        trader.kalshi_account, mid, side, Decimal(price), Decimal(qty)
    )
    assert outcome.reject is None, outcome.message


def order(mid: MarketId, cid: str, side: OrderSide, price: str, qty: int = 2) -> Order:
    return Order(
        client_order_id=ClientOrderId(cid),
        market_id=mid,
        side=side,
        price=Decimal(price),
        quantity=Decimal(qty),
    )


@asynccontextmanager
async def streaming(
    platform: KalshiPlatform, mid: MarketId
) -> AsyncIterator[trio.MemoryReceiveChannel[VenueEvent]]:
    send, receive = trio.open_memory_channel[VenueEvent](1000)

    async def pump() -> None:
        async for event in platform.stream([mid]):
            send.send_nowait(event)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pump)
        yield receive
        nursery.cancel_scope.cancel()


async def next_event(
    events: trio.MemoryReceiveChannel[VenueEvent],
    want: Callable[[VenueEvent], bool],
    seen: list[VenueEvent] | None = None,
) -> VenueEvent:
    with trio.fail_after(5):
        while True:
            event = await events.receive()
            if seen is not None:
                seen.append(event)
            if want(event):
                return event


def is_book(event: VenueEvent) -> TypeGuard[BookUpdated]:
    return isinstance(event, BookUpdated)


# REST ---------------------------------------------------------------------------------


async def test_usage_guide_calls(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    markets = await platform.get_markets(status="open")
    assert all(m.is_open and m.tick.is_on_grid(Decimal("0.50")) for m in markets)
    resting = await platform.place_order(
        market_id=market,
        side=OrderSide.YES,
        order_type=OrderType.LIMIT,
        quantity=Decimal(3),
        price=Decimal("0.40"),
    )
    assert resting.status is OrderStatus.OPEN
    assert resting.filled_quantity == 0
    counterparty_bid(venue, market, OrderSide.NO, "0.45", 5)  # a YES ask at 0.55
    taken = await platform.place_order(
        market_id=market, side=OrderSide.YES, order_type=OrderType.MARKET, quantity=Decimal(2)
    )
    assert taken.status is OrderStatus.FILLED
    assert taken.filled_quantity == 2
    assert open_ids(venue, market) == [resting.client_order_id.value]


async def test_place_amend_decrease_cancel(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    [placed] = await platform.place_orders([order(market, "q-1", OrderSide.NO, "0.30", 4)])
    assert placed.status is OrderStatus.OPEN
    live = order(market, "q-1", OrderSide.NO, "0.30", 4)
    live = attrs.evolve(live, venue_order_id=placed.venue_order_id, status=placed.status)
    amended = await platform.amend_order(live, Decimal("0.32"), Decimal(6))
    assert amended.status is OrderStatus.OPEN
    [record] = venue.sim.exchange.open_orders(venue.sim.maker.kalshi_account, market)
    assert (record.side, record.price, record.remaining) == (
        OrderSide.NO,
        Decimal("0.32"),
        Decimal(6),
    )
    live = attrs.evolve(live, price=Decimal("0.32"), quantity=Decimal(6))
    decreased = await platform.decrease_order(live, Decimal(1))
    assert decreased.cancelled
    assert decreased.reduced_by == 5
    [gone] = await platform.cancel_orders([live])
    assert gone.cancelled
    assert open_ids(venue, market) == []
    [again] = await platform.cancel_orders([live])
    assert not again.cancelled


async def test_batch_and_cancel_all(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    batch = [
        order(market, "b-1", OrderSide.YES, "0.20"),
        order(market, "b-2", OrderSide.YES, "0.21"),
        order(market, "b-3", OrderSide.NO, "0.22"),
        order(market, "b-4", OrderSide.YES, "0.2005"),  # off the 0.01 grid: refused
    ]
    with pytest.raises(OffGridPrice):  # the grid is known from get_markets
        await platform.place_orders(batch)
    unaware = client(venue)  # has not read the grid: the venue refuses the one order
    results = await unaware.place_orders(batch)
    await unaware.aclose()
    assert [r.status for r in results] == [OrderStatus.OPEN] * 3 + [OrderStatus.REJECTED]
    assert "invalid_price" in results[3].reason
    assert open_ids(venue, market) == ["b-1", "b-2", "b-3"]
    ids = {r.client_order_id: r.venue_order_id for r in results}
    cancels = await platform.cancel_orders(
        [attrs.evolve(o, venue_order_id=ids[o.client_order_id]) for o in batch[:2]]
    )
    assert [c.cancelled for c in cancels] == [True, True]
    assert open_ids(venue, market) == ["b-3"]
    assert await platform.cancel_all() == 1
    assert open_ids(venue, market) == []


async def test_a_429_backs_off_and_succeeds(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    venue.sim.faults.fail_next(Venue.KALSHI, ORDERS, status=429, count=2)
    [result] = await platform.place_orders([order(market, "rl-1", OrderSide.YES, "0.30")])
    assert result.status is OrderStatus.OPEN
    assert platform.http_stats.rate_limited == 2
    assert open_ids(venue, market) == ["rl-1"]


async def test_a_lost_submit_answer_ends_with_exactly_one_live_order(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    venue.sim.faults.ambiguous_next(Venue.KALSHI, ORDERS)
    [result] = await platform.place_orders([order(market, "amb-1", OrderSide.YES, "0.30")])
    assert result.status is OrderStatus.OPEN
    assert result.reason == "already placed"
    assert open_ids(venue, market) == ["amb-1"]
    assert [f.kind for f in venue.sim.faults.fired] == [FaultKind.AMBIGUOUS]


async def test_a_timed_out_submit_is_retried_into_one_order(
    venue: RunningSimulator, market: MarketId
) -> None:
    impatient = client(venue, timeout=0.2)
    venue.sim.faults.delay(Venue.KALSHI, ORDERS, 0.6, count=1)
    [result] = await impatient.place_orders([order(market, "slow-1", OrderSide.NO, "0.30")])
    await impatient.aclose()
    assert result.status is OrderStatus.OPEN
    assert impatient.http_stats.unavailable >= 1  # the first attempt timed out
    assert open_ids(venue, market) == ["slow-1"]
    account = venue.sim.maker.kalshi_account
    assert len(venue.sim.exchange.orders(account, market)) == 1


async def test_bad_credentials_fail_once_without_retries(
    venue: RunningSimulator, market: MarketId
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = client(venue, api_secret=stranger)
    with pytest.raises(AuthenticationError, match="INCORRECT_API_KEY_SIGNATURE"):
        await bad.place_orders([order(market, "auth-1", OrderSide.YES, "0.30")])
    assert bad.http_stats.requests == 1
    with pytest.raises(AuthenticationError), trio.fail_after(5):
        async for _ in bad.stream([market]):
            pass
    await bad.aclose()
    assert open_ids(venue, market) == []


# fills and the feed -------------------------------------------------------------------


async def test_a_fill_reaches_get_fills_and_the_stream(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    async with streaming(platform, market) as events:
        await next_event(events, is_book)
        [placed] = await platform.place_orders([order(market, "mk-1", OrderSide.YES, "0.40", 3)])
        assert placed.status is OrderStatus.OPEN
        counterparty_bid(venue, market, OrderSide.NO, "0.60", 2)  # takes 2 at 0.40
        filled = await next_event(events, lambda e: isinstance(e, OrderFilled))
    assert isinstance(filled, OrderFilled)
    fill = filled.fill
    assert fill.client_order_id == ClientOrderId("mk-1")
    assert (fill.side, fill.price, fill.quantity, fill.is_taker) == (
        OrderSide.YES,
        Decimal("0.40"),
        Decimal(2),
        False,
    )
    page = await platform.get_fills()
    assert [f.fill_id for f in page.fills] == [fill.fill_id]
    again = await platform.get_fills(page.cursor)  # its second comes again, nothing else
    assert [f.fill_id for f in again.fills] == [fill.fill_id]
    assert again.cursor == page.cursor  # nothing new: the same cursor back
    [position] = await platform.get_positions()
    assert (position.market_id, position.yes_contracts) == (market, Decimal(2))


async def walk_fills(platform: KalshiPlatform, cursor: str | None) -> tuple[list[Fill], str]:
    """Page as the PlatformActor's poll and start-up recovery do: pass each cursor back
    until the same one comes back; the fills seen and where to start next time."""
    seen: list[Fill] = []
    while True:
        page = await platform.get_fills(cursor)
        seen += page.fills
        if page.cursor is None or page.cursor == cursor:
            assert cursor is not None
            return seen, cursor
        cursor = page.cursor


async def test_a_walk_over_many_pages_then_sees_the_fills_that_came_after_it(
    venue: RunningSimulator, market: MarketId
) -> None:
    # Kalshi lists fills newest first, so its page cursor leads to older fills: a poll
    # that kept it would read old pages for ever and never see a new fill
    platform = client(venue, page_limit=1)
    try:
        prices = ("0.40", "0.39", "0.38")
        placed = await platform.place_orders(
            [order(market, f"mk-{i}", OrderSide.YES, p, 1) for i, p in enumerate(prices)]
        )
        ids = [p.venue_order_id for p in placed]
        counterparty_bid(venue, market, OrderSide.NO, "0.60", 1)  # fills mk-0 at 0.40
        counterparty_bid(venue, market, OrderSide.NO, "0.61", 1)  # mk-1 at 0.39
        first, cursor = await walk_fills(platform, None)
        assert {f.venue_order_id for f in first} == set(ids[:2])  # each at least once
        counterparty_bid(venue, market, OrderSide.NO, "0.62", 1)  # mk-2, after the walk
        later, _ = await walk_fills(platform, cursor)
        assert ids[2] in {f.venue_order_id for f in later}
    finally:
        await platform.aclose()


async def test_a_skipped_seq_resyncs_before_any_new_book(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    seen: list[VenueEvent] = []
    async with streaming(platform, market) as events:
        await next_event(events, is_book, seen)
        venue.sim.faults.ws_fault(Venue.KALSHI, FaultKind.WS_SKIP_SEQ, "orderbook_delta")
        counterparty_bid(venue, market, OrderSide.YES, "0.35", 4)  # its delta comes after a gap
        invalid = await next_event(events, lambda e: isinstance(e, BookInvalidated), seen)
        fresh = await next_event(events, is_book, seen)
    assert isinstance(invalid, BookInvalidated)
    assert "seq gap" in invalid.reason
    books = [e for e in seen if isinstance(e, BookUpdated)]
    assert len(books) == 2  # the first snapshot and the fresh one: nothing in between
    assert seen.index(invalid) < seen.index(fresh)
    assert isinstance(fresh, BookUpdated)
    assert fresh.book == venue.sim.exchange.book(market)
    assert fresh.book.best_bid() == Decimal("0.35")
    assert platform.feed_state is not None
    assert platform.feed_state.resyncs == 1


async def test_a_dropped_socket_reconnects_and_resnapshots(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    seen: list[VenueEvent] = []
    async with streaming(platform, market) as events:
        await next_event(events, is_book, seen)
        venue.sim.faults.ws_fault(Venue.KALSHI, FaultKind.WS_DROP, "orderbook_delta")
        counterparty_bid(venue, market, OrderSide.NO, "0.25", 3)
        invalid = await next_event(events, lambda e: isinstance(e, BookInvalidated), seen)
        fresh = await next_event(events, is_book, seen)
    assert isinstance(invalid, BookInvalidated)
    assert invalid.reason == "websocket reconnect"
    assert isinstance(fresh, BookUpdated)
    assert fresh.book == venue.sim.exchange.book(market)
    assert fresh.book.best_bid(OrderSide.NO) == Decimal("0.25")


async def test_a_new_price_grid_reaches_the_stream_and_the_order_check(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    fine = TickSpec.uniform(Decimal("0.001"))
    assert not (await platform.get_market(market)).tick.is_on_grid(Decimal("0.305"))
    async with streaming(platform, market) as events:
        await next_event(events, is_book)
        venue.sim.exchange.change_tick(market, fine)
        changed = await next_event(events, lambda e: isinstance(e, TickSizeChanged))
    assert isinstance(changed, TickSizeChanged)
    assert changed.tick == fine
    [result] = await platform.place_orders([order(market, "fine-1", OrderSide.YES, "0.305")])
    assert result.status is OrderStatus.OPEN


async def test_a_duplicated_ws_message_is_applied_once(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    seen: list[VenueEvent] = []
    async with streaming(platform, market) as events:
        await next_event(events, is_book, seen)
        venue.sim.faults.ws_fault(Venue.KALSHI, FaultKind.WS_DUPLICATE, "orderbook_delta")
        counterparty_bid(venue, market, OrderSide.YES, "0.33", 4)
        counterparty_bid(venue, market, OrderSide.YES, "0.34", 1)
        last = await next_event(
            events, lambda e: is_book(e) and e.book.best_bid() == Decimal("0.34"), seen
        )
    assert isinstance(last, BookUpdated)
    assert last.book == venue.sim.exchange.book(market)
    assert not any(isinstance(e, BookInvalidated) for e in seen)
    assert len([e for e in seen if is_book(e)]) == 3  # snapshot + one per real change


async def test_a_resolution_reaches_the_stream_and_get_settlements(
    venue: RunningSimulator, platform: KalshiPlatform, market: MarketId
) -> None:
    other = (await platform.get_markets(status="open"))[1].market_id
    assert await platform.get_settlements([market, other]) == []  # nothing resolved yet
    async with streaming(platform, market) as events:
        await next_event(events, is_book)
        await platform.place_orders([order(market, "held-1", OrderSide.YES, "0.40", 3)])
        counterparty_bid(venue, market, OrderSide.NO, "0.60", 3)  # we hold 3 YES at 0.40
        await next_event(events, lambda e: isinstance(e, OrderFilled))
        venue.sim.exchange.settle_market(market, OrderSide.YES)
        settled = await next_event(events, lambda e: isinstance(e, MarketSettled))
    assert isinstance(settled, MarketSettled)
    streamed = settled.settlement
    assert (streamed.market_id, streamed.yes_payout, streamed.source) == (
        market,
        1,
        "kalshi lifecycle",
    )
    venue.sim.exchange.settle_market(other, OrderSide.NO)  # we held nothing there
    record, result = await platform.get_settlements([market, other])
    assert (record.market_id, record.outcome, record.source) == (
        market,
        "yes",
        "kalshi settlements",
    )
    assert (record.yes_contracts, record.no_contracts) == (Decimal(3), Decimal(0))
    assert record.venue_ts == venue.sim.exchange.market(market).settled_at
    assert (result.market_id, result.outcome, result.source) == (other, "no", "kalshi market")
    assert result.yes_contracts is None
    assert await platform.get_positions() == []

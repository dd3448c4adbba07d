"""PolymarketPlatform against the simulator's CLOB V2 + Gamma front end on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
import trio

from predmm.domain import (
    Action,
    AuthenticationError,
    ClientOrderId,
    MarketId,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TickSpec,
    TimeInForce,
    Venue,
    VenueUnavailable,
)
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    FillReversed,
    OrderFilled,
    TickSizeChanged,
    VenueEvent,
)
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.platforms.polymarket._stream import open_stream
from predmm.simulator.faults import FaultKind, FaultRule
from predmm.simulator.polymarket import front_end
from predmm.simulator.testing import RunningSimulator, running_simulator

D = Decimal


@pytest.fixture
async def running() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(seed=5, flow=False, mine_after_s=0.5, confirm_after_s=1.0) as r:
        yield r


def _platform(running: RunningSimulator, **kw: Any) -> PolymarketPlatform:
    ep = running.polymarket
    fields: dict[str, Any] = {
        "private_key": ep.private_key,
        "api_key": ep.api_key,
        "api_secret": ep.secret,
        "api_passphrase": ep.passphrase,
        "clob_url": ep.clob_url,
        "gamma_url": ep.gamma_url,
        "ws_url": ep.ws_url,
        "clock": running.sim.clock.timestamp,
        "max_backoff": 0.5,
    }
    return PolymarketPlatform(**(fields | kw))


@pytest.fixture
async def platform(running: RunningSimulator) -> AsyncIterator[PolymarketPlatform]:
    p = _platform(running)
    yield p
    await p.aclose()


@pytest.fixture
async def market_id(platform: PolymarketPlatform) -> MarketId:
    markets = await platform.get_markets(status="open")
    return markets[0].market_id


def _order(market_id: MarketId, n: int, price: str = "0.30", **kw: Any) -> Order:
    fields: dict[str, Any] = {
        "client_order_id": ClientOrderId(f"it-{n}"),
        "market_id": market_id,
        "side": OrderSide.YES,
        "price": D(price),
        "quantity": D(10),
    }
    return Order(**(fields | kw))


async def _next(events: trio.MemoryReceiveChannel[VenueEvent], kind: type, **match: Any) -> Any:
    with trio.fail_after(10):
        async for event in events:
            if isinstance(event, kind) and all(_get(event, k) == v for k, v in match.items()):
                return event
    raise AssertionError("stream ended")


def _get(event: Any, dotted: str) -> Any:
    for part in dotted.split("__"):
        event = getattr(event, part)
    return event


async def _eventually(check: Callable[[], Any], timeout: float = 10.0) -> None:
    with trio.fail_after(timeout):
        while not await check():
            await trio.sleep(0.05)


# -- markets and books ---------------------------------------------------------------


async def test_markets_and_book(platform: PolymarketPlatform, running: RunningSimulator) -> None:
    markets = await platform.get_markets(status="open")
    assert markets
    assert all(m.market_id.venue is Venue.POLYMARKET and m.is_open for m in markets)
    market = markets[0]
    state = running.sim.exchange.market(market.market_id)
    assert market.tick == TickSpec.polymarket(state.tick.step_at(D("0.5")))
    info = await platform.market_info(market.market_id)
    listing = state.spec.polymarket
    assert listing is not None
    assert (info.yes_token, info.no_token) == (listing.yes_token_id, listing.no_token_id)
    await platform.place_order(
        market_id=market.market_id,
        side=OrderSide.YES,
        order_type=OrderType.LIMIT,
        quantity=D(10),
        price=D("0.40"),
    )
    await platform.place_order(
        market_id=market.market_id, side=OrderSide.NO, quantity=D(7), price=D("0.55")
    )
    book = await platform.get_order_book(market.market_id)
    assert book.best_bid(OrderSide.YES) == D("0.40")
    assert book.best_ask(OrderSide.YES) == D("0.45")
    assert book.yes_bids[0].size == 10
    assert book.no_bids[0].size == 7


# -- orders ----------------------------------------------------------------------------


async def test_place_and_cancel(platform: PolymarketPlatform, market_id: MarketId) -> None:
    order = await platform.place_order(
        market_id=market_id,
        side=OrderSide.YES,
        order_type=OrderType.LIMIT,
        quantity=D(10),
        price=D("0.30"),
    )
    assert order.status is OrderStatus.OPEN
    assert order.filled_quantity == 0
    assert order.venue_order_id is not None
    assert order.venue_order_id.value.startswith("0x")
    no = await platform.place_order(
        market_id=market_id, side=OrderSide.NO, quantity=D("5.5"), price=D("0.20")
    )
    open_orders = await platform.get_open_orders(market_id)
    by_id = {o.client_order_id: o for o in open_orders}
    assert set(by_id) == {order.client_order_id, no.client_order_id}
    assert by_id[no.client_order_id].side is OrderSide.NO
    assert by_id[no.client_order_id].quantity == D("5.5")
    found = await platform.get_order(order.client_order_id, market_id)
    assert found is not None
    assert found.status is OrderStatus.OPEN
    results = await platform.cancel_orders([order])
    assert [r.cancelled for r in results] == [True]
    again = await platform.cancel_orders([order])
    assert not again[0].cancelled
    assert again[0].reason
    remaining = await platform.get_open_orders(market_id)
    assert [o.client_order_id for o in remaining] == [no.client_order_id]


async def test_resend_of_one_intent_is_one_order(
    platform: PolymarketPlatform, market_id: MarketId
) -> None:
    order = _order(market_id, 1)
    first = await platform.place_orders([order])
    second = await platform.place_orders([order])  # a retry of the same intent
    assert first[0].venue_order_id == second[0].venue_order_id
    assert second[0].status is OrderStatus.OPEN
    assert len(await platform.get_open_orders(market_id)) == 1


async def test_batch_of_15_and_16_refused(
    platform: PolymarketPlatform, market_id: MarketId
) -> None:
    orders = [_order(market_id, n, price=f"0.{10 + n:02d}") for n in range(15)]
    results = await platform.place_orders(orders)
    assert [r.status for r in results] == [OrderStatus.OPEN] * 15
    assert len({r.venue_order_id for r in results}) == 15
    sent = platform.transport.requests
    with pytest.raises(ValueError, match="16"):
        await platform.place_orders([*orders, _order(market_id, 99)])
    assert platform.transport.requests == sent
    cancelled = await platform.cancel_orders(orders)
    assert all(r.cancelled for r in cancelled)


async def test_off_grid_and_post_only_cross_are_rejections(
    platform: PolymarketPlatform, market_id: MarketId
) -> None:
    (off,) = await platform.place_orders([_order(market_id, 1, price="0.305")])
    assert off.status is OrderStatus.REJECTED
    assert "grid" in off.reason
    await platform.place_orders([_order(market_id, 2, price="0.40", side=OrderSide.NO)])
    crossing = _order(market_id, 3, price="0.65")  # YES 0.65 crosses NO 0.40 (= YES ask 0.60)
    (cross,) = await platform.place_orders([crossing])
    assert cross.status is OrderStatus.REJECTED
    assert "post" in cross.reason.lower()


async def test_cancel_all_and_cancel_market(
    platform: PolymarketPlatform, market_id: MarketId
) -> None:
    await platform.place_orders([_order(market_id, n, price=f"0.{20 + n}") for n in range(3)])
    assert await platform.cancel_market(market_id) == 3
    await platform.place_orders([_order(market_id, n + 10, price=f"0.{20 + n}") for n in range(4)])
    assert await platform.cancel_all() == 4
    assert await platform.get_open_orders() == []


# -- fills ---------------------------------------------------------------------------


async def test_fill_reaches_get_fills_and_the_stream(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    taker = running.sim.create_trader("taker")
    async with open_stream(platform, [market_id]) as events:
        placed = await platform.place_order(
            market_id=market_id, side=OrderSide.YES, quantity=D(10), price=D("0.40")
        )
        outcome = running.sim.exchange.place_order(
            taker.polymarket_account, market_id, OrderSide.NO, D("0.60"), D(5)
        )
        assert outcome.fills
        filled = await _next(events, OrderFilled, fill__provisional=True)
        assert filled.fill.venue_order_id == placed.venue_order_id
        assert filled.fill.quantity == 5
        assert filled.fill.price == D("0.40")
        assert filled.fill.side is OrderSide.YES
        assert filled.fill.action is Action.BUY
        confirmed = await _next(events, OrderFilled, fill__provisional=False)
        assert confirmed.fill.fill_id == filled.fill.fill_id
    page = await platform.get_fills()
    assert [f.fill_id for f in page.fills] == [filled.fill.fill_id]
    assert not page.fills[0].provisional
    assert page.fills[0].quantity == 5


async def test_failed_trade_is_reversed(
    running: RunningSimulator, market_id: MarketId, platform: PolymarketPlatform
) -> None:
    slow = running.sim
    slow.confirm_after_s = slow.mine_after_s = 3600.0
    taker = slow.create_trader("taker")
    async with open_stream(platform, [market_id]) as events:
        await platform.place_order(
            market_id=market_id, side=OrderSide.NO, quantity=D(5), price=D("0.45")
        )
        outcome = slow.exchange.place_order(
            taker.polymarket_account, market_id, OrderSide.YES, D("0.55"), D(5)
        )
        provisional = await _next(events, OrderFilled)
        assert provisional.fill.provisional
        slow.exchange.fail_trade(outcome.fills[0].trade_id)
        reversed_ = await _next(events, FillReversed)
        assert reversed_.fill.fill_id == provisional.fill.fill_id
    page = await platform.get_fills()
    assert page.fills == ()  # a failed trade is no fill


# -- dead-man switch -------------------------------------------------------------------


async def test_heartbeats_stopped_cancel_everything(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    front_end(running.sim).heartbeats.timeout = 1.0  # the venue's ~10 s, shortened
    async with trio.open_nursery() as nursery:
        await nursery.start(platform.run_heartbeats, 0.2)
        await platform.place_orders([_order(market_id, n, price=f"0.{20 + n}") for n in range(3)])
        await trio.sleep(1.5)  # longer than the window: the beats keep the orders alive
        assert len(await platform.get_open_orders()) == 3
        assert platform.heartbeats_sent >= 5
        nursery.cancel_scope.cancel()  # predmm "dies"
    stopped = trio.current_time()

    async def all_gone() -> bool:
        return await platform.get_open_orders() == []

    await _eventually(all_gone, timeout=5)
    assert trio.current_time() - stopped < 1.0 + 1.0  # the window, plus the venue's sweep


# -- tick size -------------------------------------------------------------------------


async def test_tick_size_change_moves_the_next_order_to_the_new_grid(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    async with open_stream(platform, [market_id], user=False) as events:
        running.sim.exchange.change_tick(market_id, TickSpec.polymarket("0.001"))
        changed = await _next(events, TickSizeChanged)
        assert changed.tick == TickSpec.polymarket("0.001")
    order = await platform.place_order(
        market_id=market_id, side=OrderSide.YES, quantity=D(10), price=D("0.305")
    )
    assert order.status is OrderStatus.OPEN
    resting = running.sim.exchange.open_orders(running.sim.maker.polymarket_account, market_id)
    assert [o.price for o in resting] == [D("0.305")]


async def test_tick_change_learned_from_a_rejection(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    await platform.market_info(market_id)
    running.sim.exchange.change_tick(market_id, TickSpec.polymarket("0.1"))
    (refused,) = await platform.place_orders([_order(market_id, 1, price="0.35")])
    assert refused.status is OrderStatus.REJECTED
    assert (await platform.market_info(market_id)).tick == D("0.1")
    (ok,) = await platform.place_orders([_order(market_id, 2, price="0.3")])
    assert ok.status is OrderStatus.OPEN


# -- transport faults ------------------------------------------------------------------


async def test_rate_limited_backs_off_and_succeeds(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    running.sim.faults.add(
        FaultRule(
            kind=FaultKind.RATE_LIMIT,
            venue=Venue.POLYMARKET,
            route="POST /order",
            count=2,
            retry_after_s=0.1,
        )
    )
    sent = platform.transport.requests
    (result,) = await platform.place_orders([_order(market_id, 1)])
    assert result.status is OrderStatus.OPEN
    assert platform.transport.requests - sent == 3
    assert len(await platform.get_open_orders(market_id)) == 1


async def test_bad_credentials_fail_once_and_clearly(
    running: RunningSimulator, market_id: MarketId
) -> None:
    wrong = _platform(running, api_secret="QkFEQkFEQkFEQkFEQkFEQkFEQkFEQkFEQkFEQkFEQkE=")
    try:
        await wrong.market_info(market_id)
        sent = wrong.transport.requests
        with pytest.raises(AuthenticationError) as info:
            await wrong.place_orders([_order(market_id, 1)])
        assert wrong.transport.requests - sent == 1
        assert "QkFEQkFE" not in str(info.value)
        assert info.value.status == 401
    finally:
        await wrong.aclose()


async def test_api_key_derivation(running: RunningSimulator, market_id: MarketId) -> None:
    fresh = _platform(running, api_key=None, api_secret=None, api_passphrase=None)
    try:
        creds = await fresh.derive_api_key()
        assert creds.api_key
        order = await fresh.place_order(
            market_id=market_id, side=OrderSide.YES, quantity=D(5), price=D("0.25")
        )
        assert order.status is OrderStatus.OPEN
    finally:
        await fresh.aclose()


async def test_balance_and_positions(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    assert await platform.get_balance() == D(10000)
    taker = running.sim.create_trader("taker")
    await platform.place_order(
        market_id=market_id, side=OrderSide.YES, quantity=D(6), price=D("0.40")
    )
    running.sim.exchange.place_order(
        taker.polymarket_account, market_id, OrderSide.NO, D("0.60"), D(6)
    )
    positions = await platform.get_positions()
    mine = [p for p in positions if p.market_id == market_id]
    assert [(p.yes_contracts, p.no_contracts) for p in mine] == [(D(6), D(0))]


async def test_lost_submit_answer_ends_with_exactly_one_live_order(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    running.sim.faults.ambiguous_next(Venue.POLYMARKET, "POST /order")
    order = _order(market_id, 1)
    with pytest.raises(VenueUnavailable):
        await platform.place_orders([order])
    (retried,) = await platform.place_orders([order])  # the same intent, resent
    assert retried.status is OrderStatus.OPEN
    assert retried.venue_order_id is not None
    live = await platform.get_open_orders(market_id)
    assert [(o.client_order_id, o.venue_order_id) for o in live] == [
        (order.client_order_id, retried.venue_order_id)
    ]


async def test_heartbeat_chain_recovers_from_a_lost_answer(platform: PolymarketPlatform) -> None:
    first = await platform.send_heartbeat()
    platform._heartbeat_id = "stale-id"  # as if the last answer never arrived
    second = await platform.send_heartbeat()
    assert second not in (first, "stale-id")
    assert platform.heartbeats_sent == 2


async def test_stream_resyncs_after_a_dropped_websocket(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    running.sim.faults.ws_fault(Venue.POLYMARKET, FaultKind.WS_DROP, "price_change")
    async with contextlib.aclosing(platform.stream([market_id])) as events:
        first = await _next_in(events, BookUpdated)
        assert first.book.yes_bids == ()
        await platform.place_orders([_order(market_id, 1, price="0.35")])
        lost = await _next_in(events, BookInvalidated)
        assert lost.market_id == market_id
        whole = await _next_in(events, BookUpdated)
        assert whole.book.best_bid() == D("0.35")


async def _next_in(events: AsyncIterator[VenueEvent], kind: type) -> Any:
    with trio.fail_after(10):
        async for event in events:
            if isinstance(event, kind):
                return event
    raise AssertionError("stream ended")


async def test_stream_with_bad_credentials_fails_fast(
    running: RunningSimulator, market_id: MarketId
) -> None:
    wrong = _platform(running, api_passphrase="not-the-passphrase")
    try:
        with trio.fail_after(5), pytest.raises(BaseExceptionGroup) as info:
            async with open_stream(wrong, [market_id]):
                pass
        assert info.group_contains(AuthenticationError)
    finally:
        await wrong.aclose()


async def test_stream_iterator_raises_the_authentication_error(
    running: RunningSimulator, market_id: MarketId
) -> None:
    wrong = _platform(running, api_passphrase="not-the-passphrase")

    async def drain() -> None:
        async with contextlib.aclosing(wrong.stream([market_id])) as events:
            async for _ in events:
                pass

    try:
        with trio.fail_after(5), pytest.raises(AuthenticationError):
            await drain()
    finally:
        await wrong.aclose()


async def test_crossing_orders_report_what_matched(
    platform: PolymarketPlatform, running: RunningSimulator, market_id: MarketId
) -> None:
    other = running.sim.create_trader("other")
    running.sim.exchange.place_order(
        other.polymarket_account, market_id, OrderSide.NO, D("0.60"), D(12)
    )
    gtc = await platform.place_order(
        market_id=market_id, side=OrderSide.YES, quantity=D(7), price=D("0.40"), post_only=False
    )
    assert gtc.status is OrderStatus.FILLED
    assert gtc.filled_quantity == 7
    rest = await platform.place_order(
        market_id=market_id, side=OrderSide.YES, quantity=D(10), price=D("0.40"), post_only=False
    )
    assert rest.status is OrderStatus.PARTIALLY_FILLED
    assert rest.filled_quantity == 5
    assert await platform.cancel_all() == 1  # the rest of that one
    other_ask = running.sim.exchange.place_order(
        other.polymarket_account, market_id, OrderSide.NO, D("0.65"), D(5)
    )
    assert other_ask.order is not None
    ioc = await platform.place_order(
        market_id=market_id,
        side=OrderSide.YES,
        quantity=D(8),
        price=D("0.35"),
        time_in_force=TimeInForce.IOC,
        post_only=False,
    )
    assert ioc.status is OrderStatus.CANCELLED
    assert ioc.filled_quantity == 5


async def test_a_fill_we_take_costs_the_fee_the_venue_charged(
    platform: PolymarketPlatform, running: RunningSimulator
) -> None:
    exchange = running.sim.exchange
    market_id = next(
        s.market_id for s in exchange.markets(Venue.POLYMARKET) if s.spec.fees.taker > 0
    )
    await platform.get_markets(status="open")
    other = running.sim.create_trader("other")
    exchange.place_order(other.polymarket_account, market_id, OrderSide.NO, D("0.60"), D(12))
    ioc = await platform.place_order(
        market_id=market_id,
        side=OrderSide.YES,
        quantity=D(7),
        price=D("0.40"),
        time_in_force=TimeInForce.IOC,
        post_only=False,
    )
    assert ioc.filled_quantity == 7
    (charged,) = exchange.fills(running.sim.maker.polymarket_account)
    assert charged.is_taker
    assert charged.fee > 0
    (fill,) = (await platform.get_fills()).fills
    assert (fill.is_taker, fill.fee) == (True, charged.fee)


@pytest.mark.parametrize("protocol", [1, 2])
async def test_a_resolution_is_read_from_gamma(
    platform: PolymarketPlatform, running: RunningSimulator, protocol: int
) -> None:
    # a protocol-V2 market lists positionIds, not clobTokenIds: resolved all the same
    markets = await platform.get_markets()
    infos = [await platform.market_info(m.market_id) for m in markets]
    market_id = next(i.market_id for i in infos if i.protocol == protocol)
    assert await platform.get_settlements([market_id]) == []  # open: not resolved
    running.sim.exchange.settle_market(market_id, OrderSide.NO)
    (settlement,) = await platform.get_settlements([market_id])
    assert (settlement.market_id, settlement.outcome, settlement.yes_payout) == (
        market_id,
        "no",
        0,
    )
    assert settlement.source == "gamma"
    settled_at = running.sim.exchange.market(market_id).settled_at
    assert settled_at is not None
    assert settlement.venue_ts == settled_at.replace(microsecond=0)
    assert settlement.yes_contracts is None  # Polymarket keeps no record of what it paid us

"""Paper trading on the simulator's Kalshi market data: KalshiPlatform over 127.0.0.1 as
the data venue, orders filled on paper by queue position, nothing sent to the exchange."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import aclosing
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import trio

from predmm.domain.enums import OrderSide, OrderStatus, OrderType, TimeInForce, Venue
from predmm.domain.events import BookUpdated, OrderFilled, VenueEvent
from predmm.platforms.kalshi import KalshiPlatform
from predmm.platforms.paper import PaperPlatform
from predmm.simulator import Simulator
from predmm.simulator.kalshi import create_kalshi_app
from predmm.simulator.server import SimulatorApps, SimulatorUrls, serve
from predmm.simulator.testing import wall_clock_start

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO


async def _not_served(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    """The Polymarket apps: this test only needs Kalshi."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture
async def sim() -> AsyncIterator[tuple[Simulator, SimulatorUrls]]:
    simulator = Simulator(seed=3, flow=False, start=wall_clock_start())
    apps = SimulatorApps(kalshi=create_kalshi_app(simulator), clob=_not_served, gamma=_not_served)
    async with trio.open_nursery() as nursery:
        urls = await nursery.start(functools.partial(serve, simulator, apps=apps))
        yield simulator, urls
        nursery.cancel_scope.cancel()


async def _next(
    events: AsyncIterator[VenueEvent], wanted: Callable[[VenueEvent], bool]
) -> VenueEvent:
    with trio.fail_after(10):
        async for event in events:
            if wanted(event):
                return event
    raise AssertionError("the stream ended")


async def _sim_past(simulator: Simulator, when: datetime) -> None:
    """Until the served simulator's clock (0.25 s steps from a start truncated to the
    second: up to 1.25 s behind the wall) has passed ``when``: a trade made sooner is
    stamped before our paper order joined its level, and the paper venue counts only the
    prints made after it joined."""
    with trio.fail_after(30):
        while simulator.now() <= when:
            await trio.sleep(0.02)


def _has_bid(price: Decimal) -> Callable[[VenueEvent], bool]:
    return lambda e: isinstance(e, BookUpdated) and e.book.best_bid(YES) == price


async def test_paper_orders_fill_behind_the_real_queue_and_never_reach_the_venue(
    sim: tuple[Simulator, SimulatorUrls],
) -> None:
    simulator, urls = sim
    key = simulator.maker.kalshi_key
    kalshi = KalshiPlatform(
        api_key=key.key_id, api_secret=key.private_key_pem, base_url=urls.kalshi_base_url
    )
    paper = PaperPlatform(kalshi, starting_balance=D(1000))
    markets = await paper.get_markets(status="open")
    mid = next(m.market_id for m in markets if m.market_id.venue is Venue.KALSHI)
    resting = simulator.create_trader("resting")
    taker = simulator.create_trader("taker")
    ex = simulator.exchange
    ex.place_order(resting.kalshi_account, mid, YES, D("0.40"), D(10))  # the queue
    ex.place_order(resting.kalshi_account, mid, YES, D("0.39"), D(10))
    ex.place_order(resting.kalshi_account, mid, NO, D("0.55"), D(10))  # YES ask 0.45
    async with aclosing(paper.stream([mid])) as events:  # type: ignore[type-var]
        await _next(events, _has_bid(D("0.40")))
        ours = await paper.place_order(
            market_id=mid, side=YES, order_type=OrderType.LIMIT, quantity=5, price=D("0.40")
        )
        assert (ours.status, ours.filled_quantity) == (OrderStatus.OPEN, D(0))
        crossing = await paper.place_order(
            market_id=mid, side=YES, quantity=1, price=D("0.45"), post_only=True
        )
        assert crossing.status is OrderStatus.REJECTED
        await _sim_past(simulator, datetime.now(UTC))
        # someone sells 13 YES: 10 to the queue ahead of us at 0.40, 3 through us at 0.39
        ex.place_order(
            taker.kalshi_account, mid, NO, D("0.61"), D(13), time_in_force=TimeInForce.IOC
        )
        event = await _next(events, lambda e: isinstance(e, OrderFilled))
        assert isinstance(event, OrderFilled)
        assert (event.fill.quantity, event.fill.price) == (D(3), D("0.40"))
    got = await paper.get_order(ours.client_order_id, mid)
    assert got is not None
    assert (got.status, got.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, D(3))
    assert await paper.get_balance() == D(1000) - D("1.20")  # a maker: no fee
    assert ex.orders(simulator.maker.kalshi_account) == []
    await paper.aclose()

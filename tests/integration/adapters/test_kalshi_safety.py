"""KalshiPlatform's venue-side safety net against the simulator over 127.0.0.1: orders in
an order group, with ``cancel_order_on_pause`` and a short expiration; an expiry-only
amend renewing one in place; an amend that finds the order expired; the group tripped by
a fill burst (placements refused, the stream saying so) and re-armed; a restart adopting
the group of the orders it finds; and each market's count step.

The simulator's clock is stepped by the tests (``step_s=None``) and the client reads it
(its expirations are the simulator's seconds); the simulator checks signatures against
the wall clock, which allows a timestamp up to 60 s ahead: the tests step less."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
import trio

from predmm.domain import (
    ClientOrderId,
    MarketId,
    OffGridCount,
    Order,
    OrderSide,
    OrderStatus,
    Venue,
)
from predmm.domain.events import SafetyNetTripped
from predmm.domain.ids import VenueOrderId
from predmm.platforms.kalshi import KalshiPlatform, RetryPolicy
from predmm.platforms.kalshi.safety import KalshiSafety
from predmm.simulator.exchange import CancelReason, GroupId
from predmm.simulator.testing import RunningSimulator, running_simulator

D = Decimal
FED = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-C25")
CPI = MarketId(Venue.KALSHI, "KXCPI-26NOV-T0.3")  # trades fractional contracts
TTL = 10
SAFETY = KalshiSafety(order_group_limit=5, order_ttl_s=TTL, cancel_on_pause=True)
FAST = RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.2)


@pytest.fixture
async def venue() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(seed=7, flow=False, step_s=None) as running:
        yield running
    gc.collect()


@pytest.fixture
async def safe(venue: RunningSimulator) -> AsyncIterator[KalshiPlatform]:
    client = kalshi(venue)
    await client.get_markets()  # the grids and count steps of the markets
    yield client
    await client.aclose()


def kalshi(venue: RunningSimulator, **kw: Any) -> KalshiPlatform:
    options: dict[str, Any] = {
        "api_key": venue.kalshi.key_id,
        "api_secret": venue.kalshi.private_key_path,
        "base_url": venue.kalshi.base_url,
        "ws_url": venue.kalshi.ws_url,
        "retry": FAST,
        "reconnect": FAST,
        "timeout": 5.0,
        "tier": "premier",
        "safety": SAFETY,
        "clock": venue.sim.now,
    }
    return KalshiPlatform(**(options | kw))


def bid(cid: str, price: str = "0.40", qty: str = "2", market: MarketId = FED) -> Order:
    return Order(
        client_order_id=ClientOrderId(cid),
        market_id=market,
        side=OrderSide.YES,
        price=D(price),
        quantity=D(qty),
    )


def placed(order: Order, result: Any) -> Order:
    return attrs.evolve(
        order,
        status=result.status,
        venue_order_id=result.venue_order_id,
        expires_at=result.expires_at,
    )


def requests(venue: RunningSimulator, method: str, ending: str) -> int:
    """Requests the simulator's Kalshi app received to paths ending in ``ending``."""
    counts = venue.sim.requests.counts
    return sum(n for (app, m, path), n in counts.items() if m == method and path.endswith(ending))


def record(venue: RunningSimulator, oid: VenueOrderId | None) -> Any:
    assert oid is not None
    found = venue.sim.exchange.order(oid)
    assert found is not None
    return found


async def test_orders_go_into_the_group_with_cancel_on_pause_and_a_short_expiry(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    [result] = await safe.place_orders([bid("s-1")])
    assert result.status is OrderStatus.OPEN
    held = record(venue, result.venue_order_id)
    assert safe.order_group_id is not None
    assert held.group_id == GroupId(safe.order_group_id)
    assert held.cancel_on_pause is True
    assert held.expiration == result.expires_at
    ahead = (held.expiration - venue.sim.now()).total_seconds()
    assert TTL - 1 <= ahead <= TTL  # in whole seconds
    assert venue.sim.exchange.group(held.group_id).limit == 5
    [again] = await safe.place_orders([bid("s-2", "0.39")])  # the same group, not a new one
    assert record(venue, again.venue_order_id).group_id == held.group_id
    assert len(venue.sim.exchange.groups(venue.sim.maker.kalshi_account)) == 1


async def test_a_renewal_moves_the_expiry_and_keeps_the_queue_place(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    """An amend at the same price and size costs 10 write tokens, renews the expiry and
    keeps the order ahead of one placed after it at its price; unrenewed, it expires."""
    mine = bid("r-1")
    [result] = await safe.place_orders([mine])
    mine = placed(mine, result)
    other = venue.sim.create_trader("behind", cash=D(100))
    venue.sim.exchange.place_order(other.kalshi_account, FED, OrderSide.YES, D("0.40"), D(2))
    venue.sim.advance(6)
    before = requests(venue, "POST", "/amend")
    renewed = await safe.amend_order(mine, mine.price, mine.quantity)
    assert renewed.status is OrderStatus.OPEN
    assert renewed.expires_at is not None
    assert mine.expires_at is not None
    assert renewed.expires_at > mine.expires_at
    after = requests(venue, "POST", "/amend")
    assert after == before + 1
    venue.sim.advance(5)  # past the first expiry, before the renewed one
    taker = venue.sim.create_trader("taker", cash=D(100))
    venue.sim.exchange.place_order(taker.kalshi_account, FED, OrderSide.NO, D("0.60"), D(2))
    assert record(venue, mine.venue_order_id).status is OrderStatus.FILLED  # still first
    late = bid("r-2", "0.30")
    [result] = await safe.place_orders([late])
    venue.sim.advance(TTL + 1)
    venue.sim.exchange.expire_orders()
    assert record(venue, result.venue_order_id).status is OrderStatus.EXPIRED


async def test_an_amend_that_finds_its_order_expired_says_expired(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    """The order expires while its amend is on its way: Kalshi answers 404, the client
    reads the order, and the amend answers EXPIRED (not refused, not filled); reads
    show it expired, a cancelled one cancelled."""
    mine = bid("e-1")
    [result] = await safe.place_orders([mine])
    mine = placed(mine, result)
    venue.sim.advance(TTL + 1)
    answer = await safe.amend_order(mine, D("0.41"), mine.quantity)
    assert (answer.status, answer.filled_quantity) == (OrderStatus.EXPIRED, 0)
    assert "expired" in answer.reason
    read = await safe.get_order_by_id(answer.venue_order_id or VenueOrderId("?"))
    assert read is not None
    assert read.status is OrderStatus.EXPIRED
    assert await safe.get_open_orders() == []
    cancelled = bid("e-2")
    [result] = await safe.place_orders([cancelled])
    cancelled = placed(cancelled, result)
    await safe.cancel_orders([cancelled])
    read = await safe.get_order(cancelled.client_order_id, FED)
    assert read is not None
    assert read.status is OrderStatus.CANCELLED


async def test_a_fill_burst_trips_the_group_the_stream_says_so_and_rearming_restores(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    first, second = bid("t-1", "0.40", "4"), bid("t-2", "0.38", "3")
    results = await safe.place_orders([first, second])
    taker = venue.sim.create_trader("burst", cash=D(100))
    seen: list[Any] = []
    async with trio.open_nursery() as nursery:

        async def follow() -> None:
            async for event in safe.stream([FED]):
                seen.append(event)

        nursery.start_soon(follow)
        with trio.fail_after(5):
            while safe.feed_state is None or not safe.feed_state.has_book(FED):
                await trio.sleep(0.01)
        venue.sim.exchange.place_order(taker.kalshi_account, FED, OrderSide.NO, D("0.62"), D(6))
        with trio.fail_after(5):
            while not any(isinstance(e, SafetyNetTripped) for e in seen):
                await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    [trip] = [e for e in seen if isinstance(e, SafetyNetTripped)]
    assert safe.order_group_id in trip.reason
    left = record(venue, results[1].venue_order_id)
    assert left.cancel_reason is CancelReason.GROUP_TRIGGERED
    [refused] = await safe.place_orders([bid("t-3", "0.35")])
    assert refused.status is OrderStatus.REJECTED
    assert refused.tripped
    assert "order_group_triggered" in refused.reason
    assert await safe.rearm_safety_net() == f"order group {safe.order_group_id} reset"
    [accepted] = await safe.place_orders([bid("t-4", "0.35")])
    assert accepted.status is OrderStatus.OPEN
    assert not accepted.tripped


async def test_a_restart_keeps_the_group_of_the_orders_it_adopts(venue: RunningSimulator) -> None:
    before = kalshi(venue)
    await before.place_orders([bid("a-1")])
    group = before.order_group_id
    await before.aclose()  # the daemon dies; its order rests, in its group
    after = kalshi(venue)
    [adopted] = await after.get_open_orders()
    assert adopted.expires_at is not None
    [result] = await after.place_orders([bid("a-2", "0.39")])
    assert after.order_group_id == group
    assert str(record(venue, result.venue_order_id).group_id) == group
    await after.cancel_all()
    fresh = kalshi(venue)
    assert await fresh.get_open_orders() == []
    await fresh.place_orders([bid("a-3", "0.38")])
    assert fresh.order_group_id not in (None, group)  # nothing adopted: a new group
    await after.aclose()
    await fresh.aclose()


async def test_a_trading_pause_cancels_our_orders(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    [result] = await safe.place_orders([bid("p-1")])
    venue.sim.faults.schedule_trading_pause(FED.venue, venue.sim.clock.timestamp() + 1, 60)
    venue.sim.advance(2)
    assert record(venue, result.venue_order_id).cancel_reason is CancelReason.PAUSE
    [refused] = await safe.place_orders([bid("p-2")])
    assert refused.status is OrderStatus.REJECTED
    assert "trading_is_paused" in refused.reason
    assert not refused.tripped


async def test_counts_follow_each_markets_step(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    steps = {m.market_id: m.count_step for m in await safe.get_markets()}
    assert steps[CPI] == D("0.01")
    assert steps[FED] == D(1)
    sent = requests(venue, "POST", "/portfolio/events/orders")
    with pytest.raises(OffGridCount, match=r"count 2\.37 is not a positive multiple of 1"):
        await safe.place_orders([bid("c-1", qty="2.37")])
    assert requests(venue, "POST", "/portfolio/events/orders") == sent
    [result] = await safe.place_orders([bid("c-2", "0.30", "2.37", market=CPI)])
    held = record(venue, result.venue_order_id)
    assert held.remaining == D("2.37")
    taker = venue.sim.create_trader("fraction", cash=D(100))
    venue.sim.exchange.place_order(taker.kalshi_account, CPI, OrderSide.NO, D("0.70"), D("1.25"))
    [resting] = await safe.get_open_orders(CPI)
    assert (resting.filled_quantity, resting.remaining) == (D("1.25"), D("1.12"))
    [position] = await safe.get_positions([CPI])
    assert position.yes_contracts == D("1.25")
    assert held.expiration is not None
    assert held.expiration - venue.sim.now() <= timedelta(seconds=TTL)


async def test_a_renewal_keeps_a_count_the_venue_made_off_our_step(
    venue: RunningSimulator, safe: KalshiPlatform
) -> None:
    """A market read as whole (no ``fractional_trading_enabled``: Kalshi dropped the
    field) that fills us by a fraction: the order's remaining count is off our step, but
    a renewal keeps it as it is, so it is sent; a new count off the step is refused."""
    mine = bid("f-1", "0.30", "2.37", market=CPI)
    [result] = await safe.place_orders([mine])
    mine = placed(mine, result)
    safe._steps[CPI] = D(1)  # as if the market did not say it is fractional
    renewed = await safe.amend_order(mine, mine.price, mine.quantity)
    assert renewed.status is OrderStatus.OPEN
    with pytest.raises(OffGridCount):
        await safe.amend_order(mine, mine.price, D("3.37"))

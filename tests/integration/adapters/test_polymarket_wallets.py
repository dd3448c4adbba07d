"""PolymarketPlatform trading for each kind of account (signature types 0-3: an EOA, a
proxy, a Safe, a deposit wallet) against the simulator on 127.0.0.1: orders on a market
of outcome tokens and on a protocol-V2 market, their reads, fills, balances, positions,
cancels and the heartbeat, all as the venue expects them for that account."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

import pytest
import trio

from predmm.domain import ClientOrderId, MarketId, Order, OrderSide, OrderStatus, Venue
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.simulator import Simulator
from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.polymarket import PolymarketOptions, front_end
from predmm.simulator.server import SimulatorUrls, serve
from predmm.simulator.testing import wall_clock_start

D = Decimal
Served = tuple[Simulator, SimulatorUrls]


@pytest.fixture
async def served(nursery: trio.Nursery) -> Served:
    sim = Simulator(seed=5, flow=False, start=wall_clock_start(), mine_after_s=60)
    front_end(sim, PolymarketOptions(heartbeat_timeout_s=0.5))
    urls = await nursery.start(functools.partial(serve, sim))
    return sim, urls


def _account(sim: Simulator, kind: int) -> PolymarketKey:
    return sim.create_trader(
        f"account-{kind}", cash=D(100), polymarket_signature_type=kind
    ).polymarket_key


def _platform(served: Served, key: PolymarketKey, **kw: Any) -> PolymarketPlatform:
    sim, urls = served
    fields: dict[str, Any] = {
        "private_key": key.private_key,
        "signature_type": key.signature_type,
        "funder": key.funder or None,
        "api_key": key.api_key,
        "api_secret": key.secret,
        "api_passphrase": key.passphrase,
        "clob_url": urls.clob_url,
        "gamma_url": urls.gamma_url,
        "ws_url": urls.polymarket_ws_url,
        "clock": sim.clock.timestamp,
        "max_backoff": 0.5,
    }
    return PolymarketPlatform(**(fields | kw))


def _order(market_id: MarketId, n: int, price: str = "0.40") -> Order:
    return Order(
        client_order_id=ClientOrderId(f"w-{n}"),
        market_id=market_id,
        side=OrderSide.YES,
        price=D(price),
        quantity=D(5),
    )


async def _markets_by_protocol(platform: PolymarketPlatform) -> dict[int, MarketId]:
    found: dict[int, MarketId] = {}
    for market in await platform.get_markets():
        info = await platform.market_info(market.market_id)
        found.setdefault(info.protocol, market.market_id)
    return found


@pytest.mark.parametrize("kind", [0, 1, 2, 3])
async def test_each_account_type_places_reads_fills_and_cancels(served: Served, kind: int) -> None:
    sim = served[0]
    key = _account(sim, kind)
    platform = _platform(served, key)
    try:
        markets = await _markets_by_protocol(platform)
        v1, v2 = markets[1], markets[2]
        assert await platform.get_balance() == 100
        placed = await platform.place_orders([_order(v1, 1), _order(v2, 2)])
        assert [r.status for r in placed] == [OrderStatus.OPEN, OrderStatus.OPEN]
        for market_id, coid in ((v1, "w-1"), (v2, "w-2")):
            (live,) = await platform.get_open_orders(market_id)
            assert live.client_order_id == ClientOrderId(coid)
            record = sim.exchange.order(live.venue_order_id)  # type: ignore[arg-type]
            assert record is not None
            assert front_end(sim).meta(record).maker_address == key.wallet
        taker = sim.create_trader(f"taker-{kind}").polymarket_account
        sim.exchange.place_order(taker, v2, OrderSide.NO, D("0.60"), D(5))  # lifts our bid
        (fill,) = (await platform.get_fills()).fills
        assert (fill.market_id, fill.quantity, fill.is_taker) == (v2, 5, False)
        (position,) = await platform.get_positions()  # CONDITIONAL-V2, our signature type
        assert (position.market_id, position.yes_contracts) == (v2, 5)
        assert await platform.get_balance() == 100 - 2 - 2  # paid 2.00, 2.00 reserved
        (cancelled,) = await platform.cancel_orders([_order(v1, 1)])
        assert cancelled.cancelled
        assert await platform.get_open_orders() == []
        assert await platform.send_heartbeat()
    finally:
        await platform.aclose()


@pytest.mark.parametrize("kind", [1, 3])
async def test_the_heartbeat_guards_the_funders_orders(served: Served, kind: int) -> None:
    """Heartbeats are the EOA's requests; when they stop, the venue cancels the orders
    the account's wallet made."""
    sim = served[0]
    key = _account(sim, kind)
    platform = _platform(served, key)
    try:
        v1 = (await _markets_by_protocol(platform))[1]
        await platform.send_heartbeat()
        (placed,) = await platform.place_orders([_order(v1, 1)])
        assert placed.status is OrderStatus.OPEN
        with trio.fail_after(5):
            while await platform.get_open_orders(v1):
                await trio.sleep(0.1)
        assert sim.exchange.open_orders(key.account_id) == []
    finally:
        await platform.aclose()


async def test_a_wrong_signature_type_is_refused_by_the_venue(served: Served) -> None:
    """A proxy account configured as a Safe: every order comes back REJECTED with the
    venue's error, and the balance read of that type finds nothing."""
    sim = served[0]
    key = _account(sim, 1)
    platform = _platform(served, key, signature_type=2)
    try:
        v1 = (await _markets_by_protocol(platform))[1]
        (result,) = await platform.place_orders([_order(v1, 1)])
        assert result.status is OrderStatus.REJECTED
        assert "invalid POLY_GNOSIS_SAFE signature" in result.reason
        assert await platform.get_balance() == 0
        assert sim.exchange.open_orders(key.account_id) == []
    finally:
        await platform.aclose()


async def test_a_v2_market_is_listed_with_its_position_ids(served: Served) -> None:
    sim = served[0]
    platform = _platform(served, sim.maker.polymarket_key)
    try:
        v2 = (await _markets_by_protocol(platform))[2]
        info = await platform.market_info(v2)
        listing = sim.exchange.market(v2).spec.polymarket
        assert listing is not None
        assert (info.yes_token, info.no_token) == (listing.yes_token_id, listing.no_token_id)
        assert v2.venue is Venue.POLYMARKET
        assert await platform.refresh_tick(v2) == D("0.01")
        book = await platform.get_order_book(v2)
        assert book.market_id == v2
    finally:
        await platform.aclose()

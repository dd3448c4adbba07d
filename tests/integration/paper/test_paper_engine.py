"""Paper mode through the Python API: a paper config registered with a TradingEngine that
holds real ``KalshiPlatform`` and ``PolymarketPlatform`` clients pointed at the simulator
on 127.0.0.1. The simulator counts every HTTP request its front ends receive: in paper
mode not one of them writes (no order, cancel or amend), while paper fills happen against
the venues' real books and trades."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import trio

from predmm import MarketMakingConfig, MarketMakingStrategy
from predmm.actors.journal.store import Journal
from predmm.domain.book import OrderBook
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.platforms.kalshi import KalshiPlatform
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.simulator import Simulator
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings
from tests.integration.paper.books import (
    DEEP_BID,
    add_deep_bid,
    first_market,
    seed_book,
    sweep_bids,
)

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
TIMINGS = EngineTimings(scan_interval=3600, tick_interval=0.5, fill_poll_interval=1.0)


def paper_config() -> MarketMakingConfig:
    """Quotes that stay where they are while a sweep moves the book: the sweep's trade
    prints may reach the paper venue after its book changes, and a requote in between
    would take our bid out of their way."""
    live = MarketMakingConfig(
        quote_size=10,
        min_liquidity=D(0),
        max_markets=20,
        price_change_requote_threshold=D("0.5"),
    )
    return attrs.evolve(live, paper_mode=True)


def kalshi_client(running: RunningSimulator) -> KalshiPlatform:
    k = running.kalshi
    return KalshiPlatform(
        api_key=k.key_id, api_secret=k.private_key_pem, base_url=k.base_url, tier="premier"
    )


def polymarket_client(running: RunningSimulator) -> PolymarketPlatform:
    p = running.polymarket
    return PolymarketPlatform(
        private_key=p.private_key,
        api_key=p.api_key,
        api_secret=p.secret,
        api_passphrase=p.passphrase,
        clob_url=p.clob_url,
        gamma_url=p.gamma_url,
        ws_url=p.ws_url,
        clock=running.sim.clock.timestamp,
    )


async def wait_until_streamed(paper: PaperPlatform, market_id: MarketId) -> None:
    """Until the paper venue's stream of ``market_id`` is live: a deep bid placed after
    our bid rested shows in the book it matches against."""
    with trio.fail_after(30):
        while not has_bid(paper.matching_book(market_id), DEEP_BID):
            await trio.sleep(0.02)


def has_bid(book: OrderBook | None, price: Decimal) -> bool:
    return book is not None and any(lv.price == price for lv in book.yes_bids)


async def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Bounded wait on the engine's published status (no actor is asked)."""
    with trio.move_on_after(timeout):
        while not predicate():
            await trio.sleep(0.02)
        return
    raise AssertionError(f"timed out waiting for {what}")


async def wait_for_paper_bid(sim: Simulator, engine: TradingEngine, market_id: MarketId) -> None:
    """Until our YES bid rests in the paper venue and its stream of the market is live
    (read on the trio thread that owns the paper venue)."""
    client = engine.clients[market_id.venue]
    with trio.fail_after(30):
        while not any(o.side is YES for o in await client.get_open_orders(market_id)):
            await trio.sleep(0.02)
    if isinstance(client, PaperPlatform):  # (before the fix, the orders were real)
        add_deep_bid(sim, market_id)
        await wait_until_streamed(client, market_id)
        await wait_for_sim_clock(sim, datetime.now(UTC))


async def wait_for_sim_clock(sim: Simulator, when: datetime) -> None:
    """Until the simulator's clock has passed ``when`` (wall time). A served simulator's
    clock moves in 0.25 s steps from a start truncated to the second, so it runs up to
    1.25 s behind the wall clock the paper venue stamps its orders with; a trade made
    sooner would be stamped before our bid joined, and the paper venue does not count
    such a print."""
    with trio.fail_after(30):
        while sim.now() <= when:
            await trio.sleep(0.02)


def holds_yes(engine: TradingEngine, market_id: MarketId) -> bool:
    status = engine.board.market(market_id)
    return status is not None and status.yes_contracts > 0


async def test_a_paper_config_registered_after_real_clients_sends_no_order_to_the_venues(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "paper.sqlite3"
    async with running_simulator(seed=11, flow=False) as running:
        sim = running.sim
        markets = [first_market(sim, Venue.KALSHI), first_market(sim, Venue.POLYMARKET)]
        for market_id in markets:
            seed_book(sim, market_id, deep=False)
        # the guide's order: platforms first, then the strategy whose config is paper
        engine = TradingEngine(journal_path=journal, timings=TIMINGS, handle_signals=False)
        engine.register_platform(kalshi_client(running))
        engine.register_platform(polymarket_client(running))
        engine.register_strategy(MarketMakingStrategy(config=paper_config()))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            for market_id in markets:
                await wait_for_paper_bid(sim, engine, market_id)
                sweep_bids(sim, market_id)
                await wait_for(lambda m=market_id: holds_yes(engine, m), f"a fill on {market_id}")
            engine.request_stop()
        maker = sim.maker
        placed = sim.exchange.orders(maker.kalshi_account) + sim.exchange.orders(
            maker.polymarket_account
        )
        writes, orders = sim.requests.writes(), sim.requests.order_requests()
        reads = {app: sim.requests.total(app) for app in ("kalshi", "clob", "gamma")}

    assert orders == {}  # no order route of either venue was called
    assert writes == {}  # nor anything else that writes: cancels, amends, heartbeats
    assert placed == []
    # the market lists came from both venues over HTTP (the books over their websockets)
    assert reads["kalshi"] > 0, reads
    assert reads["gamma"] > 0, reads
    with Journal.open_read_only(journal) as reader:
        fills = [jf.fill for jf in reader.fills()]
        runs = reader.runs()
    assert {f.market_id for f in fills} == set(markets)
    assert all(str(f.fill_id).startswith("paper-") for f in fills)
    assert [r.mode for r in runs] == ["paper"]

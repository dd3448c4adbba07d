"""Late acceptance through the real venue clients, on both venues: the daemon's first
placement times out at the client and the simulator places it two seconds later anyway
(``Faults.late_accept``, never answered). The orders stay UNKNOWN and reserved while
they are looked up, are found once the venue holds them, and the daemon ends with
exactly one order per intent, each reserved, none replaced, no limit passed.

The venue's delay is real time (the simulator's clock follows trio's), so the test
waits on the venue and the engine with short bounded looks, as the crash-recovery test
waits on its processes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import trio

from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetExposure, GetPlatformStats
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.platforms.kalshi import KalshiPlatform, RetryPolicy
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.platforms.venue import VenueClient
from predmm.simulator.testing import RunningSimulator, running_simulator, wall_clock_start
from predmm.simulator.universe import default_universe
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings

T = TypeVar("T")
LATE_S = 2.0  # the venue takes the placement this long after it arrived
CLIENT_TIMEOUT_S = 0.5
ROUTES = {Venue.KALSHI: "POST /portfolio/events/orders*", Venue.POLYMARKET: "POST /order*"}
TIMINGS = EngineTimings(
    scan_interval=3600, tick_interval=3600, fill_poll_interval=3600, reconcile_interval=3600
)


def kalshi(running: RunningSimulator) -> KalshiPlatform:
    k = running.kalshi
    return KalshiPlatform(
        api_key=k.key_id,
        api_secret=k.private_key_pem,
        base_url=k.base_url,
        ws_url=k.ws_url,
        tier="premier",
        timeout=CLIENT_TIMEOUT_S,
        retry=RetryPolicy(attempts=1),  # one timeout and the outcome is unknown
    )


def polymarket(running: RunningSimulator) -> PolymarketPlatform:
    p = running.polymarket
    return PolymarketPlatform(
        private_key=p.private_key,
        api_key=p.api_key,
        api_secret=p.secret,
        api_passphrase=p.passphrase,
        clob_url=p.clob_url,
        gamma_url=p.gamma_url,
        ws_url=p.ws_url,
        http=httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S),
    )


def two_sided_books(running: RunningSimulator, venue: Venue) -> None:
    """Another trader bids YES at 0.40 and NO at 0.40 everywhere: a book to quote inside."""
    sim = running.sim
    trader = sim.create_trader("other", cash=Decimal(100_000))
    account = trader.kalshi_account if venue is Venue.KALSHI else trader.polymarket_account
    for state in sim.exchange.markets(venue):
        for side in (OrderSide.YES, OrderSide.NO):
            outcome = sim.exchange.place_order(
                account, state.market_id, side, Decimal("0.40"), Decimal(50)
            )
            assert outcome.reject is None, outcome.message


async def until(what: str, check: Callable[[], Awaitable[T | None]], timeout: float = 20) -> T:
    try:
        with trio.fail_after(timeout):
            while (value := await check()) is None:
                await trio.sleep(0.05)
    except trio.TooSlowError:
        raise AssertionError(f"not within {timeout} s: {what}") from None
    return value


async def ask(ref: Any, message: object) -> Any:
    return await trio.to_thread.run_sync(lambda: ref.ask(message, timeout=5))


@pytest.mark.parametrize("venue", [Venue.KALSHI, Venue.POLYMARKET])
async def test_a_placement_the_venue_takes_late_ends_as_one_reserved_order(
    venue: Venue, tmp_path: Path
) -> None:
    start = wall_clock_start()
    universe = default_universe(start, history=True)  # established markets: selected
    async with running_simulator(seed=3, start=start, universe=universe) as running:
        two_sided_books(running, venue)
        sim = running.sim
        sim.faults.late_accept(venue, ROUTES[venue], after_s=LATE_S)  # the first placement
        client: VenueClient = kalshi(running) if venue is Venue.KALSHI else polymarket(running)
        account = (
            sim.maker.kalshi_account if venue is Venue.KALSHI else sim.maker.polymarket_account
        )
        config = MarketMakingConfig(max_markets=1, quote_size=5)
        journal = tmp_path / "journal.sqlite3"
        engine = TradingEngine(
            config, RiskConfig(), [client], journal, timings=TIMINGS, handle_signals=False
        )
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            platform = await until("the engine runs", lambda: _platform(engine, venue))
            stats = await until(
                "a placement is UNKNOWN", lambda: _stats(platform, lambda s: s.unknown_orders)
            )
            assert not sim.exchange.orders(account)  # not taken yet
            taken = await until("the venue takes it late", lambda: _orders(sim, account))
            stats = await until(
                "the orders are found",
                lambda: _stats(platform, lambda s: s.unknown_orders == 0 and s.live_orders),
            )
            report = await ask(engine.portfolio, GetExposure())
            resting = sim.exchange.open_orders(account)
            placed = sim.exchange.orders(account)
            engine.request_stop()

    late = {o.order_id for o in taken}  # the venue's ids (Polymarket keeps no client ids)
    assert {o.order_id for o in placed} == late  # nothing replaced them
    assert {o.order_id for o in resting} == late  # each rests once
    assert len(late) == stats.live_orders == report.reservations == 2  # one per side, held
    assert report.total_loss <= RiskConfig().max_total_loss
    with Journal.open_read_only(journal) as reader:
        ours = {o.venue_order_id: o.client_order_id for o in reader.orders()}
        assert late <= set(ours)
        for venue_id in late:
            statuses = [e.status for e in reader.order_events(ours[venue_id])]
            assert OrderStatus.UNKNOWN in statuses  # the answer was lost
            assert OrderStatus.REJECTED not in statuses  # never given up
        assert not reader.open_orders()  # shutdown cancelled them


async def _platform(engine: TradingEngine, venue: Venue) -> Any:
    return engine.platforms.get(venue) if engine.started.is_set() else None


async def _stats(platform: Any, done: Callable[[Any], Any]) -> Any:
    stats = await ask(platform, GetPlatformStats())
    return stats if done(stats) else None


async def _orders(sim: Any, account: Any) -> Any:
    return sim.exchange.orders(account) or None

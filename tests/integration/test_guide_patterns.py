"""The usage guide's Integration Patterns and its Paper Trading block, run as the guide
writes them against the simulator (Kalshi's and Polymarket's wire APIs on 127.0.0.1).

Only the imports are mapped to predmm's (``src.strategies.market_making`` ->
``predmm``, ``src.strategies.arbitrage`` -> ``predmm``, ``src.engine.core`` ->
``predmm``), and the Paper Trading block's ``config.paper_mode = True`` becomes
``attrs.evolve(config, paper_mode=True)`` (the config is frozen; the assignment is refused
with a message that says so). What the guide leaves to the reader (the ``platform`` and
``engine`` it uses, the venues registered, the links that make one outcome of two
markets) is set up around each block; each block's own lines are marked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from predmm import (  # the guide's imports, mapped
    ArbitrageStrategy,
    KalshiPlatform,
    MarketMakingConfig,
    MarketMakingStrategy,
    OrderStatus,
    OrderType,
    TradingEngine,
)
from predmm.cli.daemon import with_links
from predmm.cli.stats import LiveStats
from predmm.cli.venues import from_running_simulator
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.runtime import EngineTimings
from tests.actors.harness import running_engine
from tests.integration.test_arbitrage_acceptance import btc, lay_books, move_kalshi, quiet_exchange
from tests.integration.test_asyncio_host import in_sim, simulator_in_thread

D = Decimal
QUIET = EngineTimings(scan_interval=3600, fill_poll_interval=3600, stop_timeout=10.0)

platform: Any = None  # Pattern 1 uses ``platform`` as the guide's earlier blocks set it
engine: Any = None  # Pattern 2 uses the ``engine`` of the guide's "Register with Trading Engine"


# -- Pattern 1: Standalone Market Maker (the guide's code) ----------------------------


# fmt: off
async def run_mm_only():  # type: ignore[no-untyped-def]
    strategy = MarketMakingStrategy()
    engine = TradingEngine()

    engine.register_strategy(strategy)

    # Main loop
    while True:
        markets = await platform.get_markets(status="open")
        signals = await strategy.scan_markets(markets)

        for signal in signals:
            # Place limit orders
            order = await platform.place_order(
                market_id=signal.market_id,
                side=signal.side,
                order_type=OrderType.LIMIT,
                quantity=strategy.config.quote_size,
                price=signal.target_price,
            )

            # Track for inventory updates
            if order.status == OrderStatus.FILLED:
                strategy.update_inventory(
                    market_id=order.market_id,
                    side=order.side,
                    quantity=order.filled_quantity,
                    price=order.price,
                )

        await asyncio.sleep(30)  # Refresh every 30s
# fmt: on


# -- end of the guide's code -----------------------------------------------------------


def test_pattern_1_the_standalone_market_maker_places_its_quotes() -> None:
    global platform

    def our_orders(running: RunningSimulator) -> list[Any]:
        return running.sim.exchange.orders(running.sim.maker.kalshi_account)

    async def main(sim: Any) -> list[Any]:
        global platform
        k = sim[0].kalshi
        platform = KalshiPlatform(
            api_key=k.key_id, api_secret=k.private_key_pem, base_url=k.base_url
        )
        loop = asyncio.create_task(run_mm_only())
        async with asyncio.timeout(60):
            while len(in_sim(sim, our_orders)) < 2:
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the rest of the first round's orders
        loop.cancel()  # stopped in its 30 s sleep, as Ctrl-C would
        with pytest.raises(asyncio.CancelledError):
            await loop
        placed = in_sim(sim, our_orders)
        await platform.cancel_all()
        await platform.aclose()
        return placed

    with simulator_in_thread(seed=7) as sim:
        placed = asyncio.run(main(sim))
    platform = None
    # a YES bid and a NO bid of quote_size (10) in each market the scan selected, on
    # Kalshi's grid, one below the other's complement (they cannot trade together)
    by_market: dict[MarketId, dict[OrderSide, Decimal]] = {}
    for order in placed:
        by_market.setdefault(order.market_id, {})[order.side] = order.price
        assert order.quantity == 10
    assert by_market
    assert all(len(sides) == 2 for sides in by_market.values()), by_market
    assert all(s[OrderSide.YES] + s[OrderSide.NO] < 1 for s in by_market.values())


# -- Patterns 2 and 3 on the simulator ---------------------------------------------------


@asynccontextmanager
async def quiet_simulator() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        lay_books(running)
        yield running


def the_engine(running: RunningSimulator, path: Path) -> TradingEngine:
    """The guide's ``engine = TradingEngine()`` with both venues registered; predmm
    needs to be told which markets are one outcome (``[[risk.event_links]]``)."""
    setup = from_running_simulator(running)
    built = TradingEngine(
        risk_config=with_links(RiskConfig(), setup),
        journal_path=path,
        timings=QUIET,
        handle_signals=False,
        taker_fees=setup.fees,
    )
    for client in setup.clients:
        built.register_platform(client)
    return built


async def until(check: Any, timeout: float = 30.0) -> None:
    with trio.fail_after(timeout):
        while not check():
            await trio.sleep(0.05)


async def test_pattern_2_market_making_and_arbitrage(tmp_path: Path) -> None:
    global engine
    async with quiet_simulator() as running:
        engine = the_engine(running, tmp_path / "j.sqlite3")

        # -- the guide's code (imports mapped) --
        # Initialize both
        mm_strategy = MarketMakingStrategy()
        arb_strategy = ArbitrageStrategy()

        # Register both
        engine.register_strategy(mm_strategy)
        engine.register_strategy(arb_strategy)
        # -- end of the guide's code --

        kalshi, poly = btc(running)
        # the simulator's Polymarket fees, as the venue charges them
        arb_strategy.config = attrs.evolve(arb_strategy.config, fees=engine.taker_fees)
        async with running_engine(engine):
            await until(lambda: len(mm_strategy.get_inventory_status()) == 0 and _quoting(running))
            move_kalshi(running, kalshi)  # someone moves Kalshi's price: an arbitrage
            await until(lambda: str(kalshi) in arb_strategy.get_inventory_status())
            await until(lambda: str(poly) in arb_strategy.get_inventory_status())
            arb, mm = arb_strategy.get_inventory_status(), mm_strategy.get_inventory_status()
            quoted = _quoting(running)
    engine = None
    # 2. arbitrage first: the basket is the arbitrageur's, 20 NO here and 20 YES there
    assert arb[str(kalshi)]["no_contracts"] == 20
    assert arb[str(poly)]["yes_contracts"] == 20
    # 3. market-making quotes where there is no arbitrage, 4. inventory per strategy: the
    # market maker's own (the mover took its Kalshi NO bid) holds none of the basket
    assert quoted
    assert mm.get(str(poly), {"yes_contracts": 0})["yes_contracts"] == 0


def _quoting(running: RunningSimulator) -> bool:
    maker, ex = running.sim.maker, running.sim.exchange
    return bool(ex.open_orders(maker.kalshi_account)) and bool(
        ex.open_orders(maker.polymarket_account)
    )


async def test_pattern_3_a_market_maker_per_platform_under_one_risk_budget(tmp_path: Path) -> None:
    # -- the guide's code (imports mapped) --
    # fmt: off
    kalshi_mm = MarketMakingStrategy(
        config=MarketMakingConfig(
            max_markets=8,
            base_spread=Decimal("0.04")
        )
    )

    polymarket_mm = MarketMakingStrategy(
        config=MarketMakingConfig(
            max_markets=8,
            base_spread=Decimal("0.045")  # Slightly wider for blockchain
        )
    )

    # Unified inventory tracking across platforms
    class CrossPlatformInventory:
        def __init__(self):  # type: ignore[no-untyped-def]
            self.kalshi_inv = {}
            self.polymarket_inv = {}

        def get_net_exposure(self, event_id):  # type: ignore[no-untyped-def]
            """Get total exposure across both platforms for same event."""
            kalshi_net = self.kalshi_inv.get(event_id, 0)
            poly_net = self.polymarket_inv.get(event_id, 0)
            return kalshi_net + poly_net
    # fmt: on
    # -- end of the guide's code --

    async with quiet_simulator() as running:
        built = the_engine(running, tmp_path / "j.sqlite3")
        built.register_strategy(kalshi_mm, venues={Venue.KALSHI})
        built.register_strategy(polymarket_mm, venues={Venue.POLYMARKET})
        kalshi, poly = btc(running)
        async with running_engine(built):
            await until(lambda: _bids(running, kalshi) and _bids(running, poly))
            k_bids, p_bids = _bids(running, kalshi), _bids(running, poly)
            for market in (kalshi, poly):  # a seller hits our YES bids: 5 on each venue
                _sell_into(running, market, _bids(running, market)[OrderSide.YES])
            await until(lambda: str(kalshi) in kalshi_mm.get_inventory_status())
            await until(lambda: str(poly) in polymarket_mm.get_inventory_status())
            inventory = CrossPlatformInventory()
            for mine, book in (
                (kalshi_mm, inventory.kalshi_inv),
                (polymarket_mm, inventory.polymarket_inv),
            ):
                for market, held in mine.get_inventory_status().items():
                    if market in (str(kalshi), str(poly)):
                        book["BTC-100K-2026"] = held["net_position"]
            report = built.snapshot().exposure
    # each venue at its own spread around 0.50 (x 1.5: the question closes within 24 h):
    # 0.06 on Kalshi, 0.0675 on Polymarket (its 0.001 grid: 0.466 and 0.534)
    assert k_bids == {OrderSide.YES: D("0.47"), OrderSide.NO: D("0.47")}
    assert p_bids == {OrderSide.YES: D("0.466"), OrderSide.NO: D("0.466")}
    # the guide's unified view, and the one PortfolioActor's: 10 YES of one outcome
    assert inventory.get_net_exposure("BTC-100K-2026") == 10
    assert report is not None
    (event,) = [e for e in report.events if str(kalshi) in e.markets]
    assert str(poly) in event.markets


def _bids(running: RunningSimulator, market: MarketId) -> dict[OrderSide, Decimal]:
    maker = running.sim.maker
    where = maker.kalshi_account if market.venue is Venue.KALSHI else maker.polymarket_account
    return {
        o.side: o.price for o in running.sim.exchange.open_orders(where) if o.market_id == market
    }


def _sell_into(running: RunningSimulator, market: MarketId, yes_bid: Decimal) -> None:
    sim = running.sim
    seller = sim.create_trader(f"seller-{market.venue.value}", cash=D(1000))
    where = seller.kalshi_account if market.venue is Venue.KALSHI else seller.polymarket_account
    from predmm.domain.enums import TimeInForce

    done = sim.exchange.place_order(
        where, market, OrderSide.NO, 1 - yes_bid, D(5), time_in_force=TimeInForce.IOC
    )
    assert sum(f.quantity for f in done.fills) == 5


# -- Testing & Validation: Paper Trading Test ----------------------------------------------


async def test_paper_trading_block(tmp_path: Path) -> None:
    # the guide's ``config.paper_mode = True``: refused, naming the way that works
    frozen = MarketMakingConfig()
    with pytest.raises(AttributeError, match=r"attrs\.evolve\(config, paper_mode=True\)"):
        frozen.paper_mode = True

    # -- the guide's code (imports mapped; attrs.evolve for the frozen config) --
    # Enable paper mode
    config = MarketMakingConfig()
    config = attrs.evolve(config, paper_mode=True)  # Add this to config

    strategy = MarketMakingStrategy(config=config)
    # -- end of the guide's code --

    path = tmp_path / "paper.sqlite3"
    async with running_simulator(seed=7, flow=True, **_busy()) as running:
        built = the_engine(running, path)
        built.register_strategy(strategy)
        stats = LiveStats(built, path, interval=0.2)
        async with running_engine(built), trio.open_nursery() as nursery:
            nursery.start_soon(stats.run)
            # a fill, and the first markout after it (the adverse selection the guide counts)
            await until(lambda: "1s" in _figures(stats, strategy).get("markouts", {}), 60)
            figures = _figures(stats, strategy)
            nursery.cancel_scope.cancel()
        writes = running.sim.requests.writes()
    # the figures the guide tracks, on paper, and not one write reached the venues
    assert writes == {}
    assert figures["quotes"] > 0
    assert 0 < figures["fill_rate"] <= 1
    assert figures["max_skew"] >= 0
    assert figures["fills"] > 0
    assert "1s" in figures["markouts"]


def _busy() -> dict[str, Any]:
    """The embedded exchange, its noise traders four times as busy: a paper fill comes
    within seconds (EMBEDDED_NOISE_PER_MIN = 30: often ten)."""
    from predmm.cli.daemon import embedded_simulator
    from predmm.cli.venues import EMBEDDED_NOISE_PER_MIN
    from predmm.simulator.flow import FlowConfig

    busier = FlowConfig(noise_rate_per_min=4 * EMBEDDED_NOISE_PER_MIN)
    return {**embedded_simulator(), "flow_config": busier}


def _figures(stats: LiveStats, strategy: MarketMakingStrategy) -> dict[str, Any]:
    """Total quotes generated, fill rate, spread capture, max inventory skew and the
    adverse selection (markouts), as predmm tracks them."""
    _, totals = stats.per_market()
    skews = [abs(i["skew_ratio"]) for i in strategy.get_inventory_status().values()]
    if totals is None:
        return {"fills": 0}
    return {
        "fills": totals.fills,
        "quotes": totals.quoted_quantity,
        "fill_rate": totals.fill_rate,
        "spread_capture": totals.spread_capture,
        "max_skew": max(skews, default=D(0)),
        "markouts": {f"{h:g}s": v for h, v in totals.markouts.items()},
    }

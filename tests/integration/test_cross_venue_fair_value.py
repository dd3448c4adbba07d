"""Cross-venue fair value on the simulator's linked markets: the Bitcoin question is
listed on Kalshi (a thin book here: 5 a side) and on Polymarket (100 a side). With
``fair_value_method = "cross_venue"`` Kalshi's market maker values it from both books,
the deeper one weighing twenty times more, and its quotes lean on Polymarket's price."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

from predmm.cli.daemon import with_links
from predmm.cli.venues import from_running_simulator
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.engine import TradingEngine
from tests.integration.test_arbitrage_acceptance import QUIET, btc, quiet_exchange

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO


def lay(running: RunningSimulator, market: MarketId, bid: str, ask: str, size: int) -> None:
    sim = running.sim
    lp = sim.create_trader(f"lp-{market.venue.value}", cash=D(100_000))
    where = lp.kalshi_account if market.venue is Venue.KALSHI else lp.polymarket_account
    sim.exchange.place_order(where, market, YES, D(bid), D(size))
    sim.exchange.place_order(where, market, NO, 1 - D(ask), D(size))


def our_bids(running: RunningSimulator, market: MarketId) -> dict[OrderSide, Decimal]:
    maker = running.sim.maker
    where = maker.kalshi_account if market.venue is Venue.KALSHI else maker.polymarket_account
    orders = running.sim.exchange.open_orders(where)
    return {o.side: o.price for o in orders if o.market_id == market}


async def kalshi_quotes(tmp_path: Path, method: str) -> tuple[dict[OrderSide, Decimal], Any]:
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        kalshi, poly = btc(running)
        lay(running, kalshi, "0.40", "0.44", 5)  # microprice 0.42, 10 at the touch
        lay(running, poly, "0.46", "0.50", 100)  # microprice 0.48, 200 at the touch
        setup = from_running_simulator(running)
        config = MarketMakingConfig(fair_value_method=method, min_liquidity=D(0))  # type: ignore[arg-type]
        engine = TradingEngine(
            config,
            with_links(RiskConfig(), setup),
            setup.clients,
            tmp_path / f"{method}.sqlite3",
            timings=QUIET,
            handle_signals=False,
        )
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            with trio.fail_after(60):
                while not (our_bids(running, kalshi) and our_bids(running, poly)):
                    await trio.sleep(0.05)
                while (status := engine.board.market(kalshi)) is None or status.fair_value is None:
                    await trio.sleep(0.05)
                if method == "cross_venue":  # until it has read Polymarket's book too
                    while status.fair_value < D("0.47"):
                        await trio.sleep(0.05)
                        status = engine.board.market(kalshi)
                        assert status is not None
                        assert status.fair_value is not None
                    while our_bids(running, kalshi).get(YES) != D("0.43"):
                        await trio.sleep(0.05)
            bids, fair = our_bids(running, kalshi), status.fair_value
            engine.request_stop()
    return bids, fair


async def test_the_thin_venue_leans_on_the_deep_one(tmp_path: Path) -> None:
    alone, own_fair = await kalshi_quotes(tmp_path, "microprice")
    blended, fair = await kalshi_quotes(tmp_path, "cross_venue")
    assert own_fair == D("0.42")
    # (0.42 x 10 + 0.48 x 200) / 210
    assert abs(fair - (D("0.42") * 10 + D("0.48") * 200) / 210) < D("1e-20")
    # 1.5 x 0.04 around 0.42: 0.39 and a NO bid of 0.55; around 0.477 the YES bid would
    # cross Kalshi's own ask (0.44): one tick behind it, and the NO bid 1 - 0.51
    assert alone == {YES: D("0.39"), NO: D("0.55")}
    assert blended == {YES: D("0.43"), NO: D("0.49")}

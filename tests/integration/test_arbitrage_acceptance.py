"""Acceptance on the embedded simulator (Kalshi's and Polymarket's wire APIs on
127.0.0.1): the engine runs the market maker and the arbitrageur together. An
independent account of the simulator moves Kalshi's price of the Bitcoin question (its
YES bid at 0.70 sweeps the asks below it) while Polymarket's, linked, stays at 0.55:
buying NO on Kalshi at 0.30 and YES on Polymarket at 0.55 locks $0.15 a basket less the
fees. The engine takes it (both legs filled, the locked gain after fees equal to the
arithmetic, checked from the venue's records), its own Polymarket quote pulled out of
the YES leg's way, while the market maker quotes the other markets on. With the second
leg's liquidity pulled between the first leg and the second, the basket is hedged at the
next level, and no limit is passed.

The books are laid by a liquidity provider of the test (no random flow); waiting on the
venues is bounded, on their own records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio
from rich.console import Console

from predmm import ArbitrageStrategy, MarketMakingStrategy
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetExposure
from predmm.cli.daemon import embedded_simulator, with_links
from predmm.cli.reports.status import status_report
from predmm.cli.reports.status_text import print_status
from predmm.cli.venues import from_running_simulator
from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.domain.orders import ARBITRAGE
from predmm.simulator.exchange.events import OrderFilled
from predmm.simulator.faults import FaultKind, FaultRule
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings
from tests.actors.harness import ask

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
QUIET = EngineTimings(scan_interval=3600, fill_poll_interval=3600, stop_timeout=10.0)
RISK = RiskConfig(
    max_market_contracts=60, max_market_loss=D(40), max_event_contracts=60, max_event_loss=D(40)
)
BTC = "BTC-100K-2026"


def quiet_exchange() -> dict[str, Any]:
    opts = embedded_simulator()
    opts.pop("flow_config")
    return opts


def btc(running: RunningSimulator) -> tuple[MarketId, MarketId]:
    (link,) = [link for link in running.sim.links() if str(link.event_id) == BTC]
    kalshi = next(m for m in link.markets if m.venue is Venue.KALSHI)
    poly = next(m for m in link.markets if m.venue is Venue.POLYMARKET)
    return kalshi, poly


def account(running: RunningSimulator, trader: Any, market: MarketId) -> Any:
    return trader.kalshi_account if market.venue is Venue.KALSHI else trader.polymarket_account


def lay_books(running: RunningSimulator) -> Any:
    """A liquidity provider: YES and NO bids at 0.45 in every market (a YES ask of 0.55),
    and NO bids at 0.40 (a YES ask of 0.60) behind them."""
    sim = running.sim
    lp = sim.create_trader("lp", cash=D(100_000))
    for state in sim.exchange.markets():
        where = account(running, lp, state.market_id)
        for side in (YES, NO):
            sim.exchange.place_order(where, state.market_id, side, D("0.45"), D(100))
        sim.exchange.place_order(where, state.market_id, NO, D("0.40"), D(100))
    return lp


def move_kalshi(running: RunningSimulator, kalshi: MarketId) -> None:
    """An independent account bids 0.70 for Kalshi's YES: it takes every ask up to 0.70
    (the NO bids from 0.30) and 20 rest at 0.70 (a NO ask of 0.30 x 20)."""
    sim = running.sim
    mover = sim.create_trader("mover", cash=D(100_000))
    asks = sum((lv.size for lv in sim.exchange.book(kalshi).no_bids if lv.price >= D("0.30")), D(0))
    where = mover.kalshi_account
    outcome = sim.exchange.place_order(where, kalshi, YES, D("0.70"), asks + 20)
    assert outcome.accepted, outcome


def ours(running: RunningSimulator, market: MarketId) -> list[Any]:
    maker = running.sim.maker
    return [
        o
        for o in running.sim.exchange.open_orders(account(running, maker, market))
        if o.market_id == market
    ]


def legs(running: RunningSimulator, market: MarketId) -> list[Any]:
    """Our taker fills there, as the venue records them: the executor's orders (our
    quotes are post-only: never takers)."""
    maker = running.sim.maker
    fills = running.sim.exchange.fills(account(running, maker, market), market)
    return [f for f in fills if f.is_taker]


async def until(what: str, check: Callable[[], object], timeout: float = 30.0) -> None:
    with trio.fail_after(timeout):
        while not check():
            await trio.sleep(0.05)


@asynccontextmanager
async def both_strategies(running: RunningSimulator, path: Path) -> AsyncIterator[TradingEngine]:
    setup = from_running_simulator(running)
    engine = TradingEngine(
        MarketMakingConfig(),
        with_links(RISK, setup),
        setup.clients,
        path,
        timings=QUIET,
        handle_signals=False,
        taker_fees=setup.fees,
    )
    engine.register_strategy(MarketMakingStrategy())
    engine.register_strategy(ArbitrageStrategy(ArbitrageConfig(fees=setup.fees)))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 30.0), "engine did not start"
        yield engine
        engine.request_stop()


def cost(fills: list[Any]) -> Decimal:
    return sum((f.price * f.quantity + f.fee for f in fills), D(0))


def steps(path: Path) -> list[Any]:
    with Journal.open_read_only(path) as journal:
        return journal.executions()


async def test_both_strategies_take_the_arbitrage_and_quote_on(tmp_path: Path) -> None:
    path = tmp_path / "predmm.sqlite3"
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        lay_books(running)
        kalshi, poly = btc(running)
        async with both_strategies(running, path) as engine:
            await until(
                "our quotes rest on both", lambda: ours(running, kalshi) and ours(running, poly)
            )
            pulled = [o.order_id for o in ours(running, poly) if o.side is NO]
            move_kalshi(running, kalshi)
            await until("both legs filled", lambda: legs(running, kalshi) and legs(running, poly))
            await until(
                "the execution journaled", lambda: steps(path) and steps(path)[-1].step == "done"
            )
            others = {
                o.market_id
                for o in running.sim.exchange.open_orders(running.sim.maker.kalshi_account)
            } | {
                o.market_id
                for o in running.sim.exchange.open_orders(running.sim.maker.polymarket_account)
            }
            report = await ask(engine.portfolio, GetExposure())
        k_fills, p_fills = legs(running, kalshi), legs(running, poly)
        pulled_status = [running.sim.exchange.order(o).status.value for o in pulled]

    # both legs, as the venues record them: 20 NO on Kalshi at 0.30, 20 YES on Polymarket
    # at 0.55, the taker fees as charged (Kalshi 0.07 x 20 x 0.3 x 0.7; Polymarket's 7 %
    # rate x 20 x 0.55 x 0.45)
    assert [(f.side, f.price, f.quantity, f.fee) for f in k_fills] == [
        (NO, D("0.30"), D(20), D("0.294"))
    ]
    assert [(f.side, f.price, f.quantity, f.fee) for f in p_fills] == [
        (YES, D("0.55"), D(20), D("0.3465"))
    ]
    locked = 20 - cost(k_fills) - cost(p_fills)
    assert locked == 20 * (1 - D("0.30") - D("0.55")) - D("0.294") - D("0.3465") == D("2.3595")
    done = steps(path)[-1]
    assert (done.strategy, done.step) == (ARBITRAGE, "done")
    assert f"20 baskets lock {locked}" in done.detail, done.detail
    assert pulled_status
    assert set(pulled_status) == {"cancelled"}
    # the market maker quotes the other markets on, on both venues
    assert {m.venue for m in others - {kalshi, poly}} == {Venue.KALSHI, Venue.POLYMARKET}
    by_name = {s.strategy: s for s in report.strategies}
    assert by_name[ARBITRAGE].contracts == 40
    with Journal.open_read_only(path) as journal:
        status = {s.strategy: s for s in journal.status().strategies}
    assert status[ARBITRAGE].fills == 2
    assert status[ARBITRAGE].executions == 1
    console = Console(width=200, record=True)  # what `predmm status` prints
    print_status(status_report(path), console)
    printed = console.export_text()
    assert "strategies" in printed
    assert "arbitrage" in printed
    assert "market_making" in printed


async def test_a_second_leg_whose_liquidity_is_pulled_is_hedged_within_the_limits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "predmm.sqlite3"
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        lp = lay_books(running)
        kalshi, poly = btc(running)
        sim = running.sim
        async with both_strategies(running, path) as engine:
            await until(
                "our quotes rest on both", lambda: ours(running, kalshi) and ours(running, poly)
            )
            # the second leg (Polymarket) reaches the venue a second late; meanwhile the
            # liquidity provider pulls its 0.55 asks, as soon as our first leg fills
            sim.faults.add(
                FaultRule(
                    kind=FaultKind.LATENCY,
                    venue=Venue.POLYMARKET,
                    route="POST /order*",
                    latency_s=1.0,
                )
            )
            first_leg = trio.Event()

            def on_fill(event: Any) -> None:
                fill = event.fill
                ours = fill.account_id == sim.maker.kalshi_account and fill.is_taker
                if fill.market_id == kalshi and ours:  # our first leg, not our swept quote
                    first_leg.set()

            sim.exchange.subscribe(on_fill, types=(OrderFilled,))
            move_kalshi(running, kalshi)
            with trio.fail_after(30):
                await first_leg.wait()
            for order in sim.exchange.open_orders(lp.polymarket_account):
                if order.market_id == poly and order.side is NO and order.price == D("0.45"):
                    sim.exchange.cancel_order(order.order_id, account_id=lp.polymarket_account)
            await until(
                "the execution journaled",
                lambda: steps(path) and steps(path)[-1].step in ("done", "naked"),
                60,
            )
            report = await ask(engine.portfolio, GetExposure())
        k_fills, p_fills = legs(running, kalshi), legs(running, poly)

    journaled = [(s.step, s.detail) for s in steps(path)]
    names = [s for s, _ in journaled]
    assert names[:5] == ["signal", "sent", "ended", "sent", "ended"], journaled
    assert "filled 0 of 20" in journaled[4][1], journaled  # the second leg found nothing
    assert "balance" in names
    assert names[-1] == "done", journaled
    # hedged at Polymarket's next ask (0.60): 20 baskets, still a gain after the fees
    assert [(f.side, f.quantity) for f in k_fills] == [(NO, D(20))]
    assert [(f.side, f.price, f.quantity) for f in p_fills] == [(YES, D("0.60"), D(20))]
    assert 20 - cost(k_fills) - cost(p_fills) > 0
    # no limit passed: every event within its limits, the total within its own
    for event in report.events:
        assert event.contracts <= RISK.max_event_contracts, event
        assert event.worst_loss <= RISK.max_event_loss, event
    assert report.total_loss <= RISK.max_total_loss

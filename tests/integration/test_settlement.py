"""Settlement end to end on the simulator (real Kalshi and Polymarket wire APIs on
127.0.0.1): markets that resolve while quoted, and markets that resolve while the daemon
is down (a ``predmm run`` process SIGKILLed, the markets resolved, the daemon started
again). The books are laid by a liquidity provider of the test (no random flow), and a
counterparty of the test sells into our YES bids, so the positions are known.

Waiting on the daemon's process is polling: short sleeps between read-only looks at the
journal, each wait bounded by a deadline (as in ``test_crash_recovery``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import trio

from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetChildren, GetExposure, GetPosition
from predmm.cli.daemon import embedded_simulator, with_links
from predmm.cli.venues import from_running_simulator
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, TimeInForce, Venue
from predmm.domain.ids import MarketId
from predmm.simulator.credentials import (
    write_event_links,
    write_kalshi_credentials,
    write_polymarket_credentials,
)
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings
from tests.actors.harness import ask, eventually, running_engine

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
POLL = 0.05
D = Decimal
QUIET = EngineTimings(scan_interval=3600, fill_poll_interval=3600, stop_timeout=10.0)


def quiet_exchange() -> dict[str, object]:
    """The embedded universe (established markets), without its random traders."""
    opts = embedded_simulator()
    opts.pop("flow_config")
    return opts


def lay_books(running: RunningSimulator) -> None:
    """A liquidity provider bids 0.45 for YES and for NO (a YES ask of 0.55) in every
    market: two-sided books for the selection and the quotes."""
    sim = running.sim
    lp = sim.create_trader("lp", cash=D(100_000))
    for state in sim.exchange.markets():
        account = (
            lp.kalshi_account if state.market_id.venue is Venue.KALSHI else lp.polymarket_account
        )
        for side in OrderSide:
            sim.exchange.place_order(account, state.market_id, side, D("0.45"), D(100))


def our_yes_bid(running: RunningSimulator, venue: Venue) -> tuple[MarketId, Decimal] | None:
    """A market of ``venue`` where our YES bid rests, and its price."""
    maker = running.sim.maker
    account = maker.kalshi_account if venue is Venue.KALSHI else maker.polymarket_account
    for order in running.sim.exchange.open_orders(account):
        if order.side is OrderSide.YES and order.market_id.venue is venue:
            return order.market_id, order.price
    return None


def sell_into(running: RunningSimulator, market_id: MarketId, yes_price: Decimal) -> None:
    """A counterparty buys 5 NO at 1 - our YES bid: we hold 5 YES at ``yes_price``."""
    sim = running.sim
    seller = sim.create_trader(f"seller-{market_id.symbol[-8:]}", cash=D(1000))
    account = (
        seller.kalshi_account if market_id.venue is Venue.KALSHI else seller.polymarket_account
    )
    outcome = sim.exchange.place_order(
        account, market_id, OrderSide.NO, 1 - yes_price, D(5), time_in_force=TimeInForce.IOC
    )
    assert sum(f.quantity for f in outcome.fills) == 5


async def until(what: str, check: Callable[[], Awaitable[T | None]], timeout: float) -> T:
    try:
        with trio.fail_after(timeout):
            while (value := await check()) is None:
                await trio.sleep(POLL)
    except trio.TooSlowError:
        raise AssertionError(f"not within {timeout} s: {what}") from None
    return value


async def held_positions(running: RunningSimulator) -> dict[Venue, tuple[MarketId, Decimal]]:
    """Our YES bids rest on both venues; a counterparty fills 5 of each."""

    async def bids() -> dict[Venue, tuple[MarketId, Decimal]] | None:
        found = {v: our_yes_bid(running, v) for v in (Venue.KALSHI, Venue.POLYMARKET)}
        return {v: f for v, f in found.items() if f is not None} if all(found.values()) else None

    bid = await until("our YES bids rest on both venues", bids, timeout=30)
    for market_id, price in bid.values():
        sell_into(running, market_id, price)
    return bid


@asynccontextmanager
async def engine_on(running: RunningSimulator, path: Path) -> AsyncIterator[TradingEngine]:
    setup = from_running_simulator(running)
    engine = TradingEngine(
        MarketMakingConfig(),
        with_links(RiskConfig(), setup),
        setup.clients,
        path,
        timings=QUIET,
        handle_signals=False,
    )
    async with running_engine(engine, 20.0):
        yield engine


async def test_markets_that_resolve_while_quoted_are_settled_and_a_restart_agrees(
    tmp_path: Path,
) -> None:
    path = tmp_path / "predmm.sqlite3"
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        lay_books(running)
        async with engine_on(running, path) as engine:
            bids = await held_positions(running)
            (k, k_price), (p, p_price) = bids[Venue.KALSHI], bids[Venue.POLYMARKET]
            for market_id in (k, p):
                await eventually(
                    engine.portfolio,
                    GetPosition(market_id=market_id),
                    lambda v: v.yes_contracts == 5,
                )
            running.sim.exchange.settle_market(k, OrderSide.NO)  # the stream tells Kalshi's
            running.sim.exchange.settle_market(p, OrderSide.YES)
            await engine.scan()  # Polymarket's is read from Gamma (no longer listed open)
            k_pos = await eventually(
                engine.portfolio, GetPosition(market_id=k), lambda v: v.yes_contracts == 0
            )
            p_pos = await eventually(
                engine.portfolio, GetPosition(market_id=p), lambda v: v.yes_contracts == 0
            )
            assert k_pos.realized_pnl == -5 * k_price - k_pos.fees_paid
            assert p_pos.realized_pnl == 5 * (1 - p_price) - p_pos.fees_paid
            report = await ask(engine.portfolio, GetExposure())
            assert report.realized_pnl == k_pos.realized_pnl + p_pos.realized_pnl
            for market_id in (k, p):  # the markets' reservations are released
                key = f"market:{market_id}"
                assert all(e.contracts == 0 for e in report.events if e.event_id == key)
            children = await eventually(
                engine.supervisor,
                GetChildren(),
                lambda cs: not {k, p} & {c.market_id for c in cs},
            )
            assert children  # the other markets are quoted on
        with Journal.open_read_only(path) as journal:
            records = {s.market_id: s for s in journal.settlements()}
            assert set(records) == {k, p}
            assert (records[k].outcome, records[k].yes_contracts) == ("no", 5)
            assert (records[p].outcome, records[p].payout) == ("yes", 5)
            # told by the stream (lifecycle) or read by the scan (GET /portfolio/settlements),
            # whichever comes first: journaled once either way
            assert records[k].source in ("kalshi lifecycle", "kalshi settlements")
            assert records[p].source == "gamma"

        async with engine_on(running, path) as engine:  # the venues and the journal agree
            position = await ask(engine.portfolio, GetPosition(market_id=k))
            assert (position.yes_contracts, position.realized_pnl) == (0, k_pos.realized_pnl)


def write_credentials(running: RunningSimulator, directory: Path) -> Path:
    sim, urls = running.sim, running.urls
    write_kalshi_credentials(
        directory, sim.maker.kalshi_key, base_url=urls.kalshi_base_url, ws_url=urls.kalshi_ws_url
    )
    write_polymarket_credentials(
        directory,
        sim.maker.polymarket_key,
        clob_url=urls.clob_url,
        gamma_url=urls.gamma_url,
        ws_url=urls.polymarket_ws_url,
    )
    write_event_links(directory, sim.links())
    return directory


def spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from cli.main import main; main()", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def read_journal(path: Path, read: Callable[[Journal], T]) -> T | None:
    try:
        with Journal.open_read_only(path) as journal, journal.snapshot():
            return read(journal)
    except JournalError:
        return None  # not created yet


async def test_markets_that_resolve_while_the_daemon_is_down_are_settled_before_reconciling(
    tmp_path: Path,
) -> None:
    path = tmp_path / "predmm.sqlite3"
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        lay_books(running)
        run = ["run", "--sim-credentials", str(write_credentials(running, tmp_path / "creds"))]
        run += ["--journal", str(path), "--no-view", "--metrics-port", "0"]
        first = spawn(run, tmp_path / "run1.log")
        try:
            bids = await held_positions(running)

            async def journaled() -> bool | None:
                n = read_journal(path, lambda j: j.fill_count())
                return True if n is not None and n >= 2 else None

            await until("both fills journaled", journaled, timeout=30)
            first.send_signal(signal.SIGKILL)
            await trio.to_thread.run_sync(first.wait)
        finally:
            first.kill()
        (k, k_price), (p, p_price) = bids[Venue.KALSHI], bids[Venue.POLYMARKET]
        running.sim.exchange.settle_market(k, OrderSide.YES)  # while the daemon is down
        running.sim.exchange.settle_market(p, OrderSide.NO)

        log = tmp_path / "run2.log"
        second = spawn(run, log)
        try:

            async def started_again() -> bool | None:
                assert second.poll() is None, log.read_text()  # no refusal, no exit
                return True if " started on " in log.read_text() else None

            await until("started again", started_again, timeout=30)
            second.send_signal(signal.SIGINT)
            assert await trio.to_thread.run_sync(second.wait) == 0, log.read_text()
        finally:
            second.kill()

    with Journal.open_read_only(path) as journal:
        records = {s.market_id: s for s in journal.settlements()}
        assert set(records) == {k, p}
        assert (records[k].outcome, records[k].payout) == ("yes", 5)
        assert (records[k].source, records[k].yes_contracts) == ("kalshi settlements", 5)
        assert (records[p].outcome, records[p].payout, records[p].source) == ("no", 0, "gamma")
        started = journal.runs()[1].started_at  # journaled by the second run, at its start
        assert all(r.recorded_at >= started for r in records.values())
        k_held, p_held = journal.inventory(k), journal.inventory(p)
        assert (k_held.yes_contracts, k_held.realized_pnl) == (
            0,
            5 * (1 - k_price) - k_held.fees_paid,
        )
        assert (p_held.yes_contracts, p_held.realized_pnl) == (0, -5 * p_price - p_held.fees_paid)

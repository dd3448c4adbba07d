"""Fractional contracts end to end on the simulator's Kalshi market that trades them
(``KXCPI-26NOV-T0.3``, counts in steps of 0.01): the daemon quotes it, a counterparty
fills our YES bid by 1.37 and then 2.50 contracts, the journal and the portfolio count
3.87 exactly, the quotes are sized by what is left (6.13), the reconciliation with the
venue agrees, the settlement pays 3.87 and a restart agrees with the journal.

Kalshi alone, its books laid by a liquidity provider of the test (no random flow)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetPosition
from predmm.cli.venues import from_running_simulator
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, TimeInForce, Venue
from predmm.domain.ids import MarketId
from predmm.simulator.testing import RunningSimulator, running_simulator
from predmm.supervisors.engine import TradingEngine
from tests.actors.harness import ask, eventually, running_engine
from tests.integration.test_settlement import QUIET, quiet_exchange, until

D = Decimal
CPI = MarketId(Venue.KALSHI, "KXCPI-26NOV-T0.3")
# quote 10 a side, never more than 10 net: after a fill the YES bid is what is left
CONFIG = MarketMakingConfig(
    quote_size=10, max_inventory=10, inventory_skew_threshold=5, rebalance_threshold=10,
    max_markets=20,
)  # fmt: skip


def lay_books(running: RunningSimulator) -> None:
    """A liquidity provider bids 0.45 for YES and for NO in every Kalshi market."""
    sim = running.sim
    lp = sim.create_trader("lp", cash=D(100_000))
    for state in sim.exchange.markets(Venue.KALSHI):
        for side in OrderSide:
            sim.exchange.place_order(lp.kalshi_account, state.market_id, side, D("0.45"), D(100))


def our_bid(running: RunningSimulator, side: OrderSide) -> tuple[D, D] | None:
    """Our bid of ``side`` on CPI: (price, remaining)."""
    for order in running.sim.exchange.open_orders(running.sim.maker.kalshi_account, CPI):
        if order.side is side:
            return order.price, order.remaining
    return None


def sell_into(running: RunningSimulator, price: D, count: D) -> None:
    """A counterparty buys ``count`` NO at 1 - our YES bid: we buy ``count`` YES."""
    seller = running.sim.create_trader(f"seller-{count}", cash=D(1000))
    outcome = running.sim.exchange.place_order(
        seller.kalshi_account, CPI, OrderSide.NO, 1 - price, count, time_in_force=TimeInForce.IOC
    )
    assert sum(f.quantity for f in outcome.fills) == count


@asynccontextmanager
async def engine_on(running: RunningSimulator, path: Path) -> AsyncIterator[TradingEngine]:
    kalshi = [c for c in from_running_simulator(running).clients if c.venue is Venue.KALSHI]
    engine = TradingEngine(CONFIG, RiskConfig(), kalshi, path, timings=QUIET, handle_signals=False)
    async with running_engine(engine, 20.0):
        yield engine


async def test_fractional_contracts_are_counted_exactly_from_quote_to_settlement(
    tmp_path: Path,
) -> None:
    path = tmp_path / "predmm.sqlite3"
    async with running_simulator(seed=7, flow=False, **quiet_exchange()) as running:
        lay_books(running)
        async with engine_on(running, path) as engine:

            async def bid() -> tuple[D, D] | None:
                return our_bid(running, OrderSide.YES)

            price, size = await until("our YES bid on CPI", bid, timeout=30)
            assert size == 10
            for count, held in ((D("1.37"), D("1.37")), (D("2.50"), D("3.87"))):
                sell_into(running, price, count)
                position = await eventually(
                    engine.portfolio,
                    GetPosition(market_id=CPI),
                    lambda p, h=held: p.yes_contracts == h,
                    timeout=20,
                )

            async def left() -> tuple[D, D] | None:
                found = our_bid(running, OrderSide.YES)
                return found if found is not None and found[1] == D("6.13") else None

            await until("our YES bid sized by what is left: 10 - 3.87", left, timeout=20)
            no_bid = our_bid(running, OrderSide.NO)
            assert no_bid is not None
            assert no_bid[1] == 10  # 10 + 3.87 of room: quote_size
        # a restart reconciles the journal's 3.87 with the venue's before it quotes (a
        # position that differs refuses the start)
        async with engine_on(running, path) as engine:
            again = await ask(engine.portfolio, GetPosition(market_id=CPI))
            assert again.yes_contracts == D("3.87")
            [venue] = await engine.clients[Venue.KALSHI].get_positions([CPI])
            assert venue.yes_contracts == D("3.87")
            running.sim.exchange.settle_market(CPI, OrderSide.YES)
            await engine.scan()  # the stream says so too; the scan reads it if it lost the race
            settled = await eventually(
                engine.portfolio,
                GetPosition(market_id=CPI),
                lambda p: p.yes_contracts == 0,
                timeout=20,
            )
            assert settled.realized_pnl == D("3.87") * (1 - price) - position.fees_paid
    with Journal.open_read_only(path) as journal:
        fills = [f.fill for f in journal.fills() if f.fill.market_id == CPI]
        assert [f.quantity for f in fills] == [D("1.37"), D("2.50")]
        [record] = [s for s in journal.settlements() if s.market_id == CPI]
        assert (record.outcome, record.yes_contracts, record.payout) == (
            "yes",
            D("3.87"),
            D("3.87"),
        )
        assert journal.inventory(CPI).realized_pnl == settled.realized_pnl
        assert journal.corrections() == []

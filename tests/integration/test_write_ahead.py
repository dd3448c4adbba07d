"""Write-ahead through the real Polymarket client: an order's journal row holds the
venue's id for it (the hash of the signed order) before the order leaves the process, so
a restart can look up any order a killed daemon sent (Polymarket keeps no client order
id: an order is known by its hash alone). The simulator holds the placement request for
two seconds before taking it: the row is in the journal, with the hash, meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderStatus, Venue
from predmm.domain.orders import Order
from predmm.simulator.testing import running_simulator, wall_clock_start
from predmm.simulator.universe import default_universe
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.runtime import EngineTimings
from tests.integration.test_late_acceptance import polymarket, two_sided_books, until

HELD_S = 2.0  # the venue holds each placement this long before taking it
TIMINGS = EngineTimings(
    scan_interval=3600, tick_interval=3600, fill_poll_interval=3600, reconcile_interval=3600
)


def sent_rows(path: Path) -> list[Order] | None:
    try:
        with Journal.open_read_only(path) as reader, reader.snapshot():
            rows = [o for o in reader.orders() if o.status is OrderStatus.SUBMITTED]
    except JournalError:
        return None
    return rows or None


async def test_a_polymarket_order_is_journaled_with_its_hash_before_it_leaves(
    tmp_path: Path,
) -> None:
    start = wall_clock_start()
    universe = default_universe(start, history=True)
    async with running_simulator(seed=3, start=start, universe=universe) as running:
        two_sided_books(running, Venue.POLYMARKET)
        sim, account = running.sim, running.sim.maker.polymarket_account
        sim.faults.delay(Venue.POLYMARKET, "POST /order*", HELD_S)
        journal = tmp_path / "journal.sqlite3"
        engine = TradingEngine(
            MarketMakingConfig(max_markets=1, quote_size=5),
            RiskConfig(),
            [polymarket(running)],
            journal,
            timings=TIMINGS,
            handle_signals=False,
        )
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)

            async def in_flight() -> list[Order] | None:
                return sent_rows(journal)

            rows = await until("a placement in flight", in_flight)
            assert not sim.exchange.orders(account)  # the venue has not taken it yet
            assert all(r.venue_order_id is not None for r in rows), rows

            async def taken() -> Any:
                return sim.exchange.orders(account) or None

            placed = await until("the venue takes the orders", taken)
            engine.request_stop()
    assert {o.order_id for o in placed} <= {r.venue_order_id for r in rows}

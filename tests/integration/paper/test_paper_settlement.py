"""A paper run ends right: the simulator resolves markets where the paper account holds
contracts (Kalshi's on its lifecycle stream, Polymarket's read from Gamma by the engine's
scan), and the paper venue settles its own position from the data venue's resolution: its
contracts paid out into its cash and held no more, the settlement journaled with the
paper account's counts, the paper venue and the portfolio agreeing on what is held."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import trio

from predmm import MarketMakingStrategy
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetPosition
from predmm.domain.enums import OrderSide, Venue
from predmm.platforms.paper import PaperPlatform
from predmm.simulator.testing import running_simulator
from predmm.supervisors.engine import TradingEngine
from tests.actors.harness import ask
from tests.integration.paper.books import first_market, seed_book, sweep_bids
from tests.integration.paper.test_paper_engine import (
    TIMINGS,
    holds_yes,
    kalshi_client,
    paper_config,
    polymarket_client,
    wait_for,
    wait_for_paper_bid,
)

D = Decimal


async def test_paper_positions_are_settled_from_the_venues_resolutions(tmp_path: Path) -> None:
    journal = tmp_path / "paper.sqlite3"
    async with running_simulator(seed=11, flow=False) as running:
        sim = running.sim
        markets = [first_market(sim, Venue.KALSHI), first_market(sim, Venue.POLYMARKET)]
        for market_id in markets:
            seed_book(sim, market_id, deep=False)
        engine = TradingEngine(journal_path=journal, timings=TIMINGS, handle_signals=False)
        engine.register_platform(kalshi_client(running))
        engine.register_platform(polymarket_client(running))
        engine.register_strategy(MarketMakingStrategy(config=paper_config()))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(engine.run)
            for market_id in markets:  # a paper fill of our YES bid in each
                await wait_for_paper_bid(sim, engine, market_id)
                sweep_bids(sim, market_id)
                await wait_for(lambda m=market_id: holds_yes(engine, m), f"a fill on {market_id}")
            papers = {m.venue: engine.clients[m.venue] for m in markets}
            held = {m: (await papers[m.venue].get_positions())[0].yes_contracts for m in markets}
            cash = {v: await p.get_balance() for v, p in papers.items()}
            kalshi, poly = markets
            sim.exchange.settle_market(kalshi, OrderSide.YES)  # told on Kalshi's stream
            sim.exchange.settle_market(poly, OrderSide.NO)  # read from Gamma at a scan
            await engine.scan()
            for market_id in markets:
                await wait_for(lambda m=market_id: _settled(journal, m), f"{market_id} settled", 30)
            after = {v: await p.get_balance() for v, p in papers.items()}
            positions = {v: await p.get_positions() for v, p in papers.items()}
            portfolio = [await ask(engine.portfolio, GetPosition(market_id=m)) for m in markets]
            engine.request_stop()
    assert all(isinstance(p, PaperPlatform) for p in papers.values())
    assert all(count > 0 for count in held.values())
    # the YES held on Kalshi paid $1 each, Polymarket's nothing; nothing is held after
    assert after[Venue.KALSHI] == cash[Venue.KALSHI] + held[kalshi]
    assert after[Venue.POLYMARKET] == cash[Venue.POLYMARKET]
    assert positions == {Venue.KALSHI: [], Venue.POLYMARKET: []}
    assert [(p.yes_contracts, p.no_contracts) for p in portfolio] == [(0, 0), (0, 0)]
    with Journal.open_read_only(journal) as reader:
        records = {s.market_id: s for s in reader.settlements()}
    # journaled with the paper account's counts (the data account holds none of it)
    assert (records[kalshi].yes_contracts, records[kalshi].payout) == (held[kalshi], held[kalshi])
    assert (records[poly].yes_contracts, records[poly].payout) == (held[poly], 0)


def _settled(journal: Path, market: object) -> bool:
    with Journal.open_read_only(journal) as reader:
        return any(s.market_id == market for s in reader.settlements())

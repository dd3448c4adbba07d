"""A paper run and its journal: recorded as paper, never mixed with live runs, and
continued by the next paper run (the paper venue's account is started from the journal,
its fills keep ids of their own)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import trio
from rich.console import Console

from predmm.actors.clock import ManualClock
from predmm.actors.journal.store import Journal
from predmm.cli.reports.status import status_report
from predmm.cli.reports.status_text import print_status
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.platforms.paper import DEFAULT_BALANCE, PaperPlatform
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.paper import JournalModeError
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, config

D = Decimal
MARKET = MarketId(Venue.KALSHI, "K1")


def paper() -> MarketMakingConfig:
    return attrs.evolve(config(), paper_mode=True)


def engine_on(journal: Path, strategy: MarketMakingConfig) -> tuple[TradingEngine, FakeVenue]:
    client = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    engine = TradingEngine(
        strategy,
        venues=[client],
        journal_path=journal,
        clock=ManualClock(),  # the fake markets' time: 48 h before they close
        timings=QUIET,
        handle_signals=False,
    )
    return engine, client


async def run_briefly(engine: TradingEngine) -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        engine.request_stop()


async def paper_fill(engine: TradingEngine, client: FakeVenue) -> None:
    """Quote on paper at 0.50 +- 0.02, then a book whose YES ask (0.45) crosses our YES
    bid: the paper venue fills it, 10 at our price."""
    venue = engine.clients[Venue.KALSHI]
    assert isinstance(venue, PaperPlatform)
    client.publish_book(book_of(MARKET))
    with trio.fail_after(10):
        while not any(o.side is OrderSide.YES for o in await venue.get_open_orders(MARKET)):
            await trio.sleep(0.01)
        filled = len((await venue.get_fills()).fills)
        client.publish_book(book_of(MARKET, bid="0.30", ask="0.45"))
        while len((await venue.get_fills()).fills) == filled:
            await trio.sleep(0.01)


def journaled(journal: Path) -> tuple[list[str], list[str], Decimal]:
    with Journal.open_read_only(journal) as reader:
        modes = [r.mode for r in reader.runs()]
        fill_ids = [str(jf.fill.fill_id) for jf in reader.fills()]
        net = reader.inventory(MARKET).net_position
    return modes, fill_ids, net


async def test_a_paper_run_continues_the_paper_journal_it_left(tmp_path: Path) -> None:
    journal = tmp_path / "paper.sqlite3"
    first, client = engine_on(journal, paper())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(first.run)
        assert await trio.to_thread.run_sync(first.started.wait, 10.0)
        await paper_fill(first, client)
        first.request_stop()
    modes, ids, net = journaled(journal)
    assert (modes, len(ids), net) == (["paper"], 1, D(10))
    cost = D("0.48") * 10  # a maker fill at our bid: no fee

    second, client = engine_on(journal, paper())  # a new process's paper venue: empty
    async with trio.open_nursery() as nursery:
        nursery.start_soon(second.run)
        assert await trio.to_thread.run_sync(second.started.wait, 10.0)
        venue = second.clients[Venue.KALSHI]
        assert isinstance(venue, PaperPlatform)
        (held,) = await venue.get_positions()  # started from the journal's account
        assert (held.yes_contracts, held.no_contracts) == (D(10), D(0))
        assert await venue.get_balance() == DEFAULT_BALANCE - cost
        await paper_fill(second, client)
        second.request_stop()
    modes, ids, net = journaled(journal)
    assert modes == ["paper", "paper"]
    assert len(set(ids)) == 2  # the second run's first fill is not taken for the first's
    assert net == D(20)
    report = status_report(journal)  # what `predmm status` shows
    assert report["mode"] == "paper"
    console = Console(width=200, record=True)
    print_status(report, console)
    assert console.export_text().startswith(" PAPER ")


@pytest.mark.parametrize(("before", "after"), [(True, False), (False, True)])
async def test_paper_and_live_runs_are_not_mixed_in_one_journal(
    tmp_path: Path, before: bool, after: bool
) -> None:
    journal = tmp_path / "predmm.sqlite3"
    first, _ = engine_on(journal, attrs.evolve(config(), paper_mode=before))
    await run_briefly(first)
    second, client = engine_on(journal, attrs.evolve(config(), paper_mode=after))
    was, now = ("paper", "live") if before else ("live", "paper")
    with pytest.raises(JournalModeError) as refused:
        await second.run()
    message = str(refused.value)
    assert f"holds {was} trading (run {first.run_id}" in message
    assert f"a {now} run cannot continue it" in message
    assert "journal of its own" in message
    assert [c for c in client.calls if c[0] == "place"] == []
    modes, _, _ = journaled(journal)
    assert modes == [was]  # the refused run is not recorded
    assert status_report(journal)["mode"] == was

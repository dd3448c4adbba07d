"""Nothing trades blind: the JournalActor, the PortfolioActor and the PlatformActors are
watched (``supervisors.core``). A dead journal or portfolio halts trading and cancels
every order; a dead PlatformActor is restarted from the venue's state, or its venue is
halted past its restart budget. The fake venues say what was placed and what rests."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.journal.notes import read_supervision
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.actors.messages import (
    ChildInfo,
    GetChildren,
    GetOpenOrders,
    GetPosition,
    InjectFailure,
    PollFills,
)
from predmm.actors.status import CoreStatus
from predmm.domain.enums import OrderSide, TradingState, Venue
from predmm.domain.ids import MarketId
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.policy import RestartPolicy
from tests.actors.fake_venue import FakeVenue, Hub, book_of, fake_capabilities, fake_market
from tests.actors.harness import QUIET, RecordingJournal, ask, eventually, running, until

K1, K2 = MarketId(Venue.KALSHI, "K1"), MarketId(Venue.KALSHI, "K2")
ONE_RESTART = RestartPolicy(intensity=1, period=3600, min_backoff=0.001, max_backoff=0.002)


def venues() -> tuple[FakeVenue, FakeVenue]:
    hub = Hub()
    kalshi = FakeVenue(
        Venue.KALSHI,
        markets=[fake_market(Venue.KALSHI, "K1"), fake_market(Venue.KALSHI, "K2")],
        hub=hub,
    )
    poly = FakeVenue(
        Venue.POLYMARKET,
        capabilities=fake_capabilities(amend=False),
        markets=[fake_market(Venue.POLYMARKET, "P1")],
        hub=hub,
    )
    return kalshi, poly


def publish(*fakes: FakeVenue, bid: str = "0.48", ask: str = "0.52") -> None:
    for venue in fakes:
        for market_id in venue.markets:
            venue.publish_book(book_of(market_id, bid, ask))


def placed_since(venue: FakeVenue, mark: int) -> list[Any]:
    return [ids for op, ids in venue.calls[mark:] if op == "place"]


def quoting(venue: FakeVenue) -> bool:
    return len(venue.resting()) == 2 * len(venue.markets)


def resting_ids(venue: FakeVenue, market_id: MarketId | None = None) -> set[Any]:
    return {o.client_order_id for o in venue.resting(market_id)}


def one_quote_a_side(venue: FakeVenue) -> bool:
    sides = Counter((o.market_id, o.side) for o in venue.resting())
    return set(sides.values()) == {1} and len(sides) == 2 * len(venue.markets)


async def quote_everywhere(*fakes: FakeVenue) -> None:
    publish(*fakes)
    for venue in fakes:
        await venue.wait_until(lambda v=venue: quoting(v))


def core(engine: Any, component: str) -> CoreStatus | None:
    return next((c for c in engine.snapshot().core if c.component == component), None)


def health(engine: Any, component: str) -> str | None:
    status = core(engine, component)
    return status.health if status is not None else None


async def halted_and_flat(engine: Any, *fakes: FakeVenue) -> None:
    """The engine says HALTED, every venue holds nothing of ours, and each was swept
    (the venue-wide cancel goes out once nothing is in flight any more)."""
    await until(lambda: engine.snapshot().trading_state is TradingState.HALTED)
    for venue in fakes:
        await venue.wait_until(lambda v=venue: not v.resting() and ("cancel_all", ()) in v.calls)


async def tempt(*fakes: FakeVenue) -> None:
    """Books that move fair value past the requote threshold: an engine still trading
    cancels and places on every market. The stream hands them to the markets before the
    test stops the engine, and a stopping market handles what it was told first."""
    publish(*fakes, bid="0.58", ask="0.62")
    await trio.testing.wait_all_tasks_blocked(0.05)


async def children(engine: Any) -> dict[MarketId, ChildInfo]:
    return {c.market_id: c for c in await ask(engine.supervisor, GetChildren())}


# the journal ---------------------------------------------------------------------------


class FullDisk:
    """Opens the JournalActor's connections; while ``full``, each write fails as SQLite's
    does when the disk is full (``tests/actors/test_journal_actor.py`` runs a real one out
    of pages and gets the same error); ``fail_once``: only the first write that tries."""

    def __init__(self, *, fail_once: bool = False) -> None:
        self.full, self.fail_once = False, fail_once

    def open(self, path: Path, **kw: Any) -> Journal:
        disk = self

        class OnFullDisk(Journal):
            @contextlib.contextmanager
            def atomic(self) -> Iterator[None]:
                if disk.full:
                    disk.full = not disk.fail_once
                    raise sqlite3.OperationalError("database or disk is full")
                with super().atomic():
                    yield

        return OnFullDisk.open(path, **kw)


async def fill_up(engine: Any, disk: FullDisk) -> None:
    """The disk fills up; the next journal write (a fill poll's cursor) fails."""
    disk.full = True
    engine.platforms[Venue.KALSHI].tell(PollFills())


async def test_a_full_disk_halts_trading_and_the_halt_is_journaled_once_it_can_be(
    tmp_path: Path,
) -> None:
    kalshi, poly, disk = *venues(), FullDisk(fail_once=True)
    path = tmp_path / "j.sqlite3"
    async with running([kalshi, poly], journal_path=path, journal_opener=disk.open) as engine:
        await quote_everywhere(kalshi, poly)
        await fill_up(engine, disk)
        await halted_and_flat(engine, kalshi, poly)
        marks = {v.venue: len(v.calls) for v in (kalshi, poly)}
        await tempt(kalshi, poly)
        await until(lambda: health(engine, "journal") == "restarted")
    for venue in (kalshi, poly):
        assert placed_since(venue, marks[venue.venue]) == []
        assert venue.resting() == []
    reason = "journal failed (OperationalError: database or disk is full)"
    with Journal.open_read_only(path) as reader:
        state = reader.trading_state()
        assert state is not None
        assert (state.state, state.reason) == (TradingState.HALTED, reason)
        assert [(n.component, n.event, n.reason) for n in read_supervision(reader)] == [
            ("journal", "failed", reason)
        ]
        assert reader.open_orders() == []  # the cancels went to the reopened journal
        assert reader.runs()[-1].stopped_at is not None


async def test_a_journal_that_cannot_write_at_start_refuses_to_quote(tmp_path: Path) -> None:
    kalshi, _ = venues()
    disk = FullDisk()
    disk.full = True
    engine = TradingEngine(
        venues=[kalshi],
        journal_path=tmp_path / "j.sqlite3",
        journal_opener=disk.open,
        clock=ManualClock(),
        timings=QUIET,
        handle_signals=False,
    )
    with trio.fail_after(10), pytest.raises(JournalError) as refused:
        await engine.run()
    assert str(refused.value) == (
        f"journal {tmp_path / 'j.sqlite3'} cannot be written"
        " (OperationalError: database or disk is full)"
    )
    assert kalshi.calls == []


async def test_a_journal_that_stays_unwritable_leaves_trading_halted(tmp_path: Path) -> None:
    kalshi, poly, disk = *venues(), FullDisk()
    path = tmp_path / "j.sqlite3"
    async with running([kalshi, poly], journal_path=path, journal_opener=disk.open) as engine:
        await quote_everywhere(kalshi, poly)
        await fill_up(engine, disk)
        await halted_and_flat(engine, kalshi, poly)
        marks = {v.venue: len(v.calls) for v in (kalshi, poly)}
        await tempt(kalshi, poly)
        await until(lambda: health(engine, "journal") == "unreachable")
        status = core(engine, "journal")
        assert status is not None
        assert status.note.endswith("the halt is not journaled")
    for venue in (kalshi, poly):
        assert placed_since(venue, marks[venue.venue]) == []
        assert venue.resting() == []
    with Journal.open_read_only(path) as reader:
        assert reader.trading_state() is None  # nothing could be written
        assert reader.runs()[-1].stopped_at is None


async def test_a_dead_journal_halts_trading_and_cancels_every_order(tmp_path: Path) -> None:
    kalshi, poly = venues()
    async with running([kalshi, poly], journal_path=tmp_path / "j.sqlite3") as engine:
        await quote_everywhere(kalshi, poly)
        engine.run_journal.ref.tell(InjectFailure(reason="disk I/O error"))
        await halted_and_flat(engine, kalshi, poly)
        marks = {v.venue: len(v.calls) for v in (kalshi, poly)}
        await tempt(kalshi, poly)
        await until(lambda: health(engine, "journal") == "restarted")
    for venue in (kalshi, poly):
        assert placed_since(venue, marks[venue.venue]) == []
        assert venue.resting() == []
    assert "JournalActor: disk I/O error" in (engine.snapshot().halt_reason or "")


# the portfolio -------------------------------------------------------------------------


async def test_a_dead_portfolio_halts_trading_and_cancels_every_order() -> None:
    kalshi, poly = venues()
    journal = RecordingJournal()
    async with running([kalshi, poly], journal=journal) as engine:
        await quote_everywhere(kalshi, poly)
        engine.portfolio.tell(InjectFailure(reason="bug"))
        await halted_and_flat(engine, kalshi, poly)
        marks = {v.venue: len(v.calls) for v in (kalshi, poly)}
        await tempt(kalshi, poly)
        await until(lambda: health(engine, "portfolio") == "failed")
    for venue in (kalshi, poly):
        assert placed_since(venue, marks[venue.venue]) == []
        assert venue.resting() == []
    state, reason = journal.states[-1]
    assert state is TradingState.HALTED
    assert reason == "portfolio failed (RuntimeError: PortfolioActor: bug)"
    assert ("portfolio", "failed", "portfolio failed (RuntimeError: PortfolioActor: bug)") in (
        journal.supervised
    )


# a platform ----------------------------------------------------------------------------


async def test_a_dead_platform_is_restarted_from_the_venue_and_counts_every_fill_once() -> None:
    kalshi, poly = venues()
    journal = RecordingJournal()
    async with running([kalshi, poly], journal=journal) as engine:
        await quote_everywhere(kalshi, poly)
        # one fill counted by the PlatformActor that will die, one it never saw
        kalshi.take(K1, OrderSide.YES, Decimal("0.01"), Decimal(3))
        await eventually(engine.portfolio, GetPosition(market_id=K1), lambda p: p.yes_contracts)
        kalshi.drop_fills = 1
        kalshi.take(K2, OrderSide.NO, Decimal("0.01"), Decimal(2))
        await kalshi.wait_until(lambda: quoting(kalshi))  # K1's YES quote requoted
        before, poly_before = resting_ids(kalshi), resting_ids(poly)

        engine.platforms[Venue.KALSHI].tell(InjectFailure(reason="bug"))
        await until(lambda: health(engine, "platform kalshi") == "restarted")
        infos = await children(engine)
        assert (infos[K1].generation, infos[K2].generation) == (1, 1)
        # the new PlatformActor took over the resting orders (the new incarnations keep,
        # amend or replace them): it knows every order of ours the venue holds, and no
        # side is quoted twice
        await eventually(engine.portfolio, GetPosition(market_id=K2), lambda p: p.no_contracts)
        await kalshi.wait_until(lambda: one_quote_a_side(kalshi))
        await eventually(  # (a cancel's answer may still be on its way)
            engine.platforms[Venue.KALSHI],
            GetOpenOrders(market_id=None),
            lambda table: {o.client_order_id for o in table} == resting_ids(kalshi),
        )
        assert resting_ids(poly) == poly_before
        k1 = await ask(engine.portfolio, GetPosition(market_id=K1))
        k2 = await ask(engine.portfolio, GetPosition(market_id=K2))
        assert (k1.yes_contracts, k2.no_contracts) == (3, 2)
        assert Counter(f.fill_id for f in journal.fills) == Counter(f.fill_id for f in kalshi.fills)

        # and it trades: a moved book is requoted through the new PlatformActor, which
        # cancels every order the dead one had placed
        publish(kalshi, bid="0.58", ask="0.62")
        await kalshi.wait_until(lambda: quoting(kalshi) and not before & resting_ids(kalshi))
    assert [c for c, e, _ in journal.supervised] == ["platform kalshi", "platform kalshi"]
    assert [e for c, e, _ in journal.supervised] == ["failed", "restarted"]


async def test_a_platform_past_its_restart_budget_halts_its_venue_only() -> None:
    kalshi, poly = venues()
    journal = RecordingJournal()
    async with running([kalshi, poly], journal=journal, core_policy=ONE_RESTART) as engine:
        await quote_everywhere(kalshi, poly)
        engine.platforms[Venue.KALSHI].tell(InjectFailure(reason="bug"))
        await until(lambda: health(engine, "platform kalshi") == "restarted")
        poly_before = resting_ids(poly)
        engine.platforms[Venue.KALSHI].tell(InjectFailure(reason="bug again"))
        await until(lambda: health(engine, "platform kalshi") == "halted")
        await kalshi.wait_until(lambda: not kalshi.resting())
        assert kalshi.calls[-1] == ("cancel_all", ())  # a fresh call to the venue client
        mark = len(kalshi.calls)
        await tempt(kalshi)
        infos = await children(engine)
        assert infos[K1].ref is None
        assert infos[K2].ref is None
        assert engine.snapshot().trading_state is TradingState.ACTIVE
        assert resting_ids(poly) == poly_before  # the other venue trades on
    assert placed_since(kalshi, mark) == []
    assert journal.supervised[-1][:2] == ("platform kalshi", "halted")

"""The TradingEngine end to end on fake venues: quoting, graceful shutdown."""

from __future__ import annotations

import gc
import os
import signal
from decimal import Decimal
from pathlib import Path

import attrs
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetOpenOrders, GetPlatformStats, GetPosition, VenueEventReceived
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.events import FillReversed
from predmm.domain.ids import MarketId
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, book_of, fake_capabilities, fake_market
from tests.actors.harness import QUIET, RecordingJournal, ask, config, eventually, running


def two_venues() -> tuple[FakeVenue, FakeVenue]:
    kalshi = FakeVenue(
        Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1"), fake_market(Venue.KALSHI, "K2")]
    )
    poly = FakeVenue(
        Venue.POLYMARKET,
        capabilities=fake_capabilities(amend=False),
        markets=[fake_market(Venue.POLYMARKET, "P1")],
    )
    return kalshi, poly


def publish_all(*venues: FakeVenue) -> None:
    for venue in venues:
        for market_id in venue.markets:
            venue.publish_book(book_of(market_id))


async def test_engine_quotes_both_sides_of_every_market_then_shuts_down_clean() -> None:
    kalshi, poly = two_venues()
    journal = RecordingJournal()
    async with running([kalshi, poly], journal=journal) as engine:
        publish_all(kalshi, poly)
        for venue in (kalshi, poly):
            await venue.wait_until(lambda v=venue: len(v.resting()) == 2 * len(v.markets))
        for venue in (kalshi, poly):
            for market_id in venue.markets:
                sides = sorted(o.side.value for o in venue.resting(market_id))
                assert sides == [OrderSide.NO.value, OrderSide.YES.value]
        snap = engine.snapshot()
        assert snap.running
    assert kalshi.resting() == []
    assert poly.resting() == []
    assert kalshi.closed
    assert poly.closed
    last = {o.client_order_id: o for o, _ in journal.changes}
    assert len(last) == 6
    assert all(o.status.is_terminal for o in last.values())
    assert not engine.snapshot().running
    await trio.lowlevel.checkpoint()


async def test_engine_with_nothing_quoted_stops_promptly() -> None:
    kalshi, poly = two_venues()
    with trio.fail_after(5):
        async with running([kalshi, poly]):
            pass
    assert ("cancel_all", ()) in kalshi.calls


async def test_start_up_objects_are_frozen_out_of_collections_while_the_engine_runs() -> None:
    kalshi, poly = two_venues()
    gc.unfreeze()
    async with running([kalshi, poly], timings=attrs.evolve(QUIET, gc_refreeze_interval=0.01)):
        assert gc.get_freeze_count() > 0
        first = gc.get_freeze_count()
        made_since = [[n] for n in range(1000)]  # long-lived, tracked, made after start
        with trio.fail_after(5):  # refrozen on its interval, with them
            while gc.get_freeze_count() < first + len(made_since):
                await trio.sleep(0.01)
    assert gc.get_freeze_count() == 0  # collectable again once the engine is gone
    async with running([kalshi, poly], timings=attrs.evolve(QUIET, gc_refreeze_interval=None)):
        assert gc.get_freeze_count() == 0


async def test_the_journal_is_consistent_after_shutdown_and_seeds_the_next_run(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite"
    kalshi = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    k1 = MarketId(Venue.KALSHI, "K1")
    async with running([kalshi], journal_path=path) as engine:
        kalshi.publish_book(book_of(k1))
        await kalshi.wait_until(lambda: len(kalshi.resting()) == 2)
        kalshi.take(k1, OrderSide.YES, Decimal("0.01"), Decimal(3))
        await eventually(
            engine.portfolio, GetPosition(market_id=k1), lambda p: p.yes_contracts == 3
        )
    assert kalshi.resting() == []
    with Journal.open_read_only(path) as journal:
        assert journal.open_orders() == []
        assert [f.fill.quantity for f in journal.fills()] == [3]
        assert journal.inventory(k1).yes_contracts == 3

    kalshi.closed = False  # the same account, a new run: the fill must not count twice
    async with running([kalshi], journal_path=path) as engine:
        kalshi.publish_book(book_of(k1))
        await kalshi.wait_until(lambda: len(kalshi.resting()) == 2)
        position = await ask(engine.portfolio, GetPosition(market_id=k1))
        assert position.yes_contracts == 3
        stats = await ask(engine.platforms[Venue.KALSHI], GetPlatformStats())
        assert stats.duplicate_fills == 0
    with Journal.open_read_only(path) as journal:
        assert len(journal.fills()) == 1
        assert journal.open_orders() == []


async def test_where_the_venue_can_amend_a_moved_quote_is_amended_not_replaced() -> None:
    venue = FakeVenue(
        Venue.KALSHI,
        capabilities=fake_capabilities(amend=True),
        markets=[fake_market(Venue.KALSHI, "K1")],
    )
    k1 = MarketId(Venue.KALSHI, "K1")
    async with running([venue]) as engine:
        venue.publish_book(book_of(k1))
        await venue.wait_until(lambda: len(venue.resting()) == 2)
        # once the platform knows them OPEN, so does the market (told before this answer)
        platform, query = engine.platforms[Venue.KALSHI], GetOpenOrders(market_id=k1)
        await eventually(platform, query, lambda os: all(o.status is OrderStatus.OPEN for o in os))
        before = {o.client_order_id: o.price for o in venue.resting()}
        venue.publish_book(book_of(k1, bid="0.58", ask="0.62"))  # fair value +0.10
        await venue.wait_until(
            lambda: (
                sum(op == "amend" for op, _ in venue.calls) == 2
                and all(o.price != before[o.client_order_id] for o in venue.resting())
            )
        )
        after = {o.client_order_id: o.price for o in venue.resting()}
        assert set(after) == set(before)  # the same orders, new prices
        assert not [op for op, _ in venue.calls if op == "cancel"]


async def test_a_reversed_fill_stops_counting_once() -> None:
    kalshi = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    k1 = MarketId(Venue.KALSHI, "K1")
    journal = RecordingJournal()
    async with running([kalshi], journal=journal) as engine:
        kalshi.publish_book(book_of(k1))
        await kalshi.wait_until(lambda: len(kalshi.resting()) == 2)
        (fill,) = kalshi.take(k1, OrderSide.YES, Decimal("0.01"), Decimal(3))
        await eventually(
            engine.portfolio, GetPosition(market_id=k1), lambda p: p.yes_contracts == 3
        )
        platform = engine.platforms[Venue.KALSHI]
        for _ in range(2):
            platform.tell(VenueEventReceived(event=FillReversed(fill=fill)))
        position = await eventually(
            engine.portfolio, GetPosition(market_id=k1), lambda p: p.yes_contracts == 0
        )
        assert position.avg_yes_price == 0
        await ask(platform, GetPlatformStats())  # the platform has handled both
        assert len(journal.reversals) == 2  # journaled as told; counted once
        position = await ask(engine.portfolio, GetPosition(market_id=k1))
        assert position.yes_contracts == 0


async def test_a_quote_the_venue_takes_away_is_replaced_without_waiting_for_a_book() -> None:
    kalshi = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    k1 = MarketId(Venue.KALSHI, "K1")
    async with running([kalshi]):
        kalshi.publish_book(book_of(k1))
        await kalshi.wait_until(lambda: len(kalshi.resting()) == 2)
        gone = kalshi.resting()[0]
        kalshi.expire(gone.client_order_id)
        await kalshi.wait_until(
            lambda: (
                len(kalshi.resting()) == 2
                and gone.client_order_id not in {o.client_order_id for o in kalshi.resting()}
            )
        )
        assert {o.side for o in kalshi.resting()} == {OrderSide.YES, OrderSide.NO}


async def test_sigterm_stops_gracefully_and_a_second_signal_forces_exit() -> None:
    kalshi = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    k1 = MarketId(Venue.KALSHI, "K1")
    forced = trio.Event()
    engine = TradingEngine(
        config(),
        RiskConfig(),
        [kalshi],
        clock=ManualClock(),
        timings=QUIET,
        handle_signals=True,
        force_exit=forced.set,
    )
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        kalshi.publish_book(book_of(k1))
        await kalshi.wait_until(lambda: len(kalshi.resting()) == 2)
        kalshi.cancel_gate = trio.Event()  # holds the shutdown's cancels: room for signal 2
        os.kill(os.getpid(), signal.SIGTERM)
        await kalshi.wait_until(lambda: kalshi.cancel_waiting)
        os.kill(os.getpid(), signal.SIGINT)
        with trio.fail_after(5):
            await forced.wait()
        kalshi.cancel_gate.set()  # (the injected force_exit does not exit: the stop goes on)
    assert kalshi.resting() == []
    assert not engine.snapshot().running

"""Reconciliation before quoting (``supervisors.recovery`` and the engine's start): fills
the journal missed are journaled, positions are checked, open orders are adopted or
cancelled, and a disagreement refuses to quote before any order leaves the process."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.journal.store import Journal
from predmm.actors.journal.writes import write
from predmm.actors.messages import GetExposure, GetPlatformStats, GetPosition, PollFills
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.errors import VenueUnavailable
from predmm.domain.events import FillPage, Position
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.supervisors import worlds
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.recovery import (
    ReconciliationError,
    RecoveryRecord,
    reconcile_venue,
    settle_orders,
)
from predmm.supervisors.worlds import WorldMismatch
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, RecordingJournal, ask, config, running

T0 = datetime(2026, 1, 1, tzinfo=UTC)
K1, K2, K9 = (MarketId(Venue.KALSHI, s) for s in ("K1", "K2", "K9"))
P1 = MarketId(Venue.POLYMARKET, "P1")


def a_fill(
    fill_id: str, market_id: MarketId = K1, quantity: int = 5, *, provisional: bool = False
) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market_id,
        side=OrderSide.YES,
        price=Decimal("0.48"),
        quantity=Decimal(quantity),
        provisional=provisional,
        ts=T0,
    )


def an_order(coid: str, market_id: MarketId, price: str = "0.40") -> Order:
    return Order(
        client_order_id=ClientOrderId(coid),
        market_id=market_id,
        side=OrderSide.YES,
        price=Decimal(price),
        quantity=Decimal(10),
        created_at=T0,
    )


def journal_holding(path: Path, *fills: Fill) -> Path:
    with Journal.open(path) as journal:
        for fill in fills:
            journal.record_fill(fill, at=T0)
        journal.commit(durable=True)
    return path


def engine_on(venues: Sequence[FakeVenue], path: Path) -> TradingEngine:
    return TradingEngine(
        config(),
        RiskConfig(),
        venues,
        path,
        clock=ManualClock(),
        timings=QUIET,
        handle_signals=False,
    )


def direct_writer(path: Path) -> Any:
    """Writes recovery records straight into the file (no JournalActor), durably."""

    async def write_records(records: Sequence[RecoveryRecord]) -> None:
        with Journal.open(path) as journal:
            for record in records:
                write(journal, record, T0)
            journal.commit(durable=True)

    return write_records


# the engine refuses to quote ---------------------------------------------------------------


async def test_a_position_the_venue_does_not_hold_refuses_to_quote_before_any_order(
    tmp_path: Path,
) -> None:
    path = journal_holding(tmp_path / "j.sqlite3", a_fill("gone-1", K1, 5))
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    engine = engine_on([venue], path)
    with trio.fail_after(10), pytest.raises(ReconciliationError) as refused:
        await engine.run()  # raised bare, not in an exception group: one line on the CLI
    assert str(refused.value) == (
        "reconciliation failed on kalshi: kalshi:K1: journal holds 5 YES / 0 NO,"
        " the venue 0 YES / 0 NO; the fills fetched from the venue do not explain it:"
        " refusing to quote"
    )
    assert not [call for call in venue.calls if call[0] == "place"]
    assert engine.platforms == {}  # no PlatformActor was ever started
    with Journal.open_read_only(path) as journal:
        assert journal.runs()[-1].stop_reason.startswith("refused to start: reconciliation")


async def test_a_journal_of_another_venue_world_is_refused_before_anything_is_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.sqlite3"
    demo = worlds.real_venue(Venue.KALSHI, "https://demo-api.kalshi.co/trade-api/v2")
    prod = worlds.real_venue(Venue.KALSHI, "https://api.elections.kalshi.com/trade-api/v2")
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    async with running([venue], journal_path=path, worlds=[demo]):
        pass
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    engine = engine_on([venue], path)
    engine.worlds = (prod,)
    with trio.fail_after(10), pytest.raises(WorldMismatch, match="one journal per venue world"):
        await engine.run()
    assert venue.calls == []  # nothing sent to the venue
    with Journal.open_read_only(path) as journal:
        runs = journal.runs()
    assert len(runs) == 1  # the refused run is not recorded as a run


class PositionsDown(FakeVenue):
    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        await trio.lowlevel.checkpoint()
        raise VenueUnavailable("503 service unavailable", status=503)


async def test_a_venue_that_stays_down_refuses_to_quote(tmp_path: Path) -> None:
    venue = PositionsDown(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    engine = engine_on([venue], tmp_path / "j.sqlite3")
    with trio.fail_after(10), pytest.raises(ReconciliationError) as refused:
        await engine.run()
    assert "on kalshi: get_positions failed (VenueUnavailable: 503" in str(refused.value)
    assert not [call for call in venue.calls if call[0] == "place"]


# what the journal missed is recovered before quoting ---------------------------------------


async def test_fills_the_journal_missed_are_journaled_once_before_quoting(tmp_path: Path) -> None:
    seen, missed = a_fill("f-1", K1, 5), a_fill("f-2", K1, 3)
    path = journal_holding(tmp_path / "j.sqlite3", seen)
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    venue.fills.extend([seen, missed])  # the daemon died before journaling f-2
    async with running([venue], journal_path=path) as engine:
        with Journal.open_read_only(path) as journal:  # before any book: nothing quoted
            assert [jf.fill.fill_id for jf in journal.fills()] == [seen.fill_id, missed.fill_id]
            assert journal.fill_cursor(Venue.KALSHI) == "2"
        position = await ask(engine.portfolio, GetPosition(market_id=K1))
        assert position.yes_contracts == 8
        stats = await ask(engine.platforms[Venue.KALSHI], GetPlatformStats())
        assert stats.duplicate_fills == 0
    with Journal.open_read_only(path) as journal:
        assert journal.fill_count() == 2
        assert journal.inventory(K1).yes_contracts == 8


async def test_an_open_order_is_adopted_not_placed_again_and_an_orphan_is_cancelled(
    tmp_path: Path,
) -> None:
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    kept, orphan = an_order("old-K1-1", K1), an_order("old-K9-1", K9)
    await venue.place_orders([kept, orphan])  # resting from a run that was killed
    async with running([venue], journal_path=tmp_path / "j.sqlite3"):
        await venue.wait_until(lambda: venue.orders[orphan.client_order_id].status.is_terminal)
        venue.publish_book(book_of(K1))
        await venue.wait_until(lambda: {o.side for o in venue.resting(K1)} == set(OrderSide))
        assert len([o for o in venue.resting(K1) if o.side is OrderSide.YES]) == 1
    assert venue.orders[orphan.client_order_id].status is OrderStatus.CANCELLED
    assert venue.placements[kept.client_order_id] == 1  # adopted, never placed twice
    assert venue.placements[orphan.client_order_id] == 1
    assert all(n == 1 for n in venue.placements.values())
    assert venue.resting() == []


async def test_a_polled_page_is_journaled_in_one_call_with_its_cursor() -> None:
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    journal = RecordingJournal()
    async with running([venue], journal=journal) as engine:
        venue.publish_book(book_of(K1))
        await venue.wait_until(lambda: len(venue.resting()) == 2)
        venue.drop_fills = 2  # the stream loses them: only get_fills shows them
        taken = venue.take(K1, OrderSide.YES, Decimal("0.01"), Decimal(2))
        taken += venue.take(K1, OrderSide.NO, Decimal("0.01"), Decimal(1))
        platform = engine.platforms[Venue.KALSHI]
        platform.tell(PollFills())
        with trio.fail_after(5):
            while not any(fills for _, fills, _ in journal.pages):
                await ask(platform, GetPlatformStats())
    (page,) = [p for p in journal.pages if p[1]]
    assert page == (Venue.KALSHI, tuple(journal.fills), "2")
    assert [f.fill_id for f in page[1]] == [f.fill_id for f in taken]


# the pure-ish recovery functions on a journal file -----------------------------------------


async def test_a_provisional_fill_the_venue_no_longer_lists_is_reversed(tmp_path: Path) -> None:
    failed = a_fill("trade-1", P1, 5, provisional=True)
    path = journal_holding(tmp_path / "j.sqlite3", failed)
    venue = FakeVenue(Venue.POLYMARKET, markets=[fake_market(Venue.POLYMARKET, "P1")])
    with Journal.open_read_only(path) as journal:
        done = await reconcile_venue(venue, journal, direct_writer(path))
        assert (done.fills_reversed, done.rescanned) == (1, True)
        assert journal.inventory(P1).yes_contracts == 0
        assert journal.fills()[0].is_reversed


class FillsWhileReading(FakeVenue):
    """A resting order of the killed run fills while the positions are being read."""

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        if not self.fills:
            self.fills.append(a_fill("late-1", K2, 4))
        return await super().get_positions(market_ids)


async def test_a_fill_racing_the_positions_read_is_journaled_and_agrees(tmp_path: Path) -> None:
    path = journal_holding(tmp_path / "j.sqlite3")
    venue = FillsWhileReading(Venue.KALSHI)
    with Journal.open_read_only(path) as journal:
        done = await reconcile_venue(venue, journal, direct_writer(path))
        assert (done.fills_recovered, done.rescanned) == (1, False)
        assert journal.inventory(K2).yes_contracts == 4


class ResolvesWhileReconciling(FakeVenue):
    """The market resolves (its contracts paid out, no longer listed) just after the
    venue was asked which of the journal's markets had resolved."""

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Any]:
        found = await super().get_settlements(market_ids)
        if K1 not in self.settlements:
            self.settle(K1, OrderSide.YES, announce=False)
        return found


async def test_a_market_resolving_while_the_start_reconciles_is_settled_not_refused(
    tmp_path: Path,
) -> None:
    held = a_fill("f-1", K1, 5)
    path = journal_holding(tmp_path / "j.sqlite3", held)
    venue = ResolvesWhileReconciling(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    venue.fills.append(held)
    with Journal.open_read_only(path) as journal:
        done = await reconcile_venue(venue, journal, direct_writer(path))
        assert done.settlements == 1
        (settled,) = journal.settlements()
        assert (settled.market_id, settled.outcome, settled.payout) == (K1, "yes", 5)


class RacedThenResolved(FakeVenue):
    """The first positions read races a fill (of another market); the market the
    journal holds resolves just before the last read (the soak: refused at its last
    try, the settlement journaled but the stale difference reported)."""

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        if any(f.market_id == K2 for f in self.fills) and K1 not in self.settlements:
            self.settle(K1, OrderSide.YES, announce=False)
        found = await super().get_positions(market_ids)
        if not any(f.market_id == K2 for f in self.fills):
            self.fills.append(a_fill("race-1", K2, 4))  # just after the read
        return found


async def test_a_market_resolving_at_the_last_try_of_the_start_is_settled_not_refused(
    tmp_path: Path,
) -> None:
    held = a_fill("f-1", K1, 5)
    path = journal_holding(tmp_path / "j.sqlite3", held)
    venue = RacedThenResolved(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    venue.fills.append(held)
    with Journal.open_read_only(path) as journal:
        done = await reconcile_venue(venue, journal, direct_writer(path), attempts=2)
        assert (done.settlements, done.fills_recovered) == (1, 1)
        assert [s.market_id for s in journal.settlements()] == [K1]
        assert journal.inventory(K2).yes_contracts == 4


class NewestFirst(FakeVenue):
    """Pages newest first (Kalshi): a saved cursor leads to older fills only."""

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        await trio.lowlevel.checkpoint()
        return FillPage(fills=() if cursor else tuple(reversed(self.fills)), cursor=None)


async def test_fills_a_cursor_cannot_reach_are_found_by_a_rescan(tmp_path: Path) -> None:
    path = journal_holding(tmp_path / "j.sqlite3", a_fill("f-1", K1, 5))
    with Journal.open(path) as journal:
        journal.set_cursor(Venue.KALSHI, "older", at=T0)
        journal.commit()
    venue = NewestFirst(Venue.KALSHI)
    venue.fills.extend([a_fill("f-1", K1, 5), a_fill("f-2", K1, 2)])
    with Journal.open_read_only(path) as journal:
        done = await reconcile_venue(venue, journal, direct_writer(path))
        assert (done.fills_recovered, done.rescanned) == (1, True)
        assert journal.inventory(K1).yes_contracts == 7


class BusyButCounted(FakeVenue):
    """Every read of the positions races a new fill, made just before the read: the
    positions count it (the soak's restarts: the killed run's orders filling)."""

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        self.fills.append(a_fill(f"busy-{len(self.fills)}", K1, 1))
        return await super().get_positions(market_ids)


async def test_fills_racing_the_positions_that_the_positions_count_agree(tmp_path: Path) -> None:
    path = journal_holding(tmp_path / "j.sqlite3")
    with Journal.open_read_only(path) as journal:
        done = await reconcile_venue(
            BusyButCounted(Venue.KALSHI), journal, direct_writer(path), attempts=3
        )
        assert (done.fills_recovered, done.rescanned) == (1, False)
        assert journal.inventory(K1).yes_contracts == 1


class EverBusy(FakeVenue):
    """Every read of the positions races a new fill, made just after the read: the
    positions never count the newest."""

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        found = await super().get_positions(market_ids)
        self.fills.append(a_fill(f"busy-{len(self.fills)}", K1, 1))
        return found


async def test_fills_that_never_stop_racing_the_positions_refuse_to_quote(tmp_path: Path) -> None:
    path = journal_holding(tmp_path / "j.sqlite3")
    with Journal.open_read_only(path) as journal, pytest.raises(ReconciliationError) as refused:
        await reconcile_venue(EverBusy(Venue.KALSHI), journal, direct_writer(path), attempts=3)
    assert "new fills kept arriving while the positions were read (3 tries)" in str(refused.value)
    with Journal.open_read_only(path) as journal:
        assert journal.fill_count() == 3  # what was fetched is journaled all the same


async def test_journaled_orders_gone_from_the_venue_are_closed_with_their_final_state(
    tmp_path: Path,
) -> None:
    venue = FakeVenue(Venue.KALSHI)
    known, unknown, resting = (an_order(c, K1) for c in ("known", "unknown", "resting"))
    await venue.place_orders([known, resting])
    venue.take(K1, OrderSide.YES, Decimal("0.40"), Decimal(10))  # fills `known` (oldest)
    assert venue.orders[known.client_order_id].status is OrderStatus.FILLED
    # a venue without client order ids: a new process adopts it under the venue's id
    hashed = attrs.evolve(an_order("hashed", K1), venue_order_id=VenueOrderId("0xabc"))
    path = tmp_path / "j.sqlite3"
    with Journal.open(path) as journal:
        for order in (known, unknown, resting, hashed):
            journal.record_order(order.on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT), at=T0)
        journal.commit()
    as_adopted = attrs.evolve(hashed, client_order_id=ClientOrderId("0xabc"))
    adopted = [venue.orders[resting.client_order_id], as_adopted]  # held at the start
    with Journal.open_read_only(path) as journal:
        assert await settle_orders(venue, journal, direct_writer(path), adopted) == 3
        final = {o.client_order_id: o for o in journal.orders()}
    assert {coid: o.status for coid, o in final.items()} == {
        known.client_order_id: OrderStatus.FILLED,  # as the venue says
        unknown.client_order_id: OrderStatus.CANCELLED,  # the venue cannot say; no fills
        resting.client_order_id: OrderStatus.OPEN,  # still on the venue: the engine adopts it
        hashed.client_order_id: OrderStatus.CANCELLED,  # lives on as the adopted 0xabc
    }
    assert final[hashed.client_order_id].reason.startswith("adopted at recovery as 0xabc")


async def test_adopted_orders_count_against_the_limits_until_they_close(tmp_path: Path) -> None:
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    kept, orphan = an_order("old-K1-1", K1), an_order("old-K9-1", K9)
    await venue.place_orders([kept, orphan])  # resting from a run that was killed
    async with running([venue], journal_path=tmp_path / "j.sqlite3") as engine:
        await venue.wait_until(lambda: venue.orders[orphan.client_order_id].status.is_terminal)

        async def k1_held() -> Any:
            report = await ask(engine.portfolio, GetExposure())
            return report, {e.event_id: e.contracts for e in report.events}

        with trio.fail_after(5):  # the orphan's reservation goes with its cancel
            report, contracts = await k1_held()
            while report.reservations != 1:
                await trio.sleep(0.01)
                report, contracts = await k1_held()
        assert contracts[f"market:{K1}"] == Decimal(10)  # no book yet: still the old order
        assert contracts[f"market:{K9}"] == 0

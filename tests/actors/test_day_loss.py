"""The day's loss across restarts and across UTC midnight (the kill switch's count): the
day's baseline (realized PnL and the marks of what is held at the start of the UTC day)
is journaled, a restart the same day goes on counting from it, midnight takes a new one
at the marks of the moment, and a restart on a later day starts the day again, each
carried position from its first mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from predmm.actors.clock import ManualClock
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetExposure, GetPosition
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import ask, eventually, running

A = MarketId(Venue.KALSHI, "A")
EVENING = datetime(2026, 1, 1, 23, 0, tzinfo=UTC)  # the markets close 2026-01-03


def one_market() -> FakeVenue:
    return FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A")])


async def buy_ten_yes(venue: FakeVenue, engine: TradingEngine, fee: str = "0") -> None:
    venue.publish_book(book_of(A))
    await venue.wait_until(lambda: len(venue.resting()) == 2)
    venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10), fee=Decimal(fee))
    await eventually(engine.portfolio, GetPosition(market_id=A), lambda p: p.yes_contracts == 10)


async def daily(engine: TradingEngine, expected: str) -> None:
    await eventually(engine.portfolio, GetExposure(), lambda r: r.daily_pnl == Decimal(expected))


def again(venue: FakeVenue, path: Path, at: datetime, **kw: Any) -> Any:
    venue.closed, venue.calls[:] = False, []  # the same account, a new process
    return running([venue], journal_path=path, clock=ManualClock(at), **kw)


async def test_a_restart_the_same_day_goes_on_counting_the_days_loss(tmp_path: Path) -> None:
    path, venue = tmp_path / "journal.sqlite3", one_market()
    async with again(venue, path, EVENING - timedelta(hours=5)) as engine:
        await buy_ten_yes(venue, engine, fee="1.00")  # 1.00 paid: realized
        await daily(engine, "-0.80")  # marked at 0.50: +0.20 on the 10 YES bought at 0.48
    async with again(venue, path, EVENING - timedelta(hours=4)) as engine:  # a crash loop, say
        await daily(engine, "-1.00")  # the fee, before any mark
        venue.publish_book(book_of(A))
        await daily(engine, "-0.80")


async def test_midnight_takes_a_new_baseline_at_the_marks_and_a_restart_keeps_it(
    tmp_path: Path,
) -> None:
    path, venue, clock = tmp_path / "journal.sqlite3", one_market(), ManualClock(EVENING)
    async with running([venue], journal_path=path, clock=clock) as engine:
        await buy_ten_yes(venue, engine)
        venue.publish_book(book_of(A, bid="0.39", ask="0.41"))
        await daily(engine, "-0.80")  # yesterday's loss, by midnight
        clock.advance(3600)  # 00:00 UTC: the 10 YES carried into the new day at 0.40
        await daily(engine, "0")
        venue.publish_book(book_of(A, bid="0.29", ask="0.31"))
        await daily(engine, "-1.00")  # today's move only
    with Journal.open_read_only(path) as journal:
        baseline = journal.day_baseline(EVENING.date() + timedelta(days=1))
        assert baseline is not None
        assert baseline.marks() == {A: Decimal("0.40")}
    async with again(venue, path, EVENING + timedelta(hours=1, minutes=30)) as engine:
        venue.publish_book(book_of(A, bid="0.29", ask="0.31"))
        await daily(engine, "-1.00")  # from the journaled baseline, not from the cost


async def test_a_restart_on_a_later_day_starts_the_day_at_the_first_mark(tmp_path: Path) -> None:
    path, venue = tmp_path / "journal.sqlite3", one_market()
    async with again(venue, path, EVENING) as engine:
        await buy_ten_yes(venue, engine)
        venue.publish_book(book_of(A, bid="0.39", ask="0.41"))
        await daily(engine, "-0.80")
    # down at midnight; started again the next morning
    async with again(venue, path, EVENING + timedelta(hours=8)) as engine:
        report = await ask(engine.portfolio, GetExposure())
        assert report.daily_pnl == 0
        venue.publish_book(book_of(A, bid="0.39", ask="0.41"))
        report = await eventually(
            engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl == Decimal("-0.80")
        )
        assert report.daily_pnl == 0  # yesterday's 0.80 is not today's loss
        venue.publish_book(book_of(A, bid="0.29", ask="0.31"))
        await daily(engine, "-1.00")

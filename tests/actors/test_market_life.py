"""A market's life on the fake venues, owned to the end: a market with inventory that
leaves the scan or enters the exit window keeps its actor, works the position off
(passive, then aggressive near the close), marks it and counts it in the kill switch,
and is retired only when flat with nothing resting; a market that resolves is settled in
the portfolio and the journal (while quoted, seen twice, or while the daemon was down)
and retired, and the next start agrees with the venue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import trio

from predmm.actors.clock import EPOCH, ManualClock
from predmm.actors.journal.store import Journal
from predmm.actors.messages import (
    BroadcastTick,
    GetChildren,
    GetExposure,
    GetPosition,
    InjectFailure,
)
from predmm.config.risk import RiskConfig
from predmm.domain.enums import OrderSide, OrderType, TimeInForce, TradingState, Venue
from predmm.domain.events import MarketSettled
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import ask, eventually, running

A, B = MarketId(Venue.KALSHI, "A"), MarketId(Venue.KALSHI, "B")


def two_markets(a_hours: float = 48.0) -> FakeVenue:
    return FakeVenue(
        Venue.KALSHI,
        markets=[fake_market(Venue.KALSHI, "A", hours=a_hours), fake_market(Venue.KALSHI, "B")],
    )


async def long_ten_yes_of_a(venue: FakeVenue, engine: TradingEngine) -> Decimal:
    """Both markets quoted; a taker fills our YES bid of A: long 10 YES (at 0.48 unless
    A is near its close, where the spread is wider); the price paid."""
    venue.publish_book(book_of(A))
    venue.publish_book(book_of(B))
    await venue.wait_until(lambda: len(venue.resting()) == 4)
    (bought,) = venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10))
    assert bought.quantity == 10
    await eventually(engine.portfolio, GetPosition(market_id=A), lambda p: p.yes_contracts == 10)
    return bought.price


async def owned(engine: TradingEngine) -> set[MarketId]:
    return {c.market_id for c in await ask(engine.supervisor, GetChildren())}


def only(orders: Sequence[Order]) -> Order:
    assert len(orders) == 1, orders
    return orders[0]


# leaving the scan, the exit window --------------------------------------------------------


async def test_a_market_with_inventory_that_leaves_the_scan_keeps_its_actor_until_flat() -> None:
    venue = two_markets()
    risk = RiskConfig(reducing_loss=Decimal(1), daily_loss_limit=Decimal(100))
    async with running([venue], risk_config=risk) as engine:
        await long_ten_yes_of_a(venue, engine)
        del venue.markets[A]  # no longer listed open (or no longer selected)
        await engine.scan()
        # owned still: no new quotes, a passive order that sells the 10 YES (a NO bid)
        await venue.wait_until(lambda: [o.side for o in venue.resting(A)] == [OrderSide.NO])
        exit_order = only(venue.resting(A))
        assert (exit_order.quantity, exit_order.post_only) == (Decimal(10), True)
        assert exit_order.order_type is OrderType.LIMIT
        assert A in await owned(engine)
        assert len(venue.resting(B)) == 2
        # still marked, still counted by the kill switch: A marked down -> REDUCING
        venue.publish_book(book_of(A, bid="0.29", ask="0.31"))
        report = await eventually(
            engine.portfolio, GetExposure(), lambda r: r.state is TradingState.REDUCING
        )
        assert report.unrealized_pnl == Decimal("-1.80")
        # the exit fills: flat, nothing resting -> retired
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: [o.side for o in venue.resting(A)] == [OrderSide.NO])
        venue.take(A, OrderSide.NO, Decimal("0.01"), Decimal(10))
        with trio.fail_after(5):
            while A in await owned(engine):
                await trio.sleep(0.01)
        assert venue.resting(A) == []
        position = await ask(engine.portfolio, GetPosition(market_id=A))
        assert position.yes_contracts - position.no_contracts == 0


async def test_a_market_in_the_exit_window_exits_passively_then_aggressively_then_retires() -> None:
    clock = ManualClock(EPOCH)
    venue = two_markets(a_hours=3.0)
    async with running([venue], clock=clock) as engine:
        await long_ten_yes_of_a(venue, engine)
        clock.advance(1.5 * 3600)  # 1.5 h to A's close: inside the 2 h exit window
        venue.markets[A] = attrs.evolve(venue.markets[A], as_of=clock.now())
        await engine.scan()
        engine.supervisor.tell(BroadcastTick())
        await venue.wait_until(lambda: [o.side for o in venue.resting(A)] == [OrderSide.NO])
        passive = only(venue.resting(A))
        assert (passive.quantity, passive.post_only, passive.order_type) == (
            Decimal(10),
            True,
            OrderType.LIMIT,
        )
        assert A in await owned(engine)

        clock.advance(1.2 * 3600)  # 0.3 h left: marketable orders now
        engine.supervisor.tell(BroadcastTick())
        with trio.fail_after(5):
            while A in await owned(engine):
                await trio.sleep(0.01)
        (aggressive,) = [
            o
            for o in venue.orders.values()
            if o.market_id == A and o.order_type is OrderType.MARKET
        ]
        assert (aggressive.side, aggressive.quantity) == (OrderSide.NO, Decimal(10))
        assert aggressive.time_in_force is TimeInForce.IOC
        assert venue.resting(A) == []
        position = await ask(engine.portfolio, GetPosition(market_id=A))
        assert (position.yes_contracts, position.no_contracts) == (Decimal(10), Decimal(10))


async def test_a_flat_market_leaving_the_scan_is_retired_and_its_quotes_cancelled() -> None:
    venue = two_markets()
    async with running([venue]) as engine:
        venue.publish_book(book_of(A))
        venue.publish_book(book_of(B))
        await venue.wait_until(lambda: len(venue.resting()) == 4)
        del venue.markets[A]
        await engine.scan()
        with trio.fail_after(5):
            while A in await owned(engine):
                await trio.sleep(0.01)
        await venue.wait_until(lambda: venue.resting(A) == [])
        assert len(venue.resting(B)) == 2


# settlement ---------------------------------------------------------------------------


def restarted(venue: FakeVenue, path: Path, **kw: Any) -> Any:
    venue.closed, venue.calls[:] = False, []  # the same account, a new process
    return running([venue], journal_path=path, **kw)


async def test_a_market_that_resolves_while_quoted_is_settled_journaled_and_retired(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    venue = two_markets()
    async with running([venue], journal_path=path) as engine:
        await long_ten_yes_of_a(venue, engine)
        venue.settle(A, OrderSide.NO)  # NO won: the 10 YES pay nothing
        position = await eventually(
            engine.portfolio, GetPosition(market_id=A), lambda p: p.yes_contracts == 0
        )
        assert position.realized_pnl == Decimal("-4.80")
        report = await ask(engine.portfolio, GetExposure())
        assert (report.realized_pnl, report.daily_pnl) == (Decimal("-4.80"), Decimal("-4.80"))
        (a_event,) = [e for e in report.events if e.event_id == f"market:{A}"]
        assert (a_event.contracts, a_event.worst_loss) == (0, 0)  # nothing held or reserved
        with trio.fail_after(5):
            while A in await owned(engine):
                await trio.sleep(0.01)
        assert len(venue.resting(B)) == 2
    with Journal.open_read_only(path) as journal:
        (record,) = journal.settlements()
        assert (record.market_id, record.outcome, record.yes_payout) == (A, "no", Decimal(0))
        assert (record.yes_contracts, record.no_contracts) == (Decimal(10), Decimal(0))
        assert (record.payout, record.realized_pnl) == (Decimal(0), Decimal("-4.80"))
        assert record.venue_ts == venue.settlements[A].venue_ts
        held = journal.inventory(A)
        assert (held.yes_contracts, held.realized_pnl) == (Decimal(0), Decimal("-4.80"))

    async with restarted(venue, path) as engine:  # the venue and the journal agree: no refusal
        position = await ask(engine.portfolio, GetPosition(market_id=A))
        assert (position.yes_contracts, position.realized_pnl) == (Decimal(0), Decimal("-4.80"))
        venue.publish_book(book_of(B))
        await venue.wait_until(lambda: len(venue.resting(B)) == 2)
    with Journal.open_read_only(path) as journal:
        assert len(journal.settlements()) == 1


async def test_a_fill_told_after_its_market_settled_is_in_the_journaled_settlement(
    tmp_path: Path,
) -> None:
    """The soak's +17.00 of cash: a fill made before the resolution, told after the
    settlement was journaled (a stream late with it, or the fills read at a restart),
    must be in the settlement the journal keeps, which says what the venue paid."""
    path = tmp_path / "journal.sqlite3"
    venue = two_markets()
    async with running([venue], journal_path=path) as engine:
        venue.publish_book(book_of(A))
        venue.publish_book(book_of(B))
        await venue.wait_until(lambda: len(venue.resting()) == 4)
        venue.hold_fills = True  # the stream is late with the fill
        (bought,) = venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10))
        assert (bought.quantity, bought.price) == (Decimal(10), Decimal("0.48"))
        venue.settle(A, OrderSide.YES)  # YES won: the venue pays the 10 YES $10
        with trio.fail_after(5):
            while A in await owned(engine):  # settled with nothing held yet, retired
                await trio.sleep(0.01)
        venue.release_fills()
        position = await eventually(
            engine.portfolio, GetPosition(market_id=A), lambda p: p.realized_pnl != 0
        )
        assert (position.yes_contracts, position.realized_pnl) == (Decimal(0), Decimal("5.20"))
    with Journal.open_read_only(path) as journal:
        (record,) = journal.settlements()
        assert (record.yes_contracts, record.no_contracts) == (Decimal(10), Decimal(0))
        assert (record.payout, record.realized_pnl) == (Decimal(10), Decimal("5.20"))
        assert journal.inventory(A).realized_pnl == Decimal("5.20")


async def test_a_settlement_loss_moves_the_kill_switch() -> None:
    venue = two_markets()
    risk = RiskConfig(reducing_loss=Decimal(2), daily_loss_limit=Decimal(4))
    async with running([venue], risk_config=risk) as engine:
        await long_ten_yes_of_a(venue, engine)
        venue.settle(A, OrderSide.NO)
        await eventually(engine.portfolio, GetExposure(), lambda r: r.state is TradingState.HALTED)
        await venue.wait_until(lambda: ("cancel_all", ()) in venue.calls and not venue.resting())


async def test_a_settlement_seen_twice_is_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    venue = two_markets()
    async with running([venue], journal_path=path) as engine:
        await long_ten_yes_of_a(venue, engine)
        settlement = venue.settle(A, OrderSide.YES, announce=False)  # the stream missed it
        await engine.scan()  # the poll reads it
        position = await eventually(
            engine.portfolio, GetPosition(market_id=A), lambda p: p.yes_contracts == 0
        )
        assert position.realized_pnl == Decimal("5.20")
        venue._emit(MarketSettled(settlement=settlement))  # then the stream tells it, late
        await engine.scan()
        report = await ask(engine.portfolio, GetExposure())
        assert report.realized_pnl == Decimal("5.20")
    async with restarted(venue, path) as engine:  # and the venue lists it at the next start
        position = await ask(engine.portfolio, GetPosition(market_id=A))
        assert position.realized_pnl == Decimal("5.20")
    with Journal.open_read_only(path) as journal:
        assert [s.market_id for s in journal.settlements()] == [A]
        assert journal.inventory(A).realized_pnl == Decimal("5.20")


async def test_a_market_resolved_while_the_daemon_was_down_is_settled_before_reconciliation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    venue = two_markets()
    async with running([venue], journal_path=path) as engine:
        await long_ten_yes_of_a(venue, engine)
    venue.settle(A, OrderSide.YES, at=EPOCH + timedelta(hours=1), announce=False)

    async with restarted(venue, path) as engine:  # no refusal: 10 YES journaled, 0 on the venue
        position = await ask(engine.portfolio, GetPosition(market_id=A))
        assert (position.yes_contracts, position.realized_pnl) == (Decimal(0), Decimal("5.20"))
        assert A not in await owned(engine)
    reads = [name for name, _ in venue.calls if name in ("get_settlements", "get_positions")]
    assert reads[0] == "get_settlements"  # journaled before the positions were compared
    with Journal.open_read_only(path) as journal:
        (record,) = journal.settlements()
        assert (record.market_id, record.outcome, record.realized_pnl) == (
            A,
            "yes",
            Decimal("5.20"),
        )
        assert record.venue_ts == EPOCH + timedelta(hours=1)


async def test_a_quarantined_market_holding_a_position_is_not_started_again_by_the_scan() -> None:
    venue = two_markets()
    async with running([venue]) as engine:
        await long_ten_yes_of_a(venue, engine)
        for _ in range(4):  # past the restart budget (3)
            (info,) = [c for c in await ask(engine.supervisor, GetChildren()) if c.market_id == A]
            if info.ref is not None:
                info.ref.tell(InjectFailure())
            await eventually(
                engine.supervisor,
                GetChildren(),
                lambda cs, g=info.generation: any(
                    c.market_id == A and (c.generation > g or c.quarantined) for c in cs
                ),
            )
        venue.markets[A] = attrs.evolve(venue.markets[A], liquidity=Decimal(10))  # not selected
        for _ in range(2):
            await engine.scan()
        (info,) = [c for c in await ask(engine.supervisor, GetChildren()) if c.market_id == A]
        assert (info.quarantined, info.ref) == (True, None)
        assert venue.resting(A) == []

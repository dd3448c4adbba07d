"""Exits through the whole engine on a fake venue: one exit in flight per market, whatever
order the venue's answers come in, and the forced exit in REDUCING."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from predmm.actors.clock import ManualClock
from predmm.actors.messages import (
    BroadcastTick,
    GetChildren,
    GetExposure,
    GetOpenOrders,
    GetPosition,
    InjectFailure,
    SetTradingState,
)
from predmm.domain.enums import OrderSide, TimeInForce, TradingState, Venue
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from tests.actors.fake_venue import T0, FakeVenue, book_of, fake_market
from tests.actors.harness import ask, config, eventually, running

A = MarketId(Venue.KALSHI, "A")


def exits(venue: FakeVenue) -> list[Order]:
    return [o for o in venue.orders.values() if o.time_in_force is TimeInForce.IOC]


async def test_an_exit_answered_filled_before_its_fill_arrives_goes_out_once() -> None:
    """40 YES past rebalance_threshold (20): one 30-lot NO exit. Its FILLED answer comes
    before its fill: until the fill arrives the 30 NO count as pending inventory, so a
    new book does not send the exit again (it did: two 30-lot exits, 60 NO bought)."""
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A")])
    venue.hold_ioc_fills = True
    async with running([venue], strategy_config=config(quote_size=40)) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(40))  # long 40 YES at 0.48
        await venue.wait_until(lambda: len(exits(venue)) == 1 and bool(venue.held))
        (first,) = exits(venue)
        assert (first.side, first.quantity) == (OrderSide.NO, Decimal(30))
        # the exit's answer (FILLED) is in: the market is told before the next book
        await eventually(
            engine.platforms[Venue.KALSHI],
            GetOpenOrders(market_id=A),
            lambda live: first.client_order_id not in {o.client_order_id for o in live},
        )
        venue.publish_book(book_of(A, bid="0.47", ask="0.51"))  # a new book: requote, exit?
        # the market read that book once the portfolio holds its mark (0.49: 40 YES
        # bought at 0.48 are up 0.40); anything it meant to place is placed by then
        await eventually(
            engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl == Decimal("0.40")
        )
        assert len(exits(venue)) == 1
        venue.release_fills()
        position = await eventually(
            engine.portfolio, GetPosition(market_id=A), lambda p: p.no_contracts > 0
        )
        assert (position.yes_contracts, position.no_contracts) == (40, 30)
        venue.publish_book(book_of(A, bid="0.46", ask="0.50"))
        await eventually(
            engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl != Decimal("0.40")
        )
        assert len(exits(venue)) == 1  # net 10: no exit left to make


async def test_the_forced_exit_goes_out_in_reducing_while_a_reducing_quote_rests() -> None:
    """Long 10 YES in REDUCING: only the 10-lot NO bid that reduces rests. Inside the
    exit window's marketable part the forced exit wants all 10 NO, which the resting bid
    already claims: the bid is cancelled and the exit goes out (it was refused for as long
    as the bid stayed where it was: here 5 h to close already doubles the spread, so
    entering the exit window does not move the bid)."""
    clock = ManualClock(T0)
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A", hours=5)])
    async with running([venue], clock=clock) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10))  # long 10 YES
        await eventually(engine.portfolio, GetPosition(market_id=A), lambda p: p.yes_contracts)
        engine.portfolio.tell(SetTradingState(state=TradingState.REDUCING, reason="test"))

        def reducing_bid_only() -> bool:
            rest = venue.resting(A)
            return [(o.side, o.quantity) for o in rest] == [(OrderSide.NO, Decimal(10))]

        await venue.wait_until(reducing_bid_only)
        # 0.4 h to close: inside the exit window's marketable part (exit_aggressive_hours)
        clock.advance(timedelta(hours=4.6).total_seconds())
        engine.supervisor.tell(BroadcastTick())  # the exit window moves with time
        await venue.wait_until(lambda: bool(exits(venue)))
        (exit_order,) = exits(venue)
        assert (exit_order.side, exit_order.quantity) == (OrderSide.NO, Decimal(10))
        position = await eventually(
            engine.portfolio, GetPosition(market_id=A), lambda p: p.no_contracts == 10
        )
        assert position.yes_contracts == 10  # flat: 10 pairs
        report = await ask(engine.portfolio, GetExposure())
        assert report.state is TradingState.REDUCING
        await venue.wait_until(lambda: not venue.resting(A))


async def test_a_restarted_market_keeps_the_exit_in_flight_whose_fills_are_late() -> None:
    """The market fails while its exit's fills are still to come: the new incarnation
    takes the exit over from the order table, counts its fills as pending and does not
    exit again."""
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A")])
    venue.hold_ioc_fills = True
    async with running([venue], strategy_config=config(quote_size=40)) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(40))
        await venue.wait_until(lambda: len(exits(venue)) == 1 and bool(venue.held))
        (first,) = exits(venue)
        await eventually(
            engine.platforms[Venue.KALSHI],
            GetOpenOrders(market_id=A),
            lambda live: first.client_order_id not in {o.client_order_id for o in live},
        )
        (child,) = await ask(engine.supervisor, GetChildren())
        child.ref.tell(InjectFailure(reason="test"))
        await eventually(engine.supervisor, GetChildren(), lambda cs: cs[0].generation == 1)
        venue.publish_book(book_of(A, bid="0.47", ask="0.51"))
        await eventually(
            engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl == Decimal("0.40")
        )
        assert len(exits(venue)) == 1
        venue.release_fills()
        position = await eventually(
            engine.portfolio, GetPosition(market_id=A), lambda p: p.no_contracts > 0
        )
        assert (position.yes_contracts, position.no_contracts) == (40, 30)

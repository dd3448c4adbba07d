"""Per-market fault isolation: a failing MarketActor is restarted (or quarantined) while
the other markets keep their resting quotes untouched."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from predmm.actors.messages import ChildInfo, GetChildren, GetPosition, InjectFailure
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import RecordingJournal, ask, eventually, running, until


def venue_with(*symbols: str) -> FakeVenue:
    return FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, s) for s in symbols])


def quoted(venue: FakeVenue, market_id: MarketId, generation: int) -> bool:
    orders = venue.resting(market_id)
    return len(orders) == 2 and all(f"-g{generation}-" in o.client_order_id.value for o in orders)


def _status(engine: Any, market_id: MarketId) -> tuple[int, Decimal] | None:
    """The market's generation and YES held, as its actor last published them."""
    found = [m for m in engine.snapshot().markets if m.market_id == market_id]
    return (found[0].generation, found[0].yes_contracts) if found else None


async def child(engine: object, market_id: MarketId) -> ChildInfo:
    children = await ask(engine.supervisor, GetChildren())  # type: ignore[attr-defined]
    return next(c for c in children if c.market_id == market_id)


@pytest.mark.parametrize("late_fill", [False, True], ids=["fill counted", "fill in flight"])
async def test_a_failing_market_restarts_with_its_inventory_and_others_are_untouched(
    late_fill: bool,
) -> None:
    venue = venue_with("A", "B", "C")
    a, b, c = (MarketId(Venue.KALSHI, s) for s in "ABC")
    journal = RecordingJournal()
    async with running([venue], journal=journal) as engine:
        for market_id in (a, b, c):
            venue.publish_book(book_of(market_id))
        await venue.wait_until(lambda: all(quoted(venue, m, 0) for m in (a, b, c)))
        venue.hold_fills = late_fill  # the fill reaches the market across its restart
        fills = venue.take(a, OrderSide.YES, Decimal("0.01"), Decimal(3))
        assert sum(f.quantity for f in fills) == 3
        await venue.wait_until(lambda: quoted(venue, a, 0) and venue.resting(a)[0].remaining > 0)
        others = {o.client_order_id for m in (b, c) for o in venue.resting(m)}
        calls_before = len(venue.calls)

        info = await child(engine, a)
        info.ref.tell(InjectFailure())
        await venue.wait_until(lambda: quoted(venue, a, 1))
        venue.release_fills()

        restarted = await child(engine, a)
        assert (restarted.generation, restarted.restarts, restarted.quarantined) == (1, 1, False)
        # the restarted market holds the fill, whether it came before the failure or
        # after the restart (the status is published by the market's thread: waited for)
        await until(lambda: _status(engine, a) == (1, 3))
        await eventually(engine.portfolio, GetPosition(market_id=a), lambda p: p.yes_contracts == 3)
        # the others: the very same orders still rest, and none of them was ever cancelled
        assert {o.client_order_id for m in (b, c) for o in venue.resting(m)} == others
        touched = {coid for op, ids in venue.calls[calls_before:] for coid in ids}
        assert not touched & others
        assert journal.restarts
        assert journal.restarts[0][0] == a


async def test_a_market_failing_past_its_budget_is_quarantined_and_others_quote_on() -> None:
    venue = venue_with("A", "B")
    a, b = MarketId(Venue.KALSHI, "A"), MarketId(Venue.KALSHI, "B")
    journal = RecordingJournal()
    async with running([venue], journal=journal) as engine:  # budget: 3 restarts
        venue.publish_book(book_of(a))
        venue.publish_book(book_of(b))
        await venue.wait_until(lambda: quoted(venue, a, 0) and quoted(venue, b, 0))
        kept = {o.client_order_id for o in venue.resting(b)}
        for generation in range(4):
            info = await child(engine, a)
            assert info.generation == generation
            info.ref.tell(InjectFailure())
            if generation < 3:
                await venue.wait_until(lambda g=generation: quoted(venue, a, g + 1))
        await venue.wait_until(lambda: not venue.resting(a))
        info = await child(engine, a)
        assert info.quarantined
        assert info.ref is None
        assert [q[0] for q in journal.quarantines] == [a]
        assert engine.snapshot().quarantined == (a,)
        assert {o.client_order_id for o in venue.resting(b)} == kept


async def test_a_market_that_drops_out_of_the_scan_is_retired_with_its_orders_cancelled() -> None:
    venue = venue_with("A", "B")
    a, b = MarketId(Venue.KALSHI, "A"), MarketId(Venue.KALSHI, "B")
    async with running([venue]) as engine:
        venue.publish_book(book_of(a))
        venue.publish_book(book_of(b))
        await venue.wait_until(lambda: quoted(venue, a, 0) and quoted(venue, b, 0))
        kept = {o.client_order_id for o in venue.resting(a)}
        del venue.markets[b]
        await engine.scan()
        await venue.wait_until(lambda: not venue.resting(b))
        # retired once its cancels are answered: flat, nothing resting
        await eventually(
            engine.supervisor, GetChildren(), lambda cs: [c.market_id for c in cs] == [a]
        )
        assert {o.client_order_id for o in venue.resting(a)} == kept

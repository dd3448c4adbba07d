"""A placement whose answer is lost (the venue may take it seconds later) through the
whole engine on a fake venue: the order stays UNKNOWN, reserved and unreplaced while it is
looked up again and again over a bounded window; found late, it is adopted as it is;
absent for the whole window, it is given up and only then replaced. An order a cancel
left unconfirmed is looked up the same way, by the venue's id when it is known."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
import trio

from predmm.actors.messages import CancelAll, CheckVenue, GetExposure, GetPlatformStats
from predmm.actors.platform.lookups import LookupPolicy
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.supervisors.runtime import EngineTimings
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, RecordingJournal, ask, eventually, running

A = MarketId(Venue.KALSHI, "A")
FAST = LookupPolicy(first_delay=0.005, factor=2.0, max_delay=0.02, window=30.0)


def timings(lookups: LookupPolicy) -> EngineTimings:
    return EngineTimings(
        scan_interval=QUIET.scan_interval,
        tick_interval=QUIET.tick_interval,
        fill_poll_interval=QUIET.fill_poll_interval,
        stop_timeout=QUIET.stop_timeout,
        reconcile_interval=3600,
        unknown_lookups=lookups,
    )


def lookups_of(venue: FakeVenue, coid: ClientOrderId) -> int:
    return venue.calls.count(("get_order", (coid,)))


def placed(venue: FakeVenue) -> list[ClientOrderId]:
    return [coid for op, ids in venue.calls if op == "place" for coid in ids]


async def test_an_order_the_venue_takes_late_is_adopted_and_never_placed_twice() -> None:
    """Not found at first, taken by the venue after three more looks: one order per
    side rests, reserved, each placed once (before: given up after one look 0.2 s
    later, released and replaced, and the late original rested beside its replacement,
    unreserved and never cancelled)."""
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A")])
    venue.fail("place", "late")
    async with running([venue], timings=timings(FAST)) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.late) == 2)
        first = [o.client_order_id for o in venue.late]
        await venue.wait_until(
            lambda: all(lookups_of(venue, c) >= 3 for c in first) or len(placed(venue)) > 2
        )
        assert placed(venue) == first  # nothing replaced them while they were unknown
        report = await ask(engine.portfolio, GetExposure())
        assert report.reservations == 2  # still held
        venue.accept_late()  # the venue takes them now
        platform = engine.platforms[Venue.KALSHI]
        await eventually(platform, GetPlatformStats(), lambda s: s.unknown_orders == 0)
        assert sorted(o.client_order_id for o in venue.resting(A)) == sorted(first)
        assert placed(venue) == first
        stats = await ask(platform, GetPlatformStats())
        assert stats.live_orders == 2
        report = await ask(engine.portfolio, GetExposure())
        assert report.reservations == 2


async def test_an_order_absent_for_the_whole_window_is_given_up_then_replaced() -> None:
    window = LookupPolicy(first_delay=0.005, factor=2.0, max_delay=0.01, window=0.05)
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A")])
    venue.fail("place", "late")
    async with running([venue], timings=timings(window)) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.late) == 2)
        first = [o.client_order_id for o in venue.late]
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)  # the replacements
        replacements = [c for c in placed(venue) if c not in first]
        assert len(replacements) == 2
        looks = [lookups_of(venue, c) for c in first]
        assert looks == [window.attempts()] * 2  # every look of the window, no more
        stats = await ask(engine.platforms[Venue.KALSHI], GetPlatformStats())
        assert (stats.unknown_orders, stats.live_orders) == (0, 2)
        report = await ask(engine.portfolio, GetExposure())
        assert report.reservations == 2  # the replacements only


@pytest.mark.parametrize("found_by", ["check", "stream"])
async def test_an_order_taken_after_it_was_given_up_is_adopted(found_by: str) -> None:
    """Given up after the window and replaced, the original is taken by the venue after
    all: the periodic check finds it resting, or the stream says so; it is adopted with
    its reservation (the market then cancels one of the two quotes on each side) and
    the correction journaled."""
    window = LookupPolicy(first_delay=0.005, factor=2.0, max_delay=0.01, window=0.05)
    journal = RecordingJournal()
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A")])
    venue.fail("place", "late")
    async with running([venue], timings=timings(window), journal=journal) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.late) == 2)
        first = sorted(o.client_order_id for o in venue.late)
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)  # the replacements
        venue.accept_late(tell=found_by == "stream")  # four rest now
        platform = engine.platforms[Venue.KALSHI]
        if found_by == "check":
            platform.tell(CheckVenue())
        await eventually(platform, GetPlatformStats(), lambda _: len(journal.corrections) == 2)
        assert sorted(o.client_order_id for o, _ in journal.corrections) == first
        assert {what for _, what in journal.corrections} == {
            "on the venue, closed as rejected in the order table: adopted with its reservation"
        }
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)  # one quote a side
        stats = await eventually(platform, GetPlatformStats(), lambda s: s.live_orders == 2)
        report = await eventually(engine.portfolio, GetExposure(), lambda r: r.reservations == 2)
        assert (stats.queued_cancels, report.reservations) == (0, 2)


async def test_an_adopted_order_a_cancel_left_unconfirmed_is_looked_up_by_the_venues_id() -> None:
    """An order resting from a killed run, adopted at start, then cancelled (all of the
    venue's, as at shutdown) on a venue whose cancel says nothing of what filled
    (Polymarket): it is looked up, by the venue's id, since a new process's client
    cannot find by client order id an order it did not place. Found cancelled, it is
    closed and the cancel-all answered (before: not found for the whole lookup window,
    30 s, longer than a shutdown waits: the soak's Polymarket platform that "did not
    answer during shutdown", its orders closed only by the end-of-run check)."""
    p = MarketId(Venue.POLYMARKET, "P")
    venue = FakeVenue(Venue.POLYMARKET, markets=[fake_market(Venue.POLYMARKET, "P")])
    venue.cancels_say_filled = False
    old = Order(
        client_order_id=ClientOrderId("old-P-1"),
        market_id=p,
        side=OrderSide.YES,
        price=Decimal("0.40"),
        quantity=Decimal(10),
    )
    await venue.place_orders([old])
    venue.strangers.add(old.client_order_id)  # the killed run's client placed it
    async with running([venue], timings=timings(FAST)) as engine:
        platform = engine.platforms[Venue.POLYMARKET]
        await eventually(platform, GetPlatformStats(), lambda s: s.live_orders == 1)
        answered = threading.Event()
        platform.tell(CancelAll(reason="shutdown", reply=lambda _: answered.set()))
        assert await trio.to_thread.run_sync(answered.wait, 5.0)
        assert venue.orders[old.client_order_id].status is OrderStatus.CANCELLED
        stats = await ask(platform, GetPlatformStats())
        assert (stats.live_orders, stats.unknown_orders) == (0, 0)

"""The periodic reconciliation during a run, through the whole engine on a fake venue:
orders the order table does not know are adopted with a reservation or cancelled, orders
it believes resting that the venue no longer has are closed, each correction journaled;
a position the venue disagrees with stops the market's quoting until they agree."""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.actors.messages import CancelOrders, CheckVenue, GetExposure, GetPlatformStats
from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from tests.actors.fake_venue import T0, FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, RecordingJournal, ask, eventually, running

A, Z = MarketId(Venue.KALSHI, "A"), MarketId(Venue.KALSHI, "Z")
CHECKS = attrs.evolve(QUIET, position_recheck=0.01)


def stray(market_id: MarketId, coid: str) -> Order:
    """An order on the account that this run never placed (another tool, a lost run)."""
    return Order(
        client_order_id=ClientOrderId(coid),
        market_id=market_id,
        side=OrderSide.YES,
        price=Decimal("0.30"),
        quantity=Decimal(5),
        created_at=T0,
    )


def two_markets() -> FakeVenue:
    quiet = fake_market(Venue.KALSHI, "Z", liquidity="10")  # below min_liquidity: not quoted
    return FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "A"), quiet])


async def test_the_check_adopts_or_cancels_what_the_table_does_not_know_and_closes_phantoms() -> (
    None
):
    journal = RecordingJournal()
    venue = two_markets()
    async with running([venue], journal=journal, timings=CHECKS) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        (gone,) = [o.client_order_id for o in venue.resting(A) if o.side is OrderSide.NO]
        venue.vanish(gone)  # cancelled by the venue, no word of it
        await venue.place_orders([stray(A, "stray-a"), stray(Z, "stray-z")])
        platform = engine.platforms[Venue.KALSHI]
        platform.tell(CheckVenue())
        await eventually(platform, GetPlatformStats(), lambda _: len(journal.corrections) == 3)
        told = {order.client_order_id.value: what for order, what in journal.corrections}
        assert told == {
            "stray-a": "on the venue, unknown to the order table: adopted with its reservation",
            "stray-z": "on the venue, unknown to the order table: cancelled"
            " (its market is not quoted)",
            gone.value: "open in the order table, cancelled on the venue: closed,"
            " its reservation released, fills fetched",
        }
        await venue.wait_until(lambda: not venue.resting(Z))
        # A: the market took the adopted order as a second YES quote and cancelled it, and
        # quoted NO again in place of the one the venue took away
        await venue.wait_until(
            lambda: (
                sorted(o.side.value for o in venue.resting(A)) == ["no", "yes"]
                and "stray-a" not in {o.client_order_id.value for o in venue.resting(A)}
            )
        )
        stats = await eventually(platform, GetPlatformStats(), lambda s: s.live_orders == 2)
        report = await eventually(engine.portfolio, GetExposure(), lambda r: r.reservations == 2)
        assert (stats.queued_cancels, report.reservations) == (0, 2)


async def test_a_position_the_venue_disputes_stops_the_market_until_they_agree() -> None:
    venue = two_markets()
    async with running([venue], timings=CHECKS) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(4))
        venue.position_offsets[A] = Decimal(5)  # the venue says 9 YES; predmm holds 4
        platform = engine.platforms[Venue.KALSHI]
        platform.tell(CheckVenue())
        await eventually(platform, GetPlatformStats(), lambda s: s.disputed == (A,))
        venue.publish_book(book_of(A, bid="0.47", ask="0.51"))  # a new book: nothing placed
        # the market has read that book (and so the block before it) once the portfolio
        # holds the book's mark: 4 YES bought at 0.48, marked at 0.49
        await eventually(
            engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl == Decimal("0.04")
        )
        (market,) = [m for m in engine.snapshot().markets if m.market_id == A]
        assert market.health == "blocked"
        assert "predmm holds net 4, the venue 9" in market.note
        await venue.wait_until(lambda: not venue.resting(A))
        await eventually(platform, GetPlatformStats(), lambda s: s.live_orders == 0)

        venue.position_offsets.clear()  # the venue's record is put right
        platform.tell(CheckVenue())
        await eventually(platform, GetPlatformStats(), lambda s: s.disputed == ())
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        report = await ask(engine.portfolio, GetExposure())
        assert report.reservations == 2


async def test_a_stale_read_of_an_order_the_venue_said_was_cancelled_is_left_alone() -> None:
    """Kalshi's order reads lag its cancels: the list shows an order resting whose cancel
    the venue confirmed. Nothing is adopted (before: it was revived and reserved)."""
    journal = RecordingJournal()
    venue = two_markets()
    async with running([venue], journal=journal, timings=CHECKS) as engine:
        venue.publish_book(book_of(A))
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)
        (bid,) = [o for o in venue.resting(A) if o.side is OrderSide.YES]
        platform = engine.platforms[Venue.KALSHI]
        platform.tell(CancelOrders(client_order_ids=(bid.client_order_id,)))
        await venue.wait_until(  # the market quotes YES again in its place
            lambda: len(venue.resting(A)) == 2 and bid.client_order_id not in venue.orders_resting()
        )
        venue.stale_open = [bid]  # the cancelled bid, listed as resting
        await venue.place_orders([stray(Z, "stray-z")])  # a real correction, to wait on
        platform.tell(CheckVenue())
        await eventually(platform, GetPlatformStats(), lambda _: len(journal.corrections) == 1)
        assert [o.client_order_id.value for o, _ in journal.corrections] == ["stray-z"]
        await venue.wait_until(lambda: not venue.resting(Z))
        await eventually(platform, GetPlatformStats(), lambda s: s.live_orders == 2)
        report = await eventually(engine.portfolio, GetExposure(), lambda r: r.reservations == 2)
        assert bid.client_order_id not in {o.client_order_id for o in venue.resting(A)}
        assert report.reservations == 2  # the two quotes: the stale bid was not revived

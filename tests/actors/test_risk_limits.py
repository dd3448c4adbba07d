"""Limits hold whatever fills: a seeded storm across both venues, the kill switch and
the REDUCING state."""

from __future__ import annotations

import random
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import trio

from predmm.actors.clock import ManualClock
from predmm.actors.journal.records import TradingStateRecord
from predmm.actors.journal.store import Journal
from predmm.actors.messages import ExposureReport, GetExposure, GetPlatformStats
from predmm.config.risk import EventLink, RiskConfig
from predmm.domain.enums import OrderSide, TradingState, Venue
from predmm.domain.ids import ClientOrderId, EventId, MarketId
from predmm.domain.orders import Order
from predmm.domain.risk import Exposure, Terms, held, resting, total
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, Hub, book_of, fake_market
from tests.actors.harness import ask, config, eventually, running

ZERO = Decimal(0)


def linked_venues(events: int) -> tuple[FakeVenue, FakeVenue, RiskConfig]:
    hub = Hub()
    kalshi = FakeVenue(
        Venue.KALSHI, hub=hub, markets=[fake_market(Venue.KALSHI, f"K{i}") for i in range(events)]
    )
    poly = FakeVenue(
        Venue.POLYMARKET,
        hub=hub,
        markets=[fake_market(Venue.POLYMARKET, f"P{i}") for i in range(events)],
    )
    links = tuple(
        EventLink(
            event_id=EventId(f"E{i}"),
            markets=(MarketId(Venue.KALSHI, f"K{i}"), MarketId(Venue.POLYMARKET, f"P{i}")),
        )
        for i in range(events)
    )
    risk = RiskConfig(
        max_market_contracts=1000,
        max_market_loss=Decimal(12),
        max_event_contracts=30,
        max_event_loss=Decimal(14),
        max_venue_loss=Decimal(40),
        max_total_loss=Decimal(60),
        reducing_loss=Decimal(1000),
        daily_loss_limit=Decimal(1000),
        event_links=links,
    )
    return kalshi, poly, risk


class Truth:
    """What filled on the venues, per market (kept up to date incrementally)."""

    def __init__(self, venues: list[FakeVenue]) -> None:
        self.venues = venues
        self.seen = {id(v): 0 for v in venues}
        self.held: dict[MarketId, list[Decimal]] = {}

    def refresh(self) -> None:
        for venue in self.venues:
            for fill in venue.fills[self.seen[id(venue)] :]:
                row = self.held.setdefault(fill.market_id, [ZERO, ZERO, ZERO, ZERO])
                k = 0 if fill.side is OrderSide.YES else 1
                row[k] += fill.quantity
                row[k + 2] += fill.notional
            self.seen[id(venue)] = len(venue.fills)

    def exposure(self, market_id: MarketId) -> Exposure:
        """What filled plus every order still resting on the venue."""
        venue = next(v for v in self.venues if market_id in v.markets)
        yes, no, yes_cost, no_cost = self.held.get(market_id, [ZERO, ZERO, ZERO, ZERO])
        rest = total(resting(_terms(o)) for o in venue.resting(market_id))
        return held(yes, no, yes_cost, no_cost) + rest


def _terms(order: Order) -> Terms:
    return Terms(side=order.side, action=order.action, price=order.price, quantity=order.remaining)


def check_limits(truth: Truth, risk: RiskConfig) -> None:
    truth.refresh()
    totals = ZERO
    by_venue: dict[Venue, Decimal] = {}
    for link in risk.event_links:
        parts = [truth.exposure(m) for m in link.markets]
        event = total(parts)
        assert event.contracts <= risk.max_event_contracts, (link.event_id, event)
        assert event.worst_loss <= risk.max_event_loss, (link.event_id, event)
        for market_id, part in zip(link.markets, parts, strict=True):
            assert part.worst_loss <= risk.max_market_loss
            assert max(part.yes_contracts, part.no_contracts) <= risk.max_market_contracts
            by_venue[market_id.venue] = by_venue.get(market_id.venue, ZERO) + part.worst_loss
        totals += event.worst_loss
    assert totals <= risk.max_total_loss
    assert all(loss <= risk.max_venue_loss for loss in by_venue.values()), by_venue


async def test_a_seeded_storm_of_fills_never_passes_any_limit() -> None:
    kalshi, poly, risk = linked_venues(4)
    venues = [kalshi, poly]
    truth = Truth(venues)
    rng = random.Random(20261123)
    fills = 0
    strategy = config(quote_size=3, max_position_size=1000)
    async with running(venues, risk_config=risk, strategy_config=strategy) as engine:
        with trio.fail_after(40):
            while fills < 2000:
                live = [o for v in venues for o in v.resting()]
                if not live:  # a fresh book makes every market requote
                    for venue in venues:
                        for market_id in venue.markets:
                            venue.publish_book(book_of(market_id))
                    await kalshi.wait_until(lambda: any(v.resting() for v in venues), 5)
                    continue
                order = rng.choice(live)
                venue = kalshi if order.market_id.venue is Venue.KALSHI else poly
                size = Decimal(rng.randint(1, 3))
                fills += len(venue.take(order.market_id, order.side, order.price, size))
                check_limits(truth, risk)
                await trio.lowlevel.checkpoint()
        report: ExposureReport = await ask(engine.portfolio, GetExposure())
        assert report.total_loss <= risk.max_total_loss
        assert all(e.contracts <= risk.max_event_contracts for e in report.events)
    check_limits(truth, risk)
    assert not kalshi.resting()
    assert not poly.resting()


A, B = MarketId(Venue.KALSHI, "A"), MarketId(Venue.KALSHI, "B")
LOSS_LIMITS = RiskConfig(reducing_loss=Decimal(1), daily_loss_limit=Decimal(3))


def two_markets() -> FakeVenue:
    return FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, s) for s in ("A", "B")])


async def lose_past_the_limits(venue: FakeVenue, engine: TradingEngine) -> None:
    """Quote A and B, get long 10 YES of A, mark A down past ``reducing_loss`` (REDUCING:
    only orders that reduce the position rest), then past ``daily_loss_limit`` (HALTED:
    everything cancelled, the venue swept)."""
    venue.publish_book(book_of(A))
    venue.publish_book(book_of(B))
    await venue.wait_until(lambda: len(venue.resting()) == 4)
    bought = venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10))
    assert sum(f.quantity for f in bought) == 10  # long 10 YES near 0.48
    venue.publish_book(book_of(A, bid="0.29", ask="0.31"))  # marked down: ~1.8 lost

    def reducing_only() -> bool:
        rest = venue.resting()
        return bool(rest) and all(o.market_id == A and o.side is OrderSide.NO for o in rest)

    await venue.wait_until(reducing_only)
    report = await ask(engine.portfolio, GetExposure())
    assert report.state is TradingState.REDUCING
    assert all(o.quantity <= 10 for o in venue.resting())

    venue.publish_book(book_of(A, bid="0.09", ask="0.11"))  # ~3.8 lost: past the limit
    await venue.wait_until(lambda: ("cancel_all", ()) in venue.calls and not venue.resting())
    report = await ask(engine.portfolio, GetExposure())
    assert report.state is TradingState.HALTED


async def test_daily_loss_moves_to_reducing_then_the_kill_switch_halts_everything() -> None:
    venue = two_markets()
    async with running([venue], risk_config=LOSS_LIMITS) as engine:
        await lose_past_the_limits(venue, engine)
        stats = await ask(engine.platforms[Venue.KALSHI], GetPlatformStats())
        assert stats.live_orders == 0


async def a_halted_run(path: Path) -> tuple[FakeVenue, datetime]:
    """A run journaling to ``path`` that lost past the kill switch, then stopped; its
    venue, and the time it stopped."""
    clock, venue = ManualClock(), two_markets()
    async with running([venue], risk_config=LOSS_LIMITS, journal_path=path, clock=clock) as engine:
        await lose_past_the_limits(venue, engine)
    return venue, clock.now()


def latest_state(path: Path) -> TradingStateRecord | None:
    with Journal.open_read_only(path) as journal:
        return journal.trading_state()


def restarted(
    venue: FakeVenue, path: Path, at: datetime, clear_halt: bool = False
) -> AbstractAsyncContextManager[TradingEngine]:
    venue.closed, venue.calls[:] = False, []  # the same account, a new process
    return running(
        [venue],
        risk_config=LOSS_LIMITS,
        journal_path=path,
        clock=ManualClock(at),
        clear_halt=clear_halt,
    )


async def test_a_restart_the_same_day_keeps_the_kill_switch_until_the_operator_clears_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite"
    venue, stopped = await a_halted_run(path)
    halted = latest_state(path)
    stray = Order(
        client_order_id=ClientOrderId("killed-run-1"),
        market_id=B,
        side=OrderSide.YES,
        price=Decimal("0.40"),
        quantity=Decimal(5),
        created_at=stopped,
    )
    await venue.place_orders([stray])  # left resting by a run that was killed

    later_that_day = stopped + timedelta(hours=1)
    async with restarted(venue, path, later_that_day) as engine:  # a crash loop, say
        report = await ask(engine.portfolio, GetExposure())
        assert report.state is TradingState.HALTED
        await venue.wait_until(lambda: ("cancel_all", ()) in venue.calls and not venue.resting())
        venue.publish_book(book_of(A, bid="0.09", ask="0.11"))
        venue.publish_book(book_of(B))
        # A's market read its book once the portfolio holds its mark: by then anything it
        # meant to place would be in the PlatformActor's table (the submit is a direct call)
        await eventually(engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl != 0)
        stats = await ask(engine.platforms[Venue.KALSHI], GetPlatformStats())
        assert stats.live_orders == 0
        assert not [c for c in venue.calls if c[0] == "place"]
    assert latest_state(path) == halted  # held, not journaled again: its time and reason stay

    async with restarted(venue, path, later_that_day, clear_halt=True) as engine:
        report = await ask(engine.portfolio, GetExposure())
        assert report.state is TradingState.ACTIVE
        venue.publish_book(book_of(B))
        await venue.wait_until(lambda: len(venue.resting(B)) == 2)
    latest = latest_state(path)
    assert latest is not None
    assert latest.state is TradingState.ACTIVE
    assert "cleared by the operator" in latest.reason


async def test_a_restart_the_next_day_starts_active(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    venue, stopped = await a_halted_run(path)
    async with restarted(venue, path, stopped + timedelta(days=1)) as engine:
        report = await ask(engine.portfolio, GetExposure())
        assert report.state is TradingState.ACTIVE
        venue.publish_book(book_of(B))
        await venue.wait_until(lambda: len(venue.resting(B)) == 2)

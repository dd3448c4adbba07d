"""The operator's control of a running engine (``supervisors.control``): a halt by hand
cancels everything and holds until the operator resumes (journaled with who and why,
and held across a restart, whatever the day); a resume goes back to the state the
day's loss allows, or is refused; a cancel-all halts first, then clears every venue and
reports each, one venue's failure stopping none of the others; a reload applies new
strategy settings, limits and links, or refuses links that contradict the venues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.journal.store import Journal
from predmm.actors.messages import GetExposure, GetPlatformStats, GetPosition, InjectFailure
from predmm.config.risk import EventLink, RiskConfig
from predmm.domain.enums import OrderSide, TradingState, Venue
from predmm.domain.errors import VenueUnavailable
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.supervisors.control import EngineControl
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, Hub, book_of, fake_market
from tests.actors.harness import ask, config, eventually, running, until
from tests.actors.test_risk_limits import LOSS_LIMITS, A, B, two_markets

ALICE = "alice (uid 1000, pid 4242)"
ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED


def placements(venue: FakeVenue) -> int:
    return sum(1 for call in venue.calls if call[0] == "place")


async def quoting_both(venue: FakeVenue) -> None:
    venue.publish_book(book_of(A))
    venue.publish_book(book_of(B))
    await venue.wait_until(lambda: len(venue.resting()) == 4)


async def long_a(venue: FakeVenue, engine: TradingEngine) -> None:
    """10 YES of A bought (our bid taken): its marks then move the unrealized PnL."""
    venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10))
    await eventually(engine.portfolio, GetPosition(market_id=A), lambda p: p.yes_contracts == 10)


async def nothing_placed_on_a_new_book(engine: TradingEngine, venue: FakeVenue) -> None:
    """A's market reads a book that moved (it would requote): once the portfolio holds
    the mark it sends after its requote, anything it meant to place would be in the
    PlatformActor's table (the submit is a direct call); nothing is, nor at the venue."""
    placed = placements(venue)
    before = (await ask(engine.portfolio, GetExposure())).unrealized_pnl
    venue.publish_book(book_of(A, bid="0.40", ask="0.44"))
    await eventually(engine.portfolio, GetExposure(), lambda r: r.unrealized_pnl != before)
    stats = await ask(engine.platforms[Venue.KALSHI], GetPlatformStats())
    assert (stats.live_orders, stats.queued_placements) == (0, 0)
    assert placements(venue) == placed


async def test_a_halt_by_hand_cancels_everything_and_holds_until_the_operator_resumes(
    tmp_path: Path,
) -> None:
    venue, path = two_markets(), tmp_path / "j.sqlite3"
    async with running([venue], journal_path=path) as engine:
        control = EngineControl(engine)
        await quoting_both(venue)
        await long_a(venue, engine)

        cleared = await control.halt(ALICE, "news at 14:00")
        assert (cleared.change.before, cleared.change.after) == (ACTIVE, HALTED)
        assert [(v.venue, v.ok) for v in cleared.venues] == [(Venue.KALSHI, True)]
        assert venue.resting() == []  # halt answers once the venue holds nothing of ours
        await nothing_placed_on_a_new_book(engine, venue)

        change = await control.resume(ALICE, "news out")
        assert (change.before, change.after, change.refused) == (HALTED, ACTIVE, "")
        again = await control.resume(ALICE, "news out")  # the answer was lost, say
        assert (again.before, again.after, again.refused) == (ACTIVE, ACTIVE, "")
        venue.publish_book(book_of(B, bid="0.47", ask="0.53"))
        await venue.wait_until(lambda: len(venue.resting()) == 4)  # both quote again
    with Journal.open_read_only(path) as reader:
        latest = reader.trading_state()
    assert latest is not None
    assert (latest.state, latest.operator) == (ACTIVE, ALICE)
    assert latest.reason == f"resumed by the operator {ALICE}: news out"


async def test_the_operators_halt_holds_across_a_restart_on_another_day(tmp_path: Path) -> None:
    venue, clock, path = two_markets(), ManualClock(), tmp_path / "j.sqlite3"
    async with running([venue], journal_path=path, clock=clock) as engine:
        await quoting_both(venue)
        await long_a(venue, engine)
        await EngineControl(engine).halt(ALICE, "venue incident")
    venue.closed, venue.calls[:] = False, []  # the same account, a new process
    next_day = ManualClock(clock.now() + timedelta(days=1))
    async with running([venue], journal_path=path, clock=next_day) as engine:
        report = await ask(engine.portfolio, GetExposure())
        assert report.state is HALTED  # the loss limits' halt would not hold today
        await nothing_placed_on_a_new_book(engine, venue)
        change = await EngineControl(engine).resume(ALICE, "incident over")
        assert change.after is ACTIVE
        await venue.wait_until(lambda: len(venue.resting(A)) == 2)


async def lose(venue: FakeVenue, engine: TradingEngine, *, bid: str, ask_: str) -> None:
    """Long 10 YES of A near 0.48, then A marked at ``bid``/``ask_``."""
    await quoting_both(venue)
    venue.take(A, OrderSide.YES, Decimal("0.01"), Decimal(10))
    venue.publish_book(book_of(A, bid=bid, ask=ask_))


async def test_a_resume_goes_only_as_far_as_the_days_loss_allows() -> None:
    venue = two_markets()
    async with running([venue], risk_config=LOSS_LIMITS) as engine:
        control = EngineControl(engine)
        await lose(venue, engine, bid="0.29", ask_="0.31")  # ~1.8 lost: past reducing_loss 1
        await until(lambda: engine.board.snapshot().trading_state is REDUCING)
        change = await control.resume(ALICE, "try")
        assert change.after is REDUCING
        assert change.refused.startswith("the day's loss 1.8")
        assert "is at or past reducing_loss 1: raise it (edit the config, predmm reload)" in (
            change.refused
        )

        await control.halt(ALICE, "look at it")
        change = await control.resume(ALICE, "carry on reducing")
        assert (change.before, change.after, change.refused) == (HALTED, REDUCING, "")
        assert change.reason.endswith("is past reducing_loss)")

        venue.publish_book(book_of(A, bid="0.09", ask="0.11"))  # ~3.8: past the kill switch
        await until(lambda: engine.board.snapshot().trading_state is HALTED)
        change = await control.resume(ALICE, "again")
        assert change.after is HALTED
        assert "past daily_loss_limit 3: raise the limit" in change.refused

        looser = RiskConfig(reducing_loss=Decimal(1), daily_loss_limit=Decimal(10))
        assert await control.reconfigure(engine.config, looser) == ()
        change = await control.resume(ALICE, "limit raised")
        assert (change.after, change.refused) == (REDUCING, "")


async def test_no_resume_by_hand_after_a_core_actor_failed() -> None:
    venue = two_markets()
    async with running([venue]) as engine:
        assert engine.core is not None
        await trio.to_thread.run_sync(engine.core.halt_everything, "journal failed (disk full)")
        change = await EngineControl(engine).resume(ALICE, "ignore it")
        assert change.after is HALTED
        assert change.refused == (
            "trading was HALTED because journal failed (disk full): restart the daemon"
            " (its start reconciles the journal with the venues)"
        )


class Unreachable(FakeVenue):
    """A venue that stops answering (``down``) after the engine started."""

    down = False

    async def cancel_all(self) -> int:
        if self.down:
            raise VenueUnavailable(f"{self.venue.value}: connection refused")
        return await super().cancel_all()

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        if self.down:
            raise VenueUnavailable(f"{self.venue.value}: connection refused")
        return await super().get_open_orders(market_id)


async def test_cancel_all_halts_then_clears_every_venue_it_can_and_names_the_one_it_cannot() -> (
    None
):
    hub = Hub()
    kalshi = Unreachable(Venue.KALSHI, hub=hub, markets=[fake_market(Venue.KALSHI, "A")])
    poly = FakeVenue(Venue.POLYMARKET, hub=hub, markets=[fake_market(Venue.POLYMARKET, "P")])
    async with running([kalshi, poly]) as engine:
        control = EngineControl(engine)
        kalshi.publish_book(book_of(A))
        poly.publish_book(book_of(MarketId(Venue.POLYMARKET, "P")))
        await hub.wait_until(lambda: len(kalshi.resting()) == 2 and len(poly.resting()) == 2)
        kalshi.down = True
        control.timings = attrs.evolve(control.timings, drain_timeout=0.5)

        cleared = await control.cancel_all(ALICE, "emergency")
        assert cleared.change.after is HALTED
        by_venue = {v.venue: v for v in cleared.venues}
        cleared_poly, failed = by_venue[Venue.POLYMARKET], by_venue[Venue.KALSHI]
        assert (cleared_poly.cancelled, cleared_poly.resting, cleared_poly.error) == (2, 0, "")
        assert poly.resting() == []
        assert not failed.ok
        assert failed.resting is None
        assert failed.error == (
            "cannot read its orders: VenueUnavailable: kalshi: connection refused"
        )
        assert not cleared.ok
        assert engine.board.snapshot().trading_state is HALTED
        kalshi.down = False  # back: the shutdown need not wait out its backoff


async def test_a_reload_requotes_with_the_new_spread() -> None:
    venue = two_markets()
    async with running([venue], strategy_config=config(base_spread=Decimal("0.04"))) as engine:
        await quoting_both(venue)
        assert spread(venue.resting(A)) == Decimal("0.04")
        wider = config(base_spread=Decimal("0.08"))
        assert await EngineControl(engine).reconfigure(wider, engine.risk) == ()
        venue.publish_book(book_of(A, bid="0.47", ask="0.53"))
        await venue.wait_until(lambda: spread(venue.resting(A)) == Decimal("0.08"))
        assert engine.config.base_spread == Decimal("0.08")


def spread(orders: Sequence[Order]) -> Decimal | None:
    """YES ask - YES bid of a market's two quotes (the NO bid at q is a YES ask at 1 - q)."""
    sides = {o.side: o.price for o in orders}
    if set(sides) != {OrderSide.YES, OrderSide.NO}:
        return None
    return (1 - sides[OrderSide.NO]) - sides[OrderSide.YES]


def exclusive(venue: Venue, symbol: str, event: str) -> Market:
    """A market of a venue event of mutually exclusive outcomes."""
    return attrs.evolve(fake_market(venue, symbol, event=event), exclusive=True)


async def test_a_reload_links_markets_live_and_refuses_links_that_contradict_the_venues() -> None:
    hub = Hub()
    kalshi = FakeVenue(
        Venue.KALSHI,
        hub=hub,
        markets=[exclusive(Venue.KALSHI, "X1", "EX"), exclusive(Venue.KALSHI, "X2", "EX")],
    )
    poly = FakeVenue(Venue.POLYMARKET, hub=hub, markets=[fake_market(Venue.POLYMARKET, "P")])
    x1, x2 = MarketId(Venue.KALSHI, "X1"), MarketId(Venue.KALSHI, "X2")
    p = MarketId(Venue.POLYMARKET, "P")
    async with running([kalshi, poly]) as engine:
        control = EngineControl(engine)
        for market_id, venue in ((x1, kalshi), (x2, kalshi), (p, poly)):
            venue.publish_book(book_of(market_id))
        await hub.wait_until(lambda: len(kalshi.resting()) == 4 and len(poly.resting()) == 2)

        linked = RiskConfig(event_links=(EventLink(event_id=EventId("E"), markets=(x1, p)),))
        assert await control.reconfigure(engine.config, linked) == ()
        report = await ask(engine.portfolio, GetExposure())
        events = {frozenset(e.markets) for e in report.events}
        assert frozenset({str(x1), str(x2), str(p)}) in events

        one_outcome = EventLink(event_id=EventId("F"), markets=(x1, x2))  # exclusive: never
        problems = await control.reconfigure(engine.config, RiskConfig(event_links=(one_outcome,)))
        assert problems
        assert engine.risk == linked  # nothing changed
        report = await ask(engine.portfolio, GetExposure())
        assert frozenset({str(x1), str(x2), str(p)}) in {
            frozenset(e.markets) for e in report.events
        }


async def test_cancel_all_clears_the_venues_even_with_the_portfolio_gone() -> None:
    venue = two_markets()
    async with running([venue]) as engine:
        await quoting_both(venue)
        engine.portfolio_direct.tell(InjectFailure(reason="boom"))
        await until(lambda: not engine.portfolio_direct.alive)
        cleared = await EngineControl(engine).cancel_all(ALICE, "portfolio died")
        assert cleared.change.after is HALTED
        assert cleared.change.refused.startswith("the portfolio is not running")
        assert [(v.venue, v.resting, v.error) for v in cleared.venues] == [(Venue.KALSHI, 0, "")]
        assert venue.resting() == []

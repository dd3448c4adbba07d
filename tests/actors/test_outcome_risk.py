"""Issue 13, defect 1: markets of one venue event are different outcomes, not one.

On Kalshi the event ticker groups *different* outcomes of one question
(KXFEDDECISION-26DEC-C25 "cut 25", -H0 "hold"). 100 YES in C25 plus 100 NO in H0 is no
hedge: if the Fed cuts 50 (or hikes), both lose, $100 in all. The PortfolioActor must
count it so and refuse what would pass the event, venue or total limit."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pykka
import pytest

from predmm.actors.clock import ManualClock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import NullJournal
from predmm.actors.messages import ExposureReport, GetExposure, Reservation, Reserve
from predmm.actors.portfolio.actor import PortfolioActor
from predmm.config.risk import EventLink, RiskConfig
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.errors import ConfigError
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId, EventId, MarketId
from predmm.domain.outcomes import VenueGroup
from predmm.domain.risk import Terms
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, ask, config, running

D = Decimal
FED = EventId("KXFEDDECISION-26DEC")
C25 = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-C25")
H0 = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-H0")
# Kalshi's GET /events/KXFEDDECISION-26DEC: "mutually_exclusive": true
MUTUALLY_EXCLUSIVE = VenueGroup(venue=Venue.KALSHI, group_id=str(FED))


@pytest.fixture
def portfolio() -> Iterator[DirectRef]:
    """A PortfolioActor whose only binding limits are the event, venue and total
    losses (each market alone stays far inside its own)."""
    risk = RiskConfig(
        max_market_contracts=1000,
        max_market_loss=D(60),
        max_event_contracts=1000,
        max_event_loss=D(80),
        max_venue_loss=D(90),
        max_total_loss=D(90),
        reducing_loss=D(500),
        daily_loss_limit=D(500),
    )
    direct = DirectRef("portfolio")
    ref: pykka.ActorRef[Any] = PortfolioActor.start(
        risk=risk, clock=ManualClock(), journal=NullJournal(), direct=direct
    )
    yield direct
    ref.stop()


def _reserve(
    portfolio: DirectRef,
    market: MarketId,
    side: OrderSide,
    coid: str,
    group: VenueGroup | None = None,
) -> Reservation:
    terms = Terms(side=side, action=Action.BUY, price=D("0.50"), quantity=D(100))
    request = ReserveRequest(client_order_id=ClientOrderId(coid), terms=terms)
    message = Reserve(market_id=market, event_id=FED, requests=(request,), group=group)
    [answer] = portfolio.call(message)
    assert isinstance(answer, Reservation)
    return answer


def _report(portfolio: DirectRef) -> ExposureReport:
    report = portfolio.call(GetExposure())
    assert isinstance(report, ExposureReport)
    return report


def test_yes_in_one_outcome_and_no_in_another_is_not_a_hedge(portfolio: DirectRef) -> None:
    """Fails on main: the shared event ticker made the two one outcome, a $50 hedge, so
    the NO was granted and the event stood at $100 against a limit of $80."""
    assert _reserve(portfolio, C25, OrderSide.YES, "c25-yes").granted  # $50 at risk
    no = _reserve(portfolio, H0, OrderSide.NO, "h0-no")  # both lose if the Fed cuts 50
    assert not no.granted
    assert no.reason.startswith("event loss 100.00 would pass its limit 80")
    report = _report(portfolio)
    assert report.total_loss == D(50)  # only the granted YES is held
    assert [e.worst_loss for e in report.events] == [D(50)]


def test_no_in_two_exclusive_outcomes_is_a_hedge_and_the_scenario_is_named(
    portfolio: DirectRef,
) -> None:
    """At most one of them resolves YES, so at most one NO loses: $50, not $100."""
    assert _reserve(portfolio, C25, OrderSide.NO, "c25-no", MUTUALLY_EXCLUSIVE).granted
    assert _reserve(portfolio, H0, OrderSide.NO, "h0-no", MUTUALLY_EXCLUSIVE).granted
    # a YES in C25 could fill alone, and lose with the NO in H0 if the Fed holds
    refused = _reserve(portfolio, C25, OrderSide.YES, "c25-yes", MUTUALLY_EXCLUSIVE)
    assert refused.reason.startswith("event loss 100.00 would pass its limit 80")
    [event] = _report(portfolio).events
    assert event.event_id == "event:kalshi:KXFEDDECISION-26DEC"
    assert (event.worst_loss, event.scenario) == (D(50), "kalshi:KXFEDDECISION-26DEC-C25")


def _fed_venue() -> FakeVenue:
    markets = [
        attrs.evolve(fake_market(Venue.KALSHI, m.symbol, event=str(FED)), exclusive=True)
        for m in (C25, H0)
    ]
    return FakeVenue(Venue.KALSHI, markets=markets)


async def test_the_engine_teaches_the_portfolio_the_scanned_events_before_they_quote() -> None:
    venue = _fed_venue()
    async with running([venue]) as engine:
        for market_id in venue.markets:
            venue.publish_book(book_of(market_id))
        await venue.wait_until(lambda: len(venue.resting()) == 4)
        report = await ask(engine.portfolio, GetExposure())
    [event] = report.events
    assert event.event_id == "event:kalshi:KXFEDDECISION-26DEC"
    assert event.markets == (str(C25), str(H0))


async def test_a_link_that_contradicts_a_venue_event_refuses_the_start() -> None:
    wrong = EventLink(event_id=EventId("FED"), markets=(C25, H0))  # two outcomes as one
    engine = TradingEngine(
        venues=[_fed_venue()],
        risk_config=RiskConfig(event_links=(wrong,)),
        strategy_config=config(),
        clock=ManualClock(),
        timings=QUIET,
        handle_signals=False,
    )
    with pytest.raises(ConfigError, match=r"\[\[risk.event_links\]\] event_id = 'FED': kalshi:"):
        await engine.run()

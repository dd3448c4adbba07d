"""An amend of a quote that has just filled reserves nothing for ever: the PlatformActor
tells the PortfolioActor of the fill and the order's end before the market hears, so the
market may still amend the order; the portfolio's reserved exposure returns to what the
orders still resting need, whether the amend was asked after the order ended or was on
its way to the venue when it filled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pykka
import pytest
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import NullJournal
from predmm.actors.messages import (
    AmendOrder,
    AttachMarket,
    AttachPortfolio,
    ExposureReport,
    GetExposure,
    GetOpenOrders,
    GetPlatformStats,
    PlaceOrders,
    Reservation,
    Reserve,
    VenueEventReceived,
)
from predmm.actors.platform.actor import PlatformActor
from predmm.actors.platform.lookups import LookupPolicy
from predmm.actors.portfolio.actor import PortfolioActor
from predmm.config.risk import RiskConfig
from predmm.domain.enums import Action, OrderSide, OrderStatus, Venue
from predmm.domain.events import OrderFilled
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.domain.risk import Terms
from predmm.platforms.bridge import Bridge
from tests.actors.fake_venue import FakeVenue, fake_capabilities, fake_market
from tests.actors.harness import ask
from tests.actors.test_platform import Recorder, eventually

D = Decimal
M = MarketId(Venue.KALSHI, "M")
O1 = ClientOrderId("o1")


class Rig:
    def __init__(self, nursery: trio.Nursery) -> None:
        self.venue = FakeVenue(
            Venue.KALSHI,
            capabilities=fake_capabilities(amend=True),
            markets=[fake_market(Venue.KALSHI, "M")],
        )
        bridge = Bridge(nursery)
        bridge.start_venue("kalshi", self.venue)
        self.direct = DirectRef("portfolio")
        self.portfolio: pykka.ActorRef[Any] = PortfolioActor.start(
            risk=RiskConfig(), clock=ManualClock(), journal=NullJournal(), direct=self.direct
        )
        self.platform: pykka.ActorRef[Any] = PlatformActor.start(
            venue=Venue.KALSHI,
            capabilities=self.venue.capabilities,
            bridge=bridge,
            clock=ManualClock(),
            journal=NullJournal(),
            lookups=LookupPolicy(first_delay=0.001, max_delay=0.002, window=0.01),
        )
        self.platform.tell(AttachPortfolio(portfolio=self.portfolio, direct=self.direct))
        self.platform.tell(AttachMarket(market_id=M, ref=Recorder.start()))

    def reserve(self, price: str, quantity: int, *, replaces: bool = False) -> bool:
        """What the market's core asks before an order or an amend leaves."""
        terms = Terms(side=OrderSide.YES, action=Action.BUY, price=D(price), quantity=D(quantity))
        request = ReserveRequest(client_order_id=O1, terms=terms, replaces=replaces)
        (said,) = self.direct.call(Reserve(market_id=M, event_id=None, requests=(request,)))
        assert isinstance(said, Reservation)
        return said.granted

    async def resting(self) -> None:
        order = Order(
            client_order_id=O1, market_id=M, side=OrderSide.YES, price=D("0.40"), quantity=D(5)
        )
        assert self.reserve("0.40", 5)
        self.platform.tell(PlaceOrders(orders=(order,)))

        async def live() -> tuple[Order, ...]:
            return await ask(self.platform, GetOpenOrders(market_id=M))  # type: ignore[no-any-return]

        await eventually(live, lambda os: [o.status for o in os] == [OrderStatus.OPEN])

    async def filled(self) -> None:
        """A taker fills all of o1; the platform hears of it and the order ends."""
        (fill,) = self.venue.take(M, OrderSide.YES, D("0.01"), D(5))
        self.platform.tell(VenueEventReceived(event=OrderFilled(fill=fill)))

        async def stats() -> Any:
            return await ask(self.platform, GetPlatformStats())

        await eventually(stats, lambda s: s.live_orders == 0)

    async def report(self) -> ExposureReport:
        return await ask(self.portfolio, GetExposure())  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.platform.stop()
        self.portfolio.stop()


@pytest.fixture
async def rig(nursery: trio.Nursery) -> Any:
    made = Rig(nursery)
    yield made
    made.stop()


async def test_an_amend_asked_after_its_order_filled_reserves_nothing(rig: Rig) -> None:
    await rig.resting()
    await rig.filled()  # the portfolio knows; the market has not heard yet
    assert (await rig.report()).reservations == 0
    if rig.reserve("0.45", 5, replaces=True):  # the market amends what it thinks rests
        rig.platform.tell(AmendOrder(client_order_id=O1, price=D("0.45"), quantity=D(5)))
    await ask(rig.platform, GetPlatformStats())  # it refused the amend (the order is gone)
    report = await rig.report()
    assert (report.reservations, report.total_loss) == (0, D("2.00"))  # 5 YES held at 0.40


async def test_an_amend_on_its_way_when_its_order_filled_is_released(rig: Rig) -> None:
    await rig.resting()
    rig.venue.amend_gate = trio.Event()  # the amend waits at the venue
    assert rig.reserve("0.45", 5, replaces=True)
    rig.platform.tell(AmendOrder(client_order_id=O1, price=D("0.45"), quantity=D(5)))
    await rig.venue.wait_until(lambda: ("amend", (O1,)) in rig.venue.calls)
    await rig.filled()
    rig.venue.amend_gate.set()  # the venue answers: the order is gone
    await eventually(rig.report, lambda r: r.reservations == 0, timeout=2.0)
    report = await rig.report()
    assert report.total_loss == D("2.00")

"""The PlatformActor of a venue that expires orders unless renewed (Kalshi's safety net):
resting orders renewed before half their TTL is gone (an amend at their own price and
size, nothing told to the market or the portfolio), never at once with an amend of the
same order, closed EXPIRED when they expire anyway (by a renewal's answer or the
reconciliation: not a phantom, no correction, not a fill), and the venue's safety net
tripping reported to the watcher once until the venue resumes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import attrs
import pykka
import pytest
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.messages import (
    AmendOrder,
    AttachMarket,
    CheckVenue,
    GetOpenOrders,
    OrdersChanged,
    PlaceOrders,
    RenewOrders,
    Resume,
    VenueEventReceived,
)
from predmm.actors.platform.actor import PlatformActor
from predmm.actors.platform.lookups import LookupPolicy
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.events import SafetyNetTripped
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order, OrderEvent
from predmm.platforms.bridge import Bridge
from tests.actors.fake_venue import FakeVenue, fake_capabilities, fake_market
from tests.actors.harness import RecordingJournal, ask
from tests.actors.test_platform import Recorder, eventually

M = MarketId(Venue.KALSHI, "M")
TTL = 60
O1 = ClientOrderId("o1")


@attrs.define
class Rig:
    venue: FakeVenue
    platform: pykka.ActorRef[Any]
    market: pykka.ActorRef[Any]
    clock: ManualClock
    journal: RecordingJournal
    trips: list[str]

    async def order(self, coid: ClientOrderId = O1) -> Order | None:
        live = await ask(self.platform, GetOpenOrders(market_id=M))
        return next((o for o in live if o.client_order_id == coid), None)

    def amends(self) -> int:
        return sum(1 for kind, _ in self.venue.calls if kind == "amend")


@pytest.fixture
async def rig(nursery: trio.Nursery) -> Rig:
    clock = ManualClock()
    venue = FakeVenue(
        Venue.KALSHI,
        capabilities=fake_capabilities(amend=True, order_ttl_s=TTL),
        markets=[fake_market(Venue.KALSHI, "M")],
        clock=clock.now,
    )
    bridge = Bridge(nursery)
    bridge.start_venue("kalshi", venue)
    journal, trips = RecordingJournal(), []
    platform = PlatformActor.start(
        venue=Venue.KALSHI,
        capabilities=venue.capabilities,
        bridge=bridge,
        clock=clock,
        journal=journal,
        lookups=LookupPolicy(first_delay=0.001, max_delay=0.002, window=0.01),
        on_trip=trips.append,
    )
    market = Recorder.start()
    platform.tell(AttachMarket(market_id=M, ref=market))
    return Rig(venue, platform, market, clock, journal, trips)


def quote(coid: ClientOrderId = O1, price: str = "0.40") -> Order:
    return Order(
        client_order_id=coid,
        market_id=M,
        side=OrderSide.YES,
        price=Decimal(price),
        quantity=Decimal(5),
    )


async def placed(rig: Rig, coid: ClientOrderId = O1) -> Order:
    rig.platform.tell(PlaceOrders(orders=(quote(coid),)))

    async def resting() -> Order | None:
        order = await rig.order(coid)
        return order if order is not None and order.status is OrderStatus.OPEN else None

    await eventually(resting, lambda o: o is not None)
    order = await rig.order(coid)
    assert order is not None
    return order


async def test_resting_orders_are_renewed_before_half_their_ttl_is_gone(rig: Rig) -> None:
    order = await placed(rig)
    assert order.expires_at == rig.clock.now() + timedelta(seconds=TTL)
    rig.clock.advance(29)  # 31 s left: not due
    rig.platform.tell(RenewOrders())
    await ask(rig.platform, GetOpenOrders(market_id=M))
    assert rig.amends() == 0
    rig.clock.advance(2)  # 29 s left: due
    seen_before = len(await ask(rig.market, "seen"))
    rig.platform.tell(RenewOrders())
    await rig.venue.wait_until(lambda: rig.amends() == 1)

    async def renewed() -> Order | None:
        return await rig.order()

    later = rig.clock.now() + timedelta(seconds=TTL)
    await eventually(renewed, lambda o: o is not None and o.expires_at == later)
    held = rig.venue.orders[O1]
    assert (held.price, held.quantity, held.expires_at) == (Decimal("0.40"), Decimal(5), later)
    assert len(await ask(rig.market, "seen")) == seen_before  # nothing for the market
    renewal = [(o, e) for o, e in rig.journal.changes if o.expires_at == later]
    assert [e for _, e in renewal] == [None]  # journaled as the order's state, no event
    rig.platform.tell(RenewOrders())  # renewed: not due again
    await ask(rig.platform, GetOpenOrders(market_id=M))
    assert rig.amends() == 1


async def test_an_amend_waits_for_the_renewal_in_flight_and_a_renewal_for_the_amend(
    rig: Rig,
) -> None:
    """A renewal carries the order's price as the table knows it: sent while a price
    amend is on its way, it could land after it and undo it."""
    await placed(rig)
    rig.clock.advance(31)
    rig.venue.amend_gate = trio.Event()
    rig.platform.tell(RenewOrders())
    await rig.venue.wait_until(lambda: rig.amends() == 1)  # the renewal, held at the venue
    rig.platform.tell(AmendOrder(client_order_id=O1, price=Decimal("0.42"), quantity=Decimal(5)))
    rig.platform.tell(RenewOrders())
    await ask(rig.platform, GetOpenOrders(market_id=M))
    assert rig.amends() == 1  # the amend waits for the renewal's answer
    rig.venue.amend_gate.set()
    rig.venue.amend_gate = None
    await rig.venue.wait_until(lambda: rig.amends() == 2)
    await rig.venue.wait_until(lambda: rig.venue.orders[O1].price == Decimal("0.42"))

    async def amended() -> Order | None:
        return await rig.order()

    await eventually(amended, lambda o: o is not None and o.price == Decimal("0.42"))
    assert rig.amends() == 2
    assert rig.venue.orders[O1].price == Decimal("0.42")


async def test_an_order_that_expires_anyway_closes_expired_not_as_a_phantom(rig: Rig) -> None:
    await placed(rig)
    await placed(rig, ClientOrderId("o2"))
    rig.clock.advance(TTL + 1)  # renewals did not happen (the venue was unreachable, say)
    assert rig.venue.expire_due() == [O1, ClientOrderId("o2")]
    rig.platform.tell(CheckVenue())

    async def live() -> tuple[Order, ...]:
        return await ask(rig.platform, GetOpenOrders(market_id=M))

    await eventually(live, lambda orders: orders == ())
    closed = [(o.client_order_id, e) for o, e in rig.journal.changes if o.status.is_terminal]
    assert closed == [(O1, OrderEvent.EXPIRE), (ClientOrderId("o2"), OrderEvent.EXPIRE)]
    assert rig.journal.corrections == []  # the venue did what it was asked
    assert not any(kind == "get_order" for kind, _ in rig.venue.calls)  # no look-ups
    seen = await ask(rig.market, "seen")
    told = [o.status for m in seen if isinstance(m, OrdersChanged) for o in m.orders]
    assert told[-2:] == [OrderStatus.EXPIRED, OrderStatus.EXPIRED]


async def test_a_renewal_that_finds_the_order_expired_closes_it(rig: Rig) -> None:
    await placed(rig)
    rig.clock.advance(TTL + 1)
    rig.venue.expire_due()  # between the look and the renewal's arrival
    rig.platform.tell(RenewOrders())

    async def gone() -> Order | None:
        return await rig.order()

    await eventually(gone, lambda o: o is None)
    [(order, event)] = [(o, e) for o, e in rig.journal.changes if o.status.is_terminal]
    assert (order.status, event) == (OrderStatus.EXPIRED, OrderEvent.EXPIRE)


async def test_a_tripped_safety_net_is_reported_once_until_resumed(rig: Rig) -> None:
    await placed(rig)
    rig.venue.fail("place", "tripped")
    rig.platform.tell(PlaceOrders(orders=(quote(ClientOrderId("o2"), "0.39"),)))
    await eventually(
        lambda: ask(rig.platform, GetOpenOrders(market_id=M)), lambda _: bool(rig.trips)
    )
    assert rig.trips == ["placement refused: order_group_triggered"]
    rig.platform.tell(VenueEventReceived(event=SafetyNetTripped(reason="group triggered")))
    await ask(rig.platform, GetOpenOrders(market_id=M))
    assert len(rig.trips) == 1  # told once
    rig.platform.tell(Resume())
    rig.platform.tell(VenueEventReceived(event=SafetyNetTripped(reason="again")))
    await ask(rig.platform, GetOpenOrders(market_id=M))
    assert rig.trips[1:] == ["again"]

"""The PlatformActor keeps our own quotes out of the executor's taker orders' way: a quote
the leg would trade with is cancelled before the leg goes, and while the leg is live a
new quote it could meet is held back (the market maker requoting after its pull), then
sent once the leg has ended. A quote it could not meet goes at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pykka
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.messages import (
    AttachMarket,
    GetOpenOrders,
    PlaceLegs,
    SubmitOrders,
)
from predmm.actors.platform.actor import PlatformActor
from predmm.actors.platform.self_trade import meets
from predmm.domain.enums import Action, OrderSide, OrderStatus, TimeInForce, Venue
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.platforms.bridge import Bridge
from tests.actors.fake_venue import FakeVenue, fake_market
from tests.actors.harness import RecordingJournal, ask

D = Decimal
M = MarketId(Venue.KALSHI, "M")
YES, NO = OrderSide.YES, OrderSide.NO


class Recorder(pykka.ThreadingActor):
    def on_receive(self, message: Any) -> None:
        pass


def quote(n: str, side: OrderSide, price: str) -> Order:
    return Order(
        client_order_id=ClientOrderId(n), market_id=M, side=side, price=D(price), quantity=D(5)
    )


LEG = Order(
    client_order_id=ClientOrderId("leg"),
    market_id=M,
    side=YES,
    price=D("0.40"),
    quantity=D(5),
    time_in_force=TimeInForce.IOC,
    post_only=False,
    strategy="arbitrage",
)


def test_two_orders_of_ours_meet_when_opposite_bids_reach_a_dollar() -> None:
    assert meets(LEG, quote("a", NO, "0.60"))  # a YES bid at 0.40 meets a NO bid at 0.60
    assert not meets(LEG, quote("b", NO, "0.59"))
    assert not meets(LEG, quote("c", YES, "0.70"))  # the same side never trades with it
    sale = Order(
        client_order_id=ClientOrderId("s"),
        market_id=M,
        side=NO,
        price=D("0.45"),
        quantity=D(5),
        action=Action.SELL,
    )
    assert meets(sale, quote("d", NO, "0.45"))  # selling NO at 0.45 hits our NO bid there
    assert not meets(sale, quote("e", NO, "0.44"))


async def statuses(platform: Any) -> dict[str, OrderStatus]:
    live = await ask(platform, GetOpenOrders(market_id=M))
    return {o.client_order_id.value: o.status for o in live}


async def test_a_quote_in_a_legs_way_is_pulled_first_and_none_slips_in_meanwhile(
    nursery: trio.Nursery,
) -> None:
    venue = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "M")])
    bridge = Bridge(nursery)
    bridge.start_venue("kalshi", venue)
    platform = PlatformActor.start(
        venue=Venue.KALSHI,
        capabilities=venue.capabilities,
        bridge=bridge,
        clock=ManualClock(),
        journal=RecordingJournal(),
    )
    platform.tell(AttachMarket(market_id=M, ref=Recorder.start()))
    platform.tell(SubmitOrders(places=(quote("q1", NO, "0.62"),)))
    await venue.wait_until(lambda: venue.orders_resting() == {ClientOrderId("q1")})
    venue.gate = trio.Event()  # placements wait at the venue until the test opens it

    platform.tell(PlaceLegs(orders=(LEG,)))
    await venue.wait_until(lambda: ("cancel", (ClientOrderId("q1"),)) in venue.calls)
    # the market maker requotes: 0.61 could meet the leg (held back), 0.55 could not
    platform.tell(SubmitOrders(places=(quote("q2", NO, "0.61"), quote("q3", NO, "0.55"))))
    seen = await statuses(platform)
    assert seen["q2"] is OrderStatus.PENDING  # held until the leg ends
    assert seen["q3"] is OrderStatus.SUBMITTED
    assert seen["leg"] is OrderStatus.SUBMITTED
    assert venue.orders[ClientOrderId("q1")].status is OrderStatus.CANCELLED

    venue.gate.set()
    venue.gate = None
    await venue.wait_until(lambda: ClientOrderId("q2") in venue.orders_resting())
    assert venue.orders[ClientOrderId("leg")].status is OrderStatus.FILLED
    places = [ids for kind, ids in venue.calls if kind == "place"]
    assert places.index((ClientOrderId("q2"),)) > places.index((ClientOrderId("leg"),))

"""The PlatformActor against a fake venue through the real bridge: cancels overtake
placements, the limiter's budget, retries with the same client order id, UNKNOWN orders
reconciled, fills counted once."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import attrs
import pykka
import pytest
import trio

from predmm.actors.clock import ManualClock
from predmm.actors.direct import DirectRef
from predmm.actors.messages import (
    AttachMarket,
    CancelOrders,
    FillReceived,
    GetOpenOrders,
    GetPlatformStats,
    OrdersChanged,
    PlaceOrders,
    PollFills,
    Pump,
    VenueEventReceived,
)
from predmm.actors.platform.actor import PlatformActor
from predmm.actors.platform.lookups import LookupPolicy
from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.events import OrderFilled
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.platforms.bridge import Bridge, JobDone
from tests.actors.fake_venue import FakeVenue, fake_capabilities, fake_market
from tests.actors.harness import RecordingJournal, ask

M = MarketId(Venue.KALSHI, "M")


class Recorder(pykka.ThreadingActor):
    """A recording stand-in for the MarketActor and the PortfolioActor."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []

    def on_receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        self.seen.append(message)
        return None


@attrs.define
class Rig:
    venue: FakeVenue
    platform: pykka.ActorRef[Any]
    market: pykka.ActorRef[Any]
    clock: ManualClock
    journal: RecordingJournal

    async def seen(self) -> list[Any]:
        return await ask(self.market, "seen")

    async def live(self) -> tuple[Order, ...]:
        return await ask(self.platform, GetOpenOrders(market_id=M))


@pytest.fixture
async def rig_factory(nursery: trio.Nursery) -> AsyncIterator[Any]:
    async def make(**caps: Any) -> Rig:
        venue = FakeVenue(
            Venue.KALSHI,
            capabilities=fake_capabilities(**caps),
            markets=[fake_market(Venue.KALSHI, "M")],
        )
        bridge = Bridge(nursery)
        bridge.start_venue("kalshi", venue)
        clock, journal = ManualClock(), RecordingJournal()
        platform = PlatformActor.start(
            venue=Venue.KALSHI,
            capabilities=venue.capabilities,
            bridge=bridge,
            clock=clock,
            journal=journal,
            lookups=LookupPolicy(first_delay=0.001, max_delay=0.002, window=0.01),
        )
        market = Recorder.start()
        platform.tell(AttachMarket(market_id=M, ref=market))
        return Rig(venue, platform, market, clock, journal)

    return make


async def eventually(query: Any, done: Any, timeout: float = 5.0) -> None:
    """Ask until ``done(answer)``: each ask waits for the actor to drain its inbox up to
    it, so this advances with the actor, not with a clock."""
    with trio.fail_after(timeout):
        while not done(await query()):
            await trio.lowlevel.checkpoint()


def order(n: int, price: str = "0.40") -> Order:
    return Order(
        client_order_id=ClientOrderId(f"o{n}"),
        market_id=M,
        side=OrderSide.YES,
        price=Decimal(price),
        quantity=Decimal(5),
    )


async def test_a_cancel_overtakes_a_queue_of_placements(rig_factory: Any) -> None:
    # 20 tokens of burst, 1 token/s: one order (10) rests, the next spends the rest
    rig: Rig = await rig_factory(tokens_per_s="1", burst="20")
    rig.platform.tell(PlaceOrders(orders=(order(0),)))
    await rig.venue.wait_until(lambda: len(rig.venue.resting()) == 1)
    rig.platform.tell(PlaceOrders(orders=tuple(order(n) for n in range(1, 6))))
    await rig.venue.wait_until(lambda: len(rig.venue.resting()) == 2)  # o1 went; o2..o5 wait
    rig.platform.tell(CancelOrders(client_order_ids=(ClientOrderId("o0"),)))
    rig.clock.advance(2.0)  # two tokens: enough for a cancel, not for an order
    rig.platform.tell(Pump())
    await rig.venue.wait_until(lambda: len(rig.venue.resting()) == 1)
    ops = [(op, tuple(c.value for c in ids)) for op, ids in rig.venue.calls]
    assert ops == [("place", ("o0",)), ("place", ("o1",)), ("cancel", ("o0",))]
    for resting in (3, 5):  # then the placements, as the budget refills
        rig.clock.advance(20.0)
        rig.platform.tell(Pump())
        await rig.venue.wait_until(lambda n=resting: len(rig.venue.resting()) == n)


async def test_the_limiter_never_spends_more_than_its_budget(rig_factory: Any) -> None:
    rig: Rig = await rig_factory(tokens_per_s="10", burst="30", batch=2)
    rig.platform.tell(PlaceOrders(orders=tuple(order(n) for n in range(40))))
    for _ in range(60):
        stats = await ask(rig.platform, GetPlatformStats())
        budget = 30 + 10 * Decimal(str(rig.clock.monotonic()))
        assert stats.tokens_spent <= budget
        placed = sum(len(ids) for op, ids in rig.venue.calls if op == "place")
        assert placed * 10 <= budget
        if stats.queued_placements == 0:
            break
        rig.clock.advance(1.0)
        rig.platform.tell(Pump())
    await rig.venue.wait_until(lambda: len(rig.venue.resting()) == 40)
    assert rig.clock.monotonic() >= 37  # 400 tokens at 10 tokens/s after a burst of 30


async def test_a_429_retries_the_same_client_order_id_and_places_it_once(rig_factory: Any) -> None:
    rig: Rig = await rig_factory()
    rig.venue.fail("place", "429", times=2)
    rig.platform.tell(PlaceOrders(orders=(order(1),)))
    await rig.venue.wait_until(lambda: len(rig.venue.resting()) == 1)
    assert [ids for op, ids in rig.venue.calls] == [(ClientOrderId("o1"),)] * 3
    assert rig.venue.placements == {ClientOrderId("o1"): 1}


async def test_a_lost_submit_is_unknown_until_reconciled_by_client_order_id(
    rig_factory: Any,
) -> None:
    rig: Rig = await rig_factory()
    rig.venue.fail("place", "lost")
    rig.platform.tell(PlaceOrders(orders=(order(1),)))
    await rig.venue.wait_until(lambda: ("get_order", (ClientOrderId("o1"),)) in rig.venue.calls)
    await eventually(lambda: rig.live(), lambda live: live[0].status is OrderStatus.OPEN)
    journaled = [o.status for o, _ in rig.journal.changes]
    assert journaled == [
        OrderStatus.PENDING,
        OrderStatus.SUBMITTED,
        OrderStatus.UNKNOWN,
        OrderStatus.OPEN,
    ]
    told = [o.status for m in await rig.seen() if isinstance(m, OrdersChanged) for o in m.orders]
    assert told == [OrderStatus.UNKNOWN, OrderStatus.OPEN]  # what the market did not do itself
    assert rig.venue.placements == {ClientOrderId("o1"): 1}


async def test_the_same_fill_twice_counts_once_and_a_dropped_fill_is_recovered(
    rig_factory: Any,
) -> None:
    rig: Rig = await rig_factory()
    rig.platform.tell(PlaceOrders(orders=(order(1),)))
    await rig.venue.wait_until(lambda: len(rig.venue.resting()) == 1)
    first = rig.venue.take(M, OrderSide.YES, Decimal("0.01"), Decimal(2))[0]
    for _ in range(2):  # the stream repeats it
        rig.platform.tell(VenueEventReceived(event=OrderFilled(fill=first)))
    rig.venue.drop_fills = 1
    rig.venue.take(M, OrderSide.YES, Decimal("0.01"), Decimal(3))  # never on the stream
    rig.platform.tell(PollFills())  # the backstop: fills after the cursor
    await eventually(rig.seen, lambda seen: sum(isinstance(m, FillReceived) for m in seen) == 2)
    fills = [m.fill for m in await rig.seen() if isinstance(m, FillReceived)]
    assert sorted(f.quantity for f in fills) == [2, 3]
    assert len(rig.journal.fills) == 2
    stats = await ask(rig.platform, GetPlatformStats())
    assert stats.duplicate_fills == 2  # the direct repeat, and the poll's copy of it
    assert stats.live_orders == 0  # 5 of 5 filled


async def test_an_order_cancelled_while_its_placement_was_refused_is_never_placed(
    rig_factory: Any,
) -> None:
    rig: Rig = await rig_factory()
    rig.venue.gate = trio.Event()
    rig.platform.tell(PlaceOrders(orders=(order(1),)))
    await eventually(rig.live, lambda live: live[0].status is OrderStatus.SUBMITTED)
    rig.platform.tell(CancelOrders(client_order_ids=(ClientOrderId("o1"),)))
    await eventually(rig.live, lambda live: live[0].status is OrderStatus.PENDING_CANCEL)
    rig.venue.fail("place", "429")
    rig.venue.gate.set()
    await eventually(rig.live, lambda live: live == ())
    assert rig.venue.placements == {}
    told = [o.status for m in await rig.seen() if isinstance(m, OrdersChanged) for o in m.orders]
    assert told == [OrderStatus.CANCELLED]


class HeldPlatform(PlatformActor):
    """A PlatformActor whose own thread can be held outside its lock, as a thread that
    waits for the GIL behind hundreds of busy MarketActors is."""

    def __init__(self, *, release: threading.Event, **kw: Any) -> None:
        super().__init__(**kw)
        self.release = release

    def on_receive(self, message: Any) -> Any:
        if message == "hold":
            assert self.release.wait(10.0)
            return None
        return super().on_receive(message)


@pytest.fixture
async def held(nursery: trio.Nursery) -> AsyncIterator[tuple[FakeVenue, DirectRef]]:
    """A PlatformActor whose own thread is held from the start, and the direct line a
    MarketActor calls it through."""
    venue = FakeVenue(
        Venue.KALSHI, capabilities=fake_capabilities(), markets=[fake_market(Venue.KALSHI, "M")]
    )
    bridge = Bridge(nursery)
    bridge.start_venue("kalshi", venue)
    release, direct = threading.Event(), DirectRef("platform")
    platform = HeldPlatform.start(
        release=release,
        venue=Venue.KALSHI,
        capabilities=venue.capabilities,
        bridge=bridge,
        clock=ManualClock(),
        journal=RecordingJournal(),
        direct=direct,
    )
    platform.tell("hold")  # its own thread handles nothing from now on
    try:
        yield venue, direct
    finally:
        release.set()
        platform.stop()


async def test_answers_reach_the_platform_through_direct_calls_while_its_thread_is_held(
    held: tuple[FakeVenue, DirectRef],
) -> None:
    venue, direct = held
    direct.call(PlaceOrders(orders=(order(1), order(2))))  # a market's direct call
    await venue.wait_until(lambda: len(venue.resting()) == 2)

    async def live() -> tuple[Order, ...]:  # what the next market's call finds
        return direct.call(GetOpenOrders(market_id=M))  # type: ignore[no-any-return]

    await eventually(live, lambda orders: {o.status for o in orders} == {OrderStatus.OPEN})
    direct.call(CancelOrders(client_order_ids=(ClientOrderId("o1"),)))
    await venue.wait_until(lambda: len(venue.resting()) == 1)
    await eventually(live, lambda orders: [o.client_order_id.value for o in orders] == ["o2"])


async def test_answers_after_one_that_fails_are_kept_for_the_next_message(
    held: tuple[FakeVenue, DirectRef],
) -> None:
    _, direct = held
    direct.call(PlaceOrders(orders=(order(1),)))
    actor = direct._actor
    assert actor is not None
    with trio.fail_after(5):  # the placement's answer, waiting in the box
        while not (answered := actor.answers.take()):
            await trio.sleep(0.001)
    actor.answers.give_back([JobDone(tag=("no-such-request",)), *answered])
    with pytest.raises(AttributeError):  # a market's call meets the broken answer
        direct.call(GetOpenOrders(market_id=M))
    (live,) = direct.call(GetOpenOrders(market_id=M))  # the next call, the rest
    assert live.status is OrderStatus.OPEN
    assert direct.call(GetPlatformStats()).queued_placements == 0

"""The order table and the reservations under a venue whose messages come late, out of
order and twice (a hypothesis state machine): placement answers, order updates and fills
of the same orders, and answers lost (the order UNKNOWN until a look-up finds it).

Whatever the order, at every step: each fill counts once; no order is believed to have
filled more than the venue filled; and what is reserved for each order covers all it can
still add to the position (what rests on the venue, and what filled there and has not
been counted yet). Once every message has arrived, the position is the venue's and
nothing is reserved for an order the venue has finished.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from loguru import logger

from predmm.actors.platform.changes import OrderChanges
from predmm.domain.enums import Action, OrderSide, OrderStatus, Venue
from predmm.domain.events import OrderUpdated, PlaceResult
from predmm.domain.exposure import ExposureBook, ReserveRequest
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId
from predmm.domain.order_table import OrderTable
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.domain.risk import Limits, Terms
from predmm.strategies.fills import apply_fill
from predmm.strategies.inventory import InventoryTracker

D = Decimal
M = MarketId(Venue.KALSHI, "M")
BIG = D(10**6)
LIMITS = Limits(
    market_contracts=BIG,
    market_loss=BIG,
    event_contracts=BIG,
    event_loss=BIG,
    venue_loss=BIG,
    total_loss=BIG,
)
S = OrderStatus


@attrs.define
class Truth:
    """One order as the venue holds it."""

    quantity: Decimal
    side: OrderSide
    filled: Decimal = D(0)
    status: OrderStatus = S.OPEN
    venue_id: VenueOrderId = VenueOrderId("v")

    @property
    def can_fill(self) -> Decimal:
        return self.quantity - self.filled if self.status in (S.OPEN, S.PARTIALLY_FILLED) else D(0)


class VenueRace(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        logger.disable("predmm.domain.order_table")  # events a state does not take: dropped
        self.changes = OrderChanges()
        self.table = OrderTable(on_change=self.changes.record)
        self.book = ExposureBook(LIMITS)
        self.held = InventoryTracker(market_id=M)
        self.truth: dict[ClientOrderId, Truth] = {}
        self.inbox: list[tuple[str, object]] = []
        self.counted: dict[ClientOrderId, Decimal] = {}
        self.fill_ids = itertools.count(1)

    # the venue ------------------------------------------------------------------------

    @rule(quantity=st.integers(1, 10), side=st.sampled_from(OrderSide), lost=st.booleans())
    def place(self, quantity: int, side: OrderSide, lost: bool) -> None:
        coid = ClientOrderId(f"o{len(self.truth)}")
        order = Order(
            client_order_id=coid, market_id=M, side=side, price=D("0.40"), quantity=D(quantity)
        )
        request = ReserveRequest(client_order_id=coid, terms=Terms.of(order))
        self.book.reserve(M, request)
        self.table.add(order)
        self.table.apply(coid, OrderEvent.SUBMIT)
        self.truth[coid] = Truth(D(quantity), side, venue_id=VenueOrderId(f"v-{coid}"))
        self.inbox.append(("lost" if lost else "answer", self._snapshot(coid)))

    @precondition(lambda self: any(t.can_fill for t in self.truth.values()))
    @rule(data=st.data())
    def venue_fills(self, data: st.DataObject) -> None:
        coid = data.draw(st.sampled_from([c for c, t in self.truth.items() if t.can_fill]))
        truth = self.truth[coid]
        qty = D(data.draw(st.integers(1, int(truth.can_fill))))
        truth.filled += qty
        truth.status = S.FILLED if truth.filled == truth.quantity else S.PARTIALLY_FILLED
        fill = Fill(
            fill_id=FillId(f"f{next(self.fill_ids)}"),
            market_id=M,
            side=truth.side,
            price=D("0.40"),
            quantity=qty,
            action=Action.BUY,
            client_order_id=coid,  # both venues' clients name our order in its fills
            venue_order_id=truth.venue_id,
        )
        self.inbox += [("fill", fill), ("update", self._snapshot(coid))]

    @precondition(lambda self: any(t.can_fill for t in self.truth.values()))
    @rule(data=st.data())
    def venue_cancels(self, data: st.DataObject) -> None:
        coid = data.draw(st.sampled_from([c for c, t in self.truth.items() if t.can_fill]))
        self.truth[coid].status = S.CANCELLED
        self.inbox.append(("update", self._snapshot(coid)))

    def _snapshot(self, coid: ClientOrderId) -> PlaceResult:
        t = self.truth[coid]
        return PlaceResult(
            client_order_id=coid,
            status=t.status,
            venue_order_id=t.venue_id,
            filled_quantity=t.filled,
        )

    # what reaches predmm, in any order, some twice ------------------------------------

    @precondition(lambda self: bool(self.inbox))
    @rule(data=st.data(), twice=st.booleans())
    def deliver(self, data: st.DataObject, twice: bool) -> None:
        index = data.draw(st.integers(0, len(self.inbox) - 1))
        message = self.inbox[index] if twice else self.inbox.pop(index)
        self._deliver(*message)

    @precondition(lambda self: any(self.table.is_unknown(c) for c in self.truth))
    @rule(data=st.data())
    def look_up(self, data: st.DataObject) -> None:
        """A look-up by client order id: what the venue holds now."""
        coid = data.draw(st.sampled_from([c for c in self.truth if self.table.is_unknown(c)]))
        self._look_up(coid)

    def _look_up(self, coid: ClientOrderId) -> None:
        truth = self.truth[coid]
        found = Order(
            client_order_id=coid,
            market_id=M,
            side=truth.side,
            price=D("0.40"),
            quantity=truth.quantity,
            status=truth.status,
            filled_quantity=truth.filled,
            venue_order_id=truth.venue_id,
        )
        self.table.reconciled(coid, found)
        self._flush()

    def _deliver(self, kind: str, payload: object) -> None:
        if kind == "answer":
            assert isinstance(payload, PlaceResult)
            self.table.placed(payload)
        elif kind == "lost":
            assert isinstance(payload, PlaceResult)
            self.table.apply(payload.client_order_id, OrderEvent.LOST)
        elif kind == "update":
            assert isinstance(payload, PlaceResult)
            self.table.update(
                OrderUpdated(
                    client_order_id=payload.client_order_id,  # as both venues' clients do
                    venue_order_id=payload.venue_order_id or VenueOrderId("?"),
                    market_id=M,
                    status=payload.status,
                    filled_quantity=payload.filled_quantity,
                    remaining_quantity=D(0),
                )
            )
        else:
            assert isinstance(payload, Fill)
            self._fill(payload)
        self._flush()

    def _fill(self, fill: Fill) -> None:
        counted = self.table.fill(fill)
        if counted is None:
            return
        coid = counted.client_order_id
        assert coid is not None, "a fill of a known venue order is matched to its order"
        self.counted[coid] = self.counted.get(coid, D(0)) + counted.quantity
        apply_fill(self.held, counted)
        self.book.filled(counted)
        self.book.recompute(M, self.held)

    def _flush(self) -> None:
        """What the PlatformActor tells once per message: closed orders release."""
        for closed in self.changes.closed:
            self.book.closed(closed)
        self.changes.told()
        self.changes.take_journal()

    # what must hold ------------------------------------------------------------------

    @invariant()
    def each_fill_counts_once(self) -> None:
        total = self.held.yes_contracts + self.held.no_contracts
        assert total == sum(self.counted.values(), D(0))
        for coid, counted in self.counted.items():
            assert counted <= self.truth[coid].filled

    @invariant()
    def nothing_is_believed_filled_beyond_the_venue(self) -> None:
        for coid, truth in self.truth.items():
            order = self.table.get(coid)
            assert order is not None
            assert order.filled_quantity <= truth.filled

    @invariant()
    def the_reservations_cover_what_can_still_land(self) -> None:
        for coid, truth in self.truth.items():
            can_land = truth.can_fill + truth.filled - self.counted.get(coid, D(0))
            reservation = self.book.reservations.get(coid)
            reserved = reservation.remaining if reservation is not None else D(0)
            assert reserved >= can_land, (coid, truth, self.table.get(coid), reserved)

    def teardown(self) -> None:
        """Every message arrives at last, the lost answers found by a look-up: the
        position is the venue's, and nothing stays reserved for a finished order."""
        logger.enable("predmm.domain.order_table")
        while self.inbox:
            self._deliver(*self.inbox.pop(0))
        for coid in [c for c in self.truth if self.table.is_unknown(c)]:
            self._look_up(coid)
        for coid, truth in self.truth.items():
            assert self.counted.get(coid, D(0)) == truth.filled
            if truth.can_fill == 0:
                assert coid not in self.book.reservations, (coid, truth)


VenueRace.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
test_the_order_table_and_reservations_under_a_racing_venue = VenueRace.TestCase

"""What a PlatformActor does to keep its order table true to the venue during a run: it
looks for UNKNOWN orders over their window (``actors.platform.lookups``), and every
``reconcile_interval`` it reads the venue's open orders and positions and acts on what
``actors.platform.checks`` makes of them: late orders adopted with a reservation or
cancelled, phantom orders looked up and closed, missed fills fetched, a market whose
position disagrees stopped from quoting until it agrees. Each correction to an order is
journaled (what was wrong, what was done). Runs inside the actor's handling, on its
state: the ``Reconciler`` only holds what it needs of it; reads go out through the
actor's ``OrderFlow`` (not write-rate-limited) and their answers come back to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

import pykka
from loguru import logger

from predmm.actors.journal.port import JournalPort
from predmm.actors.messages import (
    AdoptLateOrder,
    BlockQuoting,
    CheckPositions,
    GetPositions,
    LookUp,
    OrdersChanged,
    Reservation,
    UnblockQuoting,
)
from predmm.actors.platform import calls as venue_calls
from predmm.actors.platform.checks import (
    BELIEVED_RESTING,
    LateOrder,
    VenueCheck,
    believed_resting,
    compare_orders,
    late_correction,
    phantom_correction,
)
from predmm.actors.platform.flow import OrderFlow
from predmm.actors.platform.lookups import Lookups
from predmm.domain.enums import OrderStatus, Venue
from predmm.domain.events import OrderUpdated, Position
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.order_table import OrderTable
from predmm.domain.orders import Order, OrderEvent
from predmm.platforms.bridge import safe_tell

Later = Callable[[float, object], None]


class Reconciler:
    def __init__(
        self,
        *,
        venue: Venue,
        table: OrderTable,
        flow: OrderFlow,
        lookups: Lookups,
        journal: JournalPort,
        routes: dict[MarketId, pykka.ActorRef[Any]],
        later: Later,
        journal_orders: Callable[[], None],
        poll_fills: Callable[[], None],
        recheck_delay: float,
    ) -> None:
        self.venue, self.table, self.flow, self.lookups = venue, table, flow, lookups
        self.journal, self.routes, self.later = journal, routes, later
        self.journal_orders, self.poll_fills = journal_orders, poll_fills
        self.recheck_delay = recheck_delay
        self.portfolio: Any = None  # the PortfolioActor's DirectRef, once attached
        self.check = VenueCheck()
        self.fills_counted: dict[MarketId, int] = {}  # per market, to spot reads that raced
        self.log = logger.bind(actor="platform", venue=venue.value)

    # UNKNOWN orders -------------------------------------------------------------------

    def start_lookups(self) -> None:
        """Look for every UNKNOWN order not looked for yet."""
        for order in self.table.unknown():
            delay = self.lookups.start(order.client_order_id)
            if delay is not None:
                self.later(delay, LookUp(client_order_id=order.client_order_id))

    def look_up(self, coid: ClientOrderId) -> None:
        order = self.table.get(coid)
        if order is None or not self.table.is_unknown(coid):
            self.lookups.done(coid)  # known by now (an answer, the stream)
            return
        self.flow.read(("get_order", coid), partial(venue_calls.get_order, order))

    def looked_up(self, coid: ClientOrderId, found: Order | None, error: Exception | None) -> None:
        if error is not None:  # the venue could not say: look again, the look not counted
            self.later(self.lookups.policy.max_delay, LookUp(client_order_id=coid))
            return
        if found is None and self.table.is_unknown(coid):
            delay = self.lookups.not_found(coid)
            if delay is not None:  # the venue may still take it: the window is not over
                self.later(delay, LookUp(client_order_id=coid))
                return
        self.lookups.done(coid)
        self.table.reconciled(coid, found)

    def updated(self, update: OrderUpdated) -> bool:
        """An order update from the stream; True if it showed an order given up as never
        taken resting after all (then adopted or cancelled here)."""
        order = self.table.taken_late(update)
        if order is None:
            return False
        was = self.table[order.client_order_id].status
        self._late(LateOrder(order=order, was=was))
        return True

    # the periodic check: orders --------------------------------------------------------

    def check_orders(self, now: datetime) -> None:
        if self.check.orders_out:
            return
        self.check.orders_out = True
        believed = believed_resting(self.table)
        self.flow.read(("check_orders", believed, now), venue_calls.get_open_orders)

    def orders_read(self, tag: Any, listed: list[Order] | None, error: Exception | None) -> None:
        self.check.orders_out = False
        if error is not None or listed is None:
            self.log.warning("open orders not read for the check: {error!r}", error=error)
            return
        seen = compare_orders(self.table, tag[1], listed, tag[2])
        for order in seen.expired:  # the venue expired it, as asked: not a correction
            self.table.apply(order.client_order_id, OrderEvent.EXPIRE, reason="expired")
        for order in seen.found:
            self.lookups.done(order.client_order_id)
            self.table.reconciled(order.client_order_id, order)
        for late in seen.late:
            self._late(late)
        for order in seen.phantoms:
            run = partial(venue_calls.get_order, order)
            self.flow.read(("phantom", order.client_order_id), run)
        if seen.behind or seen.expired:
            self.poll_fills()

    def _late(self, late: LateOrder) -> None:
        """Adopt an order the venue holds that the table does not hold live, reserved; it
        stays if the limits let it and its market is quoted, else it is cancelled."""
        order = late.order
        reservation = self._reserve_late(order)
        quoted = order.market_id in self.routes
        keep = reservation.granted and quoted and not self.flow.halted
        why = reservation.reason or ("trading is halted" if quoted else "its market is not quoted")
        if late.was is None:
            self.table.adopt(order)
        else:
            self.table.revive(order)
        if keep:  # its market takes it over (keeps, amends or cancels it as a quote)
            adopted = self.table[order.client_order_id]
            safe_tell(self.routes.get(order.market_id), OrdersChanged(orders=(adopted,)))
        else:
            self.flow.cancel([order.client_order_id])
        self._correct(order.client_order_id, late_correction(late, keep, why))

    def _reserve_late(self, order: Order) -> Reservation:
        try:
            answer: Reservation = self.portfolio.call(AdoptLateOrder(order=order))
        except (AttributeError, pykka.ActorDeadError):  # no portfolio: nothing may stay
            return Reservation(
                client_order_id=order.client_order_id, granted=False, reason="no portfolio"
            )
        return answer

    def phantom_read(self, tag: Any, found: Order | None, error: Exception | None) -> None:
        coid: ClientOrderId = tag[1]
        before = self.table.get(coid)
        if error is not None or before is None or before.status not in BELIEVED_RESTING:
            return  # the venue could not say, or the order moved on meanwhile
        if found is not None and not found.status.is_terminal:
            return  # still there: the list was read before it was taken (or stale)
        if found is None:
            self.table.apply(coid, OrderEvent.CANCELLED, reason="no longer on the venue")
        else:
            self.table.reconciled(coid, found)
        if found is None or found.status is not OrderStatus.EXPIRED:
            self._correct(coid, phantom_correction(before, found))  # expiry: as asked
        self.poll_fills()

    def _correct(self, coid: ClientOrderId, what: str) -> None:
        order = self.table.get(coid)
        if order is None:
            return
        self.log.warning("reconciliation: order {coid} {what}", coid=coid, what=what)
        self.journal_orders()  # the order's changes first, then what they corrected
        self.journal.correction(order, what)

    # the periodic check: positions -----------------------------------------------------

    def counted(self, market_id: MarketId) -> None:
        """A fill of ``market_id`` was counted (or reversed)."""
        self.fills_counted[market_id] = self.fills_counted.get(market_id, 0) + 1

    def check_positions(self) -> None:
        if self.portfolio is None or self.check.positions_out:
            return
        self.check.positions_out = True
        markets = sorted(set(self.routes) | set(self._ours()), key=str)
        run = partial(venue_calls.get_positions, markets)
        self.flow.read(("positions", dict(self.fills_counted)), run)

    def positions_read(
        self, tag: Any, listed: list[Position] | None, error: Exception | None
    ) -> None:
        self.check.positions_out = False
        if error is not None or listed is None:
            self.log.warning("positions not read for the check: {error!r}", error=error)
            return
        before: dict[MarketId, int] = tag[1]
        moved = [m for m, n in self.fills_counted.items() if before.get(m) != n]
        theirs = [p for p in listed if p.market_id.venue is self.venue]
        verdict = self.check.positions(self._ours(), theirs, moved)
        for dispute in verdict.disputed:
            self.log.error("{dispute}", dispute=dispute)
            safe_tell(self.routes.get(dispute.market_id), BlockQuoting(reason=str(dispute)))
        for market_id in verdict.agreed:
            self.log.warning("position of {m} agrees with the venue again: quoting", m=market_id)
            safe_tell(self.routes.get(market_id), UnblockQuoting())
        if verdict.recheck:
            self.poll_fills()
            self.later(self.recheck_delay, CheckPositions())

    def attached(self, market_id: MarketId, ref: pykka.ActorRef[Any]) -> None:
        """A market's (new) actor: told at once if its position is in dispute."""
        dispute = self.check.disputed.get(market_id)
        if dispute is not None:
            safe_tell(ref, BlockQuoting(reason=str(dispute)))

    def _ours(self) -> dict[MarketId, Decimal]:
        try:
            ours: dict[MarketId, Decimal] = self.portfolio.call(GetPositions(venue=self.venue))
        except (AttributeError, pykka.ActorDeadError):
            return {}
        return ours

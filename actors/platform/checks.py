"""The periodic reconciliation of one venue during a run, for its PlatformActor: the
venue's open orders against the order table (``compare_orders``) and the venue's
positions against the portfolio's (``VenueCheck.positions``). Pure over what they are
given: no I/O, no clock; the actor reads the venue, acts on what these return (adopt or
cancel, look up and close, poll fills, stop a market's quoting) and journals each
correction.

Orders: an order the venue lists that the table does not hold live (unknown to it, or
closed without the venue's word: a placement taken after it was given up) is ``late``:
adopted with a reservation if the limits allow, else cancelled. An order the venue
itself said was cancelled, filled or expired that it lists as resting is a stale read
(Kalshi's order reads lag its cancels by a few seconds), and is left alone. An order the
table believed resting when the read went out that the venue does not list is a
``phantom``: looked up, closed as the venue says, its reservation released, its missed
fills fetched; one whose venue expiry (``Order.expires_at``) had passed when the read
went out is ``expired`` instead: closed EXPIRED, no correction (the venue did what it was
asked), its fills fetched all the same. An UNKNOWN order the venue lists is ``found``.
An order the venue says filled more than the table knows means fills were missed
(``behind``).

Positions: a market whose net position (YES - NO) differs between the venue and the
portfolio is suspect; fills may be on their way, so the fills are polled and the
positions read again. Suspect on two reads in a row, with no fill counted for it while
either read was out, the market is ``disputed``: reported to the operator and not quoted
until a later read agrees (``agreed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.actors.platform.renewals import expired
from predmm.domain.enums import OrderStatus
from predmm.domain.events import Position
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.order_table import OrderTable
from predmm.domain.orders import Order

ZERO = Decimal(0)
# a cancel on its way settles its order itself (looked up when the venue does not confirm)
BELIEVED_RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


@attrs.frozen(kw_only=True)
class LateOrder:
    """An order the venue holds that the order table does not hold live; ``was`` is what
    the table made of it (None: it never knew it)."""

    order: Order
    was: OrderStatus | None


@attrs.frozen(kw_only=True)
class OrderComparison:
    late: tuple[LateOrder, ...] = ()
    phantoms: tuple[Order, ...] = ()
    found: tuple[Order, ...] = ()
    behind: bool = False
    expired: tuple[Order, ...] = ()


def believed_resting(table: OrderTable) -> frozenset[ClientOrderId]:
    """The orders the venue must list now (it answered that it holds them)."""
    return frozenset(o.client_order_id for o in table.live(None) if o.status in BELIEVED_RESTING)


def compare_orders(
    table: OrderTable,
    believed: frozenset[ClientOrderId],
    listed: Sequence[Order],
    read_at: datetime | None = None,
) -> OrderComparison:
    """The venue's open orders (``listed``, read after ``believed`` was taken, when the
    read went out at ``read_at``) against the table as it is now."""
    late: list[LateOrder] = []
    found: list[Order] = []
    seen: set[ClientOrderId] = set()
    behind = False
    for order in listed:
        known = table.known_as(order)
        if known is None:
            late.append(LateOrder(order=order, was=None))
            continue
        if known.status.is_terminal:
            if known.client_order_id in table.given_up:  # else a stale read: left alone
                named = attrs.evolve(order, client_order_id=known.client_order_id)
                late.append(LateOrder(order=named, was=known.status))
            continue
        seen.add(known.client_order_id)
        if table.is_unknown(known.client_order_id):
            found.append(attrs.evolve(order, client_order_id=known.client_order_id))
        behind = behind or order.filled_quantity > known.filled_quantity
    missing = [
        held
        for coid in sorted(believed - seen)
        if (held := table.get(coid)) is not None and held.status in BELIEVED_RESTING
    ]
    gone = [o for o in missing if read_at is not None and expired(o, read_at)]
    return OrderComparison(
        late=tuple(late),
        phantoms=tuple(o for o in missing if o not in gone),
        found=tuple(found),
        behind=behind,
        expired=tuple(gone),
    )


def late_correction(late: LateOrder, kept: bool, why: str) -> str:
    """What the journal says of a late order: what was wrong and what was done."""
    wrong = (
        "on the venue, unknown to the order table"
        if late.was is None
        else f"on the venue, closed as {late.was.value} in the order table"
    )
    done = "adopted with its reservation" if kept else f"cancelled ({why})"
    return f"{wrong}: {done}"


def phantom_correction(before: Order, found: Order | None) -> str:
    where = "no longer on the venue" if found is None else f"{found.status.value} on the venue"
    return (
        f"{before.status.value} in the order table, {where}: closed,"
        " its reservation released, fills fetched"
    )


@attrs.frozen(kw_only=True)
class Dispute:
    market_id: MarketId
    ours: Decimal  # net YES - NO
    venue: Decimal

    def __str__(self) -> str:
        return (
            f"position mismatch in {self.market_id}: predmm holds net {self.ours},"
            f" the venue {self.venue} (YES - NO): not quoted until they agree"
        )


@attrs.frozen(kw_only=True)
class PositionVerdict:
    disputed: tuple[Dispute, ...] = ()  # newly disputed: stop quoting, tell the operator
    agreed: tuple[MarketId, ...] = ()  # disputed before, agreeing now: quote again
    recheck: bool = False  # suspect markets: poll the fills and read again soon


class VenueCheck:
    """The state of one venue's periodic reconciliation across its reads."""

    def __init__(self) -> None:
        self.orders_out = False
        self.positions_out = False
        self.suspect: set[MarketId] = set()
        self.disputed: dict[MarketId, Dispute] = {}

    def positions(
        self,
        ours: Mapping[MarketId, Decimal],
        listed: Iterable[Position],
        moved: Iterable[MarketId],
    ) -> PositionVerdict:
        """Net positions, ours and the venue's (``listed``), read while the fills of the
        ``moved`` markets were being counted (those are not judged this time)."""
        theirs = {p.market_id: p.yes_contracts - p.no_contracts for p in listed}
        skip = set(moved)
        seen = set(ours) | set(theirs) | set(self.disputed)
        differ = {m for m in seen if ours.get(m, ZERO) != theirs.get(m, ZERO)}
        judged, wrong = seen - skip, differ - skip
        disputed = tuple(
            Dispute(market_id=m, ours=ours.get(m, ZERO), venue=theirs.get(m, ZERO))
            for m in sorted(wrong & self.suspect)
            if m not in self.disputed
        )
        agreed = tuple(sorted(m for m in self.disputed if m in judged and m not in wrong))
        for dispute in disputed:
            self.disputed[dispute.market_id] = dispute
        for market_id in agreed:
            del self.disputed[market_id]
        self.suspect = (wrong - set(self.disputed)) | (self.suspect & skip)
        unsure = bool((differ & skip) - set(self.disputed))  # read while fills came in
        return PositionVerdict(
            disputed=disputed, agreed=agreed, recheck=bool(self.suspect) or unsure
        )

"""What a venue's answers do to one venue's order table, for its PlatformActor: a
placement's answer (other than a rate limit, which the actor retries) moves each order
on; a cancel batch's results close orders or leave them to be asked about; an amend's
answer applies or is refused; a renewal's answer moves the order's expiry (or closes an
order that expired meanwhile); a reversed fill undoes a counted one at most once. Plain
functions over the table: no I/O, no clock, no logging. The actor decides what to
schedule from what they return (ask the venue again, tell the portfolio).
"""

from __future__ import annotations

from collections.abc import Iterable

from predmm.actors.platform.flow import Amend
from predmm.domain.enums import OrderStatus
from predmm.domain.errors import VenueUnavailable
from predmm.domain.events import CancelResult, PlaceResult
from predmm.domain.ids import ClientOrderId, FillId
from predmm.domain.order_table import OrderTable, RecentIds
from predmm.domain.orders import OrderEvent

E = OrderEvent


def placements_answered(
    table: OrderTable,
    coids: tuple[ClientOrderId, ...],
    results: Iterable[PlaceResult],
    error: Exception | None,
) -> None:
    """A placement's answer (not a rate limit) into the table: lost to an unavailable
    venue (UNKNOWN until asked), refused whole, or each order's result."""
    if isinstance(error, VenueUnavailable):
        for coid in coids:
            table.apply(coid, E.LOST, reason=str(error))
    elif error is not None:  # refused whole, by an error rather than the venue's word
        for coid in coids:
            table.reject(coid, f"{type(error).__name__}: {error}")
            table.given_up.add(coid)  # if the venue took it after all, it may show up
    else:
        for result in results:
            table.placed(result)


def cancels_answered(table: OrderTable, results: Iterable[CancelResult]) -> bool:
    """A cancel batch's results into the table; True if the venue must be asked what
    became of some order (gone, or cancelled without saying how much filled)."""
    unconfirmed = False
    for result in results:
        order = table.get(result.client_order_id)
        if order is None:
            continue
        if result.cancelled and result.reduced_by > 0:
            # what the venue filled before the cancel counts, even if its fill is late
            filled = max(order.filled_quantity, order.quantity - result.reduced_by)
            table.apply(order.client_order_id, E.CANCELLED, filled_quantity=filled)
        else:
            table.cancel_unconfirmed(order.client_order_id)
            unconfirmed = True
    return unconfirmed


def amend_answered(
    table: OrderTable, amend: Amend, result: PlaceResult | None, error: Exception | None
) -> bool:
    """An amend's answer (not a rate limit) into the table; whether the amend applied."""
    applied = error is None and result is not None and result.status.may_rest
    if applied:
        assert result is not None
        table.amended(amend.client_order_id, amend.price, amend.quantity, result.expires_at)
    elif result is not None:
        table.placed(result)
    return applied


def renewal_answered(table: OrderTable, coid: ClientOrderId, result: PlaceResult) -> None:
    """A renewal's answer: the resting order's new expiry; what became of an order the
    venue no longer held live (expired, cancelled or filled meanwhile: closed so); a
    refusal (a trading pause) changes nothing: it is renewed at the next look."""
    if result.status.may_rest:
        table.renewed(coid, result.expires_at)
    elif result.status is not OrderStatus.REJECTED:
        table.placed(result)


def reversal_counts(table: OrderTable, reversed_ids: RecentIds[FillId], fill_id: FillId) -> bool:
    """Whether reversing ``fill_id`` undoes a counted fill: only the first reversal of a
    fill that was counted does. A fill never counted is marked seen, so that its late
    original does not count either."""
    counts = fill_id in table.seen_fills and fill_id not in reversed_ids
    if not counts:
        table.seen_fills.add(fill_id)
    reversed_ids.add(fill_id)
    return counts

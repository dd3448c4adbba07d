"""What a MarketActor changes at the venue to turn its live quotes into the strategy's:
pure functions over orders and quotes, no actor state, no I/O. ``quoting`` picks the live
quote on each side (and any second one, to cancel); ``reducing_only`` keeps of the desired
quotes what shrinks the position (the REDUCING state); ``needs_requote`` says whether
anything must change; ``diff`` splits the change into cancels, amends and placements,
keeping a quote that is already as desired and amending in place where the venue can.
"""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.counts import round_count
from predmm.domain.enums import Action, OrderSide, OrderStatus
from predmm.domain.ids import ClientOrderId
from predmm.domain.orders import Order
from predmm.domain.risk import Terms, reduces
from predmm.strategies.quoting import Quote, price_moved

QUOTING = (
    OrderStatus.PENDING,
    OrderStatus.SUBMITTED,
    OrderStatus.OPEN,
    OrderStatus.PARTIALLY_FILLED,
    OrderStatus.UNKNOWN,
)
AMENDABLE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
_SIDES = (OrderSide.YES, OrderSide.NO)


def quoting(
    live: dict[ClientOrderId, Order], cancelling: set[ClientOrderId], exits: set[ClientOrderId]
) -> tuple[dict[OrderSide, Order], list[ClientOrderId]]:
    """The first quote on each side of ``live`` (resting or about to rest, neither being
    cancelled nor an exit), and any other quote on a side."""
    out: dict[OrderSide, Order] = {}
    extra: list[ClientOrderId] = []
    for coid, order in live.items():
        if coid in cancelling or coid in exits or order.status not in QUOTING:
            continue
        if order.side in out:
            extra.append(coid)
        else:
            out[order.side] = order
    return out, extra


def reducing_only(quotes: dict[OrderSide, Quote], net: Decimal) -> dict[OrderSide, Quote]:
    """The quotes that reduce the net position ``net`` (YES - NO), each cut to its size."""
    out = {}
    for side, q in quotes.items():
        size = min(q.size, abs(net))
        if size > 0 and reduces(
            Terms(side=side, action=Action.BUY, price=q.price, quantity=size), net
        ):
            out[side] = Quote(side, q.price, size)
    return out


def on_count_grid(quotes: dict[OrderSide, Quote], step: Decimal) -> dict[OrderSide, Quote]:
    """Each quote's size rounded down onto the market's count ``step``
    (``domain.counts``); a quote left with nothing is dropped: no off-grid count leaves."""
    out = {}
    for side, q in quotes.items():
        size = round_count(q.size, step)
        if size > 0:
            out[side] = q if size == q.size else Quote(side, q.price, size)
    return out


def needs_requote(
    stale: bool,
    desired: dict[OrderSide, Quote],
    quotes: dict[OrderSide, Order],
    quoted_fair: Decimal | None,
    fair: Decimal | None,
    threshold: Decimal,
) -> bool:
    """Whether the live ``quotes`` must change: they are stale, a side is to be quoted or
    pulled, or the fair value moved past ``threshold`` since they were quoted."""
    if stale or desired.keys() != quotes.keys():
        return True
    return fair is not None and price_moved(quoted_fair, fair, threshold)


def diff(
    desired: dict[OrderSide, Quote], have: dict[OrderSide, Order], amend: bool
) -> tuple[list[ClientOrderId], list[tuple[Order, Quote]], list[Quote]]:
    """The cancels, amends and placements that turn ``have`` into ``desired``, per side:
    a quote already as desired is kept; one the venue can amend (``amend``) is amended;
    else it is cancelled and the desired one placed."""
    cancels: list[ClientOrderId] = []
    places: list[Quote] = []
    amends: list[tuple[Order, Quote]] = []
    for side in _SIDES:
        want, order = desired.get(side), have.get(side)
        if order is not None and want is not None and same(order, want):
            continue
        if order is not None and want is not None and amend and _amendable(order):
            amends.append((order, want))
            continue
        if order is not None:
            cancels.append(order.client_order_id)
        if want is not None:
            places.append(want)
    return cancels, amends, places


def _amendable(order: Order) -> bool:
    """Resting with something left: an order whose fills cover all of it (counted before
    its own update, ``holdings.caught_up``) is done, and its amend, a new total of filled
    plus the quote, would be refused by the venue and held by the portfolio for nothing."""
    return order.status in AMENDABLE and order.remaining > 0


def same(order: Order, quote: Quote) -> bool:
    """Whether ``order`` rests as ``quote`` asks: the same price, the same size left."""
    return order.price == quote.price and order.remaining == quote.size

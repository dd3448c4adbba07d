"""What the executor's orders travel in, as pure functions: the ``Order`` a leg becomes
(``leg_order``: a taker, never post-only, tagged with its strategy), what the
PortfolioActor is asked to reserve for it (``reserve_for``) and to release for legs
that never went out (``releases``), the other venue's market of a linked outcome
(``linked_market``), and the words of its journal steps (``ended_detail``,
``outcome_detail``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from predmm.actors.messages import OrdersClosed, Reserve
from predmm.domain.enums import OrderType
from predmm.domain.exposure import OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Leg, Order
from predmm.domain.outcomes import venue_group
from predmm.domain.risk import Terms
from predmm.strategies.execution import Outcome

ZERO = Decimal(0)


def leg_order(leg: Leg, coid: ClientOrderId, strategy: str, why: str, now: datetime) -> Order:
    return Order(
        client_order_id=coid,
        market_id=leg.market_id,
        side=leg.side,
        price=leg.limit_price,
        quantity=leg.size,
        action=leg.action,
        order_type=OrderType.LIMIT,
        time_in_force=leg.time_in_force,
        post_only=False,
        created_at=now,
        reason=why,
        strategy=strategy,
    )


def reserve_for(coid: ClientOrderId, leg: Leg, market: Market | None) -> Reserve:
    """Reserve all ``leg`` could do (its market's event as the scan saw it)."""
    terms = Terms(side=leg.side, action=leg.action, price=leg.limit_price, quantity=leg.size)
    return Reserve(
        market_id=leg.market_id,
        event_id=market.event_id if market is not None else None,
        requests=(ReserveRequest(client_order_id=coid, terms=terms),),
        group=venue_group(market) if market is not None else None,
    )


def releases(coids: Iterable[ClientOrderId]) -> OrdersClosed:
    """The reservations of orders that never went out, given back."""
    return OrdersClosed(
        closed=tuple(OrderClosed(client_order_id=c, filled_quantity=ZERO) for c in coids)
    )


def linked_market(links: Iterable[tuple[MarketId, ...]], market_id: MarketId) -> MarketId | None:
    """The same outcome's market on another venue, if a link says so."""
    for link in links:
        if market_id in link:
            others = [m for m in link if m.venue is not market_id.venue]
            if others:
                return others[0]
    return None


def count(value: Decimal) -> str:
    """Contracts as a person writes them: 20, 20.5 (a venue may say 20.00)."""
    whole = value.to_integral_value()
    return str(whole) if value == whole else format(value.normalize(), "f")


def ended_detail(order: Order) -> str:
    detail = f"{order.client_order_id}: {order.status.value}, filled"
    detail += f" {count(order.filled_quantity)} of {count(order.quantity)}"
    return detail + (f" ({order.reason})" if order.reason else "")


def outcome_detail(outcome: Outcome, legs: Sequence[Leg]) -> str:
    held = ", ".join(count(h) for h in outcome.held)
    detail = f"{outcome.reason}; held {held}, cash {outcome.cash} (fees {outcome.fees})"
    if len(legs) > 1:
        detail += f"; {count(outcome.baskets)} baskets lock {outcome.locked}"
    if outcome.naked > 0:
        detail += f"; {count(outcome.naked)} contracts NAKED"
    return detail

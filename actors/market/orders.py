"""The messages a MarketActor's orders travel in, built from its quotes as pure functions:
``place_request`` and ``amend_request`` (what the PortfolioActor is asked to reserve
before an order leaves: all of a new order; an amended order's new total, replacing its
old terms), ``granted`` (the orders a reservation let through), ``amended`` (the order as
amended and the ``AmendOrder`` that says so), ``exit_quote`` (an exit signal as an order
priced on the grid) and ``unsent_releases`` (what goes back to the PortfolioActor for
reservations whose orders never left the actor).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from predmm.actors.messages import AmendOrder, OrdersClosed, Reservation
from predmm.domain.enums import Action
from predmm.domain.exposure import AmendSettled, OrderClosed, ReserveRequest
from predmm.domain.ids import ClientOrderId
from predmm.domain.orders import Order, Signal
from predmm.domain.risk import Terms
from predmm.domain.ticks import TickSpec
from predmm.strategies.quoting import Quote

ZERO = Decimal(0)


def place_request(order: Order) -> ReserveRequest:
    """Reserve all that ``order`` could do."""
    return ReserveRequest(client_order_id=order.client_order_id, terms=Terms.of(order))


def amend_request(order: Order, quote: Quote) -> ReserveRequest:
    """Reserve ``order`` amended to ``quote``: what it filled plus the quote's size, at
    the quote's price, in place of its old terms."""
    return ReserveRequest(
        client_order_id=order.client_order_id,
        replaces=True,
        terms=Terms(
            side=quote.side,
            action=Action.BUY,
            price=quote.price,
            quantity=order.filled_quantity + quote.size,
        ),
    )


def granted(reservations: Iterable[Reservation]) -> set[ClientOrderId]:
    """The orders ``reservations`` let through."""
    return {r.client_order_id for r in reservations if r.granted}


def amended(order: Order, quote: Quote) -> tuple[Order, AmendOrder]:
    """``order`` amended to ``quote`` (its new total: what it filled plus the quote's
    size), and the message that amends it at the venue."""
    total = order.filled_quantity + quote.size
    amend = AmendOrder(client_order_id=order.client_order_id, price=quote.price, quantity=total)
    return attrs.evolve(order, price=quote.price, quantity=total), amend


def exit_quote(signal: Signal, tick: TickSpec) -> Quote | None:
    """The order that carries out an exit ``signal``: its price rounded onto the grid as
    an ask; None when no price on the grid will do."""
    price = tick.round_ask(signal.target_price)
    return None if price is None else Quote(signal.side, price, signal.size)


def unsent_releases(
    places: Iterable[Order], amends: Iterable[AmendOrder]
) -> list[OrdersClosed | AmendSettled]:
    """The messages that give back the reservations of ``places`` and ``amends`` (orders
    that never left the actor): all of each placement closed unfilled, in one message;
    each amendment settled unapplied."""
    closed = tuple(
        OrderClosed(client_order_id=o.client_order_id, filled_quantity=ZERO) for o in places
    )
    released: list[OrdersClosed | AmendSettled] = [OrdersClosed(closed=closed)] if closed else []
    released.extend(
        AmendSettled(
            client_order_id=a.client_order_id, applied=False, price=a.price, quantity=a.quantity
        )
        for a in amends
    )
    return released

"""The messages a MarketActor's orders travel in: ``amend_message`` (the core's
``Amendment`` as the ``AmendOrder`` the PlatformActor takes) and ``unsent_releases``
(what goes back to the PortfolioActor for reservations whose orders never left the
actor). What the orders ask for is ``strategies.maker.requests``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from predmm.actors.messages import AmendOrder, OrdersClosed
from predmm.domain.exposure import AmendSettled, OrderClosed
from predmm.domain.orders import Order
from predmm.strategies.maker.requests import Amendment

ZERO = Decimal(0)


def amend_message(amend: Amendment) -> AmendOrder:
    return AmendOrder(
        client_order_id=amend.client_order_id, price=amend.price, quantity=amend.quantity
    )


def unsent_releases(
    places: Iterable[Order], amends: Iterable[Amendment]
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

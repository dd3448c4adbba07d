"""What a market maker's orders ask for, built from its quotes as pure functions:
``place_request`` and ``amend_request`` (what the portfolio is asked to reserve before an
order leaves: all of a new order; an amended order's new total, replacing its old terms),
``granted`` (the orders a reservation let through), ``amended`` (the order as amended and
the ``Amendment`` that says so) and ``exit_quote`` (an exit signal as an order priced on
the grid).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

import attrs

from predmm.domain.enums import Action
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId
from predmm.domain.orders import Order, Signal
from predmm.domain.risk import Terms
from predmm.domain.ticks import TickSpec
from predmm.strategies.quoting import Quote


class Granted(Protocol):
    """One answer to a reservation (the PortfolioActor's ``Reservation`` is one)."""

    @property
    def client_order_id(self) -> ClientOrderId: ...
    @property
    def granted(self) -> bool: ...


@attrs.frozen(kw_only=True)
class Amendment:
    """Amend ``client_order_id`` to ``price`` and a new total ``quantity`` (filled plus
    resting), as Kalshi's amend counts it."""

    client_order_id: ClientOrderId
    price: Decimal
    quantity: Decimal


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


def granted(answers: Iterable[Granted]) -> set[ClientOrderId]:
    """The orders ``answers`` let through."""
    return {r.client_order_id for r in answers if r.granted}


def amended(order: Order, quote: Quote) -> tuple[Order, Amendment]:
    """``order`` amended to ``quote`` (its new total: what it filled plus the quote's
    size), and the amendment that says so at the venue."""
    total = order.filled_quantity + quote.size
    amend = Amendment(client_order_id=order.client_order_id, price=quote.price, quantity=total)
    return order.amended(quote.price, total), amend


def exit_quote(signal: Signal, tick: TickSpec) -> Quote | None:
    """The order that carries out an exit ``signal``: its price rounded onto the grid as
    an ask; None when no price on the grid will do."""
    price = tick.round_ask(signal.target_price)
    return None if price is None else Quote(signal.side, price, signal.size)

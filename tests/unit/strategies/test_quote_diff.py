"""The MarketActor's quote diff (predmm.strategies.maker.quote_diff): which live order is the
quote on a side, what REDUCING keeps of the desired quotes, and what turns the live quotes into the
desired ones (keep, amend, cancel and place)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Order
from predmm.strategies.maker.quote_diff import diff, quoting, reducing_only
from predmm.strategies.quoting import Quote

D = Decimal
M = MarketId(Venue.KALSHI, "M")
YES, NO = OrderSide.YES, OrderSide.NO


def order(
    coid: str,
    side: OrderSide,
    price: str,
    qty: int,
    status: OrderStatus = OrderStatus.OPEN,
    filled: int = 0,
) -> Order:
    return Order(
        client_order_id=ClientOrderId(coid),
        market_id=M,
        side=side,
        price=D(price),
        quantity=D(qty),
        status=status,
        filled_quantity=D(filled),
    )


def test_quoting_takes_the_first_quote_per_side_and_lists_any_other() -> None:
    orders = [
        order("cancelling", YES, "0.40", 5),
        order("exit", NO, "0.50", 5),
        order("done", YES, "0.41", 5, OrderStatus.FILLED),
        order("yes", YES, "0.42", 5, OrderStatus.PENDING),
        order("yes-again", YES, "0.43", 5, OrderStatus.UNKNOWN),
        order("no", NO, "0.55", 5, OrderStatus.PARTIALLY_FILLED, filled=2),
    ]
    live = {o.client_order_id: o for o in orders}
    quotes, extra = quoting(live, {ClientOrderId("cancelling")}, {ClientOrderId("exit")})
    assert quotes == {YES: orders[3], NO: orders[5]}
    assert extra == [ClientOrderId("yes-again")]


def test_reducing_only_keeps_the_side_toward_flat_cut_to_the_position() -> None:
    quotes = {YES: Quote(YES, D("0.40"), D(10)), NO: Quote(NO, D("0.55"), D(10))}
    assert reducing_only(quotes, D(4)) == {NO: Quote(NO, D("0.55"), D(4))}
    assert reducing_only(quotes, D(-20)) == {YES: Quote(YES, D("0.40"), D(10))}
    assert reducing_only(quotes, D(0)) == {}


@pytest.mark.parametrize(
    ("amend", "status", "amended"),
    [
        (True, OrderStatus.OPEN, True),
        (True, OrderStatus.PARTIALLY_FILLED, True),
        (True, OrderStatus.PENDING, False),
        (True, OrderStatus.UNKNOWN, False),
        (False, OrderStatus.OPEN, False),
    ],
)
def test_a_moved_quote_is_amended_where_the_venue_can_else_cancelled_and_replaced(
    amend: bool, status: OrderStatus, amended: bool
) -> None:
    have = order("y", YES, "0.40", 10, status)
    want = Quote(YES, D("0.41"), D(10))
    expected = ([], [(have, want)], []) if amended else ([have.client_order_id], [], [want])
    assert diff({YES: want}, {YES: have}, amend) == expected


def test_a_side_no_longer_wanted_is_cancelled_and_a_new_one_placed() -> None:
    have = {YES: order("y", YES, "0.40", 10)}
    want = {NO: Quote(NO, D("0.55"), D(10))}
    assert diff(want, have, amend=True) == ([ClientOrderId("y")], [], [want[NO]])


def test_cancels_and_places_come_yes_side_first() -> None:
    have = {NO: order("n", NO, "0.55", 10), YES: order("y", YES, "0.40", 10)}
    want = {NO: Quote(NO, D("0.56"), D(10)), YES: Quote(YES, D("0.39"), D(10))}
    cancels, amends, places = diff(want, have, amend=False)
    assert (cancels, amends) == ([ClientOrderId("y"), ClientOrderId("n")], [])
    assert places == [want[YES], want[NO]]


def test_a_filled_part_does_not_count_toward_the_size_kept() -> None:
    have = order("y", YES, "0.40", 10, filled=4)
    moved = attrs.evolve(have, quantity=D(14))  # 10 left at the same price
    want = Quote(YES, D("0.40"), D(10))
    assert diff({YES: want}, {YES: have}, amend=True) == ([], [(have, want)], [])
    assert diff({YES: want}, {YES: moved}, amend=True) == ([], [], [])

"""What a MarketActor holds beyond the fills it received (predmm.strategies.maker.holdings):
an order's fills that its answer announced count as pending inventory until they arrive,
exactly once whichever comes first; what REDUCING leaves an exit and the quotes."""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from predmm.domain.enums import OrderSide, OrderStatus, Venue
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import Fill, Order
from predmm.strategies.fills import apply_fill
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.maker.holdings import (
    PendingFills,
    caught_up,
    exit_within_room,
    reducing_room,
    room_for_quotes,
)
from predmm.strategies.quoting import Quote

D = Decimal
M = MarketId(Venue.KALSHI, "M")
YES, NO = OrderSide.YES, OrderSide.NO


def order(coid: str, side: OrderSide, qty: int, filled: int = 0, **kw: object) -> Order:
    return Order(
        client_order_id=ClientOrderId(coid),
        market_id=M,
        side=side,
        price=D("0.52"),
        quantity=D(qty),
        filled_quantity=D(filled),
        **kw,  # type: ignore[arg-type]
    )


def fill(coid: str, qty: int, n: int = 0) -> Fill:
    return Fill(
        fill_id=FillId(f"{coid}-{n}"),
        market_id=M,
        side=NO,
        price=D("0.52"),
        quantity=D(qty),
        client_order_id=ClientOrderId(coid),
    )


@given(
    parts=st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6),
    answer_at=st.integers(min_value=0, max_value=6),
)
def test_an_exits_fills_replace_its_answer_exactly_once_in_any_order(
    parts: list[int], answer_at: int
) -> None:
    """An exit buying NO fills in ``parts``; its FILLED answer comes after ``answer_at``
    of its fills. At every step the NO held for sizing is what the venue has said or
    sent, whichever is more, never both; once every fill is in, the exit is no longer
    waited for."""
    held = InventoryTracker(market_id=M, yes_contracts=D(40))
    pending, exit_id = PendingFills(), ClientOrderId("x")
    total = sum(parts)
    live = {exit_id: order("x", NO, total)}
    said, received = 0, 0
    steps = [("fill", q) for q in parts]
    steps.insert(min(answer_at, len(steps)), ("answer", total))
    for kind, qty in steps:
        if kind == "answer":
            said = qty
            done = attrs.evolve(
                live.pop(exit_id), status=OrderStatus.FILLED, filled_quantity=D(qty)
            )
            assert pending.order_done(done) == (received < total)
        else:
            received += qty
            apply_fill(held, fill("x", qty, received))
            whole = pending.fill(fill("x", qty, received), live)
            assert whole == (exit_id if said and received >= total else None)
        assert pending.effective(held, live).no_contracts == max(said, received)
        assert held.no_contracts == received
    assert not pending.waiting(exit_id)
    assert pending.effective(held, live) is held


def test_a_quotes_partial_fill_announced_before_it_arrives_counts_once() -> None:
    held, pending = InventoryTracker(market_id=M), PendingFills()
    quote = order("q", YES, 10)
    pending.recovered(quote, D(0))
    live = {quote.client_order_id: attrs.evolve(quote, filled_quantity=D(4))}  # update first
    assert pending.effective(held, live).yes_contracts == 4
    yes_fill = attrs.evolve(fill("q", 4), side=YES)
    apply_fill(held, yes_fill)
    assert pending.fill(yes_fill, live) is None  # still live: nothing finished
    assert pending.effective(held, live).yes_contracts == 4


def test_fills_of_orders_not_tracked_are_left_to_the_inventory() -> None:
    pending = PendingFills()
    assert pending.fill(fill("stranger", 3), {}) is None
    assert pending.counted == {}
    assert not pending.order_done(order("gone", NO, 5, status=OrderStatus.CANCELLED))


def test_reducing_room_counts_only_buys_of_the_short_side() -> None:
    live = [order("n", NO, 4), order("y", YES, 7), order("n2", NO, 3, filled=1)]
    assert reducing_room(D(10), live) == 4  # 10 - 4 - 2 left of the partly filled one
    assert reducing_room(D(-5), live) == 0
    assert reducing_room(D(0), live) == 0


def test_a_reducing_exit_takes_the_room_of_the_quotes_in_its_way() -> None:
    bid = order("bid", NO, 6)
    live = {bid.client_order_id: bid}
    exit_quote = Quote(NO, D("0.55"), D(10))
    cut, in_way = exit_within_room(exit_quote, D(10), live)
    assert (cut, in_way) == (Quote(NO, D("0.55"), D(4)), [bid.client_order_id])
    assert exit_within_room(exit_quote, D(16), live) == (exit_quote, [])
    assert exit_within_room(exit_quote, D(6), live) == (None, [bid.client_order_id])
    assert room_for_quotes(D(10), [order("x", NO, 4)], exit_waits=False) == 6
    assert room_for_quotes(D(-10), [], exit_waits=False) == -10
    assert room_for_quotes(D(10), [], exit_waits=True) == 0


def test_a_fill_before_its_order_update_raises_the_filled_count_never_past_the_order() -> None:
    """An amend names the order's new total (filled + resting): sized on a filled count
    older than the fills received, it would leave less resting than the quote wants."""
    order = Order(
        client_order_id=ClientOrderId("q"),
        market_id=M,
        side=OrderSide.YES,
        price=Decimal("0.47"),
        quantity=Decimal(10),
        status=OrderStatus.PARTIALLY_FILLED,
        filled_quantity=Decimal("1.37"),
    )
    later = caught_up(order, Decimal("3.87"))
    assert (later.filled_quantity, later.remaining) == (Decimal("3.87"), Decimal("6.13"))
    assert caught_up(order, Decimal("1.00")) is order  # its update already says more
    assert caught_up(order, Decimal(12)).filled_quantity == 10
    opened = caught_up(attrs.evolve(order, status=OrderStatus.OPEN), Decimal(2))
    assert opened.status is OrderStatus.PARTIALLY_FILLED

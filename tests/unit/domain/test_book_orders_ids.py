from decimal import Decimal

import pytest

from predmm.domain import (
    ORDER_STATE_TABLE,
    ClientOrderId,
    InvalidTransition,
    Level,
    MarketId,
    Order,
    OrderBook,
    OrderEvent,
    OrderSide,
    OrderStatus,
    Venue,
    apply,
)

D = Decimal
M = MarketId(Venue.KALSHI, "FED-25DEC")


def book() -> OrderBook:
    return OrderBook(
        M,
        yes_bids=(Level(D("0.45"), D(10)), Level(D("0.48"), D(30)), Level(D("0.48"), D(5))),
        no_bids=(Level(D("0.50"), D(20)), Level(D("0.49"), D(7))),
    )


def test_book_sorts_merges_and_mirrors_yes_and_no():
    b = book()
    assert b.yes_bids[0] == Level(D("0.48"), D(35))
    assert b.best_bid(OrderSide.YES) == D("0.48")
    assert b.best_ask(OrderSide.YES) == D("0.50")  # NO bid 0.50 = YES ask 0.50
    assert b.best_bid(OrderSide.NO) == D("0.50")
    assert b.best_ask(OrderSide.NO) == D("0.52")  # YES bid 0.48 = NO ask 0.52
    assert b.asks(OrderSide.YES)[1] == Level(D("0.51"), D(7))
    assert b.mid() == D("0.49")
    assert not b.is_crossed()


def test_microprice_leans_toward_the_thin_side():
    b = OrderBook(M, yes_bids=(Level(D("0.40"), D(90)),), no_bids=(Level(D("0.40"), D(10)),))
    # bid 0.40 x 90, ask 0.60 x 10: sellers are thin, price is about to go up
    assert b.microprice() == D("0.58")
    assert OrderBook(M).microprice() is None
    assert OrderBook(M).mid() is None


def test_book_from_yes_quotes_and_without_our_orders():
    b = OrderBook.from_yes_quotes(M, [Level(D("0.48"), D(10))], [Level(D("0.52"), D(4))])
    assert b.no_bids == (Level(D("0.48"), D(4)),)
    stripped = b.without({(OrderSide.YES, D("0.48")): D(10)})
    assert stripped.yes_bids == ()
    assert stripped.best_ask() == D("0.52")
    crossed = OrderBook(M, yes_bids=(Level(D("0.6"), D(1)),), no_bids=(Level(D("0.5"), D(1)),))
    assert crossed.is_crossed()


def test_market_id_round_trip_and_validation():
    assert str(M) == "kalshi:FED-25DEC"
    assert MarketId.parse("polymarket:0xabc") == MarketId(Venue.POLYMARKET, "0xabc")
    with pytest.raises(ValueError, match="venue:symbol"):
        MarketId.parse("nocolon")
    with pytest.raises(ValueError, match="'nasdaq:X'"):
        MarketId.parse("nasdaq:X")
    with pytest.raises(ValueError, match="non-empty"):
        ClientOrderId("")
    assert str(ClientOrderId("c1")) == "c1"
    assert ClientOrderId("c1") != "c1"


def test_happy_lifecycle_through_the_table():
    s = OrderStatus.PENDING
    for event in (OrderEvent.SUBMIT, OrderEvent.ACCEPT, OrderEvent.PARTIAL_FILL, OrderEvent.FILL):
        s = apply(s, event)
    assert s is OrderStatus.FILLED
    assert s.is_terminal


def test_lost_submit_is_unknown_until_reconciled():
    s = apply(OrderStatus.SUBMITTED, OrderEvent.LOST)
    assert s is OrderStatus.UNKNOWN
    assert s.may_rest
    assert apply(s, OrderEvent.ACCEPT) is OrderStatus.OPEN
    assert apply(s, OrderEvent.NOT_FOUND) is OrderStatus.REJECTED


@pytest.mark.parametrize("terminal", [s for s in OrderStatus if s.is_terminal])
def test_terminal_states_take_no_event(terminal):
    assert not any(state is terminal for state, _ in ORDER_STATE_TABLE)
    with pytest.raises(InvalidTransition, match=terminal.value):
        apply(terminal, OrderEvent.ACCEPT)


def test_order_on_tracks_partial_fills_and_refused_cancels():
    order = Order(
        client_order_id=ClientOrderId("c1"),
        market_id=M,
        side=OrderSide.YES,
        price=D("0.48"),
        quantity=D(10),
    )
    assert not order.is_live  # PENDING: not yet at the venue
    order = order.on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT)
    assert order.is_live
    order = order.on(OrderEvent.PARTIAL_FILL, filled_quantity=D(4))
    assert (order.status, order.remaining) == (OrderStatus.PARTIALLY_FILLED, D(6))
    order = order.on(OrderEvent.CANCEL_REQUEST).on(OrderEvent.CANCEL_REJECT)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    with pytest.raises(InvalidTransition):
        order.on(OrderEvent.SUBMIT)

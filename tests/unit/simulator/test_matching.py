"""The matching core: crossing, priority, order types, self-trade prevention, SELLs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from predmm.domain import Action, ClientOrderId, OrderSide, OrderStatus, TimeInForce
from predmm.simulator.exchange import (
    BookLevelChanged,
    CancelReason,
    OrderCancelled,
    RejectCode,
    SelfTradePrevention,
    TradePrinted,
)

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO


def test_yes_bid_crosses_no_bid_at_the_resting_price(world):
    ex = world.exchange
    maker = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(10))
    assert maker.accepted
    assert maker.order.status is OrderStatus.OPEN
    taker = ex.place_order(world.k2, world.kalshi, YES, D("0.65"), D(4))
    assert [f.price for f in taker.fills] == [D("0.60")]  # 1 - 0.40, not 0.65
    assert taker.order.status is OrderStatus.FILLED
    assert ex.position(world.k2, world.kalshi).net == D(4)
    assert ex.position(world.k1, world.kalshi).net == D(-4)
    assert ex.order(maker.order.order_id).filled_quantity == D(4)
    assert ex.book(world.kalshi).no_bids[0].size == D(6)
    assert ex.audit() == []


def test_no_cross_below_one_dollar(world):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(10))
    out = ex.place_order(world.k2, world.kalshi, YES, D("0.59"), D(4))
    assert out.fills == ()
    assert out.order.status is OrderStatus.OPEN
    book = ex.book(world.kalshi)
    assert book.best_bid() == D("0.59")
    assert book.best_ask() == D("0.60")


def test_price_then_time_priority(world):
    ex = world.exchange
    first = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(5)).order
    second = ex.place_order(world.k3, world.kalshi, NO, D("0.40"), D(5)).order
    better = ex.place_order(world.k3, world.kalshi, NO, D("0.41"), D(2)).order
    out = ex.place_order(world.k2, world.kalshi, YES, D("0.60"), D(9))
    assert [(f.price, f.quantity) for f in out.fills] == [
        (D("0.59"), D(2)),
        (D("0.60"), D(5)),
        (D("0.60"), D(2)),
    ]
    assert ex.order(better.order_id).status is OrderStatus.FILLED
    assert ex.order(first.order_id).status is OrderStatus.FILLED
    assert ex.order(second.order_id).filled_quantity == D(2)


def test_ioc_cancels_the_rest_and_fok_is_all_or_nothing(world):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, NO, D("0.50"), D(3))
    fok = ex.place_order(
        world.k2, world.kalshi, YES, D("0.50"), D(4), time_in_force=TimeInForce.FOK
    )
    assert fok.reject is RejectCode.FOK_NOT_FILLED
    assert ex.book(world.kalshi).no_bids[0].size == D(3)
    ioc = ex.place_order(
        world.k2, world.kalshi, YES, D("0.50"), D(4), time_in_force=TimeInForce.IOC
    )
    assert ioc.order.filled_quantity == D(3)
    assert ioc.order.status is OrderStatus.CANCELLED
    assert ioc.order.cancel_reason is CancelReason.IOC_REMAINDER
    assert ex.book(world.kalshi).yes_bids == ()
    assert ex.balance(world.k2).reserved == D(0)


def test_gtd_expires_when_the_clock_passes(world):
    ex = world.exchange
    past = ex.place_order(
        world.k1,
        world.kalshi,
        YES,
        D("0.30"),
        D(1),
        time_in_force=TimeInForce.GTD,
        expiration=world.clock.now(),
    )
    assert past.reject is RejectCode.INVALID_EXPIRATION
    out = ex.place_order(
        world.k1,
        world.kalshi,
        YES,
        D("0.30"),
        D(1),
        time_in_force=TimeInForce.GTD,
        expiration=world.clock.now() + timedelta(seconds=60),
    )
    world.clock.advance(59)
    assert ex.expire_orders() == []
    world.clock.advance(1)
    [expired] = ex.expire_orders()
    assert expired.order_id == out.order.order_id
    assert expired.status is OrderStatus.EXPIRED
    assert ex.balance(world.k1).reserved == D(0)


def test_post_only_rejects_on_cross_and_changes_nothing(world):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(5))
    before = ex.book(world.kalshi)
    out = ex.place_order(world.k2, world.kalshi, YES, D("0.60"), D(1), post_only=True)
    assert out.reject is RejectCode.POST_ONLY_CROSS
    assert out.order is None
    assert ex.book(world.kalshi) == before
    assert ex.place_order(world.k2, world.kalshi, YES, D("0.59"), D(1), post_only=True).accepted


def test_self_trade_prevention_cancels_the_resting_order(world):
    ex = world.exchange
    own = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(5)).order
    other = ex.place_order(world.k3, world.kalshi, NO, D("0.39"), D(5)).order
    seen = []
    ex.subscribe(seen.append)
    out = ex.place_order(world.k1, world.kalshi, YES, D("0.61"), D(2))
    assert ex.order(own.order_id).cancel_reason is CancelReason.SELF_TRADE
    assert [f.quantity for f in out.fills] == [D(2)]
    assert out.fills[0].price == D("0.61")
    assert ex.order(other.order_id).filled_quantity == D(2)
    assert any(isinstance(e, OrderCancelled) and e.reason is CancelReason.SELF_TRADE for e in seen)


def test_self_trade_prevention_can_cancel_the_taker(world):
    ex = world.exchange
    own = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(5)).order
    out = ex.place_order(
        world.k1, world.kalshi, YES, D("0.61"), D(2), stp=SelfTradePrevention.CANCEL_TAKER
    )
    assert out.order.status is OrderStatus.CANCELLED
    assert out.order.cancel_reason is CancelReason.SELF_TRADE
    assert ex.order(own.order_id).status is OrderStatus.OPEN


def test_rejections_name_the_problem(world):
    ex = world.exchange
    cases = {
        RejectCode.INVALID_PRICE: {"price": D("0.405")},
        RejectCode.INVALID_QUANTITY: {"quantity": D("0.001")},
        RejectCode.INSUFFICIENT_BALANCE: {"quantity": D(100000)},
    }
    for code, change in cases.items():
        kw = {"price": D("0.40"), "quantity": D(1)} | change
        out = ex.place_order(world.k1, world.kalshi, YES, kw["price"], kw["quantity"])
        assert out.reject is code, (code, out)
    wrong = ex.place_order(world.p1, world.kalshi, YES, D("0.40"), D(1))
    assert wrong.reject is RejectCode.WRONG_VENUE
    cid = ClientOrderId("c-1")
    assert ex.place_order(
        world.k1, world.kalshi, YES, D("0.40"), D(1), client_order_id=cid
    ).accepted
    ex.cancel_order(ex.order_by_client_id(world.k1, cid).order_id)
    dup = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(1), client_order_id=cid)
    assert dup.reject is RejectCode.DUPLICATE_CLIENT_ORDER_ID


def test_fractional_counts_match(world):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, NO, D("0.50"), D("1.37"))
    out = ex.place_order(world.k2, world.kalshi, YES, D("0.50"), D("0.55"))
    assert out.fills[0].quantity == D("0.55")
    assert ex.book(world.kalshi).no_bids[0].size == D("0.82")


def test_kalshi_nets_yes_against_no_into_cash(world):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(10))
    ex.place_order(world.k2, world.kalshi, YES, D("0.60"), D(10))  # k2 long 10 YES at 0.60
    ex.place_order(world.k3, world.kalshi, YES, D("0.55"), D(10))
    ex.place_order(world.k2, world.kalshi, NO, D("0.45"), D(10))  # k2 buys NO: nets
    pos = ex.position(world.k2, world.kalshi)
    assert (pos.yes, pos.no, pos.net) == (D(0), D(0), D(0))
    assert ex.balance(world.k2).cash == D(1000) - D(6) - D("4.5") + D(10) - _fees(ex, world.k2)
    assert pos.realized_pnl == D(10) - D(6) - D("4.5") - _fees(ex, world.k2)
    assert ex.audit() == []


def _fees(ex, account):
    return ex.balance(account).fees_paid


def test_polymarket_sell_delivers_tokens_and_rests_as_the_other_side(world):
    ex = world.exchange
    ex.place_order(world.p1, world.poly, NO, D("0.40"), D(10))
    ex.place_order(world.p2, world.poly, YES, D("0.60"), D(10))  # p2 holds 10 YES
    too_many = ex.place_order(world.p2, world.poly, YES, D("0.70"), D(11), action=Action.SELL)
    assert too_many.reject is RejectCode.INSUFFICIENT_BALANCE
    sell = ex.place_order(world.p2, world.poly, YES, D("0.70"), D(6), action=Action.SELL)
    assert sell.order.book_side is NO
    assert sell.order.book_price == D("0.30")
    assert ex.position(world.p2, world.poly).reserved_yes == D(6)
    buy = ex.place_order(world.p3, world.poly, YES, D("0.75"), D(6))
    assert [(f.price, f.quantity) for f in buy.fills] == [(D("0.70"), D(6))]
    assert ex.position(world.p2, world.poly).yes == D(4)
    assert ex.position(world.p3, world.poly).yes == D(6)
    assert ex.market(world.poly).open_interest == D(10)  # a transfer mints nothing
    assert ex.audit() == []


def test_two_sells_merge_a_pair(world):
    ex = world.exchange
    ex.grant_position(world.p1, world.poly, D(5))
    ex.grant_position(world.p2, world.poly, D(5))
    ex.place_order(world.p1, world.poly, YES, D("0.55"), D(5), action=Action.SELL)
    out = ex.place_order(world.p2, world.poly, NO, D("0.45"), D(5), action=Action.SELL)
    assert out.fills[0].price == D("0.45")
    assert ex.market(world.poly).open_interest == D(5)
    assert ex.position(world.p1, world.poly).yes == D(0)
    assert ex.position(world.p2, world.poly).no == D(0)
    assert ex.audit() == []


def test_events_carry_gapless_book_sequence(world):
    ex = world.exchange
    seen = []
    ex.subscribe(seen.append)
    ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(10))
    ex.place_order(world.k2, world.kalshi, YES, D("0.60"), D(4))
    ex.cancel_all(world.k1)
    levels = [e for e in seen if isinstance(e, BookLevelChanged)]
    assert [e.seq for e in levels] == list(range(1, len(levels) + 1))
    assert [(e.size, e.delta) for e in levels] == [(D(10), D(10)), (D(6), D(-4)), (D(0), D(-6))]
    assert sum(isinstance(e, TradePrinted) for e in seen) == 1


def test_amend_and_decrease(world):
    ex = world.exchange
    a = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(10)).order
    b = ex.place_order(world.k2, world.kalshi, YES, D("0.40"), D(10)).order
    assert ex.decrease_order(a.order_id, account_id=world.k1, reduce_by=D(4)).reduced_by == D(4)
    assert [o.order_id for o in ex.level_orders(world.kalshi, YES, D("0.40"))] == [
        a.order_id,
        b.order_id,
    ]
    assert ex.balance(world.k1).reserved == D("2.4")
    moved = ex.amend_order(a.order_id, account_id=world.k1, price=D("0.41"), quantity=D(8))
    assert moved.accepted
    assert moved.order.price == D("0.41")
    assert moved.order.remaining == D(8)
    back = ex.amend_order(a.order_id, account_id=world.k1, price=D("0.40"))
    assert [o.order_id for o in ex.level_orders(world.kalshi, YES, D("0.40"))] == [
        b.order_id,
        back.order.order_id,
    ]
    gone = ex.decrease_order(a.order_id, account_id=world.k1, reduce_to=D(0))
    assert gone.cancelled
    assert ex.order(a.order_id).status is OrderStatus.CANCELLED
    assert ex.cancel_order(a.order_id).cancelled is False
    assert ex.cancel_order(b.order_id, account_id=world.k1).order is None
    assert ex.audit() == []


def test_reads_by_account_and_market(world):
    ex = world.exchange
    a = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(10)).order
    b = ex.place_order(world.p1, world.poly, NO, D("0.40"), D(10)).order
    ex.place_order(world.k2, world.kalshi, YES, D("0.60"), D(4))
    assert [o.order_id for o in ex.orders(world.k1)] == [a.order_id]
    assert [o.order_id for o in ex.orders(world.p1, world.poly)] == [b.order_id]
    assert ex.orders(world.p1, world.kalshi) == []
    assert len(ex.trades(world.kalshi)) == 1
    assert ex.trades(world.poly) == []
    assert [f.order_id for f in ex.fills(world.k1)] == [a.order_id]
    assert [o.order_id for o in ex.open_orders(world.k1, world.kalshi)] == [a.order_id]

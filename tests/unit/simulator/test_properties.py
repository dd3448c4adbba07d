"""Properties of the matching core under random sequences of operations."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predmm.domain import Action, OrderSide, OrderStatus, TimeInForce
from predmm.simulator.exchange import TradeStatus

D = Decimal
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

prices = st.integers(min_value=1, max_value=99).map(lambda c: D(c) / 100)
sizes = st.integers(min_value=1, max_value=3000).map(lambda c: D(c) / 100)
place = st.tuples(
    st.just("place"),
    st.integers(0, 2),  # account
    st.booleans(),  # polymarket?
    st.sampled_from(list(OrderSide)),
    st.sampled_from(list(Action)),
    prices,
    sizes,
    st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]),
    st.booleans(),  # post only
)
ops = st.lists(
    st.one_of(
        place,
        place,
        place,
        st.tuples(st.just("cancel"), st.integers(0, 50)),
        st.tuples(st.just("amend"), st.integers(0, 50), prices, sizes),
        st.tuples(st.just("split"), st.integers(0, 2), sizes),
        st.tuples(st.just("trade"), st.integers(0, 50), st.booleans()),
    ),
    max_size=40,
)


def _accounts(w, poly):
    return (w.p1, w.p2, w.p3) if poly else (w.k1, w.k2, w.k3)


def _check_book(ex, mid):
    book = ex.book(mid)
    if book.yes_bids and book.no_bids:
        assert book.yes_bids[0].price + book.no_bids[0].price < 1, book


def _check_priority(ex, outcome, placed_at):
    """Every maker filled at a ladder price left no earlier order of another account
    resting at that price, and nothing better remains."""
    for fill in outcome.fills:
        trade = ex.trade(fill.trade_id)
        maker = ex.order(trade.maker.order_id)
        for o in ex.level_orders(maker.market_id, maker.book_side, maker.book_price):
            if o.account_id != outcome.order.account_id and o.order_id != maker.order_id:
                assert placed_at[o.order_id] > placed_at[maker.order_id]
        if outcome.order.remaining > 0:
            best = ex.book(maker.market_id).best_bid(maker.book_side)
            assert best is None or best <= maker.book_price


def _apply(w, op, placed_at, trades):
    ex = w.exchange
    kind = op[0]
    if kind == "place":
        _, who, poly, side, action, price, qty, tif, post = op
        mid = w.poly if poly else w.kalshi
        action = action if poly else Action.BUY
        out = ex.place_order(
            _accounts(w, poly)[who],
            mid,
            side,
            price,
            qty,
            action=action,
            time_in_force=tif,
            post_only=post and tif is TimeInForce.GTC,
        )
        if out.accepted:
            placed_at[out.order.order_id] = len(placed_at)
            trades.extend(f.trade_id for f in out.fills)
            if out.order.post_only:
                assert out.fills == ()
            _check_priority(ex, out, placed_at)
        else:
            assert out.order is None
    elif kind == "cancel" and placed_at:
        oid = list(placed_at)[op[1] % len(placed_at)]
        ex.cancel_order(oid)
    elif kind == "amend" and placed_at:
        oid = list(placed_at)[op[1] % len(placed_at)]
        out = ex.amend_order(oid, price=op[2], quantity=op[3])
        if out.accepted:
            placed_at[oid] = len(placed_at)
            trades.extend(f.trade_id for f in out.fills)
    elif kind == "split":
        acct = (w.p1, w.p2, w.p3)[op[1]]
        if ex.balance(acct).available >= op[2]:
            ex.grant_position(acct, w.poly, op[2])
    elif kind == "trade" and trades:
        tid = trades[op[1] % len(trades)]
        if ex.trade(tid).status in (TradeStatus.MATCHED, TradeStatus.MINED):
            ex.fail_trade(tid) if op[2] else ex.advance_trade(tid)


@SETTINGS
@given(ops, st.sampled_from(list(OrderSide)), st.booleans(), st.sampled_from(["0", "0.05", "0.25"]))
def test_random_days_conserve_money_and_contracts(world_factory, script, result, maker_fees, rate):
    w = world_factory(poly_rate=rate, maker_fees=maker_fees, cash="60")
    ex = w.exchange
    placed_at: dict = {}
    trades: list = []
    for op in script:
        _apply(w, op, placed_at, trades)
        assert ex.audit() == []
        _check_book(ex, w.kalshi)
        _check_book(ex, w.poly)
    pairs = {
        a: min(ex.position(a, w.poly).yes, ex.position(a, w.poly).no) for a in (w.p1, w.p2, w.p3)
    }
    held = {a: ex.position(a, w.poly) for a in (w.p1, w.p2, w.p3)}
    cash = {a: ex.balance(a).cash for a in (w.p1, w.p2, w.p3)}
    ex.settle_market(w.kalshi, result)
    ex.settle_market(w.poly, result)
    assert ex.audit() == []
    for a in (w.p1, w.p2, w.p3):
        won = held[a].yes if result is OrderSide.YES else held[a].no
        assert ex.balance(a).cash == cash[a] + won
        assert won >= pairs[a]  # each YES+NO pair paid exactly $1
    total = sum((ex.balance(a).cash for a in ex.accounts()), start=D(0))
    assert total + ex.fees_collected == ex.deposits


malformed = st.tuples(
    st.one_of(
        st.just(D("NaN")),
        st.just(D("Infinity")),
        st.decimals(allow_nan=False, places=4),
        st.just(D(0)),
        st.just(D(1)),
        st.just(D("0.5")),
        st.just(D("-0.5")),
        st.just(D("0.505")),
    ),
    st.one_of(
        st.just(D("NaN")),
        st.decimals(allow_nan=False, places=3),
        st.just(D(0)),
        st.just(D(-1)),
        st.just(D("0.001")),
        st.just(D("1e30")),
    ),
    st.sampled_from(list(TimeInForce)),
    st.booleans(),
)


@SETTINGS
@given(st.lists(malformed, max_size=15))
def test_malformed_orders_never_corrupt_the_book(world, bad):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, OrderSide.YES, D("0.40"), D(5))
    ex.place_order(world.k2, world.kalshi, OrderSide.NO, D("0.50"), D(5))
    before = (ex.book(world.kalshi), ex.balance(world.k3), ex.book_seq(world.kalshi))
    for price, qty, tif, post in bad:
        out = ex.place_order(
            world.k3, world.kalshi, OrderSide.YES, price, qty, time_in_force=tif, post_only=post
        )
        if out.accepted:  # a well-formed order slipped through the generator: undo it
            assert out.order.status in (
                OrderStatus.OPEN,
                OrderStatus.FILLED,
                OrderStatus.CANCELLED,
                OrderStatus.PARTIALLY_FILLED,
            )
            return
    assert (ex.book(world.kalshi), ex.balance(world.k3), ex.book_seq(world.kalshi)) == before
    assert ex.audit() == []

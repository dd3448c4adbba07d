"""Fill models on hand-built event sequences: exact fills (time, price, quantity)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest

from predmm.backtest.decision import Cancel, Place
from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import QueueModel, TradeThrough
from predmm.backtest.testing import ListSource, ScriptDecider, book, market
from predmm.domain.enums import OrderSide, Venue

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO


def replay(source, plan, model=None, latency_ms=0):
    decider = ScriptDecider(plan)
    cfg = ReplayConfig(fill_model=model or TradeThrough(), latency_ms=latency_ms, timer_ms=0)
    result = Replay(source, decider, cfg).run()
    fills = [(f.ts - 1_790_000_000_000, f.side, f.price, f.quantity) for f in result.fill_log]
    return result, fills, decider


def bid(side, price, size, ioc=False):
    return Place(side=side, price=D(price), size=D(size), ioc=ioc)


def test_trade_through_fills_only_strictly_through_and_takes_each_ask_once():
    src = ListSource([market()])
    src.book(0, book([(0.48, 100)], [(0.50, 100)]))  # YES ask 0.50
    src.book(1000, book([(0.48, 100)], [(0.51, 100)]))  # ask 0.49 = our bid: locked, no fill
    src.book(2000, book([(0.47, 100)], [(0.52, 4)]))  # ask 0.48 < 0.49: 4 there
    src.book(3000, book([(0.47, 100)], [(0.52, 4)]))  # the same 4: not again
    src.book(4000, book([(0.47, 100)], [(0.52, 10)]))  # 6 more at that level
    _, fills, _ = replay(src, {0: [bid(YES, "0.49", 10)]})
    assert fills == [(2000, "yes", D("0.49"), D(4)), (4000, "yes", D("0.49"), D(6))]


def test_trade_through_prints_at_our_price_never_fill():
    src = ListSource([market()])
    src.book(0, book([(0.48, 100)], [(0.48, 100)]))  # YES 0.48 / 0.52
    src.trade(1000, 0.49, 5, taker=-1)  # at our YES bid: no fill
    src.trade(2000, 0.48, 3, taker=-1)  # through it: 3
    src.trade(3000, 0.51, 9, taker=1)  # NO terms 0.49 = our NO bid: no fill
    src.trade(4000, 0.52, 2, taker=1)  # NO terms 0.48 < 0.49: 2
    _, fills, _ = replay(src, {0: [bid(YES, "0.49", 10), bid(NO, "0.49", 10)]})
    assert fills == [(2000, "yes", D("0.49"), D(3)), (4000, "no", D("0.49"), D(2))]


def test_queue_prints_take_the_queue_ahead_from_the_front():
    src = ListSource([market()])
    src.book(0, book([(0.49, 30)], [(0.50, 100)]))  # 30 ahead of us at 0.49
    src.trade(1000, 0.49, 20, taker=-1)  # 10 left ahead
    src.trade(2000, 0.49, 50, taker=1)  # a buyer of YES: does not sell to our bid
    src.trade(3000, 0.49, 15, taker=-1)  # 10 ahead, then 5 to us
    src.book(4000, book([(0.48, 50)], [(0.50, 100)]))  # the level is gone: explained by prints
    _, fills, _ = replay(src, {0: [bid(YES, "0.49", 10)]}, QueueModel())
    assert fills == [(3000, "yes", D("0.49"), D(5))]


def test_queue_book_only_decreases_are_executions_by_trade_share():
    src = ListSource([market()])
    src.book(0, book([(0.49, 30)], [(0.50, 100)]))
    src.book(1000, book([(0.49, 35)], [(0.50, 100)]))  # grows behind us: still 30 ahead
    src.book(2000, book([(0.49, 2)], [(0.50, 100)]))  # 33 executed: 30 ahead, 3 to us
    _, fills, _ = replay(src, {0: [bid(YES, "0.49", 10)]}, QueueModel(trade_share=1.0))
    assert fills == [(2000, "yes", D("0.49"), D(3))]


def test_queue_book_only_decreases_as_cancels_move_us_up_without_filling():
    src = ListSource([market()])
    src.book(0, book([(0.49, 30)], [(0.50, 100)]))
    src.book(1000, book([(0.49, 35)], [(0.50, 100)]))
    src.book(2000, book([(0.49, 2)], [(0.50, 100)]))  # 33 cancelled, mostly ahead of us
    src.trade(3000, 0.49, 4, taker=-1)  # nobody left ahead: all 4 to us
    _, fills, _ = replay(src, {0: [bid(YES, "0.49", 10)]}, QueueModel(trade_share=0.0))
    assert fills == [(3000, "yes", D("0.49"), D(4))]


def test_an_ask_at_our_price_fills_the_queue_model_but_not_trade_through():
    def source():
        src = ListSource([market()])
        src.book(0, book([(0.49, 30)], [(0.48, 100)]))  # ask 0.52
        src.book(1000, book([(0.48, 10)], [(0.51, 7)]))  # ask 0.49 = our bid: bids there gone
        return src

    plan = {0: [bid(YES, "0.49", 10)]}
    assert replay(source(), dict(plan), QueueModel())[1] == [(1000, "yes", D("0.49"), D(7))]
    assert replay(source(), dict(plan), TradeThrough())[1] == []


@pytest.mark.parametrize("model", [TradeThrough(), QueueModel()])
def test_latency_delays_the_placement(model):
    src = ListSource([market()])
    src.book(0, book([(0.40, 100)], [(0.50, 100)]))
    src.trade(50, 0.30, 5, taker=-1)  # the order is still on its way: no fill
    src.trade(150, 0.30, 5, taker=-1)  # live since 100 ms: fills
    _, fills, _ = replay(src, {0: [bid(YES, "0.45", 10)]}, model, latency_ms=100)
    assert fills == [(150, "yes", D("0.45"), D(5))]


@pytest.mark.parametrize("model", [TradeThrough(), QueueModel()])
def test_latency_delays_the_cancel_and_the_order_fills_meanwhile(model):
    src = ListSource([market()])
    src.book(0, book([(0.40, 100)], [(0.50, 100)]))
    src.book(1000, book([(0.40, 100)], [(0.50, 90)]))  # the decision to cancel is taken here
    src.trade(1050, 0.30, 3, taker=-1)  # the cancel is on its way: still fills
    src.trade(1150, 0.30, 3, taker=-1)  # cancelled at 1100: no fill
    _, fills, decider = replay(
        src, {0: [bid(YES, "0.45", 10)], 1000: [Cancel(order_id=1)]}, model, latency_ms=100
    )
    assert fills == [(1050, "yes", D("0.45"), D(3))]
    # a cancel sent: the decision no longer sees the order as its own
    assert decider.inputs[-1].live == ()


def _fee(coefficient: str, count: int, price: str, rounding: str) -> Decimal:
    p = D(price)
    raw = D(coefficient) * count * p * (1 - p)
    return raw.quantize(D("0.000001"), rounding=rounding)


@pytest.mark.parametrize(
    ("venue", "rounding"), [(Venue.KALSHI, ROUND_CEILING), (Venue.POLYMARKET, ROUND_HALF_UP)]
)
def test_exits_walk_the_asks_and_pay_the_venue_taker_fee_quotes_pay_none(venue, rounding):
    src = ListSource([market(venue=venue)])
    src.book(0, book([(0.40, 100)], [(0.67, 3), (0.66, 100)]))  # YES asks 0.33 (3), 0.34
    src.trade(500, 0.30, 4, taker=-1)  # through our resting YES bid at 0.32: a maker fill
    plan = {0: [bid(YES, "0.32", 4)], 1000: [bid(YES, "0.34", 7, ioc=True)]}
    src.book(1000, book([(0.30, 100)], [(0.67, 3), (0.66, 100)]))
    result, fills, _ = replay(src, plan)
    assert fills == [
        (500, "yes", D("0.32"), D(4)),
        (1000, "yes", D("0.33"), D(3)),
        (1000, "yes", D("0.34"), D(4)),
    ]
    fees = [f.fee for f in result.fill_log]
    assert fees == [
        D(0),
        _fee("0.07", 3, "0.33", rounding),
        _fee("0.07", 4, "0.34", rounding),
    ]
    assert result.fees == sum(fees)

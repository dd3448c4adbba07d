"""Fees per venue, market lifecycle, settlement, tick changes, Polymarket trade states."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from predmm.domain import MarketStatus, OrderSide, OrderStatus, TickSpec
from predmm.simulator.exchange import (
    CancelReason,
    FeeSpec,
    MarketSettled,
    RejectCode,
    TickSizeChanged,
    TradeStatus,
    kalshi_fee,
    polymarket_fee,
)

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
VECTORS = Path(__file__).resolve().parents[2] / "fixtures/polymarket/upstream_vectors.json"


def test_kalshi_fee_matches_recorded_fills():
    assert kalshi_fee(D(1), D("0.52")) == D("0.017472")  # 0.07*0.52*0.48, ceiled to 1e-6
    assert kalshi_fee(D(1), D("0.99")) == D("0.000693")
    assert kalshi_fee(D(1), D("0.055")) == D("0.003639")  # 0.00363825 ceiled
    assert kalshi_fee(D(10), D("0.50"), maker_fee_type="quadratic_with_maker_fees") == D("0.04375")
    assert kalshi_fee(D(10), D("0.50"), maker_fee_type="quadratic") == D(0)


def test_polymarket_fee_vectors():
    data = json.loads(VECTORS.read_text())["upstream_test_vectors"]["v2_fee_formula"]
    rate, exp = D(str(data["fee_rate"])), data["fee_exponent"]
    for case in data["cases"]:
        got = polymarket_fee(D(str(case["shares"])), D(str(case["price"])), rate, exp)
        assert got == D(str(case["fee"])), case


def test_polymarket_charges_takers_only(world_factory):
    w = world_factory(poly_rate="0.04")
    ex = w.exchange
    ex.place_order(w.p1, w.poly, NO, D("0.50"), D(100))
    out = ex.place_order(w.p2, w.poly, YES, D("0.50"), D(100))
    assert out.fills[0].fee == D("1.000000")  # 100 * 0.04 * 0.25
    assert ex.balance(w.p2).cash == D(1000) - D(50) - D(1)
    assert ex.balance(w.p1).fees_paid == D(0)
    assert ex.fees_collected == D(1)
    assert ex.audit() == []


def test_kalshi_maker_fee_only_on_flagged_series(world_factory):
    for flagged, maker_fee in ((False, D(0)), (True, D("0.04375"))):
        w = world_factory(maker_fees=flagged)
        ex = w.exchange
        ex.place_order(w.k1, w.kalshi, NO, D("0.50"), D(10))
        out = ex.place_order(w.k2, w.kalshi, YES, D("0.50"), D(10))
        assert out.fills[0].fee == D("0.175")
        assert ex.fills(w.k1)[0].fee == maker_fee
        assert ex.audit() == []


def test_pause_blocks_placement_allows_cancel_and_kalshi_reactivation_cancels(world):
    ex = world.exchange
    k = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(1)).order
    k2 = ex.place_order(world.k1, world.kalshi, YES, D("0.30"), D(1)).order
    p = ex.place_order(world.p1, world.poly, YES, D("0.40"), D(1)).order
    ex.pause_market(world.kalshi)
    ex.pause_market(world.poly)
    assert (
        ex.place_order(world.k1, world.kalshi, YES, D("0.41"), D(1)).reject
        is RejectCode.MARKET_NOT_OPEN
    )
    assert ex.cancel_order(k2.order_id).cancelled
    ex.resume_market(world.kalshi)
    ex.resume_market(world.poly)
    assert ex.order(k.order_id).cancel_reason is CancelReason.MARKET_REACTIVATED
    assert ex.order(p.order_id).status is OrderStatus.OPEN
    assert ex.market(world.kalshi).status is MarketStatus.OPEN


def test_settlement_pays_a_dollar_per_winning_contract(world):
    ex = world.exchange
    ex.place_order(world.p1, world.poly, NO, D("0.30"), D(10))
    ex.place_order(world.p2, world.poly, YES, D("0.70"), D(10))
    ex.place_order(world.p3, world.poly, YES, D("0.20"), D(5))  # resting, released at close
    seen = []
    ex.subscribe(seen.append)
    ex.settle_market(world.poly, YES)
    assert ex.balance(world.p2).cash == D(1000) - D(7) + D(10)
    assert ex.balance(world.p1).cash == D(1000) - D(3)
    assert ex.balance(world.p3).reserved == D(0)
    assert ex.market(world.poly).status is MarketStatus.SETTLED
    assert ex.market(world.poly).open_interest == D(0)
    assert ex.position(world.p2, world.poly).realized_pnl == D(3)
    assert any(isinstance(e, MarketSettled) for e in seen)
    assert ex.audit() == []


def test_tick_change_cancels_orders_off_the_new_grid(world):
    ex = world.exchange
    on = ex.place_order(world.p1, world.poly, YES, D("0.40"), D(1)).order
    ex.change_tick(world.poly, TickSpec.polymarket("0.001"))
    fine = ex.place_order(world.p1, world.poly, YES, D("0.405"), D(1)).order
    seen = []
    ex.subscribe(seen.append)
    ex.change_tick(world.poly, TickSpec.polymarket("0.01"))
    assert ex.order(fine.order_id).cancel_reason is CancelReason.TICK_CHANGE
    assert ex.order(on.order_id).status is OrderStatus.OPEN
    assert [type(e) for e in seen].count(TickSizeChanged) == 1


def test_trade_states_and_failure_reverses_exactly(world_factory):
    w = world_factory(poly_rate="0.04")
    ex = w.exchange
    ex.place_order(w.p1, w.poly, NO, D("0.35"), D(10))
    balances = {a: ex.balance(a) for a in (w.p1, w.p2)}
    positions = {a: ex.position(a, w.poly) for a in (w.p1, w.p2)}
    out = ex.place_order(w.p2, w.poly, YES, D("0.65"), D(10))
    trade = ex.trade(out.fills[0].trade_id)
    assert trade.status is TradeStatus.MATCHED
    assert ex.advance_trade(trade.trade_id).status is TradeStatus.MINED
    failed = ex.fail_trade(trade.trade_id)
    assert failed.status is TradeStatus.FAILED
    for a in (w.p1, w.p2):
        after = ex.balance(a)
        assert (after.cash, after.fees_paid) == (balances[a].cash, balances[a].fees_paid)
        pos = ex.position(a, w.poly)
        assert (pos.yes, pos.no) == (positions[a].yes, positions[a].no)
    assert ex.fees_collected == D(0)
    assert ex.audit() == []
    with pytest.raises(ValueError, match="cannot fail"):
        ex.fail_trade(trade.trade_id)


def test_kalshi_trades_are_final_at_once(world):
    ex = world.exchange
    ex.place_order(world.k1, world.kalshi, NO, D("0.35"), D(1))
    out = ex.place_order(world.k2, world.kalshi, YES, D("0.65"), D(1))
    assert ex.trade(out.fills[0].trade_id).status is TradeStatus.CONFIRMED


def test_fee_spec_rejects_unknown_kalshi_type():
    with pytest.raises(ValueError, match="fee_type"):
        FeeSpec.kalshi("flat")


def test_maker_fee_accumulates_per_order_so_partial_fills_never_overpay(world_factory):
    w = world_factory(maker_fees=True)
    ex = w.exchange
    maker = ex.open_account(w.kalshi.venue, "tight", D("1.001608"))  # 3 x 0.33 + fee(3)
    out = ex.place_order(maker, w.kalshi, YES, D("0.33"), D(3))
    assert out.accepted
    assert ex.balance(maker).available == D(0)
    fees = []
    for _ in range(3):
        ex.place_order(w.k2, w.kalshi, NO, D("0.67"), D(1))
        fees.append(ex.fills(maker)[-1].fee)
        assert ex.audit() == []
    assert fees == [D("0.003870"), D("0.003869"), D("0.003869")]  # ceil(f(3)) in total
    assert ex.balance(maker).cash == D(0)


def test_a_yes_no_pair_is_worth_one_dollar_whatever_the_result(world_factory):
    for result in OrderSide:
        w = world_factory()
        ex = w.exchange
        ex.grant_position(w.p1, w.poly, D(7))
        assert ex.balance(w.p1).cash == D(993)
        ex.settle_market(w.poly, result)
        assert ex.balance(w.p1).cash == D(1000)
        assert ex.position(w.p1, w.poly).realized_pnl == D(0)
        assert ex.audit() == []

"""The matching core's venue-side safety nets: order groups tripping on a fill burst,
``cancel_on_pause`` orders on a market's or the venue's trading pause, an expiration
renewed in place (queue kept) and reached, and each market's count step."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from predmm.domain import OrderSide, OrderStatus, TimeInForce, Venue
from predmm.simulator.exchange import CancelReason, OrderCancelled, OrderGroupChanged, RejectCode
from predmm.simulator.universe import kalshi_spec

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO


def test_a_group_trips_when_its_orders_match_past_the_limit_in_15_s(world):
    ex = world.exchange
    seen: list[object] = []
    ex.subscribe(seen.append, types=(OrderGroupChanged, OrderCancelled))
    group = ex.create_group(world.k1, D(5)).group_id
    bid = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(4), group_id=group).order
    low = ex.place_order(world.k1, world.kalshi, YES, D("0.30"), D(2), group_id=group).order
    ask = ex.place_order(world.k1, world.kalshi, NO, D("0.50"), D(5), group_id=group).order
    outside = ex.place_order(world.k1, world.kalshi, NO, D("0.55"), D(1)).order
    ex.place_order(world.k2, world.kalshi, NO, D("0.60"), D(3), time_in_force=TimeInForce.IOC)
    assert ex.group(group).matched == D(3)
    assert not ex.group(group).triggered
    world.clock.advance(16)  # out of the window
    ex.place_order(world.k2, world.kalshi, NO, D("0.60"), D(1), time_in_force=TimeInForce.IOC)
    assert not ex.group(group).triggered  # 1 in the window
    taker = ex.place_order(world.k2, world.kalshi, YES, D("0.50"), D(6))
    assert [f.quantity for f in taker.fills] == [D(1), D(5)]  # outside's 1, then ours
    assert ex.group(group).triggered  # 1 + 5 > 5: tripped in the same call
    assert ex.order(bid.order_id).status is OrderStatus.FILLED
    assert ex.order(ask.order_id).status is OrderStatus.FILLED
    assert ex.order(low.order_id).status is OrderStatus.CANCELLED
    assert ex.order(low.order_id).cancel_reason is CancelReason.GROUP_TRIGGERED
    assert ex.order(outside.order_id).status is OrderStatus.FILLED  # not in the group
    assert [e.event_type for e in seen if isinstance(e, OrderGroupChanged)] == [
        "created",
        "triggered",
    ]
    refused = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(1), group_id=group)
    assert refused.reject is RejectCode.GROUP_TRIGGERED
    ex.reset_group(group)
    again = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(1), group_id=group)
    assert again.accepted
    assert ex.group(group).orders == (again.order.order_id,)
    assert ex.audit() == []


def test_a_resting_order_filled_by_others_trips_its_group_and_its_siblings_go(world):
    ex = world.exchange
    group = ex.create_group(world.k1, D(2)).group_id
    first = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(3), group_id=group).order
    other = ex.place_order(world.k1, world.kalshi, NO, D("0.30"), D(3), group_id=group).order
    ex.place_order(world.k2, world.kalshi, NO, D("0.60"), D(3), time_in_force=TimeInForce.IOC)
    assert ex.order(first.order_id).status is OrderStatus.FILLED
    assert ex.order(other.order_id).cancel_reason is CancelReason.GROUP_TRIGGERED
    assert ex.open_orders(world.k1) == []


def test_trigger_limit_and_delete(world):
    ex = world.exchange
    group = ex.create_group(world.k1, D(10)).group_id
    ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(6), group_id=group)
    ex.place_order(world.k2, world.kalshi, YES, D("0.60"), D(4), time_in_force=TimeInForce.IOC)
    assert ex.set_group_limit(group, D(3)).triggered  # 4 matched in the window > 3
    assert ex.open_orders(world.k1) == []
    ex.reset_group(group)
    resting = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(1), group_id=group).order
    assert ex.trigger_group(group).triggered
    assert ex.order(resting.order_id).status is OrderStatus.CANCELLED
    ex.reset_group(group)
    kept = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(1), group_id=group).order
    ex.delete_group(group)
    assert ex.order(kept.order_id).cancel_reason is CancelReason.GROUP_DELETED
    assert ex.group(group) is None
    gone = ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(1), group_id=group)
    assert gone.reject is RejectCode.UNKNOWN_GROUP
    theirs = ex.create_group(world.k2, D(10)).group_id
    assert (
        ex.place_order(world.k1, world.kalshi, NO, D("0.40"), D(1), group_id=theirs).reject
        is RejectCode.UNKNOWN_GROUP
    )
    with pytest.raises(ValueError, match="1,000,000"):
        ex.create_group(world.k1, D("2.5"))


def test_a_market_pause_cancels_only_the_orders_placed_with_cancel_on_pause(world):
    ex = world.exchange
    flagged = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(2), cancel_on_pause=True)
    plain = ex.place_order(world.k1, world.kalshi, YES, D("0.39"), D(2))
    ex.pause_market(world.kalshi)
    assert ex.order(flagged.order.order_id).cancel_reason is CancelReason.PAUSE
    assert ex.order(plain.order.order_id).status is OrderStatus.OPEN


def test_a_venue_trading_pause_refuses_writes_lets_cancels_through(world):
    ex = world.exchange
    flagged = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D(2), cancel_on_pause=True)
    plain = ex.place_order(world.k1, world.kalshi, YES, D("0.39"), D(2)).order
    poly = ex.place_order(world.p1, world.poly, YES, D("0.40"), D(2), cancel_on_pause=True)
    assert ex.pause_trading(Venue.KALSHI) == [flagged.order.order_id]
    assert ex.trading_paused(Venue.KALSHI)
    assert not ex.trading_paused(Venue.POLYMARKET)
    assert ex.order(poly.order.order_id).status is OrderStatus.OPEN  # another venue
    refused = ex.place_order(world.k1, world.kalshi, YES, D("0.30"), D(1))
    assert refused.reject is RejectCode.TRADING_PAUSED
    amend = ex.amend_order(plain.order_id, price=D("0.38"))
    assert amend.reject is RejectCode.TRADING_PAUSED
    assert ex.cancel_order(plain.order_id).cancelled
    ex.resume_trading(Venue.KALSHI)
    assert ex.place_order(world.k1, world.kalshi, YES, D("0.30"), D(1)).accepted


def test_an_expiration_renewed_in_place_keeps_the_queue_then_expires(world):
    ex = world.exchange
    start = world.clock.now()
    first = ex.place_order(
        world.k1, world.kalshi, YES, D("0.40"), D(2),
        time_in_force=TimeInForce.GTD, expiration=start + timedelta(seconds=30),
    ).order  # fmt: skip
    second = ex.place_order(world.k3, world.kalshi, YES, D("0.40"), D(2)).order
    world.clock.advance(20)
    later = start + timedelta(seconds=80)
    renewed = ex.amend_order(first.order_id, price=D("0.40"), quantity=D(2), expiration=later)
    assert renewed.accepted
    assert renewed.order.expiration == later
    world.clock.advance(30)  # past the first expiration
    assert ex.expire_orders() == []
    ex.place_order(world.k2, world.kalshi, NO, D("0.60"), D(2))
    assert ex.order(first.order_id).status is OrderStatus.FILLED  # still first in the queue
    assert ex.order(second.order_id).status is OrderStatus.OPEN
    third = ex.place_order(
        world.k1, world.kalshi, YES, D("0.40"), D(1),
        time_in_force=TimeInForce.GTD, expiration=world.clock.now() + timedelta(seconds=5),
    ).order  # fmt: skip
    past = ex.amend_order(third.order_id, expiration=world.clock.now())
    assert past.reject is RejectCode.INVALID_EXPIRATION
    world.clock.advance(6)
    [expired] = ex.expire_orders()
    assert (expired.order_id, expired.status) == (third.order_id, OrderStatus.EXPIRED)
    assert ex.audit() == []


def test_whole_contract_markets_refuse_fractional_counts(world):
    ex = world.exchange
    whole = kalshi_spec(
        "KXWHOLE-26-T1",
        "whole",
        event=None,  # type: ignore[arg-type]
        start=world.clock.now(),
        close=world.clock.now() + timedelta(hours=5),
        series="KXWHOLE",
    )
    ex.list_market(whole)
    assert whole.count_step == D(1)
    refused = ex.place_order(world.k1, whole.market_id, YES, D("0.40"), D("2.50"))
    assert refused.reject is RejectCode.INVALID_QUANTITY
    assert "count step 1" in refused.message
    order = ex.place_order(world.k1, whole.market_id, YES, D("0.40"), D(3)).order
    assert ex.amend_order(order.order_id, quantity=D("2.5")).reject is RejectCode.INVALID_QUANTITY
    assert not ex.decrease_order(order.order_id, reduce_by=D("0.5")).cancelled
    fractional = ex.place_order(world.k1, world.kalshi, YES, D("0.40"), D("2.37"))
    assert fractional.accepted  # the test world's Kalshi market trades fractions

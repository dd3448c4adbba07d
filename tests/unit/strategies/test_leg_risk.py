"""Leg risk, in exact arithmetic: uneven legs are hedged (the short legs bought up to the
long one) or unwound (the long legs sold down to the short one), whichever is worth
more; a hedge stays in its room; thin books leave a named remainder, never silence."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, TimeInForce, Venue
from predmm.domain.fees import TakerFees
from predmm.domain.ids import MarketId
from predmm.domain.orders import Leg
from predmm.strategies.base import Room
from predmm.strategies.leg_risk import LegAction, resolve_legs

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
K = MarketId(Venue.KALSHI, "KXFED-26DEC-H0")
P = MarketId(Venue.POLYMARKET, "0xfed-hold")
FEES = TakerFees()  # Kalshi 0.07 x C x P x (1 - P); Polymarket fee-free
# the cross-venue signal: NO on Polymarket first (FOK), then YES on Kalshi (IOC)
LEGS = (
    Leg(market_id=P, side=NO, limit_price=D("0.50"), size=D(15), time_in_force=TimeInForce.FOK),
    Leg(market_id=K, side=YES, limit_price=D("0.46"), size=D(15), time_in_force=TimeInForce.IOC),
)


def books(kalshi_yes_ask: str, poly_no_bid: str = "0.45") -> dict[MarketId, OrderBook]:
    """Now: Kalshi's YES asks at ``kalshi_yes_ask`` x 50, Polymarket's NO bids at
    ``poly_no_bid`` x 50."""
    return {
        K: OrderBook(K, (), (Level(1 - D(kalshi_yes_ask), D(50)),)),
        P: OrderBook(P, (), (Level(D(poly_no_bid), D(50)),)),
    }


def test_even_legs_need_nothing() -> None:
    plan = resolve_legs(LEGS, [D(15), D(15)], books("0.47"), FEES)
    assert (plan.action, plan.orders, plan.baskets) == (LegAction.NONE, (), D(15))


def test_the_short_leg_is_bought_when_that_is_worth_more() -> None:
    # Polymarket filled 15, Kalshi 9: 6 NO unmatched. Hedge: 6 YES at 0.47 cost 2.82 +
    # 0.07 x 6 x 0.47 x 0.53 = 0.104622 -> 15 baskets - 2.924622 = 12.075378.
    # Unwind: 6 NO sold at 0.45 bring 2.70 -> 9 + 2.70 = 11.70. Hedge.
    plan = resolve_legs(LEGS, [D(15), D(9)], books("0.47"), FEES)
    assert plan.action is LegAction.HEDGE
    assert plan.orders == (
        Leg(market_id=K, side=YES, limit_price=D("0.47"), size=D(6), time_in_force=TimeInForce.IOC),
    )
    assert plan.cash == -(D("2.82") + D("0.104622"))
    assert (plan.baskets, plan.naked) == (D(15), D(0))
    assert plan.value == D("12.075378")


def test_the_long_leg_is_sold_when_the_hedge_costs_more() -> None:
    # Kalshi's YES ask is now 0.60: the hedge costs 3.60 + 0.1008 -> 11.2992 < 11.70
    plan = resolve_legs(LEGS, [D(15), D(9)], books("0.60"), FEES)
    assert plan.action is LegAction.UNWIND
    assert plan.orders == (
        Leg(
            market_id=P,
            side=NO,
            limit_price=D("0.45"),
            size=D(6),
            action=Action.SELL,
            time_in_force=TimeInForce.IOC,
        ),
    )
    assert (plan.baskets, plan.cash, plan.value) == (D(9), D("2.70"), D("11.70"))


def test_a_lone_first_leg_is_unwound_or_hedged_whole() -> None:
    # the FOK leg filled, the IOC leg found nothing: 15 naked NO on Polymarket
    plan = resolve_legs(LEGS, [D(15), D(0)], books("0.47"), FEES)
    assert plan.action is LegAction.HEDGE
    assert plan.orders[0].size == D(15)
    assert plan.naked == D(0)


def test_the_hedge_stays_inside_its_room() -> None:
    # room for 2 more Kalshi contracts: the hedge would leave 4 unmatched, the unwind none
    plan = resolve_legs(LEGS, [D(15), D(9)], books("0.47"), FEES, room=Room(contracts=D(2)))
    assert plan.action is LegAction.UNWIND
    assert plan.naked == D(0)
    # and in its dollars: $1 buys 2 contracts at 0.47 (0.94 + 0.034874 in fees)
    plan = resolve_legs(LEGS, [D(15), D(9)], {K: books("0.47")[K]}, FEES, room=Room(dollars=D(1)))
    assert plan.action is LegAction.HEDGE  # no Polymarket book: nothing to unwind into
    assert plan.orders[0].size == D(2)
    assert plan.naked == D(4)
    assert "4 contracts stay unmatched" in plan.reason


def test_thin_books_leave_a_named_remainder() -> None:
    thin = {
        K: OrderBook(K, (), (Level(D("0.53"), D(2)),)),  # 2 YES at 0.47
        P: OrderBook(P, (), (Level(D("0.45"), D(1)),)),  # 1 NO bid at 0.45
    }
    plan = resolve_legs(LEGS, [D(15), D(9)], thin, FEES)
    assert plan.action is LegAction.HEDGE  # 4 unmatched after it, 5 after the unwind
    assert plan.naked == D(4)
    assert (
        plan.reason == "buy the short legs up to the long: 4 contracts stay unmatched (thin books)"
    )


def test_a_hedge_never_spends_more_than_its_dollars_after_rounding() -> None:
    # one YES at 0.335 costs 0.335 + 0.01559425 exactly, 0.350595 as charged: a budget
    # of the exact cost buys nothing, and the plan says what stays unmatched
    book = {K: OrderBook(K, (), (Level(D("0.665"), D(50)),))}
    budget = Room(dollars=D("0.35059425"))
    plan = resolve_legs(LEGS, [D(15), D(14)], book, FEES, room=budget)
    assert plan.orders == ()
    assert plan.naked == D(1)
    enough = resolve_legs(LEGS, [D(15), D(14)], book, FEES, room=Room(dollars=D("0.350595")))
    assert enough.orders[0].size == D(1)


def test_legs_and_fills_must_match() -> None:
    with pytest.raises(ValueError, match="2 legs but 1 filled quantities"):
        resolve_legs(LEGS, [D(1)], books("0.47"), FEES)

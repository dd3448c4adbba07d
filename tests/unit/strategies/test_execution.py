"""One execution of the executor, step by step, as pure state: the legs go one at a
time (each next one sized to what the first filled), a first leg that fills nothing ends
it, uneven legs are balanced with the plan ``resolve_legs`` makes (the other action
after a round that filled nothing), at most three rounds before what is left is
reported naked, and the outcome waits for the fills and counts them as charged."""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, TimeInForce, Venue
from predmm.domain.fees import TakerFees
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import Fill, Leg
from predmm.strategies.execution import Balance, Execution, Outcome, Send, Wait
from predmm.strategies.leg_risk import LegAction, resolve_legs

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
K = MarketId(Venue.KALSHI, "KXFED")
P = MarketId(Venue.POLYMARKET, "0xfed")
LEGS = (
    Leg(market_id=P, side=NO, limit_price=D("0.50"), size=D(15), time_in_force=TimeInForce.FOK),
    Leg(market_id=K, side=YES, limit_price=D("0.46"), size=D(15)),
)
FEES = TakerFees()


def fill(
    n: int, leg: Leg, quantity: int, price: str, fee: str = "0", sell: bool = False, of: int = 0
) -> Fill:
    """Fill ``n`` of order ``o<of>`` (``o<n>`` unless given)."""
    return Fill(
        fill_id=FillId(f"f{n}"),
        market_id=leg.market_id,
        side=leg.side,
        price=D(price),
        quantity=D(quantity),
        fee=D(fee),
        action=Action.SELL if sell else Action.BUY,
        client_order_id=ClientOrderId(f"o{of or n}"),
    )


def sent(ex: Execution, decision: object, n: int) -> Leg:
    assert isinstance(decision, Send), decision
    ((index, leg),) = decision.orders
    ex.sent(ClientOrderId(f"o{n}"), index, leg.action)
    return leg


def test_both_legs_fill_and_the_outcome_counts_the_fills_as_charged() -> None:
    ex = Execution("e1", "arbitrage", LEGS)
    first = sent(ex, ex.start(), 1)
    assert first == LEGS[0]
    second = sent(ex, ex.ended(ClientOrderId("o1"), D(15)), 2)
    assert (second.market_id, second.size) == (K, D(15))  # sized to what the first filled
    assert isinstance(ex.ended(ClientOrderId("o2"), D(15)), Wait)  # its fills are to come
    assert isinstance(ex.filled(fill(1, LEGS[0], 15, "0.50")), Wait)
    assert isinstance(ex.filled(fill(2, LEGS[1], 10, "0.45", fee="0.173250")), Wait)
    outcome = ex.filled(fill(3, LEGS[1], 5, "0.46", fee="0.086940", of=2))
    assert isinstance(outcome, Outcome)
    # 15 x 0.50 + 10 x 0.45 + 5 x 0.46 and Kalshi's fees, as the fills say
    assert (outcome.baskets, outcome.naked) == (D(15), D(0))
    assert outcome.cash == -(D("7.50") + D("4.50") + D("2.30") + D("0.26019"))
    assert outcome.locked == D("0.43981")  # the README's worked example, from the fills


def test_a_first_leg_that_fills_nothing_sends_nothing_else() -> None:
    ex = Execution("e1", "arbitrage", LEGS)
    sent(ex, ex.start(), 1)
    outcome = ex.ended(ClientOrderId("o1"), D(0))
    assert isinstance(outcome, Outcome)
    assert (outcome.held, outcome.cash, outcome.naked) == ((D(0), D(0)), D(0), D(0))
    assert "nothing else sent" in outcome.reason


def test_uneven_legs_are_balanced_then_the_other_action_then_reported_naked() -> None:
    ex = Execution("e1", "arbitrage", LEGS)
    sent(ex, ex.start(), 1)
    sent(ex, ex.ended(ClientOrderId("o1"), D(15)), 2)
    balance = ex.ended(ClientOrderId("o2"), D(5))  # Kalshi's ask was mostly gone
    assert balance == Balance(LEGS, (D(15), D(5)), None)
    books = {
        K: OrderBook(K, (Level(D("0.40"), D(50)),), (Level(D("0.53"), D(10)),)),
        P: OrderBook(P, (Level(D("0.49"), D(50)),), (Level(D("0.48"), D(50)),)),
    }
    plan = resolve_legs(LEGS, balance.held, books, FEES)
    assert plan.action is LegAction.HEDGE  # buy 10 more YES on Kalshi at 0.47
    hedge = sent(ex, ex.planned(plan), 3)
    assert (hedge.market_id, hedge.side, hedge.size, hedge.action) == (K, YES, D(10), Action.BUY)
    # the hedge filled nothing: the next round is the unwind
    retry = ex.ended(ClientOrderId("o3"), D(0))
    assert retry == Balance(LEGS, (D(15), D(5)), LegAction.UNWIND)
    unwind = resolve_legs(LEGS, retry.held, books, FEES, only=retry.only)
    assert unwind.action is LegAction.UNWIND
    order = sent(ex, ex.planned(unwind), 4)
    assert (order.market_id, order.side, order.action, order.size) == (P, NO, Action.SELL, D(10))
    third = ex.ended(ClientOrderId("o4"), D(4))  # 6 still unmatched
    assert isinstance(third, Balance)
    sent(ex, ex.planned(resolve_legs(LEGS, third.held, books, FEES)), 5)
    outcome = ex.ended(ClientOrderId("o5"), D(0))
    assert isinstance(outcome, Wait)  # the fills of o1, o2 and o4 are still to come
    ex.filled(fill(1, LEGS[0], 15, "0.50"))
    ex.filled(fill(2, LEGS[1], 5, "0.45"))
    outcome = ex.filled(fill(4, LEGS[0], 4, "0.48", sell=True))
    assert isinstance(outcome, Outcome)
    assert outcome.held == (D(11), D(5))
    assert (outcome.baskets, outcome.naked) == (D(5), D(6))
    assert "still uneven after 3 rounds" in outcome.reason


def test_given_up_while_orders_are_open_it_settles_when_they_end() -> None:
    ex = Execution("e1", "arbitrage", LEGS)
    sent(ex, ex.start(), 1)
    assert isinstance(ex.give_up("the limits refused"), Wait)
    outcome = ex.ended(ClientOrderId("o1"), D(0))  # nothing more goes
    assert isinstance(outcome, Outcome)
    assert outcome.reason == "the limits refused"


def test_fills_that_never_come_are_given_up_on_with_the_counts_the_orders_ended_with() -> None:
    ex = Execution("h1", "market_making", LEGS[:1])
    sent(ex, ex.start(), 1)
    assert isinstance(ex.ended(ClientOrderId("o1"), D(15)), Wait)
    outcome = ex.fills_overdue()
    assert outcome.held == (D(15),)
    assert outcome.naked == 0
    assert outcome.cash == 0

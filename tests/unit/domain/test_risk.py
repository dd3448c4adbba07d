"""Worst-case exposure arithmetic (domain.risk) and the limit check."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.domain.risk import Exposure, Limits, Scope, Terms, breach, held, reduces, resting, total
from predmm.domain.scenarios import Scenarios

D = Decimal
ZERO = D(0)
M = MarketId(Venue.KALSHI, "M")
YES, NO = OrderSide.YES, OrderSide.NO
BUY, SELL = Action.BUY, Action.SELL
LIMITS = Limits(
    market_contracts=D(100),
    market_loss=D(50),
    event_contracts=D(60),
    event_loss=D(60),
    venue_loss=D(80),
    total_loss=D(100),
)


def buy(side: OrderSide, price: str, qty: int) -> Terms:
    return Terms(side=side, action=BUY, price=D(price), quantity=D(qty))


def scope(
    market: Exposure, event: Exposure | None = None, venue: D = ZERO, everything: D = ZERO
) -> Scope:
    """``market`` alone in its event (one outcome, on one venue)."""
    clique, on_venue = Scenarios(1), Scenarios(1)
    clique.add(0, market if event is None else event)
    on_venue.add(0, market if event is None else event)
    return Scope(
        market_id=M,
        market=market,
        outcome=0,
        event=clique,
        event_loss=clique.worst_loss,
        event_contracts=clique.contracts,
        event_on_venue=on_venue,
        venue_loss=venue,
        total_loss=everything,
    )


def test_held_contracts_lose_their_cost_when_the_other_side_wins() -> None:
    e = held(D(10), D(0), D("4.0"), D(0))  # 10 YES bought at 0.40
    assert (e.loss_if_no, e.loss_if_yes, e.worst_loss) == (D(4), D(-6), D(4))
    assert e.contracts == 10


def test_a_matched_pair_is_riskless() -> None:
    e = held(D(10), D(10), D("4.5"), D("5.0"))  # bought for 0.95 a pair: 0.05 locked
    assert e.worst_loss == 0
    assert e.contracts == 0


@pytest.mark.parametrize(
    ("terms", "loss_if_yes", "loss_if_no", "dir_yes", "dir_no"),
    [
        (buy(YES, "0.40", 10), D(0), D(4), D(10), D(0)),
        (buy(NO, "0.30", 10), D(3), D(0), D(0), D(10)),
        (Terms(side=YES, action=SELL, price=D("0.60"), quantity=D(10)), D(4), D(0), D(0), D(10)),
        (Terms(side=NO, action=SELL, price=D("0.70"), quantity=D(10)), D(0), D(3), D(10), D(0)),
    ],
)
def test_a_resting_order_counts_only_what_hurts(
    terms: Terms, loss_if_yes: D, loss_if_no: D, dir_yes: D, dir_no: D
) -> None:
    e = resting(terms)
    assert (e.loss_if_yes, e.loss_if_no) == (loss_if_yes, loss_if_no)
    assert (e.directional_yes, e.directional_no) == (dir_yes, dir_no)


def test_a_hedge_on_the_other_venue_lowers_the_event_worst_case() -> None:
    kalshi_yes = held(D(10), D(0), D("4.0"), D(0))
    poly_no = held(D(0), D(10), D(0), D("5.5"))
    assert total([kalshi_yes, poly_no]).worst_loss < kalshi_yes.worst_loss + poly_no.worst_loss
    assert total([kalshi_yes, poly_no]).contracts == 0


@pytest.mark.parametrize(
    ("terms", "net", "expected"),
    [
        (buy(NO, "0.5", 5), D(10), True),  # long YES: buying NO reduces
        (buy(NO, "0.5", 11), D(10), False),  # but not past flat
        (buy(YES, "0.5", 5), D(10), False),
        (buy(YES, "0.5", 5), D(-10), True),
        (Terms(side=YES, action=SELL, price=D("0.5"), quantity=D(3)), D(10), True),
        (buy(YES, "0.5", 1), D(0), False),
    ],
)
def test_reduces(terms: Terms, net: D, expected: bool) -> None:
    assert reduces(terms, net) is expected


@pytest.mark.parametrize(
    ("before", "terms", "why"),
    [
        (held(D(95), D(0), D(40), D(0)), buy(YES, "0.40", 10), "market contracts"),
        (held(D(50), D(0), D(45), D(0)), buy(YES, "0.90", 10), "market loss"),
        (held(D(55), D(0), D(20), D(0)), buy(YES, "0.10", 10), "event contracts"),
        (None, buy(YES, "0.50", 10), None),
    ],
)
def test_breach_names_the_first_limit_passed(
    before: Exposure | None, terms: Terms, why: str | None
) -> None:
    reason = breach(scope(before or Exposure()), terms, LIMITS)
    assert (reason is None) if why is None else (reason is not None and reason.startswith(why))


def test_venue_and_total_losses_are_checked_beyond_the_market() -> None:
    reason = breach(scope(Exposure(), venue=D(79)), buy(YES, "0.50", 10), LIMITS)
    assert reason is not None
    assert reason.startswith("venue loss")
    reason = breach(scope(Exposure(), everything=D(99)), buy(YES, "0.50", 10), LIMITS)
    assert reason is not None
    assert reason.startswith("total loss")


def test_a_limit_already_passed_still_lets_a_reducing_order_through() -> None:
    over = held(D(150), D(0), D(75), D(0))  # past every limit after a config change
    assert breach(scope(over), buy(NO, "0.40", 10), LIMITS) is None
    assert breach(scope(over), buy(YES, "0.40", 1), LIMITS) is not None


prices = st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=2)
qtys = st.integers(min_value=0, max_value=50).map(D)


@given(
    yes=qtys,
    no=qtys,
    py=prices,
    pn=prices,
    extra=st.lists(st.tuples(st.sampled_from([YES, NO]), prices, st.integers(1, 20)), max_size=5),
)
def test_worst_case_bounds_every_fill_outcome(
    yes: D, no: D, py: D, pn: D, extra: list[tuple[OrderSide, D, int]]
) -> None:
    """Whatever subset of the resting buys fills, the loss in either outcome stays within
    the worst case."""
    base = held(yes, no, yes * py, no * pn)
    worst = (base + total(resting(buy(s, str(p), q)) for s, p, q in extra)).worst_loss
    for mask in range(1 << len(extra)):
        y, n, cost = yes, no, yes * py + no * pn
        for i, (side, price, q) in enumerate(extra):
            if mask >> i & 1:
                cost += price * q
                y, n = (y + q, n) if side is YES else (y, n + q)
        assert max(cost - y, cost - n) <= worst

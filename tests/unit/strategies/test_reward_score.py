"""Polymarket's liquidity-reward scoring on our orders and the book
(``strategies.reward_score``): the docs' worked example, the single-sided rules, the
size cutoff, and a sample's share of the day's pool."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from predmm.domain import Action, Level, MarketId, Order, OrderBook, OrderSide, OrderStatus, Venue
from predmm.domain.ids import ClientOrderId
from predmm.domain.market import Rewards
from predmm.strategies.reward_score import (
    Resting,
    order_score,
    q_min,
    resting,
    reward_midpoint,
    sample,
    scores,
    slot,
)

D = Decimal
MID = MarketId(Venue.POLYMARKET, "0xabc")
AT = datetime(2026, 11, 2, 14, 0, 30, tzinfo=UTC)


def _order(side, price, size, *, action=Action.BUY, status=OrderStatus.OPEN, filled="0"):
    return Order(
        client_order_id=ClientOrderId(f"c-{side.value}-{price}-{size}"),
        market_id=MID,
        side=side,
        action=action,
        price=D(price),
        quantity=D(size),
        filled_quantity=D(filled),
        status=status,
    )


def test_the_docs_worked_example_first_side():
    """docs.polymarket.com, Liquidity Rewards: midpoint 0.50, max spread 3 cents; bids on
    YES of 100 at 0.49 and 200 at 0.48 and an ask on NO of 100 at 0.51 (a YES bid at
    0.49): Q_one = (2/3)^2 x 100 + (1/3)^2 x 200 + (2/3)^2 x 100."""
    rewards = Rewards(max_spread=D("0.03"), daily_rate=D(100))
    ours = resting(
        [
            _order(OrderSide.YES, "0.49", 100),
            _order(OrderSide.YES, "0.48", 200),
            _order(OrderSide.NO, "0.51", 100, action=Action.SELL),
        ]
    )
    q_one, q_two = scores(rewards, D("0.50"), ours)
    expected = (D(2) / 3) ** 2 * 100 + (D(1) / 3) ** 2 * 200 + (D(2) / 3) ** 2 * 100
    assert q_one == pytest.approx(expected, abs=D("1e-20"))
    assert q_one == pytest.approx(D("111.1111111"), abs=D("1e-6"))
    assert q_two == 0


def test_order_score_is_quadratic_inside_the_band_and_zero_at_or_past_it():
    v = D("0.035")
    assert order_score(v, D(0)) == 1
    assert order_score(v, v / 2) == D("0.25")
    assert order_score(v, v) == 0
    assert order_score(v, D("0.05")) == 0


def test_single_sided_scores_a_third_inside_ten_to_ninety_and_nothing_outside():
    assert q_min(D(90), D(0), D("0.50")) == 30
    assert q_min(D(90), D(60), D("0.50")) == 60
    assert q_min(D(90), D(0), D("0.05")) == 0  # near 0 or 1: two-sided or nothing
    assert q_min(D(90), D(60), D("0.95")) == 60


def test_orders_below_min_size_do_not_score_and_only_resting_orders_count():
    rewards = Rewards(min_size=D(20), max_spread=D("0.03"), daily_rate=D(100))
    ours = resting(
        [
            _order(OrderSide.YES, "0.49", 19),  # too small
            _order(OrderSide.YES, "0.48", 50, status=OrderStatus.SUBMITTED),  # not resting
            _order(OrderSide.NO, "0.49", 30, filled="5"),  # 25 left: a YES ask at 0.51
        ]
    )
    assert ours == (
        Resting(OrderSide.YES, D("0.49"), D(19)),
        Resting(OrderSide.NO, D("0.49"), D(25)),
    )
    q_one, q_two = scores(rewards, D("0.50"), ours)
    assert q_one == 0
    assert q_two == (D(2) / 3) ** 2 * 25


def test_the_adjusted_midpoint_walks_past_dust_to_the_minimum_size():
    book = OrderBook(
        MID,
        (Level(D("0.49"), D(2)), Level(D("0.46"), D(100))),  # dust at 0.49
        (Level(D("0.48"), D(100)),),  # YES ask 0.52
    )
    assert book.mid() == D("0.505")
    assert reward_midpoint(book, D(20)) == D("0.49")  # (0.46 + 0.52) / 2
    assert reward_midpoint(book, D(0)) == D("0.505")
    thin = OrderBook(MID, (Level(D("0.49"), D(5)),), (Level(D("0.48"), D(5)),))
    assert reward_midpoint(thin, D(20)) == D("0.505")  # no side deep enough: the mid
    assert reward_midpoint(OrderBook(MID, (Level(D("0.49"), D(5)),), ()), D(0)) is None


def test_a_sample_shares_the_pool_with_the_rest_of_the_book():
    """Our 30 a side at 0.49 / 0.51 against others' 60 a side at 0.48 / 0.52, max spread
    3 cents: ours (2/3)^2 x 30 = 13.33 a side, theirs (1/3)^2 x 60 = 6.67; share 2/3 of
    a minute of $1,440 a day = $0.6667."""
    rewards = Rewards(min_size=D(20), max_spread=D("0.03"), daily_rate=D(1440))
    ours = resting([_order(OrderSide.YES, "0.49", 30), _order(OrderSide.NO, "0.49", 30)])
    book = OrderBook(
        MID,
        (Level(D("0.49"), D(30)), Level(D("0.48"), D(60))),
        (Level(D("0.49"), D(30)), Level(D("0.48"), D(60))),
    )
    s = sample(rewards, book, ours, AT)
    assert s.midpoint == D("0.50")
    assert s.share == pytest.approx(D(2) / 3, abs=D("1e-20"))
    assert s.dollars == pytest.approx(D(2) / 3, abs=D("1e-20"))
    assert s.in_band
    assert s.scored
    assert s.day == AT.date()


def test_a_sample_with_nothing_of_ours_in_the_band_earns_nothing():
    rewards = Rewards(min_size=D(20), max_spread=D("0.03"), daily_rate=D(1440))
    ours = resting([_order(OrderSide.YES, "0.45", 30), _order(OrderSide.NO, "0.45", 30)])
    book = OrderBook(
        MID,
        (Level(D("0.48"), D(60)), Level(D("0.45"), D(30))),
        (Level(D("0.48"), D(60)), Level(D("0.45"), D(30))),
    )
    s = sample(rewards, book, ours, AT)
    assert s.dollars == 0
    assert not s.in_band
    assert not s.scored
    assert s.others > 0


def test_one_sample_per_slot():
    assert slot(AT) == slot(AT.replace(second=59))
    assert slot(AT.replace(minute=1)) == slot(AT) + 1
    assert slot(AT, 1.0) == int(AT.timestamp())

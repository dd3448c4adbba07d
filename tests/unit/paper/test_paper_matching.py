"""The binary book algebra of the paper venue's fill model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.platforms.paper.matching import (
    bid_view,
    crosses,
    hit_by_trade,
    merge_taken,
    order_price,
    walk,
)

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
M = MarketId(Venue.POLYMARKET, "0xabc")


@pytest.mark.parametrize(
    ("side", "action", "price", "expected"),
    [
        (YES, Action.BUY, "0.40", (YES, "0.40")),
        (NO, Action.BUY, "0.30", (NO, "0.30")),
        (YES, Action.SELL, "0.40", (NO, "0.60")),  # selling YES at 0.40 = buying NO at 0.60
        (NO, Action.SELL, "0.30", (YES, "0.70")),
    ],
)
def test_every_order_is_a_bid_on_one_side(
    side: OrderSide, action: Action, price: str, expected: tuple[OrderSide, str]
) -> None:
    book_side, bid = bid_view(side, action, D(price))
    assert (book_side, bid) == (expected[0], D(expected[1]))
    assert order_price(action, bid) == D(price)


@pytest.mark.parametrize(
    ("side", "bid", "print_", "hit"),
    [
        (YES, "0.40", "0.40", True),  # a seller at our price
        (YES, "0.40", "0.38", True),  # a seller through our price
        (YES, "0.40", "0.41", False),  # a buyer above us: not our side
        (NO, "0.60", "0.40", True),  # a YES buyer at 0.40 sells NO at 0.60 to us
        (NO, "0.60", "0.45", True),  # ... through us
        (NO, "0.60", "0.39", False),  # a YES seller: hits the YES bids, not us
    ],
)
def test_which_prints_sell_into_a_bid(side: OrderSide, bid: str, print_: str, hit: bool) -> None:
    assert hit_by_trade(side, D(bid), D(print_)) is hit


def test_crossing_and_walking_read_the_other_sides_bids_mirrored() -> None:
    book = OrderBook(M, (Level(D("0.40"), D(5)),), (Level(D("0.55"), D(3)), Level(D("0.50"), D(4))))
    assert crosses(book, YES, D("0.45"))  # YES asks 0.45 x3, 0.50 x4
    assert not crosses(book, YES, D("0.44"))
    assert crosses(book, NO, D("0.60"))  # NO asks 0.60 x5
    fills, taken = walk(book, YES, D("0.50"), D(5))
    assert fills == [Level(D("0.45"), D(3)), Level(D("0.50"), D(2))]
    assert taken == {(NO, D("0.55")): D(3), (NO, D("0.50")): D(2)}


def test_taken_liquidity_shrinks_with_its_level() -> None:
    taken = {(NO, D("0.55")): D(3), (NO, D("0.50")): D(2)}
    later = OrderBook(M, (), (Level(D("0.55"), D(1)),))  # 0.50 gone, 0.55 down to 1
    assert merge_taken(taken, later) == {(NO, D("0.55")): D(1)}
    assert merge_taken(taken, later, {(NO, D("0.55")): D(1)}) == {(NO, D("0.55")): D(2)}

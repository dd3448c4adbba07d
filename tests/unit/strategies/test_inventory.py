from decimal import Decimal

import pytest

from predmm.domain import Action, OrderSide
from predmm.strategies.market_making import InventoryTracker

D = Decimal


def test_buys_average_in_and_sells_realize_against_the_average():
    inv = InventoryTracker(market_id="M", max_inventory=40)
    inv.apply_fill(OrderSide.YES, 10, D("0.40"))
    inv.apply_fill(OrderSide.YES, 10, D("0.50"), fee=D("0.02"))
    assert (inv.yes_contracts, inv.avg_yes_price) == (D(20), D("0.45"))
    inv.apply_fill(OrderSide.YES, 5, D("0.60"), action=Action.SELL)
    assert inv.yes_contracts == 15
    assert inv.avg_yes_price == D("0.45")
    assert inv.realized_pnl == D("0.75") - D("0.02")
    assert inv.fees_paid == D("0.02")
    inv.apply_fill(OrderSide.YES, 15, D("0.45"), action=Action.SELL)
    assert (inv.yes_contracts, inv.avg_yes_price) == (0, 0)


def test_cannot_sell_what_is_not_held_or_a_negative_quantity():
    inv = InventoryTracker(market_id="M")
    with pytest.raises(ValueError, match="only 0 held"):
        inv.apply_fill(OrderSide.NO, 1, D("0.5"), action=Action.SELL)
    with pytest.raises(ValueError, match="negative"):
        inv.apply_fill(OrderSide.NO, -1, D("0.5"))


def test_pairs_settle_at_exactly_one_dollar_either_way():
    for yes_won in (True, False):
        inv = InventoryTracker(market_id="M")
        inv.apply_fill(OrderSide.YES, 10, D("0.48"))
        inv.apply_fill(OrderSide.NO, 10, D("0.48"))
        payout = inv.settle(yes_won=yes_won)
        assert payout == 10
        assert inv.realized_pnl == D("0.40")
        assert inv.net_position == 0


def test_unrealized_pnl_marks_yes_and_no():
    inv = InventoryTracker(market_id="M", net_position=10)
    inv.avg_yes_price = D("0.48")
    inv.apply_fill(OrderSide.NO, 4, D("0.40"))
    # YES: 10 x (0.75 - 0.48) = 2.70; NO: 4 x (0.25 - 0.40) = -0.60
    assert inv.unrealized_pnl(D("0.75")) == D("2.10")
    assert inv.status()["net_position"] == 6
    assert InventoryTracker(market_id="S", net_position=-7).no_contracts == 7

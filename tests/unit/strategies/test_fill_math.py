"""One fill's arithmetic on an inventory: an oversell buys the other side, and a
reverted fill leaves the inventory as it was before the fill."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.ids import FillId, MarketId
from predmm.domain.orders import Fill
from predmm.strategies.fills import apply_fill, revert_fill
from predmm.strategies.inventory import InventoryTracker

D = Decimal
M = MarketId(Venue.KALSHI, "M")


def _fill(action: Action, quantity: int, price: str, fee: str = "0") -> Fill:
    return Fill(
        fill_id=FillId("f1"),
        market_id=M,
        side=OrderSide.YES,
        price=D(price),
        quantity=D(quantity),
        action=action,
        fee=D(fee),
    )


def _holding(yes: int, avg: str) -> InventoryTracker:
    return InventoryTracker(market_id=M, yes_contracts=yes, avg_yes_price=D(avg))


def _state(t: InventoryTracker) -> tuple[Decimal, ...]:
    return (
        t.yes_contracts,
        t.avg_yes_price,
        t.no_contracts,
        t.avg_no_price,
        t.realized_pnl,
        t.fees_paid,
    )


def test_selling_more_than_is_held_buys_the_rest_of_the_other_side() -> None:
    tracker = _holding(3, "0.40")
    apply_fill(tracker, _fill(Action.SELL, 5, "0.55", fee="0.01"))
    # 3 YES sold for 0.15 each, less the fee; 2 more sold YES at 0.55 = 2 NO at 0.45
    assert _state(tracker) == (0, 0, 2, D("0.45"), D("0.44"), D("0.01"))


def test_an_oversell_of_nothing_held_still_pays_its_fee() -> None:
    tracker = _holding(0, "0")
    apply_fill(tracker, _fill(Action.SELL, 2, "0.30", fee="0.02"))
    assert _state(tracker) == (0, 0, 2, D("0.70"), D("-0.02"), D("0.02"))


@pytest.mark.parametrize(
    "fill",
    [_fill(Action.BUY, 10, "0.50", fee="0.02"), _fill(Action.SELL, 4, "0.60", fee="0.01")],
    ids=["buy", "sell"],
)
def test_reverting_a_fill_restores_the_inventory_before_it(fill: Fill) -> None:
    tracker = _holding(10, "0.40")
    before = _state(tracker)
    apply_fill(tracker, fill)
    assert _state(tracker) != before
    revert_fill(tracker, fill)
    assert _state(tracker) == before

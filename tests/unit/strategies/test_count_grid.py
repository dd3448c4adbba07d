"""Sizes on the market's count grid: whole contracts where the market trades whole ones,
hundredths where it trades fractions (Kalshi markets that enable it). A fractional
position (a fractional fill, or a venue position read back) never makes an off-grid
quote, exit or rebalance: every size is rounded down, never past a limit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import hypothesis.strategies as st
import pytest
from hypothesis import given

from predmm.config.market_making import MarketMakingConfig
from predmm.domain import OffGridCount, OrderSide
from predmm.domain.counts import HUNDREDTH, WHOLE, check_count, round_count
from predmm.domain.testing import create_test_market
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import aggressive_exit, passive_exit
from predmm.strategies.maker.quote_diff import on_count_grid
from predmm.strategies.market_making import exit_signal
from predmm.strategies.quoting import Quote, compute_quotes

D = Decimal
CONFIG = MarketMakingConfig(max_inventory=10, quote_size=10, inventory_skew_threshold=5,
                            rebalance_threshold=8, max_position_size=10)  # fmt: skip


def _held(yes: str, no: str = "0") -> InventoryTracker:
    return InventoryTracker(market_id="T", yes_contracts=D(yes), no_contracts=D(no))


def test_round_count_rounds_down_onto_the_step_and_checks_it() -> None:
    assert round_count(D("6.63")) == D(6)
    assert round_count(D("6.638"), HUNDREDTH) == D("6.63")
    assert round_count(D("0.99")) == 0
    assert round_count(D("-2")) == 0
    check_count(D("2.37"), HUNDREDTH, "order x")
    with pytest.raises(OffGridCount, match=r"order x: count 2.37 is not a positive multiple of 1"):
        check_count(D("2.37"), WHOLE, "order x")
    with pytest.raises(OffGridCount):
        check_count(D("0"), HUNDREDTH, "order y")


@given(
    size=st.decimals(min_value=0, max_value=10_000, places=4),
    step=st.sampled_from([WHOLE, HUNDREDTH]),
)
def test_round_count_is_the_largest_grid_size_not_above(size: Decimal, step: Decimal) -> None:
    rounded = round_count(size, step)
    assert rounded <= size
    assert size - rounded < step
    assert rounded % step == 0


def test_a_fractional_position_makes_whole_quotes_on_a_whole_contract_market() -> None:
    """Net 3.37 YES leaves 6.63 of max_inventory: 6 on a whole market (6.63 before)."""
    whole = create_test_market()
    decision = compute_quotes(whole, _held("3.37"), CONFIG)
    assert decision is not None
    assert decision.yes_bid is not None
    assert decision.yes_bid.size == D(6)
    fractional = attrs.evolve(whole, count_step=HUNDREDTH)
    decision = compute_quotes(fractional, _held("3.37"), CONFIG)
    assert decision is not None
    assert decision.yes_bid is not None
    assert decision.yes_bid.size == D("6.63")


def test_exits_and_rebalances_are_on_the_grid() -> None:
    whole = create_test_market(hours_to_close=0.25)
    held = _held("9.75")
    passive = passive_exit(held, whole)
    assert passive is not None
    assert (passive.side, passive.size) == (OrderSide.NO, D(9))
    out = aggressive_exit(held, whole, CONFIG)
    assert out is not None
    assert out.size == D(9)
    fractional = attrs.evolve(whole, count_step=HUNDREDTH)
    out = aggressive_exit(held, fractional, CONFIG)
    assert out is not None
    assert out.size == D("9.75")
    quoting = create_test_market(as_of=whole.as_of - timedelta(hours=48))
    rebalance = exit_signal(_held("8.5"), quoting, CONFIG)  # 8.5 - 5 = 3.5
    assert rebalance is not None
    assert rebalance.size == D(3)
    assert passive_exit(_held("0.4"), whole) is None  # less than one contract: nothing


def test_the_market_actor_drops_what_rounds_to_nothing() -> None:
    quotes = {
        OrderSide.YES: Quote(OrderSide.YES, D("0.40"), D("2.5")),
        OrderSide.NO: Quote(OrderSide.NO, D("0.50"), D("0.5")),
    }
    assert on_count_grid(quotes, WHOLE) == {OrderSide.YES: Quote(OrderSide.YES, D("0.40"), D(2))}
    assert on_count_grid(quotes, HUNDREDTH) == quotes

"""The replay's fast paths change no result: a replay with them sends the same orders at
the same times, with the same fills and PnL, as the same replay with each of them
replaced by the plain construction it stands for (the decision's book built level by
level, every book's levels merged and sorted, a client order id made per lookup, every
book shown to the trade-through model in full, every book looked at even when its best
prices are those of a look that decided nothing)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from predmm.backtest import engine_state, maker, portfolio
from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import (
    Ladders,
    TradeThrough,
    Working,
    clip,
    crossing,
    take_crossing,
)
from predmm.backtest.maker import CoreDecider
from predmm.backtest.sources.synthetic import SyntheticL1
from predmm.config.market_making import MarketMakingConfig
from predmm.domain import book
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Venue
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.strategies.maker.trace import DecisionLog

CONFIG = MarketMakingConfig(
    min_spread=Decimal("0.04"),
    base_spread=Decimal("0.04"),
    skew_price_adjustment_per_10=Decimal(0),
    inventory_spread_multiplier=Decimal(1),
    max_time_to_resolution_hours=24 * 30,
)
MARKET = MarketId(Venue.KALSHI, "M")


def run(source: SyntheticL1, model: TradeThrough, fair: str) -> tuple[object, ...]:
    log = DecisionLog()
    decider = CoreDecider(config=attrs.evolve(CONFIG, fair_value_method=fair), tracer=log)
    replay = Replay(source, decider, ReplayConfig(fill_model=model))
    result = replay.run()
    decisions = [(d.at, d.key, d.orders) for d in log.decisions]
    return decisions, result.fill_log, result.pnl, result.orders, result.cancels, result.equity


class PlainTradeThrough(TradeThrough):
    """The trade-through model without its early return on books that cross nothing."""

    def on_book(self, order: Working, book: Ladders) -> Decimal:
        got = clip(order, crossing(order, book, inclusive=False))
        take_crossing(order, book, float(got), inclusive=False)
        return got


def plain_level(price: float, size: float) -> Level:
    return Level(Decimal(repr(price)), Decimal(repr(size)) if size > 0 else Decimal("0.01"))


@pytest.mark.parametrize(("move", "seed", "fair"), [(0.25, 1, "mid"), (1.0, 4, "microprice")])
def test_a_replay_with_the_fast_paths_decides_and_fills_as_one_without(
    monkeypatch: pytest.MonkeyPatch, move: float, seed: int, fair: str
) -> None:
    source = SyntheticL1(ticks=4_000, move=move, seed=seed)
    fast = run(source, TradeThrough(), fair)
    monkeypatch.setattr(engine_state, "_level", plain_level)
    monkeypatch.setattr(book, "_strictly_desc", lambda levels: False)
    monkeypatch.setattr(maker, "coid_of", ClientOrderId)
    monkeypatch.setattr(portfolio, "coid_of", ClientOrderId)
    monkeypatch.setattr(Replay, "calm_skips", False)
    plain = run(source, PlainTradeThrough(), fair)
    assert fast == plain
    decisions, fills = fast[0], fast[1]
    assert sum(1 for d in decisions if d[2]) > 20  # it quoted and requoted
    assert fills  # and was filled


levels = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=99).map(lambda c: Decimal(c) / 100),
        st.integers(min_value=-5, max_value=500).map(Decimal),
    ),
    max_size=8,
)


@given(levels)
def test_a_book_keeps_its_levels_merged_best_first_whatever_order_they_come_in(
    given_levels: list[tuple[Decimal, Decimal]],
) -> None:
    merged: dict[Decimal, Decimal] = {}
    for price, size in given_levels:
        if size > 0:
            merged[price] = merged.get(price, Decimal(0)) + size
    expected = tuple(Level(p, s) for p, s in sorted(merged.items(), reverse=True))
    ladder = tuple(Level(p, s) for p, s in given_levels)
    made = OrderBook(MARKET, ladder, ladder)
    assert made.yes_bids == expected
    assert made.no_bids == expected
    again = OrderBook(MARKET, made.yes_bids)  # already merged: the same levels
    assert again.yes_bids == expected

"""The backtest's skip rule changes no result: a replay whose decider skips the updates
inside its core's band (``strategies.maker.band``) decides exactly what the same replay
decides when every update is shown to the core, while building fewer decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import TradeThrough
from predmm.backtest.maker import CoreDecider
from predmm.backtest.sources.synthetic import SyntheticL1
from predmm.config.market_making import MarketMakingConfig
from predmm.strategies.maker.trace import DecisionLog

CONFIG = MarketMakingConfig(
    min_spread=Decimal("0.04"),
    base_spread=Decimal("0.04"),
    max_time_to_resolution_hours=24 * 30,
)


def run(source: SyntheticL1, skip: bool) -> tuple[list[object], int, object]:
    log = DecisionLog()
    decider = CoreDecider(config=CONFIG, tracer=log, skip=skip)
    replay = Replay(source, decider, ReplayConfig(fill_model=TradeThrough()))
    result = replay.run()
    sent = [(d.at, d.orders) for d in log.decisions if d.orders]
    return sent, sum(m.decisions for m in replay.mkts), (result.pnl, result.fills)


# (seed 1, move 0.05 tells a tick timed by the decisions from one on the clock's grid)
@pytest.mark.parametrize(("move", "seed"), [(0.05, 1), (0.3, 3)])
def test_skipping_the_band_decides_the_same_orders_with_fewer_decisions(
    move: float, seed: int
) -> None:
    source = SyntheticL1(ticks=6_000, move=move, seed=seed)
    skipped, built, result = run(source, skip=True)
    shown, all_built, all_result = run(source, skip=False)
    assert skipped == shown
    assert result == all_result
    assert len(shown) > 20  # it quoted and requoted
    assert built < all_built

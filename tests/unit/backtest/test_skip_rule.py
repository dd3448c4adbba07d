"""The backtest's skip rule changes no result: a replay whose decider skips the updates
inside its core's band (``strategies.maker.band``) decides exactly what the same replay
decides when every update is shown to the core, while building fewer decisions."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import TradeThrough
from predmm.backtest.maker import CoreDecider
from predmm.backtest.sources.synthetic import SyntheticL1
from predmm.backtest.testing import T0, ListSource, book, market
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.strategies.maker.trace import DecisionLog

CONFIG = MarketMakingConfig(
    min_spread=Decimal("0.04"),
    base_spread=Decimal("0.04"),
    max_time_to_resolution_hours=24 * 30,
)


def run(
    source: SyntheticL1, skip: bool, config: MarketMakingConfig = CONFIG
) -> tuple[list[object], int, object]:
    log = DecisionLog()
    decider = CoreDecider(config=config, tracer=log, skip=skip)
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


@pytest.mark.parametrize("method", ["microprice", "cross_venue"])
def test_a_fair_value_of_the_sizes_at_the_touch_skips_no_size_change(method: str) -> None:
    """The microprice reads the sizes at the touch, and so does the cross-venue fair
    value (the market's own microprice when no linked book is known, as in a replay of
    one venue's data): an update that changes only sizes is shown to the core."""
    config = attrs.evolve(CONFIG, fair_value_method=method)
    source = SyntheticL1(ticks=3_000, move=0.05, seed=1)
    skipped, _, result = run(source, skip=True, config=config)
    shown, _, all_result = run(source, skip=False, config=config)
    assert skipped == shown
    assert result == all_result


def test_a_tick_on_a_quiet_book_builds_no_decision_until_the_quotes_age_out() -> None:
    """The daemon's tick each second changes nothing while the quotes are young and the
    book stays in the band: the backtest builds no decision for it. The tick at which
    the quotes pass ``max_quote_age_seconds`` (30 s) is still shown to the core, as the
    daemon's would be: it requotes there."""
    source = ListSource([market("K", Venue.KALSHI, liquidity=Decimal(1_000_000))])
    for i in range(900):  # 90 s of updates every 100 ms; only the sizes change
        source.book(i * 100, book([(0.40, 100 + i % 7)], [(0.55, 100 + i % 5)]))

    def decided(skip: bool) -> tuple[list[float], int]:
        log = DecisionLog()
        decider = CoreDecider(config=CONFIG, tracer=log, skip=skip)
        replay = Replay(source, decider, ReplayConfig(fill_model=TradeThrough()))
        replay.run()
        seconds = [d.at.timestamp() - T0 / 1000 for d in log.decisions]
        return seconds, replay.mkts[0].decisions

    seconds, built = decided(skip=True)
    all_seconds, all_built = decided(skip=False)
    assert seconds == all_seconds  # the same decisions: placed at 0, aged out at 31 and 62
    assert [s for s in seconds if s > 0] == [31.0, 62.0]
    assert all_built >= 90  # every second's tick
    assert built <= 5

"""How many book events per second the backtest replays, single core.

(a) The real Polymarket L2 sample (``../shared/data/polymarket-btc15m-l2``; the committed
fixture ``tests/fixtures/backtest/polymarket-l2`` when that is absent, said so) through
the default strategy config, fill model trade-through, as ``predmm backtest`` runs it.
(b) NautilusTrader's requoting market-maker workload: 1M synthetic L1 ticks (a seeded
random walk on the 0.01 grid, a 1-3 tick spread: ``backtest.sources.synthetic``) through
the strategy quoting two ticks off the mid (``base_spread`` 0.04, no skew), beside
(c) the floor: a bare Python ``Decimal`` loop over the same ticks that computes the two
quotes and counts the changes, no engine, no orders.

Figures are events over the replay's wall time (the source's batches included; reading
the files and building the synthetic ticks not). The last line printed is one JSON
object.

    .venv/bin/python bench/backtest_speed.py [--ticks N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.fills import TradeThrough
from predmm.backtest.maker import CoreDecider
from predmm.backtest.sources import open_source
from predmm.backtest.sources.synthetic import SyntheticL1
from predmm.config.market_making import MarketMakingConfig

ROOT = Path(__file__).resolve().parents[1]
# the shared data beside the checkout (../shared), or beside the worktrees' folder
SHARED = next(
    (
        p / "shared" / "data" / "polymarket-btc15m-l2"
        for p in (ROOT.parent, ROOT.parent.parent)
        if (p / "shared" / "data" / "polymarket-btc15m-l2" / "books.parquet").exists()
    ),
    ROOT.parent / "shared" / "data" / "polymarket-btc15m-l2",
)
FIXTURE = ROOT / "tests" / "fixtures" / "backtest" / "polymarket-l2"
CENT = Decimal("0.01")
TWO_TICKS = Decimal("0.02")
# NautilusTrader's requoting maker: quotes two ticks off the mid, no skew
REQUOTING = MarketMakingConfig(
    min_spread=Decimal("0.04"),
    base_spread=Decimal("0.04"),
    skew_price_adjustment_per_10=Decimal(0),
    inventory_spread_multiplier=Decimal(1),
    max_time_to_resolution_hours=24 * 30,
)


def replay(source: Any, config: MarketMakingConfig) -> tuple[int, float]:
    run = Replay(source, CoreDecider(config=config), ReplayConfig(fill_model=TradeThrough()))
    result = run.run()
    return result.events, result.wall_s


def polymarket(repeat: int) -> dict[str, Any]:
    path = SHARED if (SHARED / "books.parquet").exists() else FIXTURE
    if path is FIXTURE:
        print(f"{SHARED} is absent: the committed fixture {FIXTURE.relative_to(ROOT)} instead")
    best = 0.0
    for _ in range(repeat):
        events, wall = replay(open_source(path, "polymarket-l2"), MarketMakingConfig())
        best = max(best, events / wall)
    name = path.name if path is SHARED else str(FIXTURE.relative_to(ROOT))
    return {"data": name, "events": events, "events_per_s": round(best)}


def synthetic(ticks: int, repeat: int) -> dict[str, Any]:
    source = SyntheticL1(ticks=ticks)
    best = floor_best = 0.0
    for _ in range(repeat):
        events, wall = replay(source, REQUOTING)
        best = max(best, events / wall)
        floor_best = max(floor_best, floor(source))
    return {"events": ticks, "events_per_s": round(best), "floor_per_s": round(floor_best)}


def floor(source: SyntheticL1) -> float:
    """A bare Decimal quote loop over the same ticks: mid, two ticks off, on the grid."""
    prices = [(Decimal(b) / 100, Decimal(a) / 100) for b, a in source.tick_prices()]
    changes, last = 0, None
    began = time.perf_counter()
    for bid, ask in prices:
        mid = (bid + ask) / 2
        quote = (
            (mid - TWO_TICKS).quantize(CENT, ROUND_FLOOR),
            (mid + TWO_TICKS).quantize(CENT, ROUND_CEILING),
        )
        if quote != last:
            changes, last = changes + 1, quote
    return len(prices) / (time.perf_counter() - began)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args(argv)
    a = polymarket(args.repeat)
    print(f"(a) Polymarket L2 ({a['data']}), default config: {a['events_per_s']:,} events/s")
    b = synthetic(args.ticks, args.repeat)
    print(
        f"(b) {b['events']:,} synthetic L1 ticks, requoting maker: {b['events_per_s']:,}"
        f" events/s (the floor, a bare Decimal quote loop: {b['floor_per_s']:,}/s)"
    )
    print(json.dumps({"polymarket_l2": a, "synthetic_l1": b}))


if __name__ == "__main__":
    main(sys.argv[1:])

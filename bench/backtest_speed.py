"""How many book events per second the backtest replays, single core.

(a) The real Polymarket L2 sample (``../shared/data/polymarket-btc15m-l2``; the committed
fixture ``tests/fixtures/backtest/polymarket-l2`` when that is absent, said so) through
the default strategy config, fill model trade-through, as ``predmm backtest`` runs it.
(b) NautilusTrader's requoting market-maker workload: 1M synthetic L1 ticks (a seeded
random walk on the 0.01 grid, a 1-3 tick spread: ``backtest.sources.synthetic``) through
the strategy quoting two ticks off the mid (``base_spread`` 0.04, no skew), beside
(c) the floor: a bare Python ``Decimal`` loop over the same ticks that computes the two
quotes and counts the changes, no engine, no orders.

In (b) the portfolio's loss and contract limits are lifted (``WIDE``): the workload is a
maker that requotes both sides for the whole walk. Under predmm's default limits the
walk's adverse fills (trade-through) reach ``max_market_loss`` ($100) about a quarter of
the way in; from there one side is refused and asked again at every price move and
every tick (the daemon's rule): that run is measured too, once (``default_limits``).

Figures are events over the replay's wall time and over its CPU time (this process's
own seconds on its core: what a machine shared with other work does not blur), the
source's batches included, reading the files and building the synthetic ticks not. The
last line printed is one JSON object.

    .venv/bin/python bench/backtest_speed.py [--ticks N] [--repeat N] [--move F]
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
from predmm.config.risk import RiskConfig

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


BIG = Decimal(10**9)
WIDE = RiskConfig(
    max_market_contracts=10**9,
    max_market_loss=BIG,
    max_event_contracts=10**9,
    max_event_loss=BIG,
    max_venue_loss=BIG,
    max_total_loss=BIG,
    daily_loss_limit=BIG,
)


def replay(
    source: Any, config: MarketMakingConfig, risk: RiskConfig | None = None
) -> tuple[int, float, float, int]:
    """Events, wall seconds and CPU seconds of one replay (the CPU figure is the one a
    shared machine does not blur: this process's own time on its core), and the orders
    the portfolio refused."""
    settings = ReplayConfig(fill_model=TradeThrough(), risk=risk or RiskConfig())
    run = Replay(source, CoreDecider(config=config), settings)
    cpu = time.process_time()
    result = run.run()
    return result.events, result.wall_s, time.process_time() - cpu, result.risk_refusals


def polymarket(repeat: int) -> dict[str, Any]:
    path = SHARED if (SHARED / "books.parquet").exists() else FIXTURE
    if path is FIXTURE:
        print(f"{SHARED} is absent: the committed fixture {FIXTURE.relative_to(ROOT)} instead")
    best = best_cpu = 0.0
    for _ in range(repeat):
        events, wall, cpu, _ = replay(open_source(path, "polymarket-l2"), MarketMakingConfig())
        best, best_cpu = max(best, events / wall), max(best_cpu, events / cpu)
    name = path.name if path is SHARED else str(FIXTURE.relative_to(ROOT))
    return {
        "data": name,
        "events": events,
        "events_per_s": round(best),
        "events_per_cpu_s": round(best_cpu),
    }


def synthetic(ticks: int, repeat: int, move: float) -> dict[str, Any]:
    source = SyntheticL1(ticks=ticks, move=move)
    best = best_cpu = floor_best = floor_cpu = 0.0
    for _ in range(repeat):
        events, wall, cpu, _ = replay(source, REQUOTING, WIDE)
        best, best_cpu = max(best, events / wall), max(best_cpu, events / cpu)
        wall, cpu = floor(source)
        floor_best, floor_cpu = max(floor_best, ticks / wall), max(floor_cpu, ticks / cpu)
    events, wall, cpu, refused = replay(source, REQUOTING)
    return {
        "events": ticks,
        "move": source.move,
        "events_per_s": round(best),
        "events_per_cpu_s": round(best_cpu),
        "floor_per_s": round(floor_best),
        "floor_per_cpu_s": round(floor_cpu),
        "default_limits": {
            "events_per_s": round(events / wall),
            "events_per_cpu_s": round(events / cpu),
            "refusals": refused,
        },
    }


def floor(source: SyntheticL1) -> tuple[float, float]:
    """A bare Decimal quote loop over the same ticks: mid, two ticks off, on the grid;
    its wall and CPU seconds."""
    prices = [(Decimal(b) / 100, Decimal(a) / 100) for b, a in source.tick_prices()]
    changes, last = 0, None
    began, cpu = time.perf_counter(), time.process_time()
    for bid, ask in prices:
        mid = (bid + ask) / 2
        quote = (
            (mid - TWO_TICKS).quantize(CENT, ROUND_FLOOR),
            (mid + TWO_TICKS).quantize(CENT, ROUND_CEILING),
        )
        if quote != last:
            changes, last = changes + 1, quote
    return time.perf_counter() - began, time.process_time() - cpu


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--move", type=float, default=0.25, help="share of ticks that move")
    args = parser.parse_args(argv)
    a = polymarket(args.repeat)
    print(
        f"(a) Polymarket L2 ({a['data']}), default config: {a['events_per_s']:,} events/s"
        f" ({a['events_per_cpu_s']:,} per CPU second)"
    )
    b = synthetic(args.ticks, args.repeat, args.move)
    print(
        f"(b) {b['events']:,} synthetic L1 ticks (prices move on {b['move']:.0%} of them),"
        f" requoting maker, limits lifted: {b['events_per_s']:,} events/s"
        f" ({b['events_per_cpu_s']:,} per CPU second); the floor, a bare Decimal quote"
        f" loop: {b['floor_per_s']:,}/s"
        f" ({b['floor_per_cpu_s']:,} per CPU second)"
    )
    d = b["default_limits"]
    print(
        f"    the same under predmm's default risk limits ({d['refusals']:,} orders"
        f" refused): {d['events_per_s']:,} events/s"
        f" ({d['events_per_cpu_s']:,} per CPU second)"
    )
    print(json.dumps({"polymarket_l2": a, "synthetic_l1": b}))


if __name__ == "__main__":
    main(sys.argv[1:])

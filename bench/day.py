"""One seeded simulated day per strategy: the presets, the defaults, a naive baseline, and
the defaults with the arbitrageur beside them (``arbitrage+mm``).

    python bench/day.py [--quick] [--seed N] [--jobs 2] [--flow calibrated|easy]

Each strategy trades the same seeded day of the simulator (``backtest``: the matching
core and its flow, no threads, time moved 1 s at a time; each market is looked at on
every book update, as the daemon's MarketActor is) with the maker's Kalshi and
Polymarket accounts ($10,000 each). The maker's orders rest in the simulated books and
fill there, in price-time priority, against the flow's takers. The flow is the
calibrated one (``simulator.flow``: informed traders, providers who learn, noise that
leans the way the price goes; ``bench/calibration.py`` holds it against the real
venues); ``--flow easy`` runs the flow before that calibration. The full day runs until
every event of the default universe has resolved (24 h); ``--quick`` runs its first 2
hours and marks what is held at the book mid.

* PnL: cash + positions marked at the book mid (settled markets paid out), in dollars;
* Sharpe: per-day, of the PnL path sampled every minute: mean / stdev of the one-minute
  PnL changes x sqrt(1440) (dollars, no risk-free rate);
* max drawdown: the largest fall of that path from a previous peak, dollars;
* fill rate: contracts filled / contracts quoted (quotes only; exits are IOC orders);
* markout 10 s: sum over quote fills of quantity x (YES mid 10 s later vs fill price),
  dollars (positive: the fills were good);
* write tokens: as the venues charge them (Kalshi 10 per create or amend, 2 per cancel;
  Polymarket 2 per order, 1 per cancel; Polymarket has no amend: cancel and replace).

The presets and the defaults run the daemon's strategy code with its guards, exits and
the PortfolioActor's default limits (``RiskConfig()``; the market contract limit is the
tighter of it and ``max_position_size``). ``arbitrage+mm`` is the defaults with an
``ArbitrageStrategy`` (default settings, the universe's taker fees) run beside them every
second, as the daemon's executor runs it (``backtest.arbitrage``): the JSON says how many
baskets it took, what they lock and what stayed unmatched. Quotes under a venue's minimum size
(Polymarket: 5) are not sent. The baseline quotes mid +/- 0.02 with 10 contracts a side:
no skew, no guards, no exits, no inventory or risk limit. The last line is one JSON
object keyed by strategy name (with a few more figures: fills, orders, cancels, amends,
spread capture, fees, risk refusals).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from predmm.backtest import (
    BacktestConfig,
    BacktestResult,
    FixedSpreadPolicy,
    Policy,
    StrategyPolicy,
    run_backtest,
)
from predmm.config import PRESET_NAMES, MarketMakingConfig, load_preset
from predmm.config.arbitrage import ArbitrageConfig
from predmm.simulator.flow import PROFILES, FlowConfig
from predmm.simulator.universe import default_universe

ARBITRAGE_MM = "arbitrage+mm"
STRATEGIES = ("baseline", "default", *PRESET_NAMES, ARBITRAGE_MM)
FULL_S = 24 * 3600 + 120
QUICK_S = 2 * 3600


def policy_for(name: str) -> Policy:
    if name == "baseline":
        return FixedSpreadPolicy(name=name, half_spread=Decimal("0.02"), size=Decimal(10))
    config = MarketMakingConfig() if name in ("default", ARBITRAGE_MM) else load_preset(name)
    return StrategyPolicy(name=name, config=config)


def config_for(name: str, seed: int, duration_s: float, flow: str) -> BacktestConfig:
    config = BacktestConfig(seed=seed, duration_s=duration_s, flow=FlowConfig.named(flow))
    if name != ARBITRAGE_MM:
        return config
    fees = default_universe(config.start).taker_fees()  # the venues' rates of the day
    return attrs.evolve(config, arbitrage=ArbitrageConfig(fees=fees))


def run_one(
    name: str, seed: int, duration_s: float, flow: str = "calibrated"
) -> tuple[BacktestResult, float]:
    start = time.perf_counter()
    result = run_backtest(policy_for(name), config_for(name, seed, duration_s, flow))
    return result, time.perf_counter() - start


def table(results: list[tuple[BacktestResult, float]]) -> str:
    head = (
        f"{'strategy':<13}{'PnL $':>10}{'Sharpe':>9}{'max DD $':>10}{'fill rate':>11}"
        f"{'mkout10s $':>12}{'tokens':>9}{'fills':>7}{'orders':>8}{'cancels':>9}{'wall s':>8}"
    )
    lines = [head, "-" * len(head)]
    for r, wall in results:
        lines.append(
            f"{r.strategy:<13}{r.pnl:>10.2f}{r.sharpe:>9.2f}{r.max_drawdown:>10.2f}"
            f"{r.stats.fill_rate:>11.4f}{r.markout_10s:>12.2f}{r.write_tokens:>9}"
            f"{r.fills:>7}{r.orders:>8}{r.cancels:>9}{wall:>8.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the first 2 hours only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--flow", choices=PROFILES, default="calibrated", help="the traders")
    args = parser.parse_args(argv)
    duration = QUICK_S if args.quick else FULL_S
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [
            pool.submit(run_one, name, args.seed, duration, args.flow) for name in STRATEGIES
        ]
        results = [f.result() for f in futures]
    wall = time.perf_counter() - began
    print(
        f"simulated day: seed {args.seed}, {args.flow} flow, "
        f"{duration / 3600:.2f} h of simulated time, "
        f"1 s steps, {len(STRATEGIES)} strategies on {args.jobs} processes, "
        f"{wall:.1f} s wall"
    )
    print(table(results))
    figures = {r.strategy: r.summary() for r, _ in results}
    print(json.dumps(figures, sort_keys=False))
    return figures


if __name__ == "__main__":
    main()

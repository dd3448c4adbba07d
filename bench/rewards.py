"""Liquidity rewards on the simulator: the default strategy with and without
``rewards_aware``, across a UTC midnight, and the daemon's estimate against what the
simulator itself paid.

    python bench/rewards.py [--minutes 120] [--seed 7] [--start 2026-11-02T23:00:00+00:00]

Each run is the interactive backtest (``backtest.driver``: the simulator's matching core
and seeded flow, the strategy's own orders resting in its books, time moved 1 s at a time)
from ``--start`` for ``--minutes``. The simulator samples every account's resting orders a
random second of each minute by Polymarket's formula and pays the day's liquidity rewards
and maker rebates at midnight (``simulator.rewards``); the backtest estimates them as the
daemon does (``strategies.reward_score``, a sample each minute; rebates from the maker
fills). Figures, dollars:

* trading PnL: cash (less the rewards paid) plus positions at the book mid;
* rewards est. / venue: liquidity rewards estimated / paid at midnight plus accrued since;
* rebates est. / paid: maker rebates estimated / paid at midnight (days ended only);
* in band: share of the estimate's samples of the rewarded markets the strategy quoted
  with both quotes in the band at the minimum size.

The last line is one JSON object keyed by strategy name.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from predmm.backtest import BacktestConfig, StrategyPolicy
from predmm.backtest.driver import Backtest
from predmm.config import MarketMakingConfig
from predmm.domain.enums import Venue

ZERO = Decimal(0)


def run_one(name: str, config: MarketMakingConfig, args: argparse.Namespace) -> dict[str, Any]:
    began = time.perf_counter()
    cfg = BacktestConfig(seed=args.seed, duration_s=args.minutes * 60.0, start=args.start)
    bt = Backtest(StrategyPolicy(name=name, config=config), cfg)
    result = bt.run()
    ours = bt.accounts[Venue.POLYMARKET]
    payments = [p for p in bt.sim.rewards.payments if p.account_id == ours]
    quoted = [m for m in bt.markets.values() if m.stats.snapshot(bt.elapsed).quoted_quantity]
    tallies = [m.rewards for m in quoted if m.rewards.samples]
    samples = sum(t.samples for t in tallies)
    return {
        "trading_pnl": float(round(result.pnl, 2)),
        "rewards_estimated": float(round(result.rewards, 4)),
        "rewards_venue": float(
            round(sum((p.liquidity for p in payments), ZERO) + result.rewards_accrued, 4)
        ),
        "rebates_estimated": float(round(result.rebates, 4)),
        "rebates_paid": float(
            sum((p.rebates for p in payments if p.paid_rebates), ZERO).quantize(Decimal("0.0001"))
        ),
        "in_band": round(sum(t.in_band for t in tallies) / samples, 3) if samples else 0.0,
        "fills": result.fills,
        "wall_s": round(time.perf_counter() - began, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=datetime.fromisoformat("2026-11-02T23:00:00+00:00"),
    )
    args = parser.parse_args(argv)
    runs = {
        "default": MarketMakingConfig(),
        "rewards_aware": MarketMakingConfig(rewards_aware=True),
    }
    figures = {name: run_one(name, config, args) for name, config in runs.items()}
    print(f"simulator: seed {args.seed}, {args.minutes} min from {args.start:%Y-%m-%d %H:%M} UTC")
    head = ["strategy", "trading PnL", "rewards est.", "venue", "rebates est.", "paid"]
    head += ["in band", "fills", "wall s"]
    print("  ".join(f"{h:>13}" for h in head))
    for name, f in figures.items():
        cells = [name, *(f[k] for k in list(f)[:6]), f["fills"], f["wall_s"]]
        print("  ".join(f"{c!s:>13}" for c in cells))
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()

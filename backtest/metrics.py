"""Figures of one backtest run: PnL path statistics and the result record."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from predmm.strategies.mm_metrics import StatsSnapshot

ZERO = Decimal(0)
SECONDS_PER_DAY = 86_400.0


def max_drawdown(equity: Sequence[Decimal]) -> Decimal:
    """The largest fall of the PnL path from a previous peak (>= 0, dollars)."""
    peak, worst = ZERO, ZERO
    for value in equity:
        peak = max(peak, value)
        worst = max(worst, peak - value)
    return worst


def sharpe(equity: Sequence[Decimal], interval_s: float) -> float:
    """Per-day Sharpe ratio of the PnL path sampled every ``interval_s`` seconds:
    mean(dPnL) / stdev(dPnL) x sqrt(intervals per day). PnL is in dollars, not a
    return on capital, and no risk-free rate is taken off. 0 with no variation."""
    steps = [float(b - a) for a, b in itertools.pairwise(equity)]
    if len(steps) < 2:
        return 0.0
    mean = sum(steps) / len(steps)
    var = sum((s - mean) ** 2 for s in steps) / (len(steps) - 1)
    if var <= 0:
        return 0.0
    return mean / math.sqrt(var) * math.sqrt(SECONDS_PER_DAY / interval_s)


@attrs.frozen(kw_only=True)
class BacktestResult:
    """What one strategy did over one simulated day."""

    strategy: str
    seed: int
    duration_s: float
    pnl: Decimal  # cash + positions marked at the book mid (settled markets paid out)
    realized_pnl: Decimal  # the strategy's inventory trackers: realized (incl. settlement)
    sharpe: float
    max_drawdown: Decimal
    stats: StatsSnapshot  # quote fills: fill rate, spread capture, markouts
    write_tokens: Decimal
    orders: int  # order creates sent (quotes and exits)
    cancels: int
    amends: int
    rejects: int
    reject_codes: dict[str, int]  # "place:RejectCode.X" / "amend:..." -> count
    risk_refusals: int  # orders the risk limits kept back (not sent)
    exit_fills: int
    fills: int  # every fill of the maker's accounts (quotes and exits)
    fees: Decimal
    equity: tuple[Decimal, ...] = attrs.field(repr=False)
    sample_interval_s: float = 60.0
    rewards: Decimal = ZERO  # liquidity rewards, estimated (the daemon's estimator)
    rebates: Decimal = ZERO  # maker rebates of the maker fills, estimated
    rewards_paid: Decimal = ZERO  # what the simulator paid (rewards and rebates, days ended)
    rewards_accrued: Decimal = ZERO  # liquidity rewards the simulator accrued today, unpaid
    arbitrage: dict[str, Any] = attrs.field(factory=dict)  # the arbitrageur's, when it ran

    @property
    def markout_10s(self) -> Decimal:
        return self.stats.markouts.get(10.0, ZERO)

    def summary(self) -> dict[str, Any]:
        """The benchmark's JSON figures (floats for the path statistics)."""
        return {
            "pnl": float(self.pnl),
            "sharpe": round(self.sharpe, 3),
            "max_drawdown": float(self.max_drawdown),
            "fill_rate": float(self.stats.fill_rate),
            "markout_10s": float(round(self.markout_10s, 4)),
            "write_tokens": int(self.write_tokens),
            "fills": self.fills,
            "orders": self.orders,
            "cancels": self.cancels,
            "amends": self.amends,
            "spread_capture": float(round(self.stats.spread_capture, 4)),
            "fees": float(self.fees),
            "risk_refusals": self.risk_refusals,
            "rewards": float(round(self.rewards, 6)),
            "rebates": float(round(self.rebates, 6)),
            "rewards_paid": float(self.rewards_paid),
            "rewards_accrued": float(round(self.rewards_accrued, 6)),
            **({"arbitrage": self.arbitrage} if self.arbitrage else {}),
        }

"""Deterministic replay of generated data: the simulator's matching core and seeded
flow driven step by step, with the same pure strategy code the daemon runs, and no
threads. ``run_backtest(policy, BacktestConfig(seed=...))`` -> ``BacktestResult``."""

from predmm.backtest.driver import Backtest, BacktestConfig, SentOrder, run_backtest
from predmm.backtest.metrics import BacktestResult, max_drawdown, sharpe
from predmm.backtest.policy import Desired, FixedSpreadPolicy, Policy, StrategyPolicy

__all__ = [
    "Backtest",
    "BacktestConfig",
    "BacktestResult",
    "Desired",
    "FixedSpreadPolicy",
    "Policy",
    "SentOrder",
    "StrategyPolicy",
    "max_drawdown",
    "run_backtest",
    "sharpe",
]

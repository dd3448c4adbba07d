"""Backtests, deterministic and thread-free, with the same pure strategy code the daemon
runs. ``run(data, ...)`` -> ``Backtested``: recorded or generated market data replayed
through a fill model (``backtest.api``, ``backtest.engine``); ``run_backtest(policy,
BacktestConfig(seed=...))`` -> ``BacktestResult``: the strategy's own orders in the
simulator's matching core and seeded flow (``backtest.driver``, ``bench/day.py``)."""

from predmm.backtest.api import Backtested, run
from predmm.backtest.driver import Backtest, BacktestConfig, SentOrder, run_backtest
from predmm.backtest.metrics import BacktestResult, max_drawdown, sharpe
from predmm.backtest.policy import Desired, FixedSpreadPolicy, Policy, StrategyPolicy

__all__ = [
    "Backtest",
    "BacktestConfig",
    "BacktestResult",
    "Backtested",
    "Desired",
    "FixedSpreadPolicy",
    "Policy",
    "SentOrder",
    "StrategyPolicy",
    "max_drawdown",
    "run",
    "run_backtest",
    "sharpe",
]

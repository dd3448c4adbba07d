"""The market maker's decisions for one market, below any actor: ``MarketCore`` (the
MarketActor's rules; the backtest drives the same class) and the pure pieces it is made
of: ``view`` (what it reads of a book), ``quote_diff`` (live quotes against the
strategy's), ``holdings`` (fills announced but not arrived, REDUCING's room),
``requests`` (what its orders ask the portfolio to reserve) and ``trace`` (what it
decided and from what: the backtest/live parity test)."""

from predmm.strategies.maker.core import MarketCore
from predmm.strategies.maker.outbox import Gate, Submission

__all__ = ["Gate", "MarketCore", "Submission"]

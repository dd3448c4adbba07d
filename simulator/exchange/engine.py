"""The Exchange: markets, accounts, books, matching, lifecycle and settlement."""

from __future__ import annotations

from predmm.simulator.exchange.core import Listener
from predmm.simulator.exchange.lifecycle import LifecycleMixin
from predmm.simulator.exchange.matching import MatchingMixin
from predmm.simulator.exchange.settlement import SettlementMixin

__all__ = ["Exchange", "Listener"]


class Exchange(MatchingMixin, LifecycleMixin, SettlementMixin):
    """One simulated exchange holding the markets and accounts of both venues.

    Every method runs synchronously in the caller's thread (the simulator's trio
    thread); events are delivered to listeners when the mutation is complete. The
    parts: ``core`` (state, accounts, reads, shared primitives), ``matching``,
    ``lifecycle``, ``settlement`` (see the package docstring for the API)."""

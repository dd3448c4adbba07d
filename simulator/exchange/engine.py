"""The Exchange: markets, accounts, books, matching, lifecycle and settlement."""

from __future__ import annotations

from predmm.simulator.exchange.amend import AmendMixin
from predmm.simulator.exchange.core import Listener
from predmm.simulator.exchange.groups import GroupsMixin
from predmm.simulator.exchange.lifecycle import LifecycleMixin
from predmm.simulator.exchange.settlement import SettlementMixin

__all__ = ["Exchange", "Listener"]


class Exchange(AmendMixin, LifecycleMixin, SettlementMixin, GroupsMixin):
    """One simulated exchange holding the markets and accounts of both venues.

    Every method runs synchronously in the caller's thread (the simulator's trio
    thread); events are delivered to listeners when the mutation is complete. The
    parts: ``core`` (state, accounts, reads, shared primitives), ``matching``, ``amend``,
    ``lifecycle``, ``settlement``, ``groups`` (order groups, trading pauses); see the
    package docstring for the API."""

"""What the actors tell the journal, behind one small port.

The JournalActor (``actors/journal/actor.py``) is the single SQLite writer; the actors here do
not depend on its message classes: they call a ``JournalPort``, and ``journal_port(ref)``
builds the one that tells the JournalActor. Tests use a recording port.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from predmm.actors.journal.messages import MarketInfo
from predmm.domain.enums import TradingState, Venue
from predmm.domain.ids import FillId, MarketId
from predmm.domain.market import Rewards
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.strategies.day_loss import DayBaseline
from predmm.strategies.fills import SettledPosition
from predmm.strategies.reward_score import RewardSample


class JournalPort(Protocol):
    def orders(self, changes: Sequence[tuple[Order, OrderEvent | None]]) -> None:
        """Order changes (each order after its event; None: a snapshot), in order, in
        one write."""
        ...

    def intents(self, orders: Sequence[Order], then: Callable[[bool], None]) -> None:
        """Orders about to be sent (write-ahead): ``then(True)`` once their rows are
        committed (from any thread), ``then(False)`` or never if they cannot be."""
        ...

    def correction(self, order: Order, what: str) -> None:
        """What a reconciliation during a run found wrong with ``order`` (as it is now)
        and did about it."""
        ...

    def fill(self, fill: Fill, cursor: str | None) -> None: ...
    def fill_page(self, venue: Venue, fills: Sequence[Fill], cursor: str | None) -> None:
        """A fetched page's new fills and the venue's cursor after the page, journaled
        in one transaction: the cursor is never durable without every fill before it."""
        ...

    def fill_reversal(self, fill: Fill, reason: str) -> None: ...
    def restart(self, market_id: MarketId, generation: int, reason: str) -> None: ...
    def quarantine(self, market_id: MarketId, generation: int, reason: str) -> None: ...
    def trading_state(self, state: TradingState, reason: str, operator: str = "") -> None:
        """A change of the trading state; ``operator``: who made it by hand, if anyone."""
        ...

    def settlement(self, settled: SettledPosition) -> None:
        """A market resolved and the position it settled (journaled once per market)."""
        ...

    def day_baseline(self, baseline: DayBaseline) -> None:
        """The day's baseline (a later one of the same day replaces it)."""
        ...

    def supervision(self, component: str, event: str, reason: str) -> None:
        """What the engine's watch did about a core actor (``supervisors.core``)."""
        ...

    def reward_sample(
        self, market_id: MarketId, rewards: Rewards, sample: RewardSample, slot: int
    ) -> None:
        """A sample of the rewards our quotes earn (once per sampling slot)."""
        ...

    def execution_step(self, execution_id: str, strategy: str, step: str, detail: str) -> None:
        """One step of an execution of the executor (``actors.executor``)."""
        ...

    # what the operator's reports read (the command line tells these, not the actors)
    def markets(self, markets: Sequence[MarketInfo]) -> None: ...
    def marks(self, marks: Sequence[tuple[MarketId, Decimal]]) -> None: ...
    def fill_marks(self, marks: Sequence[tuple[Venue, FillId, float, Decimal]]) -> None: ...
    def run_info(self, run_id: str, strategy: str, source: str, settings: str) -> None: ...


class NullJournal:
    """Journals nothing (benchmarks, and tests that do not look at the journal)."""

    def orders(self, changes: Sequence[tuple[Order, OrderEvent | None]]) -> None:
        pass

    def intents(self, orders: Sequence[Order], then: Callable[[bool], None]) -> None:
        then(True)

    def correction(self, order: Order, what: str) -> None:
        pass

    def fill(self, fill: Fill, cursor: str | None) -> None:
        pass

    def fill_page(self, venue: Venue, fills: Sequence[Fill], cursor: str | None) -> None:
        pass

    def fill_reversal(self, fill: Fill, reason: str) -> None:
        pass

    def restart(self, market_id: MarketId, generation: int, reason: str) -> None:
        pass

    def quarantine(self, market_id: MarketId, generation: int, reason: str) -> None:
        pass

    def trading_state(self, state: TradingState, reason: str, operator: str = "") -> None:
        pass

    def markets(self, markets: Sequence[MarketInfo]) -> None:
        pass

    def marks(self, marks: Sequence[tuple[MarketId, Decimal]]) -> None:
        pass

    def fill_marks(self, marks: Sequence[tuple[Venue, FillId, float, Decimal]]) -> None:
        pass

    def run_info(self, run_id: str, strategy: str, source: str, settings: str) -> None:
        pass

    def settlement(self, settled: SettledPosition) -> None:
        pass

    def day_baseline(self, baseline: DayBaseline) -> None:
        pass

    def supervision(self, component: str, event: str, reason: str) -> None:
        pass

    def reward_sample(
        self, market_id: MarketId, rewards: Rewards, sample: RewardSample, slot: int
    ) -> None:
        pass

    def execution_step(self, execution_id: str, strategy: str, step: str, detail: str) -> None:
        pass


def journal_port(ref: Any, clock: Any) -> JournalPort:
    """The port that tells the JournalActor at ``ref``."""
    from predmm.actors.journal.link import ActorJournal

    return ActorJournal(ref, clock)

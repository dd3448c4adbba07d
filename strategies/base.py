"""What a strategy is to the engine: the ``Strategy`` protocol and what it is given.

A strategy is pure decision logic (no I/O, no clock reads, no threads). The engine
hands it a ``StrategyView`` (the markets, their books, the positions, the portfolio's
``Room``, the event links and the mutually exclusive events, and ``now``) and takes back
``Signal``s. The engine runs several strategies at once (``supervisors.registry``): the
market maker in its MarketActors, every other strategy in its executor
(``actors.executor``), which executes the signals highest ``priority`` first and, within
a priority, strongest first (``rank``), and attributes what each signal becomes to
``name``.

Both strategies satisfy the protocol: ``MarketMakingStrategy`` (``priority`` 0, its
signals are quotes of strength 0.5 and exits of 1.0) and ``ArbitrageStrategy``
(``priority`` 100: it comes first; its strength is the dollars a signal locks).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs

from predmm.domain.book import OrderBook
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import MarketView
from predmm.domain.orders import Signal
from predmm.strategies.inventory import InventoryTracker

INFINITE = Decimal("Infinity")

LiveInventory = Callable[[], Mapping[Hashable, InventoryTracker]]
"""Where a registered strategy reads its engine's inventory: fresh copies, per market."""


@attrs.frozen(kw_only=True)
class Room:
    """How much more the portfolio's limits allow a strategy to take: ``contracts`` per
    market (``per_market`` where a market has less or more) and ``dollars`` in all (the
    cost of what it buys, fees included). Unlimited unless given."""

    contracts: Decimal = INFINITE
    dollars: Decimal = INFINITE
    per_market: Mapping[MarketId, Decimal] = attrs.field(factory=dict)

    def market(self, market_id: MarketId) -> Decimal:
        return self.per_market.get(market_id, self.contracts)


@attrs.frozen(kw_only=True)
class EventOutcomes:
    """The markets of one event whose outcomes exclude each other (at most one pays);
    ``exhaustive``: exactly one of them happens (Kalshi ``mutually_exclusive`` events,
    Polymarket neg-risk groups, when the venue says every outcome is listed)."""

    event_id: EventId
    markets: tuple[MarketId, ...]
    exhaustive: bool


@attrs.frozen(kw_only=True)
class StrategyView:
    """Everything a strategy reads at ``now``; plain values, nothing behind them."""

    now: datetime
    markets: Mapping[MarketId, MarketView] = attrs.field(factory=dict)
    books: Mapping[MarketId, OrderBook] = attrs.field(factory=dict)
    positions: Mapping[MarketId, InventoryTracker] = attrs.field(factory=dict)
    room: Room = attrs.field(factory=Room)
    # the same outcome listed on several venues (``[[risk.event_links]]``)
    links: tuple[tuple[MarketId, ...], ...] = ()
    events: tuple[EventOutcomes, ...] = ()


@runtime_checkable
class Strategy(Protocol):
    """What every strategy provides to the engine."""

    name: str  # attribution of its orders, fills, positions and PnL
    priority: int  # its signals are executed before those of lower priorities
    config: Any  # its settings (frozen attrs)

    def signals(self, view: StrategyView) -> list[Signal]:
        """What it wants done now: a pure function of ``view`` and its settings."""
        ...

    def get_inventory_status(self) -> dict[str, dict[str, Any]]:
        """The usage guide's inventory keys per market (the engine's, once registered)."""
        ...

    def attach_live_inventory(self, source: LiveInventory | None) -> None:
        """Called by the engine that registers it: where its live inventory is read."""
        ...


def rank(signals: Iterable[tuple[int, Signal]]) -> list[Signal]:
    """Signals tagged with their strategy's priority, in the order to execute them:
    highest priority first, then strongest (a stable order among equals)."""
    ordered = sorted(signals, key=lambda ps: (-ps[0], -ps[1].strength))
    return [signal for _, signal in ordered]

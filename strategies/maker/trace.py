"""What a ``MarketCore`` decided and from what, for the backtest/live parity test: each
time the core looked at its market (something it reads changed), a ``Decision`` with the
key of everything the decision read (the book's top less our own orders, what is held,
our quotes, the state, the market's life and time band, the guards) and the orders it
sent (cancels, amends, placements and exits as side, price and size: client order ids
differ between runs). Two runs that give one key the same orders decide alike.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import OrderSide, OrderStatus, TradingState
from predmm.domain.ids import MarketId
from predmm.domain.market import Market, hours_between
from predmm.domain.orders import Order
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import Phase

AMENDABLE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
Command = tuple[str, str, Decimal, Decimal]  # (what, side, price, size)


@attrs.frozen(kw_only=True)
class Decision:
    market_id: MarketId
    at: datetime
    key: tuple[object, ...]
    orders: tuple[Command, ...]


class Tracer(Protocol):
    def decided(self, decision: Decision) -> None: ...


class DecisionLog:
    """Decisions in the order they were made (thread-safe: one per engine)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.decisions: list[Decision] = []

    def decided(self, decision: Decision) -> None:
        with self._lock:
            self.decisions.append(decision)

    def by_market(self) -> dict[MarketId, list[Decision]]:
        out: dict[MarketId, list[Decision]] = {}
        with self._lock:
            for d in self.decisions:
                out.setdefault(d.market_id, []).append(d)
        return out


def key_of(
    *,
    top: object,
    held: InventoryTracker,
    quotes: Mapping[OrderSide, Order],
    amend: bool,
    state: TradingState,
    life: Phase,
    paused: bool,
    market: Market,
    now: datetime,
    config: MarketMakingConfig,
    flags: tuple[object, ...],
) -> tuple[object, ...]:
    """Everything a decision reads, in values that mean the same in any run."""
    own = tuple(
        sorted(
            (o.side.value, o.price, o.remaining, amend and o.status in AMENDABLE)
            for o in quotes.values()
        )
    )
    holding = (held.yes_contracts, held.no_contracts, held.avg_yes_price, held.avg_no_price)
    return (top, holding, own, state.value, life.value, paused, _band(market, now, config), flags)


def _band(market: Market, now: datetime, config: MarketMakingConfig) -> tuple[object, ...]:
    """The market's listing as the rules read it: status, grid, minimum size, whether
    its liquidity is low, and which time-to-close rules apply now."""
    hours = hours_between(now, market.close_time)
    marks = (
        config.near_close_hours,
        config.approaching_close_hours,
        config.exit_window_hours,
        config.exit_aggressive_hours,
        0,
    )
    within = tuple(hours is not None and hours <= h for h in marks)
    low = market.liquidity < config.low_liquidity_threshold
    return (market.status.value, market.tick, market.min_order_size, low, within)

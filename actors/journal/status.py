"""What ``predmm status`` shows, read from the journal only: ``journal_status`` rebuilds
every market's position from its fills and its settlement (``MarketSummary``), sums the
markets of one real-world event across venues (``EventSummary``) and gathers them, with
open orders, restarts, quarantines, the trading state, the last run, what the engine's
watch did about its core actors, the corrections the reconciliations made during the
runs, each strategy's share (``StrategySummary``: the fills of its orders, its PnL,
what it holds) and the rewards our quotes earned (estimated, per day and market), into a
``JournalStatus``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from predmm.actors.journal.notes import SupervisionRecord, read_supervision
from predmm.actors.journal.queries import JournalQueries, fold_fills
from predmm.actors.journal.records import (
    JournaledFill,
    OrderEventRecord,
    RestartRecord,
    RunRecord,
    TradingStateRecord,
)
from predmm.actors.journal.rewards import RewardEstimate
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.orders import Order, strategy_of
from predmm.strategies.inventory import InventoryTracker

LAST_CORRECTIONS = 5


@attrs.frozen(kw_only=True)
class MarketSummary:
    market_id: MarketId
    event_id: EventId | None
    yes_contracts: Decimal
    no_contracts: Decimal
    avg_yes_price: Decimal
    avg_no_price: Decimal
    net_position: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    mark: Decimal | None  # the YES mark given to ``status``
    unrealized_pnl: Decimal | None  # None when contracts are held and no mark was given
    open_orders: int
    restarts: int
    quarantined: bool
    last_fill_at: datetime | None
    settled_yes_payout: Decimal | None = None  # what one YES paid, once it resolved


@attrs.frozen(kw_only=True)
class EventSummary:
    """One real-world event across venues: contracts summed over its markets."""

    event_id: EventId
    market_ids: tuple[MarketId, ...]
    yes_contracts: Decimal
    no_contracts: Decimal
    net_position: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal | None  # None if a market of the event holds contracts unmarked


@attrs.frozen(kw_only=True)
class StrategySummary:
    """One strategy's share of the journal: the fills of its orders and the positions and
    PnL they make (its markets' settlements included)."""

    strategy: str
    fills: int
    markets: int  # markets it holds contracts in
    contracts: Decimal  # contracts it holds
    realized_pnl: Decimal
    unrealized_pnl: Decimal | None  # None when it holds contracts unmarked
    fees_paid: Decimal
    executions: int = 0  # executions of the executor (arbitrage, hedges), when any


@attrs.frozen(kw_only=True)
class JournalStatus:
    """What ``predmm status`` shows, read from the journal only."""

    trading_state: TradingStateRecord | None
    markets: tuple[MarketSummary, ...]
    events: tuple[EventSummary, ...]
    open_orders: tuple[Order, ...]
    restarts: tuple[RestartRecord, ...]
    quarantined: tuple[MarketId, ...]
    fill_count: int
    last_fill_at: datetime | None
    realized_pnl: Decimal
    unrealized_pnl: Decimal | None
    fees_paid: Decimal
    last_run: RunRecord | None
    supervision: tuple[SupervisionRecord, ...] = ()  # the core actors' failures, latest each
    corrections: int = 0  # made by reconciliations during the runs
    last_corrections: tuple[OrderEventRecord, ...] = ()  # the newest, oldest first
    rewards: tuple[RewardEstimate, ...] = ()  # estimated, per UTC day and market
    strategies: tuple[StrategySummary, ...] = ()  # per strategy; the fields above: the total

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals and times as strings, enums as values, ids as text."""
        out = _jsonable(self)
        assert isinstance(out, dict)
        return out


def _jsonable(value: object) -> object:
    if isinstance(value, MarketId | EventId | ClientOrderId | VenueOrderId | FillId):
        return str(value)
    if attrs.has(type(value)):
        names = [f.name for f in attrs.fields(type(value))]  # type: ignore[arg-type]
        return {name: _jsonable(getattr(value, name)) for name in names}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _last_fill_time(fills: Sequence[JournaledFill]) -> datetime | None:
    if not fills:
        return None
    last = fills[-1]
    return last.fill.ts or last.received_at


def _market_summary(
    journal: JournalQueries,
    market_id: MarketId,
    *,
    event_id: EventId | None,
    mark: Decimal | None,
    open_orders: int,
    restarts: Sequence[RestartRecord],
) -> MarketSummary:
    fills = journal.fills(market_id=market_id)
    payout = journal.settlement_payout(market_id)
    inv = fold_fills(market_id, fills, settled=payout)
    return MarketSummary(
        market_id=market_id,
        event_id=event_id,
        yes_contracts=inv.yes_contracts,
        no_contracts=inv.no_contracts,
        avg_yes_price=inv.avg_yes_price,
        avg_no_price=inv.avg_no_price,
        net_position=inv.net_position,
        realized_pnl=inv.realized_pnl,
        fees_paid=inv.fees_paid,
        mark=mark,
        unrealized_pnl=_unrealized(inv, mark),
        open_orders=open_orders,
        restarts=len(restarts),
        quarantined=bool(restarts) and restarts[-1].quarantined,
        last_fill_at=_last_fill_time(fills),
        settled_yes_payout=payout,
    )


def _unrealized(inv: InventoryTracker, mark: Decimal | None) -> Decimal | None:
    if not inv.yes_contracts and not inv.no_contracts:
        return Decimal(0)
    return None if mark is None else inv.unrealized_pnl(mark)


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for v in values:
        if v is None:
            return None
        total += v
    return total


def _event_summaries(markets: Sequence[MarketSummary]) -> tuple[EventSummary, ...]:
    by_event: dict[EventId, list[MarketSummary]] = {}
    for m in markets:
        if m.event_id is not None:
            by_event.setdefault(m.event_id, []).append(m)
    return tuple(
        EventSummary(
            event_id=event_id,
            market_ids=tuple(m.market_id for m in ms),
            yes_contracts=sum((m.yes_contracts for m in ms), Decimal(0)),
            no_contracts=sum((m.no_contracts for m in ms), Decimal(0)),
            net_position=sum((m.net_position for m in ms), Decimal(0)),
            realized_pnl=sum((m.realized_pnl for m in ms), Decimal(0)),
            unrealized_pnl=_sum_or_none(m.unrealized_pnl for m in ms),
        )
        for event_id, ms in sorted(by_event.items(), key=lambda item: str(item[0]))
    )


def journal_status(
    journal: JournalQueries,
    *,
    marks: dict[MarketId, Decimal] | None = None,
    events: dict[MarketId, EventId] | None = None,
) -> JournalStatus:
    """The journal's summary. Positions are rebuilt from fills; ``marks`` (YES prices)
    give unrealized PnL; the event of a market comes from ``events`` or else from its
    last ``record_position``."""
    marks = marks or {}
    event_of = {p.market_id: p.event_id for p in journal.positions()} | dict(events or {})
    open_orders = journal.open_orders()
    restarts = journal.restarts()
    markets = tuple(
        _market_summary(
            journal,
            mid,
            event_id=event_of.get(mid),
            mark=marks.get(mid),
            open_orders=sum(1 for o in open_orders if o.market_id == mid),
            restarts=[r for r in restarts if r.market_id == mid],
        )
        for mid in journal.market_ids()
    )
    runs = journal.runs()
    corrections = journal.corrections()
    return JournalStatus(
        trading_state=journal.trading_state(),
        markets=markets,
        events=_event_summaries(markets),
        open_orders=tuple(open_orders),
        restarts=tuple(restarts),
        quarantined=tuple(m.market_id for m in markets if m.quarantined),
        fill_count=journal.fill_count(),
        last_fill_at=_last_fill_time(journal.last_fills(1)),
        realized_pnl=sum((m.realized_pnl for m in markets), Decimal(0)),
        unrealized_pnl=_sum_or_none(m.unrealized_pnl for m in markets),
        fees_paid=sum((m.fees_paid for m in markets), Decimal(0)),
        last_run=runs[-1] if runs else None,
        supervision=read_supervision(journal),
        corrections=len(corrections),
        last_corrections=tuple(corrections[-LAST_CORRECTIONS:]),
        rewards=tuple(journal.reward_estimates()),
        strategies=strategy_summaries(journal, marks),
    )


def strategy_summaries(
    journal: JournalQueries, marks: dict[MarketId, Decimal]
) -> tuple[StrategySummary, ...]:
    """Each strategy's fills, holdings and PnL, by name."""
    by_strategy: dict[str, list[InventoryTracker]] = {}
    for strategy, tracker in journal.strategy_inventories():
        by_strategy.setdefault(strategy, []).append(tracker)
    fills: dict[str, int] = {}
    for jf in journal.fills():
        name = strategy_of(jf.fill.strategy)
        fills[name] = fills.get(name, 0) + 1
    executions: dict[str, set[str]] = {}
    for step in journal.executions():
        executions.setdefault(step.strategy, set()).add(step.execution_id)
    return tuple(
        _strategy_summary(
            name, by_strategy.get(name, []), fills.get(name, 0), executions.get(name), marks
        )
        for name in sorted(by_strategy.keys() | executions.keys())
    )


def _strategy_summary(
    name: str,
    trackers: Sequence[InventoryTracker],
    fills: int,
    executions: set[str] | None,
    marks: dict[MarketId, Decimal],
) -> StrategySummary:
    held = [t for t in trackers if t.yes_contracts or t.no_contracts]
    unrealized = _sum_or_none(
        _unrealized(t, marks.get(t.market_id) if isinstance(t.market_id, MarketId) else None)
        for t in trackers
    )
    return StrategySummary(
        strategy=name,
        fills=fills,
        markets=len(held),
        contracts=sum((t.yes_contracts + t.no_contracts for t in held), Decimal(0)),
        realized_pnl=sum((t.realized_pnl for t in trackers), Decimal(0)),
        unrealized_pnl=unrealized,
        fees_paid=sum((t.fees_paid for t in trackers), Decimal(0)),
        executions=len(executions or ()),
    )

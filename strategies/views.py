"""What the executor shows the strategies it runs (``strategies.base.StrategyView``), as
pure functions of the scanned markets, the books and the links: which markets it reads
(``executor_markets``: every linked market and every market of an exhaustive venue
event), the exclusive and exhaustive events among them (``exhaustive_events``), a book
as the others show it (``others_book``: less our own quotes, which make way for a
taker order of ours) and the view of one strategy on its venues (``strategy_view``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from predmm.domain.book import OrderBook, Watch
from predmm.domain.enums import MarketStatus, OrderSide, Venue
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.strategies.base import EventOutcomes, StrategyView
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)


def exhaustive_events(markets: Iterable[Market]) -> tuple[EventOutcomes, ...]:
    """The venue events whose outcomes exclude each other and one of which must happen
    (a Polymarket neg-risk event not augmented), with every one of their markets
    listed open."""
    open_ids = {m.market_id for m in markets if m.status is MarketStatus.OPEN}
    found: dict[MarketId, EventOutcomes] = {}
    for market in markets:
        if not (market.exhaustive and market.event_id is not None and market.event_markets):
            continue
        outcomes = tuple(sorted(market.event_markets, key=str))
        if set(outcomes) <= open_ids:
            found[outcomes[0]] = EventOutcomes(
                event_id=EventId(str(market.event_id)), markets=outcomes, exhaustive=True
            )
    return tuple(found[k] for k in sorted(found, key=str))


def executor_markets(
    markets: Iterable[Market], links: Iterable[tuple[MarketId, ...]]
) -> frozenset[MarketId]:
    """The listed markets whose books the executor reads: linked ones and those of the
    exhaustive events."""
    listed = list(markets)
    ids = {m.market_id for m in listed}
    linked = {m for link in links for m in link if m in ids}
    events = {m for e in exhaustive_events(listed) for m in e.markets}
    return frozenset(linked | events)


def others_book(book: OrderBook, watch: Watch | None) -> OrderBook:
    """``book`` less our own resting quotes (their prices and sizes: the market's
    ``Watch``)."""
    if watch is None:
        return book
    own: dict[tuple[OrderSide, Decimal], Decimal] = {}
    if watch.own_yes is not None:
        own[(OrderSide.YES, watch.own_yes)] = watch.own_yes_size
    if watch.own_no is not None:
        own[(OrderSide.NO, watch.own_no)] = watch.own_no_size
    return book.without(own) if own else book


def strategy_view(
    now: datetime,
    markets: Mapping[MarketId, Market],
    books: Mapping[MarketId, OrderBook],
    positions: Mapping[MarketId, InventoryTracker],
    links: Iterable[tuple[MarketId, ...]],
    venues: frozenset[Venue],
) -> StrategyView:
    """What one strategy trading ``venues`` reads now."""

    def mine(market_id: MarketId) -> bool:
        return market_id.venue in venues

    shown = {m: v for m, v in markets.items() if mine(m)}
    return StrategyView(
        now=now,
        markets=shown,
        books={m: b for m, b in books.items() if mine(m)},
        positions={m: t for m, t in positions.items() if mine(m)},
        links=tuple(kept for link in links if len(kept := tuple(m for m in link if mine(m))) > 1),
        events=tuple(
            e for e in exhaustive_events(shown.values()) if all(mine(m) for m in e.markets)
        ),
    )

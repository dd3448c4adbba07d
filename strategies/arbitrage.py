"""``ArbitrageStrategy``: baskets that pay exactly $1 whatever happens, bought for less.

Pure like the market maker: no I/O, no clock reads; ``signals(view)`` reads a
``StrategyView`` (``strategies.base``) and returns ``Signal``s. Three kinds:

(a) **cross-venue**: one outcome listed on both venues (``view.links``, from
    ``[[risk.event_links]]``): YES on one venue and NO on the other pay $1 together
    whatever happens. Both pairings of every linked pair are tried.
(b) **within a market** (Polymarket by default, ``within_market_venues``): a YES ask and
    a NO ask summing below $1 (buy both; hold to resolution or merge). On a book merged
    from both tokens, as predmm keeps it, that is a crossed book.
(c) **an exhaustive event**: the YES asks of every outcome of a mutually exclusive,
    exhaustive event (``view.events``, or ``exhaustive_event`` given the outcome markets
    and the exhaustiveness) summing below $1. A non-exhaustive event pays nothing when
    none of its outcomes happens: no basket.

Every leg is a taker order at a limit price: the sizes come from the depth available
at those prices, walked level by level, the last basket taken still locking at least
``min_edge`` after both venues' taker fees (``domain.fees``: Kalshi ``0.07 x C x P x
(1 - P)`` ceiled to $0.000001 per fill, Polymarket's rate per market), at most
``max_baskets``, the room each leg's market has and the dollars the portfolio gives
(``view.room``); ``strategies.baskets`` does the walk. A signal locking less than
``min_gain`` is dropped.

A signal's ``legs`` are its orders in the order to send them, the thinner leg first
(less depth at its limit: the one likelier to fail goes when nothing is committed yet),
the first ``first_leg`` (FOK by default: all or nothing), the others ``other_legs`` (IOC).
Its ``strength`` is the dollars it locks; ``reason`` says what it is. A leg that fills
alone, or partly, is for ``strategies.leg_risk.resolve_legs`` (pure too): the hedge or
unwind orders, never a naked leg left silently.

For the engine that runs several strategies (``strategies.base.Strategy``): ``name``
"arbitrage", ``priority`` 100 (its signals before the market maker's, priority 0);
``get_inventory_status`` is the engine's live inventory once registered (the strategy
holds none of its own; per-strategy attribution is the engine's to do).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from predmm.config.arbitrage import ArbitrageConfig
from predmm.domain.book import OrderBook
from predmm.domain.enums import MarketStatus, OrderSide, TimeInForce
from predmm.domain.ids import MarketId
from predmm.domain.market import MarketView
from predmm.domain.orders import Leg, Signal
from predmm.strategies.base import LiveInventory, Room, StrategyView
from predmm.strategies.baskets import Basket, LegBook, LegPlan, size_basket

YES, NO = OrderSide.YES, OrderSide.NO

__all__ = [
    "ArbitrageConfig",
    "ArbitrageStrategy",
    "basket_signal",
    "cross_venue",
    "exhaustive_event",
    "exhaustive_events",
    "within_market",
]


class ArbitrageStrategy:
    """The usage guide's ``ArbitrageStrategy``; a ``strategies.base.Strategy``."""

    name = "arbitrage"
    priority = 100  # before market making

    def __init__(self, config: ArbitrageConfig | None = None) -> None:
        self.config = config if config is not None else ArbitrageConfig()
        self._live: LiveInventory | None = None

    def signals(self, view: StrategyView) -> list[Signal]:
        """Every basket worth taking in ``view``, strongest first."""
        cfg, found = self.config, list[Signal]()
        if cfg.cross_venue:
            found += cross_venue(view, cfg)
        if cfg.within_market:
            found += within_market(view, cfg)
        if cfg.exhaustive_events:
            found += exhaustive_events(view, cfg)
        return sorted(found, key=lambda s: -s.strength)

    def get_inventory_status(self) -> dict[str, dict[str, Any]]:
        live = self._live() if self._live is not None else {}
        return {str(mid): tracker.status() for mid, tracker in live.items()}

    def attach_live_inventory(self, source: LiveInventory | None) -> None:
        self._live = source


# the three kinds ----------------------------------------------------------------------


def cross_venue(view: StrategyView, config: ArbitrageConfig) -> list[Signal]:
    """(a): YES here and NO there, for every pair of linked markets on two venues."""
    found: list[Signal] = []
    for link in view.links:
        for a, b in itertools.combinations(link, 2):
            if a.venue is b.venue or not (_tradable(view, a) and _tradable(view, b)):
                continue
            for yes_at, no_at in ((a, b), (b, a)):
                legs = [_leg(view, yes_at, YES, config), _leg(view, no_at, NO, config)]
                signal = basket_signal(f"cross-venue {yes_at} / {no_at}", legs, config, view.room)
                found += [signal] if signal is not None else []
    return found


def within_market(view: StrategyView, config: ArbitrageConfig) -> list[Signal]:
    """(b): YES and NO of one market, on the venues ``within_market_venues`` names."""
    found: list[Signal] = []
    for market_id in view.books:
        if market_id.venue not in config.within_market_venues or not _tradable(view, market_id):
            continue
        legs = [_leg(view, market_id, YES, config), _leg(view, market_id, NO, config)]
        signal = basket_signal(f"YES + NO of {market_id}", legs, config, view.room)
        found += [signal] if signal is not None else []
    return found


def exhaustive_events(view: StrategyView, config: ArbitrageConfig) -> list[Signal]:
    """(c) for every event of ``view.events`` whose books are all there."""
    found: list[Signal] = []
    for event in view.events:
        if not all(_tradable(view, m) for m in event.markets):
            continue
        books = [view.books[m] for m in event.markets]
        minimums = [_min_size(view.markets.get(m)) for m in event.markets]
        signal = exhaustive_event(
            books, event.exhaustive, config, view.room, min_sizes=minimums, name=str(event.event_id)
        )
        found += [signal] if signal is not None else []
    return found


def exhaustive_event(
    books: Sequence[OrderBook],
    exhaustive: bool,
    config: ArbitrageConfig,
    room: Room,
    *,
    min_sizes: Sequence[Decimal] = (),
    name: str = "",
) -> Signal | None:
    """(c) given an event's outcome markets (their books) and whether exactly one of them
    must happen: the YES of every outcome, when their asks sum below $1 after fees."""
    if not exhaustive or len(books) < 2:
        return None
    sizes = list(min_sizes) or [Decimal(0)] * len(books)
    legs = [
        LegBook(
            market_id=book.market_id,
            side=YES,
            asks=book.asks(YES),
            rate=config.fees.rate(book.market_id),
            min_size=size,
        )
        for book, size in zip(books, sizes, strict=True)
    ]
    return basket_signal(f"exhaustive event {name}".rstrip(), legs, config, room)


def basket_signal(
    kind: str, legs: Sequence[LegBook], config: ArbitrageConfig, room: Room
) -> Signal | None:
    """The signal buying the most baskets of ``legs`` worth taking, or None."""
    basket = size_basket(legs, min_edge=config.min_edge, max_count=config.max_baskets, room=room)
    if basket is None or basket.gain < config.min_gain:
        return None
    return _signal(kind, basket, config)


# helpers -------------------------------------------------------------------------------


def _signal(kind: str, basket: Basket, config: ArbitrageConfig) -> Signal:
    ordered = sorted(basket.legs, key=lambda leg: leg.depth)  # the thinner first (stable)
    legs = tuple(
        _order(plan, config.first_leg if i == 0 else config.other_legs)
        for i, plan in enumerate(ordered)
    )
    first = legs[0]
    return Signal(
        market_id=first.market_id,
        side=first.side,
        target_price=first.limit_price,
        size=basket.count,
        strength=basket.gain,
        reason=(
            f"arbitrage, {kind}: {basket.count} baskets cost {basket.cost} with fees,"
            f" pay {basket.count}: lock {basket.gain}"
        ),
        time_in_force=first.time_in_force,
        legs=legs,
    )


def _order(plan: LegPlan, time_in_force: TimeInForce) -> Leg:
    return Leg(
        market_id=plan.market_id,
        side=plan.side,
        limit_price=plan.limit_price,
        size=plan.size,
        time_in_force=time_in_force,
    )


def _leg(
    view: StrategyView, market_id: MarketId, side: OrderSide, config: ArbitrageConfig
) -> LegBook:
    return LegBook(
        market_id=market_id,
        side=side,
        asks=view.books[market_id].asks(side),
        rate=config.fees.rate(market_id),
        min_size=_min_size(view.markets.get(market_id)),
    )


def _tradable(view: StrategyView, market_id: MarketId) -> bool:
    """A book to buy from, and (when the market is known) the market open."""
    market = view.markets.get(market_id)
    return market_id in view.books and (market is None or market.status is MarketStatus.OPEN)


def _min_size(market: MarketView | None) -> Decimal:
    return market.min_order_size if market is not None else Decimal(0)

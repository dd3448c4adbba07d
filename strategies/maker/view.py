"""What a MarketActor reads of its market, as pure functions of the book and its own
quotes: ``LiveView`` (the strategy's view now: the listing, the best YES bid and ask, the
time), ``own_sizes`` (what its quotes show at their prices), ``others_top`` (the best
level not only its own), ``requote_key`` (the cheap key of everything the strategy
reads: an unchanged key means the same quotes and the same exit; ``linked_key``, what a
``cross_venue`` fair value reads of the other venues' books) and ``watch_of`` (what it
tells the conflator it reads, so a book that changes none of it does not wake it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from predmm.domain.book import Level, OrderBook, Watch
from predmm.domain.enums import MarketStatus, OrderSide, TradingState
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market, Rewards, hours_between
from predmm.domain.orders import Order
from predmm.domain.ticks import TickSpec
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import Phase

ZERO = Decimal(0)

OwnSizes = dict[tuple[OrderSide, Decimal], Decimal]


class LiveView:
    """The strategy's view of a market now: its listing, the book's best YES bid and ask
    and the time (a ``MarketView``; cheaper than evolving the ``Market`` on every update)."""

    __slots__ = ("as_of", "best_yes_ask", "best_yes_bid", "market")

    def __init__(
        self, market: Market, bid: Decimal | None, ask: Decimal | None, as_of: datetime
    ) -> None:
        self.market, self.best_yes_bid, self.best_yes_ask, self.as_of = market, bid, ask, as_of

    @property
    def market_id(self) -> MarketId:
        return self.market.market_id

    @property
    def status(self) -> MarketStatus:
        return self.market.status

    @property
    def liquidity(self) -> Decimal:
        return self.market.liquidity

    @property
    def volume(self) -> Decimal:
        return self.market.volume

    @property
    def tick(self) -> TickSpec:
        return self.market.tick

    @property
    def event_id(self) -> EventId | None:
        return self.market.event_id

    @property
    def min_order_size(self) -> Decimal:
        return self.market.min_order_size

    @property
    def count_step(self) -> Decimal:
        return self.market.count_step

    @property
    def rewards(self) -> Rewards | None:
        return self.market.rewards

    @property
    def hours_to_close(self) -> float | None:
        return hours_between(self.as_of, self.market.close_time)


def own_sizes(quotes: dict[OrderSide, Order]) -> OwnSizes:
    """What ``quotes`` show on the book: their remaining size by side and price."""
    return {(o.side, o.price): o.remaining for o in quotes.values()}


def others_top(
    levels: tuple[Level, ...], side: OrderSide, own: OwnSizes, sized: bool
) -> tuple[Decimal, Decimal] | Decimal | None:
    """The best level that is not only ours: its price (and what others show there)."""
    for level in levels:
        rest = level.size - own.get((side, level.price), ZERO)
        if rest > 0:
            return (level.price, rest) if sized else level.price
    return None


def requote_key(
    book: OrderBook | None,
    own: OwnSizes,
    sized: bool,
    inventory: InventoryTracker,
    state: TradingState,
    market: Market,
    paused: bool,
    life: Phase,
) -> tuple[object, ...]:
    """What the strategy reads, cheaply: the top of the book less our own orders (the
    sizes only for the microprice, ``sized``), the inventory, the state, the market and
    where it is in its life (which moves with the time, not with the book)."""
    top = None
    if book is not None:
        top = (
            others_top(book.yes_bids, OrderSide.YES, own, sized),
            others_top(book.no_bids, OrderSide.NO, own, sized),
        )
    return (
        top,
        inventory.yes_contracts,
        inventory.no_contracts,
        state,
        id(market),
        paused,
        frozenset(own.items()),
        life,
    )


def watch_of(quotes: dict[OrderSide, Order], sized: bool) -> Watch:
    """What a market quoting ``quotes`` reads of a book: their prices and sizes."""
    yes, no = quotes.get(OrderSide.YES), quotes.get(OrderSide.NO)
    return Watch(
        own_yes=yes.price if yes else None,
        own_no=no.price if no else None,
        own_yes_size=yes.remaining if yes else ZERO,
        own_no_size=no.remaining if no else ZERO,
        sized=sized,
    )


def linked_key(books: tuple[OrderBook, ...]) -> tuple[object, ...]:
    """What a ``cross_venue`` fair value reads of the linked books: each one's touch
    (prices and sizes)."""
    return tuple((b.yes_bids[:1], b.no_bids[:1]) for b in books)

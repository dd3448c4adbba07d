"""Order books of binary markets, seen from YES and from NO.

A YES bid at p is a NO ask at 1 - p, and a NO bid at q is a YES ask at 1 - q: the book
is stored once, as the two bid ladders (what Kalshi's ``orderbook_fp`` and Polymarket's
two tokens both publish), and every other view is derived.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from predmm.domain.enums import OrderSide
from predmm.domain.ids import MarketId

ONE = Decimal(1)


@attrs.frozen
class Level:
    price: Decimal
    size: Decimal


def _sorted_desc(levels: Iterable[Level]) -> tuple[Level, ...]:
    levels = tuple(levels)
    if _strictly_desc(levels):  # already as the book keeps them (the usual case): no copy
        return levels
    merged: dict[Decimal, Decimal] = {}
    for lv in levels:
        if lv.size > 0:
            merged[lv.price] = merged.get(lv.price, Decimal(0)) + lv.size
    return tuple(Level(p, s) for p, s in sorted(merged.items(), reverse=True))


def _strictly_desc(levels: tuple[Level, ...]) -> bool:
    """Prices strictly falling and every size a positive ``Decimal``: already what
    ``_sorted_desc`` makes of them (equal levels; no copy needed)."""
    last = None
    for lv in levels:
        size = lv.size
        if type(size) is not Decimal or size <= 0 or (last is not None and lv.price >= last):
            return False
        last = lv.price
    return True


@attrs.frozen
class OrderBook:
    """Bids for YES and bids for NO, best first."""

    market_id: MarketId
    yes_bids: tuple[Level, ...] = attrs.field(converter=_sorted_desc, default=())
    no_bids: tuple[Level, ...] = attrs.field(converter=_sorted_desc, default=())

    @classmethod
    def from_yes_quotes(
        cls, market_id: MarketId, bids: Iterable[Level], asks: Iterable[Level]
    ) -> OrderBook:
        """Build from a YES bid/ask ladder (a YES ask at a is a NO bid at 1 - a)."""
        return cls(market_id, tuple(bids), tuple(Level(ONE - a.price, a.size) for a in asks))

    def bids(self, side: OrderSide) -> tuple[Level, ...]:
        return self.yes_bids if side is OrderSide.YES else self.no_bids

    def asks(self, side: OrderSide) -> tuple[Level, ...]:
        """Asks for ``side``, best (lowest) first: the other side's bids mirrored."""
        return tuple(Level(ONE - lv.price, lv.size) for lv in self.bids(side.opposite))

    def best_bid(self, side: OrderSide = OrderSide.YES) -> Decimal | None:
        levels = self.bids(side)
        return levels[0].price if levels else None

    def best_ask(self, side: OrderSide = OrderSide.YES) -> Decimal | None:
        levels = self.bids(side.opposite)
        return ONE - levels[0].price if levels else None

    def mid(self) -> Decimal | None:
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    def microprice(self) -> Decimal | None:
        """Mid weighted by the opposite sizes: leans toward the side about to be taken."""
        if not self.yes_bids or not self.no_bids:
            return None
        bid, bid_size = self.yes_bids[0].price, self.yes_bids[0].size
        ask, ask_size = ONE - self.no_bids[0].price, self.no_bids[0].size
        return (bid * ask_size + ask * bid_size) / (bid_size + ask_size)

    def is_crossed(self) -> bool:
        bid, ask = self.best_bid(), self.best_ask()
        return bid is not None and ask is not None and bid >= ask

    def _has_level(self, side: OrderSide, price: Decimal) -> bool:
        for level in self.bids(side):  # best (highest) first
            if level.price <= price:
                return level.price == price
        return False

    def without(self, own: Mapping[tuple[OrderSide, Decimal], Decimal]) -> OrderBook:
        """The book less our own resting size, keyed by (side, bid price); the book
        itself when none of those prices is in it (no copy)."""
        if not any(self._has_level(side, price) for side, price in own):
            return self

        def strip(side: OrderSide, levels: tuple[Level, ...]) -> tuple[Level, ...]:
            return tuple(
                Level(lv.price, lv.size - own.get((side, lv.price), Decimal(0))) for lv in levels
            )

        return OrderBook(
            self.market_id, strip(OrderSide.YES, self.yes_bids), strip(OrderSide.NO, self.no_bids)
        )


@attrs.frozen
class Watch:
    """What a quoting market reads of its book: its own resting quote on each side (price
    and remaining size; None: no quote there) and whether sizes count everywhere (a
    microprice fair value)."""

    own_yes: Decimal | None = None
    own_no: Decimal | None = None
    own_yes_size: Decimal = Decimal(0)
    own_no_size: Decimal = Decimal(0)
    sized: bool = False

    def key(self, book: OrderBook) -> tuple[object, ...]:
        """Equal for two books exactly when a market with this watch sees no difference
        between them: the best two levels of each side, with each level's size where it
        counts: everywhere for a microprice, else only at our own price, and there only
        whether others rest beside us. With one quote of its own per side, the best level
        not only its own is one of the first two; the mid, the best bid and ask and the
        microprice are the first level's."""
        return (
            _levels_key(book.yes_bids, self.own_yes, self.own_yes_size, self.sized),
            _levels_key(book.no_bids, self.own_no, self.own_no_size, self.sized),
        )


def _levels_key(
    levels: tuple[Level, ...], own: Decimal | None, own_size: Decimal, sized: bool
) -> tuple[tuple[Decimal, object], ...]:
    return tuple(_level_key(lv, own, own_size, sized) for lv in levels[:2])


def _level_key(
    level: Level, own: Decimal | None, own_size: Decimal, sized: bool
) -> tuple[Decimal, object]:
    if sized:
        return level.price, level.size
    if level.price == own:
        return level.price, level.size > own_size  # does anyone rest beside us?
    return level.price, None

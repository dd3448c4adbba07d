"""Fill models: when a resting order of ours would have filled, given data that does not
contain it.

Every order is a bid on its own side's ladder: a YES bid at p, or a NO bid at q (a YES ask
at 1 - q). Who sells to a bid at p on side S is a buyer of the other side at 1 - p or
more: S's asks are the other ladder's bids mirrored, and a print at YES price t is at
t in YES terms and 1 - t in NO terms. Fills are at our own price (we are the maker).

* ``trade-through`` (``TradeThrough``), the pessimistic bound: a resting bid fills only
  when the market trades strictly through its price (a print below it in its side's
  terms: a seller who would have hit us first) or the opposite best moves strictly
  through it (an ask below it: that seller would have traded with us). Quantity: the
  print's size, or the crossing asks' size (what we took of a level is remembered, so one
  resting ask does not fill us twice). A print or an ask *at* our price never fills us.
* ``queue`` (``QueueModel``): the order joins the back of the queue at its price (the size
  the data shows there when the order reaches the venue is ahead of it). Size leaving the
  level is taken from the front: a print at our price by a seller of our side consumes the
  queue ahead and then fills us; a cross (an ask at or below our price) empties the queue
  and fills us against the crossing size. With books only (no prints at that level), a
  decrease of the level's size is attributed ``trade_share`` to executions (taken from the
  front, so they fill us once the queue ahead is gone) and the rest to cancels, split
  between ahead of us and behind us as hftbacktest's probabilistic queue models do:
  behind with probability ``back**power / (back**power + front**power)``. Decreases
  already explained by prints at the level since the last book are not counted twice
  (hftbacktest's ``cum_trade_qty``). Sources without book sizes (trade prints only) put
  nobody ahead of a new order: the queue then fills on every seller's print at our price.
* latency is not a model of its own but applies to both: the engine applies an order
  ``latency_ms`` after the decision, and its fills (and a cancel's end to them) are judged
  from then on, against the book at that time (``backtest.engine``).

Exits are immediate-or-cancel: they walk the opposite ladder up to their limit price at
each level's price (taker), against the sizes shown (on trade-only data: in full at the
implied touch, whose size is not known).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import attrs

from predmm.domain.enums import OrderSide

Ladders = tuple[list[float], list[float], list[float], list[float]]  # yes_px, yes_sz, no_px, no_sz
EMPTY: Ladders = ([], [], [], [])
ZERO = Decimal(0)


@attrs.define(slots=True, eq=False)
class Working:
    """One of our orders, as the fill models track it."""

    oid: int
    side: OrderSide
    price: Decimal
    quantity: Decimal
    post_only: bool = True
    filled: Decimal = Decimal(0)
    live: bool = False  # reached the venue
    ahead: float = 0.0  # others' size ahead of us at our price (queue)
    level: float = 0.0  # the size the data last showed at our price (queue)
    printed: float = 0.0  # prints at our price since the last book (queue)
    taken: dict[float, float] = attrs.field(factory=dict)  # crossing size we took, by price
    tag: str = ""  # the decider's name for it
    px: float = attrs.field(init=False)
    opp_limit: float = attrs.field(init=False)  # an opposite bid above this is an ask below us

    def __attrs_post_init__(self) -> None:
        self.px = float(self.price)
        self.opp_limit = round(1.0 - self.px, 9)

    def moved(self, price: Decimal) -> None:
        """Amended to a new ``price``: on its way to the back of that level's queue, as
        a new order is (what it filled stays)."""
        self.price, self.live = price, False
        self.ahead = self.level = self.printed = 0.0
        self.taken = {}
        self.__attrs_post_init__()

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled

    def own(self, book: Ladders) -> tuple[list[float], list[float]]:
        return (book[0], book[1]) if self.side is OrderSide.YES else (book[2], book[3])

    def opposite(self, book: Ladders) -> tuple[list[float], list[float]]:
        return (book[2], book[3]) if self.side is OrderSide.YES else (book[0], book[1])

    def in_terms(self, yes_price: float) -> float:
        """A YES price in this order's side's terms."""
        return yes_price if self.side is OrderSide.YES else round(1.0 - yes_price, 9)


def size_at(prices: list[float], sizes: list[float], price: float) -> float:
    for p, s in zip(prices, sizes, strict=False):
        if p == price:
            return s
        if p < price:
            return 0.0
    return 0.0


def crossing(order: Working, book: Ladders, *, inclusive: bool) -> float:
    """The opposite size at asks below our price (or at it, ``inclusive``), less what we
    already took of each level."""
    prices, sizes = order.opposite(book)
    total = 0.0
    for p, s in zip(prices, sizes, strict=False):
        if p < order.opp_limit or (p == order.opp_limit and not inclusive):
            break
        total += max(0.0, s - order.taken.get(p, 0.0))
    return total


def take_crossing(order: Working, book: Ladders, quantity: float, *, inclusive: bool) -> None:
    """Remember ``quantity`` taken from the crossing levels, best first."""
    prices, sizes = order.opposite(book)
    for p, s in zip(prices, sizes, strict=False):
        if quantity <= 0 or p < order.opp_limit or (p == order.opp_limit and not inclusive):
            break
        free = max(0.0, s - order.taken.get(p, 0.0))
        used = min(free, quantity)
        order.taken[p] = order.taken.get(p, 0.0) + used
        quantity -= used


def clip(order: Working, available: float) -> Decimal:
    """What of ``available`` (contracts, from the data) fills our order: whole
    hundredths, at most its remaining quantity."""
    if available <= 0:
        return Decimal(0)
    room = order.remaining
    got = Decimal(repr(round(available, 2)))
    return min(room, got)


class FillModel(Protocol):
    @property
    def name(self) -> str: ...

    def on_live(self, order: Working, book: Ladders, sized: bool) -> None:
        """The order reached the venue with ``book`` showing (``sized``: real sizes)."""

    def on_book(self, order: Working, book: Ladders) -> Decimal:
        """A new book (of a source whose books fill orders); the quantity filled."""
        ...

    def on_trade(self, order: Working, yes_price: float, size: float, taker: int) -> Decimal:
        """A print (taker: 1 bought YES, -1 bought NO, 0 unknown); the quantity filled."""
        ...


@attrs.frozen
class TradeThrough:
    name: str = "trade-through"

    def on_live(self, order: Working, book: Ladders, sized: bool) -> None:
        return None

    def on_book(self, order: Working, book: Ladders) -> Decimal:
        cross = crossing(order, book, inclusive=False)
        if cross <= 0:  # nothing through our price (most books): nothing taken
            return ZERO
        got = clip(order, cross)
        take_crossing(order, book, float(got), inclusive=False)
        return got

    def on_trade(self, order: Working, yes_price: float, size: float, taker: int) -> Decimal:
        return clip(order, size) if order.in_terms(yes_price) < order.px else Decimal(0)


@attrs.frozen
class QueueModel:
    """See the module docstring. ``trade_share``: the share of a book-only decrease at
    our level taken as executions; ``power``: the exponent of the cancel split."""

    trade_share: float = 0.5
    power: float = 2.0
    name: str = "queue"

    def on_live(self, order: Working, book: Ladders, sized: bool) -> None:
        prices, sizes = order.own(book)
        order.level = size_at(prices, sizes, order.px)
        order.ahead = order.level if sized else 0.0
        order.printed = 0.0

    def on_trade(self, order: Working, yes_price: float, size: float, taker: int) -> Decimal:
        price = order.in_terms(yes_price)
        if price < order.px:
            return clip(order, size)
        sells_to_us = taker == 0 or (taker == -1) == (order.side is OrderSide.YES)
        if price != order.px or not sells_to_us:
            return Decimal(0)
        order.printed += size
        return self._execute(order, size)

    def on_book(self, order: Working, book: Ladders) -> Decimal:
        prices, sizes = order.own(book)
        new = size_at(prices, sizes, order.px)
        cross = crossing(order, book, inclusive=True)
        got = Decimal(0)
        if cross > 0:  # asks at or below us: the bids at our price are gone
            order.ahead = 0.0
            got = clip(order, cross)
            take_crossing(order, book, float(got), inclusive=True)
        else:
            got = self._level_change(order, new)
        order.ahead = min(order.ahead, new)
        order.level, order.printed = new, 0.0
        return got

    def _level_change(self, order: Working, new: float) -> Decimal:
        change = order.level - new - order.printed
        if change <= 0:
            return Decimal(0)
        executed = change * self.trade_share
        got = self._execute(order, executed)
        cancelled = change - executed
        front = order.ahead
        back = max(0.0, order.level - order.printed - executed - front)
        behind = _behind(front, back, self.power)
        # cancels behind us past the size behind come from ahead (hftbacktest's estimate)
        ahead = front - (1.0 - behind) * cancelled + min(back - behind * cancelled, 0.0)
        order.ahead = max(0.0, ahead)
        return got

    def _execute(self, order: Working, size: float) -> Decimal:
        """``size`` executed at our price, from the front of the queue."""
        order.ahead -= size
        if order.ahead >= 0:
            return Decimal(0)
        got = clip(order, -order.ahead)
        order.ahead = 0.0
        return got


def _behind(front: float, back: float, power: float) -> float:
    """The probability that a cancel at our level was behind us."""
    if front + back <= 0:
        return 1.0
    b, f = back**power, front**power
    return float(b / (b + f))


@attrs.frozen
class NoFills:
    """Resting orders never fill (marketable exits still take the book): what a
    strategy decides on a feed alone, as the backtest/live parity test compares it."""

    name: str = "none"

    def on_live(self, order: Working, book: Ladders, sized: bool) -> None:
        return None

    def on_book(self, order: Working, book: Ladders) -> Decimal:
        return Decimal(0)

    def on_trade(self, order: Working, yes_price: float, size: float, taker: int) -> Decimal:
        return Decimal(0)


def fill_model(name: str, *, trade_share: float = 0.5, power: float = 2.0) -> FillModel:
    if name == "trade-through":
        return TradeThrough()
    if name == "none":
        return NoFills()
    if name == "queue":
        return QueueModel(trade_share=trade_share, power=power)
    raise ValueError(f"fill model {name!r}: expected 'trade-through', 'queue' or 'none'")


def ioc_fills(order: Working, book: Ladders, sized: bool) -> list[tuple[Decimal, Decimal]]:
    """An immediate-or-cancel buy walking the asks up to its price: (price, quantity)
    per level, best first. Without sizes (trade-only data) it fills in full at the
    best ask when that is within its price."""
    prices, sizes = order.opposite(book)
    out: list[tuple[Decimal, Decimal]] = []
    left = order.remaining
    for p, s in zip(prices, sizes, strict=False):
        if left <= 0 or p < order.opp_limit:
            break
        ask = Decimal(repr(round(1.0 - p, 9)))
        qty = left if not sized else min(left, Decimal(repr(round(s, 2))))
        if qty > 0:
            out.append((ask, qty))
            left -= qty
        if not sized:
            break
    return out

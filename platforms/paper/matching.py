"""Pure fill logic of the paper venue: queue position, public trades, crosses, taker walks.

Every order is seen as a *bid on one side of the binary book* (``bid_view``): buying YES
at p is a YES bid at p; selling YES at p is buying NO at 1 - p, a NO bid at 1 - p (and
the same with YES and NO swapped). So one model covers every order.

Queue model of a resting bid at p on side S:

* ``ahead`` is the size other traders had resting at p on S when we joined the level
  (our own orders are never in the data venue's book). It only shrinks: a book showing
  less at p caps it (``ahead = min(ahead, size at p)``), a trade at p consumes it.
* Who fills a bid at p on S? A seller of S, i.e. a buyer of the other side at 1 - p.
  A public trade at YES price t is such a sale when, in S's terms (t for YES, 1 - t for
  NO), it printed at or below p: while our bid rests uncrossed the best ask of S is above
  p, so a print at p or lower cannot have been a buyer of S lifting an ask.
* A trade fills only orders that joined their level before it printed. An order joins
  when it is placed and again when an amend moves it to the back of a queue (a reprice,
  a larger size); an in-place shrink keeps its time. Without this, a match whose book
  change arrives before its prints (the book moved, we repriced into the gap, then the
  match's prints came in) would fill our new order with trades that happened before it
  existed. The print's time is the venue's (``venue_ts``), ``joined`` our clock's: the
  two are taken to agree (both NTP-synced in live trading); a venue clock running behind
  ours only makes us miss fills. Venue times are truncated to their resolution (Kalshi's
  ``ts_ms`` and Polymarket's ``timestamp`` to the millisecond, Kalshi's ``ts`` fallback
  to the second, the simulator to its clock step): a print stamped at or before the
  instant we joined may still have come after it, but is not counted (pessimistic, never
  optimistic); only a stamp strictly after ``joined`` proves it. A print without a venue
  time is counted as before (we cannot tell; the feeds we have all stamp their trades).
  A print that came before we joined leaves our queue alone too: the book we joined
  against already showed its effect, or will.
* A trade of size v at or through our price fills ``v - ahead - (our own earlier orders
  at p) - (what our better-priced orders took from it)``, at most our remaining size,
  never less than 0; then ``ahead`` drops by v.
* A book whose best ask of S is at or below p (the other side moved through us) is a
  cross: we fill at our own price against the crossing asks' size, best-priced orders
  first; the real bids at p are gone, so ``ahead`` becomes 0. The size we took is
  remembered (``taken``) and hidden from later books so that the same liquidity does not
  fill us twice; it shrinks with the level it came from.
* Feeds send a match's book change and its trade print separately, in either order
  (the Kalshi feed sends the book first). So that one match does not move us up the
  queue twice, what a book took off ``ahead`` is kept as a ``credit`` for ``window``:
  a trade hitting us within it first uses up the credit (the book already counted that
  volume), and only the rest of its size counts. A credit that expires unused was a
  cancel ahead of us. The cost: a trade in the window after a cancel fills us a little
  late (pessimistic, never optimistic).

Nothing here reads a clock or does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide
from predmm.domain.orders import Order

ZERO = Decimal(0)
ONE = Decimal(1)

BookKey = tuple[OrderSide, Decimal]
"""A level of the book as ``OrderBook.without`` keys it: (side, bid price)."""


def bid_view(side: OrderSide, action: Action, price: Decimal) -> BookKey:
    """The (book side, bid price) at which an order of ``action`` on ``side`` rests."""
    if action is Action.BUY:
        return side, price
    return side.opposite, ONE - price


def order_price(action: Action, bid_price: Decimal) -> Decimal:
    """Back from a bid price on the order's book side to the order's own price terms."""
    return bid_price if action is Action.BUY else ONE - bid_price


@attrs.frozen(kw_only=True)
class Resting:
    """One of our resting orders and its place in the queue."""

    order: Order
    side: OrderSide  # the book side it bids on
    price: Decimal  # its bid price on that side
    ahead: Decimal  # others' size ahead of it at its price
    seq: int  # time priority among our orders
    joined: datetime  # when it joined its level (our clock): placed, or moved to the back
    credit: Decimal = ZERO  # volume a book already took off ``ahead``, not yet printed
    credit_until: datetime | None = None

    def credit_at(self, now: datetime) -> Decimal:
        live = self.credit_until is not None and now <= self.credit_until
        return self.credit if live else ZERO

    def moved_up(self, ahead: Decimal, now: datetime, window: timedelta) -> Resting:
        """This order after a book took its queue ahead down to ``ahead``."""
        gained = self.ahead - ahead
        if gained <= 0:
            return self
        credit = self.credit_at(now) + gained
        return attrs.evolve(self, ahead=ahead, credit=credit, credit_until=now + window)

    @property
    def key(self) -> BookKey:
        return self.side, self.price


@attrs.frozen(kw_only=True)
class Match:
    """What one event did to one resting order: its new queue state and a fill (maybe 0)."""

    resting: Resting
    quantity: Decimal
    price: Decimal  # bid price on the resting order's book side


def level_size(book: OrderBook, side: OrderSide, price: Decimal) -> Decimal:
    return next((lv.size for lv in book.bids(side) if lv.price == price), ZERO)


def hit_by_trade(side: OrderSide, bid_price: Decimal, trade_yes_price: Decimal) -> bool:
    """Is a bid at ``bid_price`` on ``side`` at or above a public trade's price (in the
    side's own terms)? Then the trade was a sale into that bid's level or through it."""
    own_terms = trade_yes_price if side is OrderSide.YES else ONE - trade_yes_price
    return own_terms <= bid_price


def _by_priority(resting: Iterable[Resting], side: OrderSide) -> list[Resting]:
    return sorted((r for r in resting if r.side is side), key=lambda r: (-r.price, r.seq))


def printed_after_joining(r: Resting, printed: datetime | None) -> bool:
    """Did a print stamped ``printed`` (venue time; None: unknown) surely come after ``r``
    joined its level? Unknown counts as after, an equal stamp as before."""
    return printed is None or printed > r.joined


def on_trade(
    resting: Sequence[Resting],
    trade_yes_price: Decimal,
    size: Decimal,
    now: datetime,
    *,
    printed: datetime | None = None,
) -> list[Match]:
    """The effect of a public trade (printed at venue time ``printed``, if known) on our
    resting orders of one market; orders that joined at or after ``printed`` are not
    touched."""
    matches: list[Match] = []
    for side in OrderSide:
        hit = [
            r
            for r in _by_priority(resting, side)
            if hit_by_trade(side, r.price, trade_yes_price) and printed_after_joining(r, printed)
        ]
        matches.extend(_consume_trade(hit, size, now))
    return matches


def _consume_trade(hit: list[Resting], size: Decimal, now: datetime) -> list[Match]:
    matches: list[Match] = []
    own_ahead: dict[Decimal, Decimal] = {}  # our earlier remaining size per level
    used_better = ZERO  # what our better-priced orders took from this trade
    level, used_level = None, ZERO
    for r in hit:
        if r.price != level:
            used_better, level, used_level = used_better + used_level, r.price, ZERO
        credit = r.credit_at(now)
        volume = size - min(size, credit)  # a book already moved us up by the rest
        reach = volume - r.ahead - own_ahead.get(r.price, ZERO) - used_better
        quantity = min(r.order.remaining, max(ZERO, reach))
        own_ahead[r.price] = own_ahead.get(r.price, ZERO) + r.order.remaining
        used_level += quantity
        moved = attrs.evolve(r, ahead=max(ZERO, r.ahead - volume), credit=credit - (size - volume))
        matches.append(Match(resting=moved, quantity=quantity, price=r.price))
    return matches


def on_book(
    resting: Sequence[Resting], book: OrderBook, now: datetime, window: timedelta
) -> tuple[list[Match], dict[BookKey, Decimal]]:
    """The effect of a new book (already less what we ``taken`` before) on our resting
    orders: queues capped by the level sizes, crossed orders filled at their price.
    Returns the matches of the orders that changed and the size taken per level."""
    matches: list[Match] = []
    taken: dict[BookKey, Decimal] = {}
    for side in OrderSide:
        asks = list(book.asks(side))
        for r in _by_priority(resting, side):
            match = _cross_or_cap(r, book, asks, taken, now, window)
            if match is not None:
                matches.append(match)
    return matches, taken


def _cross_or_cap(
    r: Resting,
    book: OrderBook,
    asks: list[Level],
    taken: dict[BookKey, Decimal],
    now: datetime,
    window: timedelta,
) -> Match | None:
    crossing = [lv for lv in asks if lv.price <= r.price]
    if not crossing:
        ahead = min(r.ahead, level_size(book, r.side, r.price))
        if ahead == r.ahead:
            return None
        return Match(resting=r.moved_up(ahead, now, window), quantity=ZERO, price=r.price)
    quantity = ZERO
    for lv in crossing:
        key = (r.side.opposite, ONE - lv.price)
        free = lv.size - taken.get(key, ZERO)
        take = min(free, r.order.remaining - quantity)
        if take > 0:
            taken[key] = taken.get(key, ZERO) + take
            quantity += take
    return Match(resting=r.moved_up(ZERO, now, window), quantity=quantity, price=r.price)


def walk(
    book: OrderBook, side: OrderSide, limit: Decimal, quantity: Decimal
) -> tuple[list[Level], dict[BookKey, Decimal]]:
    """Take up to ``quantity`` from the asks of ``side`` priced at or below ``limit``, best
    first. Returns the fills (price in ``side``'s terms, size) and the size taken per level."""
    fills: list[Level] = []
    taken: dict[BookKey, Decimal] = {}
    left = quantity
    for lv in book.asks(side):
        if left <= 0 or lv.price > limit:
            break
        take = min(lv.size, left)
        fills.append(Level(lv.price, take))
        taken[(side.opposite, ONE - lv.price)] = take
        left -= take
    return fills, taken


def crosses(book: OrderBook, side: OrderSide, bid_price: Decimal) -> bool:
    """Would a bid at ``bid_price`` on ``side`` trade against the book?"""
    ask = book.best_ask(side)
    return ask is not None and ask <= bid_price


def merge_taken(
    old: Mapping[BookKey, Decimal], book: OrderBook, new: Mapping[BookKey, Decimal] | None = None
) -> dict[BookKey, Decimal]:
    """Liquidity we took, carried onto ``book``: each level's amount capped by what the
    level still shows (if others took it, our part of it shrinks too), plus ``new``."""
    merged: dict[BookKey, Decimal] = {}
    for key, amount in old.items():
        kept = min(amount, level_size(book, *key))
        if kept > 0:
            merged[key] = kept
    for key, amount in (new or {}).items():
        merged[key] = merged.get(key, ZERO) + amount
    return merged

"""Polymarket's liquidity-reward scoring, applied to our resting orders and the book: what
share of a market's daily pool our quotes earn, sample by sample (pure; time enters as
arguments).

The venue's formula (docs.polymarket.com, Liquidity Rewards), per sample:

* an order of at least ``min_size`` shares at distance s from the size-cutoff-adjusted
  midpoint scores S = ((v - s) / v)^2 per share when s < v (v: the max spread);
* Q_one sums the scores of the bids on YES and the asks on NO (YES-buying interest),
  Q_two those of the asks on YES and the bids on NO; a maker's
  Q_min = max(min(Q_one, Q_two), max(Q_one, Q_two) / 3) when the midpoint is in
  [0.10, 0.90] (single-sided liquidity scores a third), else min(Q_one, Q_two);
* each maker's share of a sample is its Q_min over every maker's; the day's pool is shared
  by those shares.

What we cannot see, estimated: the book shows levels, not makers, so the competing
liquidity is the book without our orders taken as one maker (its levels of at least
``min_size`` count whole); the size-cutoff-adjusted midpoint, whose exact rule Polymarket
does not publish, is read as the midpoint of the prices where ``min_size`` shares can be
sold and bought (``reward_midpoint``). Each sample earns its part of the day's pool
(``daily_rate`` x interval / 86,400) times our share: a whole day of samples in which
someone scores pays exactly the venue's formula; a sample nobody scores pays nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import attrs

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, OrderStatus
from predmm.domain.market import Rewards
from predmm.domain.orders import Order

ZERO = Decimal(0)
ONE = Decimal(1)
SINGLE_SIDED_SCALE = Decimal(3)  # c: single-sided liquidity scores a third
TWO_SIDED_BELOW = Decimal("0.10")  # outside [0.10, 0.90] only two-sided liquidity scores
TWO_SIDED_ABOVE = Decimal("0.90")
SECONDS_PER_DAY = Decimal(86_400)
SAMPLE_SECONDS = 60.0  # the venue samples once a minute
_RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


@attrs.frozen
class Resting:
    """One resting order on the book's ladders: ``side`` is the ladder (YES bids or NO
    bids), ``price`` its bid price there, ``size`` what remains."""

    side: OrderSide
    price: Decimal
    size: Decimal


def resting(orders: Iterable[Order]) -> tuple[Resting, ...]:
    """Our orders that rest at the venue, on their ladders: a BUY of a side rests on its
    own ladder, a SELL of a side at p on the other's at 1 - p."""
    out = []
    for o in orders:
        if o.status not in _RESTING or o.remaining <= 0:
            continue
        if o.action is Action.BUY:
            out.append(Resting(o.side, o.price, o.remaining))
        else:
            out.append(Resting(o.side.opposite, ONE - o.price, o.remaining))
    return tuple(out)


def _depth_price(levels: tuple[Level, ...], size: Decimal) -> Decimal | None:
    """The price at which ``size`` is reached walking the ladder from its best level."""
    total = ZERO
    for level in levels:
        total += level.size
        if total >= size:
            return level.price
    return None


def reward_midpoint(book: OrderBook, min_size: Decimal) -> Decimal | None:
    """The size-cutoff-adjusted midpoint, as we read it: halfway between the YES price at
    which ``min_size`` can be sold (the bids' depth) and the one at which it can be bought
    (the asks'); the plain midpoint when a side is thinner; None for a one-sided book."""
    if not book.yes_bids or not book.no_bids:
        return None
    bid = _depth_price(book.yes_bids, min_size)
    no_bid = _depth_price(book.no_bids, min_size)
    if bid is None or no_bid is None:
        return book.mid()
    return (bid + ONE - no_bid) / 2


def order_score(max_spread: Decimal, distance: Decimal) -> Decimal:
    """S(v, s) = ((v - s) / v)^2 for an order at distance s inside the band, else 0."""
    if max_spread <= ZERO or distance < ZERO or distance >= max_spread:
        return ZERO
    return ((max_spread - distance) / max_spread) ** 2


def _distance(side: OrderSide, price: Decimal, mid: Decimal) -> Decimal:
    """A ladder price's distance from the midpoint in YES terms (a NO bid at q is a YES
    ask at 1 - q)."""
    return mid - price if side is OrderSide.YES else (ONE - price) - mid


def scores(rewards: Rewards, mid: Decimal, levels: Iterable[Resting]) -> tuple[Decimal, Decimal]:
    """(Q_one, Q_two) of ``levels``: YES-ladder sizes score in Q_one, NO-ladder in Q_two;
    a level smaller than ``min_size`` scores nothing."""
    q = {OrderSide.YES: ZERO, OrderSide.NO: ZERO}
    for lv in levels:
        if lv.size < rewards.min_size:
            continue
        q[lv.side] += order_score(rewards.max_spread, _distance(lv.side, lv.price, mid)) * lv.size
    return q[OrderSide.YES], q[OrderSide.NO]


def q_min(q_one: Decimal, q_two: Decimal, mid: Decimal) -> Decimal:
    """A maker's score for the sample: two-sided liquidity counts in full, one-sided a
    third inside [0.10, 0.90] and nothing outside it."""
    if TWO_SIDED_BELOW <= mid <= TWO_SIDED_ABOVE:
        return max(min(q_one, q_two), max(q_one, q_two) / SINGLE_SIDED_SCALE)
    return min(q_one, q_two)


def in_band(rewards: Rewards, mid: Decimal, ours: Iterable[Resting]) -> bool:
    """Whether we rest an order of at least ``min_size`` inside the band on both ladders."""
    sides = {
        r.side
        for r in ours
        if r.size >= rewards.min_size
        and order_score(rewards.max_spread, _distance(r.side, r.price, mid)) > ZERO
    }
    return len(sides) == 2


@attrs.frozen(kw_only=True)
class RewardSample:
    """One sample of a market: our score and the competition's (Q_min), our share of the
    sample, what it earns (dollars), and whether both our quotes were in the band."""

    at: datetime
    midpoint: Decimal | None
    ours: Decimal
    others: Decimal
    share: Decimal
    dollars: Decimal
    in_band: bool

    @property
    def day(self) -> date:
        """The UTC day whose pool it counts in."""
        return self.at.date()

    @property
    def scored(self) -> bool:
        return self.ours > ZERO


def sample(
    rewards: Rewards,
    book: OrderBook,
    ours: tuple[Resting, ...],
    at: datetime,
    interval_s: float = SAMPLE_SECONDS,
) -> RewardSample:
    """Score our resting orders ``ours`` against ``book`` (the whole book, ours in it) at
    ``at``, for a sample standing for ``interval_s`` seconds of the day."""
    mid = reward_midpoint(book, rewards.min_size)
    if mid is None or not rewards.pays_liquidity:
        return RewardSample(
            at=at, midpoint=mid, ours=ZERO, others=ZERO, share=ZERO, dollars=ZERO, in_band=False
        )
    mine = q_min(*scores(rewards, mid, ours), mid)
    own: dict[tuple[OrderSide, Decimal], Decimal] = {}
    for r in ours:
        own[(r.side, r.price)] = own.get((r.side, r.price), ZERO) + r.size
    others_book = book.without(own)
    others_levels = [Resting(OrderSide.YES, lv.price, lv.size) for lv in others_book.yes_bids]
    others_levels += [Resting(OrderSide.NO, lv.price, lv.size) for lv in others_book.no_bids]
    theirs = q_min(*scores(rewards, mid, others_levels), mid)
    share = mine / (mine + theirs) if mine > ZERO else ZERO
    part = Decimal(repr(interval_s)) / SECONDS_PER_DAY
    return RewardSample(
        at=at,
        midpoint=mid,
        ours=mine,
        others=theirs,
        share=share,
        dollars=rewards.daily_rate * part * share,
        in_band=in_band(rewards, mid, ours),
    )


def slot(at: datetime, interval_s: float = SAMPLE_SECONDS) -> int:
    """The sampling slot ``at`` falls in: one sample per slot (a minute by default)."""
    return int(at.timestamp() // interval_s)

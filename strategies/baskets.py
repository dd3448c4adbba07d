"""Baskets that pay exactly $1 whatever happens, bought as deep as they pay: the depth
walk of an arbitrage. Pure: books, fees and room in, a sized basket out.

A basket is one contract of each of its legs (YES on one venue + NO of the same outcome
on the other; YES + NO of one market; the YES of every outcome of an exhaustive event).
Each leg is bought up its ask ladder. Where every leg's ask level stays the same, a
basket costs the same (the sum of the leg prices plus each leg's exact taker fee per
contract): the walk takes such stretches one after another while the basket costs at
most ``1 - min_edge``, so the edge holds for the last basket taken too. The baskets are
whole contracts, at most the room and the dollars the portfolio gives. The fees charged
are then counted as the venues charge them (rounded per fill, a fill per level) and the
count lowered while the rounding would take the basket's gain under ``min_edge`` per
basket or the cost over the dollars.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

import attrs

from predmm.domain.book import Level
from predmm.domain.enums import OrderSide
from predmm.domain.fees import TakerRate
from predmm.domain.ids import MarketId
from predmm.strategies.base import Room

ZERO = Decimal(0)
ONE = Decimal(1)


@attrs.frozen(kw_only=True)
class LegBook:
    """One leg: ``side`` of ``market_id`` bought up ``asks`` (best, lowest, first) as a
    taker at ``rate``; ``min_size``: the venue's smallest order."""

    market_id: MarketId
    side: OrderSide
    asks: tuple[Level, ...]
    rate: TakerRate
    min_size: Decimal = ZERO


@attrs.frozen(kw_only=True)
class LegPlan:
    """``size`` of one leg bought: at ``limit_price`` or better, ``notional`` plus
    ``fee``; ``depth``: what its book offers at the limit or better."""

    market_id: MarketId
    side: OrderSide
    size: Decimal
    limit_price: Decimal
    notional: Decimal
    fee: Decimal
    depth: Decimal

    @property
    def cost(self) -> Decimal:
        return self.notional + self.fee


@attrs.frozen(kw_only=True)
class Basket:
    """``count`` baskets: they pay ``count`` dollars, whatever happens."""

    legs: tuple[LegPlan, ...]
    count: Decimal

    @property
    def cost(self) -> Decimal:
        return sum((leg.cost for leg in self.legs), ZERO)

    @property
    def gain(self) -> Decimal:
        """Locked at resolution: ``count`` paid less what the legs cost, fees included."""
        return self.count - self.cost


def take(levels: Sequence[Level], count: Decimal) -> list[Level]:
    """The fills of ``count`` walked down ``levels`` (best first), one per level; fewer
    than ``count`` in all when the levels hold less."""
    fills: list[Level] = []
    left = count
    for level in levels:
        if left <= 0:
            break
        size = min(level.size, left)
        fills.append(Level(level.price, size))
        left -= size
    return fills


def size_basket(
    legs: Sequence[LegBook], *, min_edge: Decimal, max_count: int, room: Room
) -> Basket | None:
    """The most baskets worth taking (see the module), or None for none."""
    cap = min([Decimal(max_count), *(room.market(leg.market_id) for leg in legs)])
    count = _whole(_marginal_depth(legs, min_edge, cap, room.dollars))
    floor = max((leg.min_size for leg in legs), default=ZERO)
    while count > 0 and count >= floor:
        basket = Basket(legs=tuple(_plan(leg, count) for leg in legs), count=count)
        if basket.gain >= min_edge * count and basket.cost <= room.dollars:
            return basket
        count -= 1
    return None


def _marginal_depth(
    legs: Sequence[LegBook], min_edge: Decimal, cap: Decimal, dollars: Decimal
) -> Decimal:
    """Baskets, each at most ``1 - min_edge`` with exact fees, up to ``cap`` and
    ``dollars`` (not yet whole)."""
    walk = _Walk(legs)
    count = spent = ZERO
    while count < cap and (levels := walk.levels()) is not None:
        unit = _unit(legs, levels)
        if ONE - unit < min_edge:
            break
        stretch = min(cap - count, walk.stretch(levels))
        if spent + stretch * unit > dollars:
            return count + (dollars - spent) / unit
        count, spent = count + stretch, spent + stretch * unit
        walk.advance(levels, stretch)
    return count


def _unit(legs: Sequence[LegBook], levels: Sequence[Level]) -> Decimal:
    """One basket at these levels: the prices plus each leg's exact fee."""
    pairs = zip(legs, levels, strict=True)
    return sum((lv.price + leg.rate.per_contract(lv.price) for leg, lv in pairs), ZERO)


class _Walk:
    """Where each leg stands on its ladder: a level, and how much of it is used."""

    def __init__(self, legs: Sequence[LegBook]) -> None:
        self.legs = legs
        self.index = [0] * len(legs)
        self.used = [ZERO] * len(legs)

    def levels(self) -> list[Level] | None:
        """Each leg's current level; None once a leg's ladder is used up."""
        if any(i >= len(leg.asks) for i, leg in zip(self.index, self.legs, strict=True)):
            return None
        return [leg.asks[i] for i, leg in zip(self.index, self.legs, strict=True)]

    def stretch(self, levels: Sequence[Level]) -> Decimal:
        """Baskets before some leg's level runs out."""
        return min(lv.size - u for lv, u in zip(levels, self.used, strict=True))

    def advance(self, levels: Sequence[Level], taken: Decimal) -> None:
        for k, level in enumerate(levels):
            self.used[k] += taken
            if self.used[k] == level.size:
                self.index[k], self.used[k] = self.index[k] + 1, ZERO


def _plan(leg: LegBook, count: Decimal) -> LegPlan:
    fills = take(leg.asks, count)
    limit = fills[-1].price
    return LegPlan(
        market_id=leg.market_id,
        side=leg.side,
        size=count,
        limit_price=limit,
        notional=sum((f.price * f.size for f in fills), ZERO),
        fee=sum((leg.rate.fill_fee(f.price, f.size) for f in fills), ZERO),
        depth=sum((lv.size for lv in leg.asks if lv.price <= limit), ZERO),
    )


def _whole(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR) if value.is_finite() else value

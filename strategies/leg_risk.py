"""Leg risk: what to do when the legs of an arbitrage filled unevenly. Pure.

``resolve_legs(legs, filled, books, fees)`` takes a signal's legs (baskets bought one
contract of each), what filled of each, and the books now, and returns the orders that
leave whole baskets and nothing unmatched:

* **hedge**: buy each short leg up to the longest one (its asks, IOC at the worst
  level needed): ``M`` baskets, paying for the missing legs;
* **unwind**: sell each long leg down to the shortest one (its bids, IOC at the worst
  level needed): ``m`` baskets, the surplus sold back.

Both are valued the same way, the baskets they leave (each pays $1 at resolution) plus
the cash they bring or cost (fees included), and the better one is chosen. A hedge
buys, so it stays inside the ``room`` it is given (the portfolio's, the same limits as
any order); an unwind only reduces. When the books cannot take either whole, the plan
does what they can and says how many contracts stay unmatched (``naked``) and why: a
leg is never left naked without a word.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal

import attrs

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, TimeInForce
from predmm.domain.fees import TakerFees
from predmm.domain.ids import MarketId
from predmm.domain.orders import Leg
from predmm.strategies.base import Room
from predmm.strategies.baskets import take

ZERO = Decimal(0)


class LegAction(enum.Enum):
    NONE = "none"  # the legs filled evenly
    HEDGE = "hedge"
    UNWIND = "unwind"


@attrs.frozen(kw_only=True)
class LegRiskPlan:
    """The orders to send; ``baskets``: whole baskets held once they fill; ``cash``: what
    they bring (negative: cost), fees included; ``naked``: contracts still unmatched
    after them (0 unless the books are too thin)."""

    action: LegAction
    orders: tuple[Leg, ...]
    baskets: Decimal
    cash: Decimal
    naked: Decimal
    reason: str

    @property
    def value(self) -> Decimal:
        """What the plan is worth at resolution, the unmatched contracts at nothing."""
        return self.baskets + self.cash


def resolve_legs(
    legs: Sequence[Leg],
    filled: Sequence[Decimal],
    books: Mapping[MarketId, OrderBook],
    fees: TakerFees,
    *,
    room: Room | None = None,
    only: LegAction | None = None,
) -> LegRiskPlan:
    """The hedge or the unwind of uneven ``filled`` legs, whichever is worth more
    (``only``: that one, say after the other filled nothing)."""
    if len(legs) != len(filled):
        raise ValueError(f"{len(legs)} legs but {len(filled)} filled quantities")
    low, high = min(filled), max(filled)
    if low == high:
        return LegRiskPlan(
            action=LegAction.NONE, orders=(), baskets=low, cash=ZERO, naked=ZERO, reason="even"
        )
    options = []
    if only is not LegAction.UNWIND:
        options.append(_hedge(legs, filled, books, fees, room or Room()))
    if only is not LegAction.HEDGE:
        options.append(_unwind(legs, filled, books, fees))
    return min(options, key=lambda p: (p.naked, -p.value))


def _hedge(
    legs: Sequence[Leg],
    filled: Sequence[Decimal],
    books: Mapping[MarketId, OrderBook],
    fees: TakerFees,
    room: Room,
) -> LegRiskPlan:
    target = max(filled)
    orders, cash, held = [], ZERO, list(filled)
    budget = room.dollars
    for k, (leg, have) in enumerate(zip(legs, filled, strict=True)):
        want = min(target - have, room.market(leg.market_id))
        asks = books[leg.market_id].asks(leg.side) if leg.market_id in books else ()
        fills = _affordable(take(asks, want), fees, leg, budget) if want > 0 else []
        if fills:
            cost = _notional(fills) + _fees(fills, fees, leg)
            budget -= cost
            cash -= cost
            held[k] += _size(fills)
            orders.append(_order(leg, fills, Action.BUY))
    return _plan(LegAction.HEDGE, orders, held, cash, "buy the short legs up to the long")


def _unwind(
    legs: Sequence[Leg],
    filled: Sequence[Decimal],
    books: Mapping[MarketId, OrderBook],
    fees: TakerFees,
) -> LegRiskPlan:
    target = min(filled)
    orders, cash, held = [], ZERO, list(filled)
    for k, (leg, have) in enumerate(zip(legs, filled, strict=True)):
        bids = books[leg.market_id].bids(leg.side) if leg.market_id in books else ()
        fills = take(bids, have - target) if have > target else []
        if fills:
            cash += _notional(fills) - _fees(fills, fees, leg)
            held[k] -= _size(fills)
            orders.append(_order(leg, fills, Action.SELL))
    return _plan(LegAction.UNWIND, orders, held, cash, "sell the long legs down to the short")


def _plan(
    action: LegAction, orders: list[Leg], held: list[Decimal], cash: Decimal, what: str
) -> LegRiskPlan:
    baskets = min(held)
    naked = sum((h - baskets for h in held), ZERO)
    reason = what if naked == 0 else f"{what}: {naked} contracts stay unmatched (thin books)"
    return LegRiskPlan(
        action=action, orders=tuple(orders), baskets=baskets, cash=cash, naked=naked, reason=reason
    )


def _affordable(fills: list[Level], fees: TakerFees, leg: Leg, budget: Decimal) -> list[Level]:
    """The first fills whose cost stays within ``budget`` (whole contracts)."""
    kept: list[Level] = []
    for fill in fills:
        unit = fill.price + fees.rate(leg.market_id).per_contract(fill.price)
        spend = _notional(kept) + _fees(kept, fees, leg)
        size = min(fill.size, ((budget - spend) / unit).to_integral_value(rounding=ROUND_FLOOR))
        while size > 0 and spend + _cost(Level(fill.price, size), fees, leg) > budget:
            size -= 1
        if size <= 0:
            break
        kept.append(Level(fill.price, size))
        if size < fill.size:
            break
    return kept


def _order(leg: Leg, fills: list[Level], action: Action) -> Leg:
    """An IOC order taking ``fills``: its limit is the last (worst) level's price."""
    return Leg(
        market_id=leg.market_id,
        side=leg.side,
        limit_price=fills[-1].price,
        size=_size(fills),
        action=action,
        time_in_force=TimeInForce.IOC,
    )


def _cost(fill: Level, fees: TakerFees, leg: Leg) -> Decimal:
    return fill.price * fill.size + fees.rate(leg.market_id).fill_fee(fill.price, fill.size)


def _notional(fills: Sequence[Level]) -> Decimal:
    return sum((f.price * f.size for f in fills), ZERO)


def _fees(fills: Sequence[Level], fees: TakerFees, leg: Leg) -> Decimal:
    rate = fees.rate(leg.market_id)
    return sum((rate.fill_fee(f.price, f.size) for f in fills), ZERO)


def _size(fills: Sequence[Level]) -> Decimal:
    return sum((f.size for f in fills), ZERO)

"""Exposure and limit arithmetic of binary markets, pure.

A market's exposure is what is held (contracts and what they cost) plus what is resting.
The worst case counts every resting order that hurts as filled and every one that helps
as not filled, so a limit checked against it holds whatever fills next:

* ``loss_if(yes_wins)``: cost of everything held and of the resting buys of the losing
  side, less what the winning side pays; resting sells of the winning side lose their
  payout less their proceeds;
* ``directional(side)``: contracts that pay only if ``side`` wins, less those that pay
  only if it loses (resting buys of ``side`` and resting sells of the other count).

A market's ``Exposure`` has its two worlds (it resolves YES, it resolves NO); an event's
scenarios ("outcome k happens") put each of its markets in one of them
(``domain.scenarios``, ``domain.outcomes``): linked markets, one outcome, add up in the
same world, so a YES here and a NO there hedge; markets of exclusive outcomes cannot all
resolve YES, so NO in several of them is partly a hedge, and YES in one with NO in
another is none.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

import attrs

from predmm.domain.enums import Action, OrderSide
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order

if TYPE_CHECKING:
    from predmm.domain.scenarios import Scenarios

ZERO = Decimal(0)
ONE = Decimal(1)


@attrs.frozen(kw_only=True)
class Terms:
    """What one order could do: buy or sell ``quantity`` of ``side`` at ``price``."""

    side: OrderSide
    action: Action
    price: Decimal
    quantity: Decimal

    @classmethod
    def of(cls, order: Order) -> Terms:
        """What ``order`` could do, all of it."""
        return cls(side=order.side, action=order.action, price=order.price, quantity=order.quantity)


class Exposure(NamedTuple):
    """One market (or a sum of linked markets) in worst-case terms, per outcome.

    A NamedTuple rather than a frozen attrs class: the PortfolioActor builds several for
    every reservation, and tuple construction is several times cheaper."""

    loss_if_yes: Decimal = ZERO  # dollars lost if YES wins (negative: a gain)
    loss_if_no: Decimal = ZERO
    directional_yes: Decimal = ZERO  # contracts long the YES outcome
    directional_no: Decimal = ZERO
    yes_contracts: Decimal = ZERO  # held plus resting buys, per side (per-market limit)
    no_contracts: Decimal = ZERO

    @property
    def worst_loss(self) -> Decimal:
        return max(ZERO, self.loss_if_yes, self.loss_if_no)

    @property
    def contracts(self) -> Decimal:
        """The worst-case directional net contracts, whichever side."""
        return max(ZERO, self.directional_yes, self.directional_no)

    def side_contracts(self, side: OrderSide) -> Decimal:
        return self.yes_contracts if side is OrderSide.YES else self.no_contracts

    def __add__(self, other: tuple[object, ...]) -> Exposure:  # type: ignore[override,unused-ignore]
        assert isinstance(other, Exposure)
        a, b = self, other
        return Exposure(
            a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5]
        )

    def __sub__(self, other: Exposure) -> Exposure:
        a, b = self, other
        return Exposure(
            a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3], a[4] - b[4], a[5] - b[5]
        )


NONE = Exposure()


def held(
    yes_contracts: Decimal, no_contracts: Decimal, yes_cost: Decimal, no_cost: Decimal
) -> Exposure:
    """Contracts held and what they cost in total (not per contract). A YES+NO pair is
    riskless (it pays $1 whatever happens; Kalshi nets it into cash at once), so only the
    unpaired contracts of a side count against the per-side contract limit."""
    cost = yes_cost + no_cost
    pairs = min(yes_contracts, no_contracts)
    return Exposure(
        loss_if_yes=cost - yes_contracts,
        loss_if_no=cost - no_contracts,
        directional_yes=yes_contracts - no_contracts,
        directional_no=no_contracts - yes_contracts,
        yes_contracts=yes_contracts - pairs,
        no_contracts=no_contracts - pairs,
    )


def resting(terms: Terms, quantity: Decimal | None = None) -> Exposure:
    """What a resting order adds in the worst case (only what hurts counts); of
    ``quantity`` contracts of it if given (what is left of it)."""
    qty = terms.quantity if quantity is None else quantity
    price = terms.price
    if terms.action is Action.BUY:
        # hurts if the other side wins: the cost is lost; helps otherwise (not counted)
        if terms.side is OrderSide.YES:
            return Exposure(ZERO, qty * price, qty, ZERO, qty, ZERO)
        return Exposure(qty * price, ZERO, ZERO, qty, ZERO, qty)
    # a sell gives up a payout of 1 for price: hurts if the sold side wins
    if terms.side is OrderSide.YES:
        return Exposure(qty * (ONE - price), ZERO, ZERO, qty, ZERO, ZERO)
    return Exposure(ZERO, qty * (ONE - price), qty, ZERO, ZERO, ZERO)


def total(exposures: Iterable[Exposure]) -> Exposure:
    out = Exposure()
    for exposure in exposures:
        out = out + exposure
    return out


def reduces(terms: Terms, net_position: Decimal) -> bool:
    """True if the order only takes inventory toward flat (YES - NO = ``net_position``):
    buying the short side or selling the long side, no more than the net."""
    if terms.quantity > abs(net_position) or net_position == 0:
        return False
    long_side = OrderSide.YES if net_position > 0 else OrderSide.NO
    if terms.action is Action.BUY:
        return terms.side is not long_side
    return terms.side is long_side


@attrs.frozen(kw_only=True)
class Limits:
    """The limits one check applies (from RiskConfig and the strategy's position size)."""

    market_contracts: Decimal
    market_loss: Decimal
    event_contracts: Decimal
    event_loss: Decimal
    venue_loss: Decimal
    total_loss: Decimal


class Scope(NamedTuple):
    """The exposures an order changes, before it: its market, its outcome in its event
    and the clique of outcomes that holds it (``domain.scenarios``) on every venue and on
    the order's venue, the event's worst case (the sum over its cliques) and contracts,
    the venue's total loss (summed per event) and the total loss over everything (summed
    per event). The check is a pure function of these. (A NamedTuple, as ``Exposure``:
    one is built for every check.)"""

    market_id: MarketId
    market: Exposure
    outcome: int
    event: Scenarios
    event_loss: Decimal
    event_contracts: Decimal
    event_on_venue: Scenarios
    venue_loss: Decimal
    total_loss: Decimal


def breach(scope: Scope, terms: Terms, limits: Limits) -> str | None:
    """Why ``terms`` may not rest (the first limit it would pass, in any scenario), or
    None.

    A limit already passed (a config change, a late fill) still lets through an order
    that does not make that measure worse."""
    return exceeds(scope, resting(terms), (terms.side,), limits)


def exceeds(scope: Scope, add: Exposure, sides: Iterable[OrderSide], limits: Limits) -> str | None:
    """The first limit that ``add`` (resting orders of ``sides`` in the scope's market)
    would pass, or None; ``breach`` for one order or several at once. Resting buys only
    add, in every scenario, so when several together pass no limit, each of them alone
    passes none."""
    market = scope.market + add
    clique = scope.event
    loss, contracts = clique.after(scope.outcome, add)
    event_loss = scope.event_loss + (loss - clique.worst_loss)
    event_contracts = scope.event_contracts + (contracts - clique.contracts)
    venue_clique = scope.event_on_venue
    on_venue = loss if venue_clique is clique else venue_clique.after(scope.outcome, add)[0]
    venue_loss = scope.venue_loss + (on_venue - venue_clique.worst_loss)
    total_loss = scope.total_loss + (event_loss - scope.event_loss)
    checks = (
        *(
            (
                "market contracts",
                scope.market.side_contracts(side),
                market.side_contracts(side),
                limits.market_contracts,
            )
            for side in sides
        ),
        ("market loss", scope.market.worst_loss, market.worst_loss, limits.market_loss),
        ("event contracts", scope.event_contracts, event_contracts, limits.event_contracts),
        ("event loss", scope.event_loss, event_loss, limits.event_loss),
        ("venue loss", scope.venue_loss, venue_loss, limits.venue_loss),
        ("total loss", scope.total_loss, total_loss, limits.total_loss),
    )
    for name, before, after, limit in checks:
        if after > limit and after > before:
            return f"{name} {after} would pass its limit {limit} in {scope.market_id}"
    return None

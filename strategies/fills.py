"""One fill's arithmetic on one market's inventory (an ``InventoryTracker``), shared by
the PortfolioActor and the MarketActors so that both count a fill alike: ``apply_fill``
adds it (selling more than is held is buying the other side) and ``revert_fill`` takes a
fill that failed on chain back out, with its cost and its fee; and a settlement's:
``settle`` pays out everything held (``SettledPosition`` says what it settled), and
``settle_fills`` what a market's fills come to when it resolves. Plain functions that
change only the tracker they are given (``settle_fills``: one of its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide
from predmm.domain.events import Settlement
from predmm.domain.orders import Fill
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)
ONE = Decimal(1)


def apply_fill(tracker: InventoryTracker, fill: Fill) -> None:
    """A fill into an inventory; selling more than is held is buying the other side
    (selling YES at p is buying NO at 1 - p)."""
    qty = fill.quantity
    if fill.action is Action.SELL:
        excess = max(ZERO, qty - tracker.contracts(fill.side))
        if excess:
            tracker.apply_fill(fill.side.opposite, excess, ONE - fill.price, Action.BUY)
            qty -= excess
        if qty:
            tracker.apply_fill(fill.side, qty, fill.price, Action.SELL, fill.fee)
        elif fill.fee:
            tracker.apply_fill(fill.side, ZERO, fill.price, Action.BUY, fill.fee)
        return
    tracker.apply_fill(fill.side, qty, fill.price, Action.BUY, fill.fee)


def revert_fill(tracker: InventoryTracker, fill: Fill) -> None:
    """Take a failed fill back out of an inventory: the contracts, their cost at the
    fill's price (the average of the rest is restored) and its fee."""
    held, avg = tracker.contracts(fill.side), _avg(tracker, fill.side)
    if fill.action is Action.BUY:
        left = max(ZERO, held - fill.quantity)
        cost = held * avg - fill.quantity * fill.price
        _set(tracker, fill.side, left, cost / left if left else ZERO)
    else:
        tracker.realized_pnl -= fill.quantity * (fill.price - avg)
        _set(tracker, fill.side, held + fill.quantity, avg)
    tracker.fees_paid -= fill.fee
    tracker.realized_pnl += fill.fee


@attrs.frozen(kw_only=True)
class SettledPosition:
    """What a settlement did to one market's inventory: the contracts it paid out, what
    they paid, and the PnL that realized (the payout less what they cost)."""

    settlement: Settlement
    yes_contracts: Decimal
    no_contracts: Decimal
    payout: Decimal
    realized_pnl: Decimal


def settle(tracker: InventoryTracker, settlement: Settlement) -> SettledPosition:
    """Pay out everything ``tracker`` holds at ``settlement``'s payouts."""
    yes, no, before = tracker.yes_contracts, tracker.no_contracts, tracker.realized_pnl
    payout = tracker.settle_at(settlement.yes_payout)
    return SettledPosition(
        settlement=settlement,
        yes_contracts=yes,
        no_contracts=no,
        payout=payout,
        realized_pnl=tracker.realized_pnl - before,
    )


def settle_fills(settlement: Settlement, fills: Iterable[Fill]) -> SettledPosition:
    """What ``settlement`` paid out on a market whose fills before it were ``fills`` (in
    the order they were journaled): their inventory, built afresh, settled."""
    tracker = InventoryTracker(market_id=settlement.market_id)
    for fill in fills:
        apply_fill(tracker, fill)
    return settle(tracker, settlement)


def _avg(tracker: InventoryTracker, side: OrderSide) -> Decimal:
    return tracker.avg_yes_price if side is OrderSide.YES else tracker.avg_no_price


def _set(tracker: InventoryTracker, side: OrderSide, contracts: Decimal, avg: Decimal) -> None:
    if side is OrderSide.YES:
        tracker.yes_contracts, tracker.avg_yes_price = contracts, avg
    else:
        tracker.no_contracts, tracker.avg_no_price = contracts, avg

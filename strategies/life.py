"""A market's life, as its MarketActor lives it: pure functions of the market (its status
and time to close, from the snapshot's ``as_of``), the selection's verdict, the inventory
and the book.

* ``phase``: QUOTING (two-sided quotes, wider as the close nears: ``quoting``'s time
  bands); EXITING (exit only: inside ``exit_window_hours`` of the close, or once the
  selection no longer wants the market: no new quotes, the net position worked off);
  CLOSED (the venue halted trading, or the close time passed: nothing is placed, what
  rests is cancelled, the position is kept until the settlement pays it out).
* ``passive_exit``: while EXITING, the resting (post-only) bid that takes the whole net
  position to zero, one tick better than the best bid of others on its side and never
  crossing their best ask.
* ``aggressive_exit``: inside ``exit_aggressive_hours`` of the close, a marketable order
  for the whole net position at the best ask of its side, when the net position is more
  than ``exit_min_inventory`` (a smaller one keeps its passive order).
"""

from __future__ import annotations

import enum
from decimal import Decimal

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook
from predmm.domain.counts import round_count
from predmm.domain.enums import MarketStatus, OrderSide, OrderType
from predmm.domain.market import MarketView
from predmm.domain.orders import Signal
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import Quote

ONE = Decimal(1)
EXIT_STRENGTH = Decimal("1.0")


class Phase(enum.Enum):
    QUOTING = "quoting"
    EXITING = "exiting"
    CLOSED = "closed"


def phase(market: MarketView, config: MarketMakingConfig, *, wanted: bool = True) -> Phase:
    """Where ``market`` is in its life now (``wanted``: the selection still picks it)."""
    hours = market.hours_to_close
    if market.status is not MarketStatus.OPEN or (hours is not None and hours <= 0):
        return Phase.CLOSED
    if not wanted or (hours is not None and hours <= config.exit_window_hours):
        return Phase.EXITING
    return Phase.QUOTING


def exit_side(inventory: InventoryTracker) -> OrderSide | None:
    """The side whose purchase takes the net position toward zero (None when flat)."""
    net = inventory.net_position
    if net == 0:
        return None
    return OrderSide.NO if net > 0 else OrderSide.YES


def passive_exit(
    inventory: InventoryTracker, market: MarketView, book: OrderBook | None = None
) -> Quote | None:
    """The resting bid that works the whole net position off: one tick better than the
    best bid of others on its side, below their best ask (joining the bid when there is
    no room between them); None when flat, below the venue's minimum size, or with no
    price on the grid. ``book``: the book without our own orders (else the market's
    best bid and ask)."""
    side = exit_side(inventory)
    size = round_count(abs(inventory.net_position), market.count_step)
    if side is None or size <= 0 or size < market.min_order_size:
        return None
    bid = book.best_bid() if book is not None else market.best_yes_bid
    ask = book.best_ask() if book is not None else market.best_yes_ask
    if side is OrderSide.YES:
        price = _better_bid(market, bid, ask)
    else:  # a NO bid at q is a YES ask at 1 - q: better is lower, above the YES bid
        ask_price = _better_ask(market, bid, ask)
        price = None if ask_price is None else ONE - ask_price
    return None if price is None else Quote(side, price, size)


def _better_bid(market: MarketView, bid: Decimal | None, ask: Decimal | None) -> Decimal | None:
    tick = market.tick
    if bid is None and ask is None:
        return None
    price = bid + tick.step_at(bid) if bid is not None else None
    if ask is not None and (price is None or price >= ask):
        price = ask - tick.step_at(ask)
    assert price is not None
    return tick.round_bid(price)


def _better_ask(market: MarketView, bid: Decimal | None, ask: Decimal | None) -> Decimal | None:
    tick = market.tick
    if bid is None and ask is None:
        return None
    price = ask - tick.step_at(ask) if ask is not None else None
    if bid is not None and (price is None or price <= bid):
        price = bid + tick.step_at(bid)
    assert price is not None
    return tick.round_ask(price)


def aggressive_exit(
    inventory: InventoryTracker, market: MarketView, config: MarketMakingConfig
) -> Signal | None:
    """Inside ``exit_aggressive_hours`` of the close, with |net| past
    ``exit_min_inventory``: buy the other side of the whole net position at its best ask
    (a marketable order); else None."""
    hours = market.hours_to_close
    net = inventory.net_position
    side = exit_side(inventory)
    if side is None or hours is None or hours > config.exit_aggressive_hours:
        return None
    if abs(net) <= config.exit_min_inventory:
        return None
    best = market.best_yes_bid if side is OrderSide.NO else market.best_yes_ask
    size = round_count(abs(net), market.count_step)
    if best is None or size <= 0:
        return None
    return Signal(
        market_id=market.market_id,
        side=side,
        target_price=ONE - best if side is OrderSide.NO else best,
        size=size,
        strength=EXIT_STRENGTH,
        reason=f"exit: {hours:.2f} h to close, net {net}",
        order_type=OrderType.MARKET,
    )

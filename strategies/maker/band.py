"""Which book updates cannot change a ``MarketCore``'s decision: the ``Band``.

A quoting market whose quotes rest on both sides, made from fair value ``F``, requotes
on a book only if its fair value moves more than ``price_change_requote_threshold`` away
from ``F``, or a side would appear or go. So while nothing else changes (the core is not
stale, no exit can be placed, the state is ACTIVE, the guards are quiet), every book
whose best YES bid and ask (everybody else's) give a fair value within the threshold of
``F``, far enough from the edges of the grid that both quotes stay on it, leaves the
decision as it is: such an update need not build the decision at all. What else moves
with time stays where it was: the backtest shows the core every update at which a tick
is due or something traded. ``band`` says
where that holds, or None when it does not hold anywhere (then every update counts).
With ``rewards_aware`` on a market that pays liquidity rewards there is no band: a quote
that left the reward band (its midpoint moves with the book, not with the fair value) is
requoted whatever the fair value did (``strategies.rewards.leaves_band``).

The daemon's ``Watch`` skips updates that change nothing the core reads; the band also
skips those that change what it reads but not what it decides. It is checked in floats
with a margin of 1e-9 on each side, so a float's rounding can only make it look again;
a mid that close to an end is checked again exactly, in Decimals (a mid moved exactly
the threshold requotes nothing: ``price_moved`` needs more).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from predmm.domain.enums import TradingState
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.life import Phase
from predmm.strategies.maker.view import LiveView
from predmm.strategies.market_making import exit_signal, rebalance_due
from predmm.strategies.quoting import inventory_adjustments

if TYPE_CHECKING:
    from predmm.strategies.maker.core import MarketCore

MARGIN = 1e-9
NEAR = 1e-6  # a mid this close to an end of the band is looked at in Decimals
ONE = Decimal(1)


@attrs.frozen
class Band:
    """Books whose fair value is within ``[low, high]`` (and both sides shown) leave the
    decision unchanged; ``sized``: the fair value is the microprice. ``exact``: the same
    bounds as Decimals, for a mid within a float's rounding of ``low`` or ``high`` (the
    data's prices are decimals: a mid exactly one threshold away requotes nothing)."""

    low: float
    high: float
    sized: bool
    exact: tuple[Decimal, Decimal] | None = None

    def holds(self, bid: float, bid_size: float, no_bid: float, no_size: float) -> bool:
        """Whether a book of best YES bid ``bid`` and best NO bid ``no_bid`` (with what
        rests there; the YES ask is ``1 - no_bid``) is inside the band."""
        ask = 1.0 - no_bid
        if self.sized:
            total = bid_size + no_size
            if total <= 0:
                return False
            return self.low <= (bid * no_size + ask * bid_size) / total <= self.high
        fair = (bid + ask) / 2
        if self.low <= fair <= self.high:
            return True
        if self.exact is None or not self.low - NEAR <= fair <= self.high + NEAR:
            return False
        low, high = self.exact  # the mid as the core works it out: of the data's decimals
        return low <= (Decimal(repr(bid)) + ONE - Decimal(repr(no_bid))) / 2 <= high


def band(core: MarketCore) -> Band | None:
    """The band of ``core`` now; None when every update counts."""
    held = _quiet(core)
    if held is None:
        return None
    assert core.quoted_fair is not None
    config, tick = core.config, core.market.tick
    fair, threshold = core.quoted_fair, config.price_change_requote_threshold
    # both quotes stay on the grid for every fair value in the band: the widest spread,
    # the skew and one step of the post-only clamp (bid below the ask, ask above the bid);
    # near the grid's ends the band stops where that would no longer hold
    bid_adj, ask_adj = inventory_adjustments(held, config)
    step = max(b.step for b in tick.bands)
    half = config.max_spread / 2
    low = max(fair - threshold, tick.min_price + step + half + abs(bid_adj) + step)
    high = min(fair + threshold, tick.max_price - step - half - abs(ask_adj) - step)
    if not low < fair < high:  # the fair value itself must be inside
        return None
    return Band(float(low) + MARGIN, float(high) - MARGIN, core.sized, (low, high))


def _quiet(core: MarketCore) -> InventoryTracker | None:
    """Nothing but the fair value can change the decision: not stale, quotes on both
    sides made from a fair value (no other order of ours resting), ACTIVE, quoting, not
    paused and no trade that could make a volume spike, no exit possible, no reward band
    to keep the quotes in. Then what it holds (``MarketCore.held``), else None."""
    if core.stale or core.quoted_fair is None or core.state is not TradingState.ACTIVE:
        return None
    if core.blocked or core.mono < core.paused_until or core.book is None or core.now is None:
        return None
    if core.volume.holding():  # with trades in its lookback, time alone can make a spike
        return None
    rewards = core.market.rewards
    if core.config.rewards_aware and rewards is not None and rewards.pays_liquidity:
        return None  # the reward band moves with the book: any update may requote
    quotes, extra = core.resting()
    if extra or core.cancelling or len(quotes) != 2:  # a quote on each side, no other
        return None
    if core.life() is not Phase.QUOTING:
        return None
    held = core.held()
    if core.exits or not rebalance_due(held, core.config):
        return held
    view = LiveView(core.market, core.book.best_bid(), core.book.best_ask(), core.now)
    return held if exit_signal(held, _any_book(view), core.config) is None else None


def _any_book(view: LiveView) -> LiveView:
    """``view`` with a two-sided book: whether an exit signal comes does not depend on
    the prices, only that there are some."""
    one = Decimal("0.5")
    return LiveView(view.market, one, one, view.as_of)

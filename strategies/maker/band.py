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
with a margin of 1e-9 on each side, so a float's rounding can only make it look again.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.domain.enums import OrderSide, TradingState
from predmm.strategies.life import Phase, phase
from predmm.strategies.maker.view import LiveView
from predmm.strategies.market_making import exit_signal
from predmm.strategies.quoting import inventory_adjustments

MARGIN = 1e-9


@attrs.frozen
class Band:
    """Books whose fair value is within ``[low, high]`` (and both sides shown) leave the
    decision unchanged; ``sized``: the fair value is the microprice."""

    low: float
    high: float
    sized: bool

    def holds(self, bid: float, bid_size: float, ask: float, ask_size: float) -> bool:
        """Whether a book of best YES bid ``bid`` and ask ``ask`` (with what rests there)
        is inside the band."""
        if self.sized:
            total = bid_size + ask_size
            if total <= 0:
                return False
            fair = (bid * ask_size + ask * bid_size) / total
        else:
            fair = (bid + ask) / 2
        return self.low <= fair <= self.high


def band(core: object) -> Band | None:
    """The band of ``core`` (a ``MarketCore``) now; None when every update counts."""
    from predmm.strategies.maker.core import MarketCore

    assert isinstance(core, MarketCore)
    if not _quiet(core):
        return None
    assert core.quoted_fair is not None
    config, tick = core.config, core.market.tick
    fair, threshold = core.quoted_fair, config.price_change_requote_threshold
    low, high = fair - threshold, fair + threshold
    # both quotes stay on the grid for every fair value in the band: the widest spread,
    # the skew and one step of the post-only clamp (bid below the ask, ask above the bid)
    bid_adj, ask_adj = inventory_adjustments(core.held(), config)
    step = max(b.step for b in tick.bands)
    lowest_bid = low - config.max_spread / 2 - abs(bid_adj) - step
    highest_ask = high + config.max_spread / 2 + abs(ask_adj) + step
    if lowest_bid < tick.min_price + step or highest_ask > tick.max_price - step:
        return None
    return Band(float(low) + MARGIN, float(high) - MARGIN, core.sized)


def _quiet(core: object) -> bool:
    """Nothing but the fair value can change the decision: not stale, quotes on both
    sides made from a fair value (no other order of ours resting), ACTIVE, quoting, not
    paused and no trade that could make a volume spike, no exit possible, no reward band
    to keep the quotes in."""
    from predmm.strategies.maker.core import MarketCore

    assert isinstance(core, MarketCore)
    if core.stale or core.quoted_fair is None or core.state is not TradingState.ACTIVE:
        return False
    if core.blocked or core.mono < core.paused_until or core.book is None or core.now is None:
        return False
    if core.volume.holding():  # with trades in its lookback, time alone can make a spike
        return False
    rewards = core.market.rewards
    if core.config.rewards_aware and rewards is not None and rewards.pays_liquidity:
        return False  # the reward band moves with the book: any update may requote
    quotes, extra = core.resting()
    if extra or core.cancelling or set(quotes) != {OrderSide.YES, OrderSide.NO}:
        return False
    view = LiveView(core.market, core.book.best_bid(), core.book.best_ask(), core.now)
    if phase(view, core.config, wanted=core.wanted) is not Phase.QUOTING:
        return False
    return bool(core.exits) or exit_signal(core.held(), _any_book(view), core.config) is None


def _any_book(view: LiveView) -> LiveView:
    """``view`` with a two-sided book: whether an exit signal comes does not depend on
    the prices, only that there are some."""
    one = Decimal("0.5")
    return LiveView(view.market, one, one, view.as_of)

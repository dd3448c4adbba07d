"""The usage guide's quoting rules as pure functions of market, inventory and config.

No I/O, no clock reads: time enters through the market snapshot (``hours_to_close`` is
measured from its ``as_of``) or as an argument.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook
from predmm.domain.counts import WHOLE, round_count
from predmm.domain.enums import MarketStatus, OrderSide
from predmm.domain.ids import MarketId
from predmm.domain.market import MarketView
from predmm.strategies.fair_value import cross_venue_fair
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)
ONE = Decimal(1)
TEN = Decimal(10)


@attrs.frozen
class Quote:
    """One resting bid we want: ``size`` contracts of ``side`` at ``price``."""

    side: OrderSide
    price: Decimal
    size: Decimal


@attrs.frozen(kw_only=True)
class QuoteDecision:
    """The two bids for one market and how they were reached.

    ``raw_bid``/``raw_ask`` are YES prices before rounding; ``yes_bid`` is rounded down
    onto the grid and ``no_bid`` is 1 - (the YES ask rounded up). A side is None when it
    is not quoted; ``skipped`` says why.
    """

    market_id: MarketId
    fair_value: Decimal
    spread: Decimal
    bid_adjustment: Decimal
    ask_adjustment: Decimal
    raw_bid: Decimal
    raw_ask: Decimal
    yes_bid: Quote | None
    no_bid: Quote | None
    skipped: tuple[tuple[OrderSide, str], ...] = ()

    def quotes(self) -> tuple[Quote, ...]:
        return tuple(q for q in (self.yes_bid, self.no_bid) if q is not None)


def fair_value(
    market: MarketView,
    config: MarketMakingConfig,
    book: OrderBook | None = None,
    linked: Sequence[OrderBook] = (),
) -> Decimal | None:
    """Fair YES value from the book without our own orders (``cross_venue``: blended with
    the ``linked`` books of the same outcome on the other venues,
    ``strategies.fair_value``), else from the market's best bid and ask; None when either
    side is missing."""
    method = config.fair_value_method
    if book is not None and method == "cross_venue":
        value = cross_venue_fair(book, linked)
    elif book is not None:
        value = book.microprice() if method == "microprice" else book.mid()
    elif market.best_yes_bid is not None and market.best_yes_ask is not None:
        value = (market.best_yes_bid + market.best_yes_ask) / 2
    else:
        value = None
    return value if value is not None and ZERO < value < ONE else None


def dynamic_spread(
    market: MarketView, inventory: InventoryTracker, config: MarketMakingConfig
) -> Decimal:
    """base (+ low-liquidity add) x time-to-close multiplier x inventory multiplier,
    clamped to [min_spread, max_spread]."""
    spread = config.base_spread
    if market.liquidity < config.low_liquidity_threshold:
        spread += config.low_liquidity_spread_add
    hours = market.hours_to_close
    if hours is not None and hours < config.near_close_hours:
        spread *= config.near_close_multiplier
    elif hours is not None and hours < config.approaching_close_hours:
        spread *= config.approaching_close_multiplier
    if abs(inventory.net_position) > config.inventory_skew_threshold:
        spread *= config.inventory_spread_multiplier
    return min(max(spread, config.min_spread), config.max_spread)


def inventory_adjustments(
    inventory: InventoryTracker, config: MarketMakingConfig
) -> tuple[Decimal, Decimal]:
    """(bid, ask) shifts: whole tens of net inventory x the per-10 adjustment, against it.

    Long YES lowers both prices (buy YES less eagerly, sell YES = buy NO more eagerly).
    """
    net = inventory.net_position
    steps = (abs(net) / TEN).to_integral_value(ROUND_FLOOR)
    shift = steps * config.skew_price_adjustment_per_10
    if net > 0:
        return -shift, -shift
    return shift, shift


def room_to_buy(
    side: OrderSide,
    inventory: InventoryTracker,
    config: MarketMakingConfig,
    min_order_size: Decimal = ZERO,
    count_step: Decimal = WHOLE,
) -> Decimal:
    """How many contracts of ``side`` we may still buy before net inventory passes
    max_inventory or the side's unpaired holding passes max_position_size (a YES+NO pair
    is riskless and does not count), rounded down onto the market's ``count_step``."""
    net = inventory.net_position if side is OrderSide.YES else -inventory.net_position
    by_inventory = Decimal(config.max_inventory) - net
    unpaired = inventory.contracts(side) - inventory.matched_pairs
    by_position = Decimal(config.max_position_size) - unpaired
    wanted = max(Decimal(config.quote_size), min_order_size)  # the venue's minimum, at least
    size = round_count(min(wanted, by_inventory, by_position), count_step)
    return size if size > 0 and size >= min_order_size else ZERO


def compute_quotes(
    market: MarketView,
    inventory: InventoryTracker,
    config: MarketMakingConfig,
    book: OrderBook | None = None,
    linked: Sequence[OrderBook] = (),
) -> QuoteDecision | None:
    """The YES bid and NO bid for ``market``; None when there is no fair value.
    ``linked``: the books of the same outcome on the other venues (``cross_venue``)."""
    fair = fair_value(market, config, book, linked)
    if fair is None:
        return None
    spread = dynamic_spread(market, inventory, config)
    bid_adj, ask_adj = inventory_adjustments(inventory, config)
    raw_bid = fair - spread / 2 + bid_adj
    raw_ask = fair + spread / 2 + ask_adj
    best_bid = book.best_bid() if book is not None else market.best_yes_bid
    best_ask = book.best_ask() if book is not None else market.best_yes_ask
    skipped: list[tuple[OrderSide, str]] = []
    yes_price = _post_only_bid(market, raw_bid, best_ask)
    ask_price = _post_only_ask(market, raw_ask, best_bid)
    no_price = None if ask_price is None else ONE - ask_price
    minimum, step = market.min_order_size, market.count_step
    yes = _quote(OrderSide.YES, yes_price, inventory, config, (minimum, step), skipped)
    no = _quote(OrderSide.NO, no_price, inventory, config, (minimum, step), skipped)
    return QuoteDecision(
        market_id=market.market_id,
        fair_value=fair,
        spread=spread,
        bid_adjustment=bid_adj,
        ask_adjustment=ask_adj,
        raw_bid=raw_bid,
        raw_ask=raw_ask,
        yes_bid=yes,
        no_bid=no,
        skipped=tuple(skipped),
    )


def _post_only_bid(
    market: MarketView, raw_bid: Decimal, best_ask: Decimal | None
) -> Decimal | None:
    """Round the YES bid down onto the grid, and below the best ask so it rests."""
    if best_ask is not None and raw_bid >= best_ask:
        raw_bid = best_ask - market.tick.step_at(best_ask)
    return market.tick.round_bid(raw_bid)


def _post_only_ask(
    market: MarketView, raw_ask: Decimal, best_bid: Decimal | None
) -> Decimal | None:
    """Round the YES ask up onto the grid, and above the best bid so it rests."""
    if best_bid is not None and raw_ask <= best_bid:
        raw_ask = best_bid + market.tick.step_at(best_bid)
    return market.tick.round_ask(raw_ask)


def _quote(
    side: OrderSide,
    price: Decimal | None,
    inventory: InventoryTracker,
    config: MarketMakingConfig,
    sizing: tuple[Decimal, Decimal],
    skipped: list[tuple[OrderSide, str]],
) -> Quote | None:
    """``sizing``: the market's minimum order size and its count step."""
    if price is None:
        skipped.append((side, "price outside the market's range"))
        return None
    size = room_to_buy(side, inventory, config, *sizing)
    if size <= 0:
        skipped.append((side, "would pass max_inventory or max_position_size"))
        return None
    return Quote(side, price, size)


# market selection --------------------------------------------------------------


def skip_reason(market: MarketView, config: MarketMakingConfig) -> str | None:
    """Why ``market`` is not quoted, or None if it may be."""
    if market.status is not MarketStatus.OPEN:
        return f"status is {market.status.value}"
    if market.liquidity < config.min_liquidity:
        return f"liquidity {market.liquidity} below min_liquidity {config.min_liquidity}"
    hours = market.hours_to_close
    if hours is None:
        return "no close time"
    if hours > config.max_time_to_resolution_hours:
        return (
            f"closes in {hours:.1f} h, past max_time_to_resolution_hours "
            f"{config.max_time_to_resolution_hours:g}"
        )
    if hours <= config.exit_window_hours:
        return f"closes in {hours:.1f} h, inside the exit window of {config.exit_window_hours:g} h"
    if market.best_yes_bid is None or market.best_yes_ask is None:
        return "one-sided book: no fair value"
    return None


def select_markets(
    markets: list[MarketView], config: MarketMakingConfig
) -> tuple[list[MarketView], list[tuple[MarketView, str]]]:
    """The markets to quote (most liquid first, at most max_markets) and the rest with
    the reason each is skipped."""
    eligible, skipped = [], []
    for market in markets:
        reason = skip_reason(market, config)
        if reason is None:
            eligible.append(market)
        else:
            skipped.append((market, reason))
    eligible.sort(key=lambda m: (-m.liquidity, -m.volume, m.market_id))
    for market in eligible[config.max_markets :]:
        skipped.append((market, f"beyond max_markets {config.max_markets}"))
    return eligible[: config.max_markets], skipped


# guards -----------------------------------------------------------------------


@attrs.define
class VolumeMeter:
    """Traded volume over the last ``window_s`` against its average per window over the
    last ``lookback_s``: the input of ``is_volume_spike``. Silent until half the lookback
    has been seen (no average, no spike). Times are seconds on any monotonic clock."""

    window_s: float = 60.0
    lookback_s: float = 900.0
    _trades: deque[tuple[float, Decimal]] = attrs.field(factory=deque)
    _since: float | None = None

    def add(self, now: float, quantity: Decimal) -> None:
        if self._since is None:
            self._since = now
        if quantity > 0:
            self._trades.append((now, quantity))
        while self._trades and self._trades[0][0] <= now - self.lookback_s:
            self._trades.popleft()

    def holding(self) -> bool:
        """Whether trades are in the lookback (without any, no spike can come)."""
        return bool(self._trades)

    def rates(self, now: float) -> tuple[Decimal, Decimal] | None:
        """(volume in the last window, average volume per window), or None while warming up."""
        if self._since is None or now - self._since < self.lookback_s / 2:
            return None
        recent = sum((q for t, q in self._trades if t > now - self.window_s), ZERO)
        total = sum((q for _, q in self._trades), ZERO)
        windows = Decimal(repr(min(self.lookback_s, now - self._since) / self.window_s))
        return recent, total / windows

    def spike(self, now: float, multiple: Decimal) -> bool:
        if not self._trades:  # nothing traded in the lookback: no volume, no spike
            return False
        rates = self.rates(now)
        return rates is not None and is_volume_spike(rates[0], rates[1], multiple)


def is_volume_spike(recent_volume: Decimal, average_volume: Decimal, multiple: Decimal) -> bool:
    """Traded volume above ``multiple`` x its average: pause quoting and cancel."""
    return average_volume > 0 and recent_volume > average_volume * multiple


def price_moved(last_fair: Decimal | None, fair: Decimal, threshold: Decimal) -> bool:
    """Fair value moved more than ``threshold`` since the quotes were made: requote."""
    return last_fair is None or abs(fair - last_fair) > threshold


def quote_expired(quoted_at: datetime | None, now: datetime, max_age_seconds: float) -> bool:
    """Quotes older than ``max_age_seconds``: refresh them."""
    return quoted_at is None or (now - quoted_at).total_seconds() > max_age_seconds

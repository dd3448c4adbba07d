"""Rewards-aware quoting (``rewards_aware = true``): the quotes ``compute_quotes`` made,
brought into the market's liquidity-reward band and up to its minimum size where the
limits allow. ``reward_quotes(decision, market, inventory, config, book)`` is pure and is
applied right after ``compute_quotes`` by every caller of it (``strategies.maker``'s
MarketCore, which the MarketActor and the backtest's CoreDecider share, the backtest's
policy, ``MarketMakingStrategy``).

The band is ``Rewards.max_spread`` (v) either side of the size-cutoff-adjusted midpoint
(``reward_score.reward_midpoint`` of the book without our orders; the fair value without
one); an order at distance s < v scores ((v - s) / v)^2 a share. The rule, per side (the
NO bid is read as the YES ask 1 - price):

1. A side inside the band keeps its price. A side outside it moves toward the midpoint, to
   half the band (v / 2: a quarter of a mid-quote's score, and room for the midpoint to
   move v / 2 before the quote leaves the band) or min_spread / 2 if that is wider, rounded
   away from the midpoint onto the grid (a tick back in if rounding left the band).
2. The spread stays at least ``min_spread`` (or what the strategy quoted, if less). Where
   the band is narrower than that (2 v <= min_spread) nothing moves, unless
   ``rewards_below_min_spread = true``: then both sides go to v / 2 and the spread below
   min_spread.
3. Post-only as ever: a bid stays below the best ask of the others and an ask above their
   best bid; no side moves further from the midpoint than the strategy put it.
4. Inventory skew wins: once the skew moves the prices (whole tens of net inventory) or
   |net| passes ``inventory_skew_threshold``, the side that would add to the position stays
   where the strategy put it, at its size.
5. Sizes: each other side quotes at least ``Rewards.min_size`` (rounded up to a whole
   contract) when the room under ``max_inventory`` and ``max_position_size`` allows it,
   else the strategy's size. A side the strategy did not quote stays unquoted.

The risk limits are checked after, as for any quote: the portfolio reserves every order
before it is sent, and refuses what would pass a limit.

``leaves_band`` keeps them there: a live quote that has left the band (the midpoint moved,
or a partial fill left it under the minimum size) while the quote wanted now is inside it
asks for a requote at once, whatever the price-move threshold says.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import OrderBook
from predmm.domain.enums import OrderSide
from predmm.domain.market import MarketView, Rewards
from predmm.domain.ticks import TickSpec
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import Quote, QuoteDecision
from predmm.strategies.reward_score import reward_midpoint

ZERO = Decimal(0)
ONE = Decimal(1)
TWO = Decimal(2)


@attrs.frozen(kw_only=True)
class _Band:
    center: Decimal
    width: Decimal  # v: the max spread either side
    target: Decimal | None  # where an outside side moves to (distance); None: it cannot
    floor: Decimal | None  # the least spread between bid and ask; None: just bid < ask
    tick: TickSpec

    def holds(self, side: OrderSide, price: Decimal) -> bool:
        distance = self.center - price if side is OrderSide.YES else price - self.center
        return distance < self.width


def reward_quotes(
    decision: QuoteDecision | None,
    market: MarketView,
    inventory: InventoryTracker,
    config: MarketMakingConfig,
    book: OrderBook | None = None,
) -> QuoteDecision | None:
    """``decision`` with its quotes in the reward band and at its minimum size, as far as
    the rules above allow; ``decision`` itself when the option is off or the market pays no
    liquidity rewards."""
    rewards = market.rewards
    if decision is None or not config.rewards_aware:
        return decision
    if rewards is None or not rewards.pays_liquidity:
        return decision
    center = reward_midpoint(book, rewards.min_size) if book is not None else None
    band = _band(center if center is not None else decision.fair_value, rewards, config, market)
    held = _held_side(decision, inventory, config)
    bid = decision.yes_bid.price if decision.yes_bid is not None else None
    ask = ONE - decision.no_bid.price if decision.no_bid is not None else None
    best_bid = book.best_bid() if book is not None else market.best_yes_bid
    best_ask = book.best_ask() if book is not None else market.best_yes_ask
    new_bid = bid if held is OrderSide.YES else _bid_into(bid, band, best_ask)
    new_ask = ask if held is OrderSide.NO else _ask_into(ask, band, best_bid)
    new_bid, new_ask = _keep_spread(bid, ask, new_bid, new_ask, band)
    return attrs.evolve(
        decision,
        yes_bid=_sized(decision.yes_bid, new_bid, held, inventory, config, rewards),
        no_bid=_sized(
            decision.no_bid,
            None if new_ask is None else ONE - new_ask,
            held,
            inventory,
            config,
            rewards,
        ),
    )


def _band(
    center: Decimal, rewards: Rewards, config: MarketMakingConfig, market: MarketView
) -> _Band:
    """Where an outside side goes (rule 1) and the least spread (rule 2)."""
    v, half_min = rewards.max_spread, config.min_spread / TWO
    if half_min < v:
        target: Decimal | None = max(v / TWO, half_min)
        floor: Decimal | None = config.min_spread
    elif config.rewards_below_min_spread:
        target, floor = v / TWO, None
    else:
        target, floor = None, config.min_spread
    return _Band(center=center, width=v, target=target, floor=floor, tick=market.tick)


def _held_side(
    decision: QuoteDecision, inventory: InventoryTracker, config: MarketMakingConfig
) -> OrderSide | None:
    """The side the inventory skew keeps where the strategy put it (rule 4), if any."""
    net = inventory.net_position
    skewed = decision.bid_adjustment != ZERO or abs(net) > config.inventory_skew_threshold
    if not skewed or net == ZERO:
        return None
    return OrderSide.YES if net > ZERO else OrderSide.NO


def _bid_into(bid: Decimal | None, band: _Band, best_ask: Decimal | None) -> Decimal | None:
    if bid is None or band.target is None or band.holds(OrderSide.YES, bid):
        return bid
    tick = band.tick
    price = tick.round_bid(band.center - band.target)
    if price is not None and not band.holds(OrderSide.YES, price):
        price = tick.round_ask(price + tick.step_at(price))
    if price is not None and best_ask is not None and price >= best_ask:
        price = tick.round_bid(best_ask - tick.step_at(best_ask))
    return bid if price is None else max(price, bid)


def _ask_into(ask: Decimal | None, band: _Band, best_bid: Decimal | None) -> Decimal | None:
    if ask is None or band.target is None or band.holds(OrderSide.NO, ask):
        return ask
    tick = band.tick
    price = tick.round_ask(band.center + band.target)
    if price is not None and not band.holds(OrderSide.NO, price):
        price = tick.round_bid(price - tick.step_at(price))
    if price is not None and best_bid is not None and price <= best_bid:
        price = tick.round_ask(best_bid + tick.step_at(best_bid))
    return ask if price is None else min(price, ask)


def _keep_spread(
    bid: Decimal | None,
    ask: Decimal | None,
    new_bid: Decimal | None,
    new_ask: Decimal | None,
    band: _Band,
) -> tuple[Decimal | None, Decimal | None]:
    """Rule 2: moved sides pulled back until the spread is at least the floor (or what
    the strategy quoted, if less), and the bid below the ask; else no move at all."""
    if bid is None or ask is None or new_bid is None or new_ask is None:
        return new_bid, new_ask
    floor = min(band.floor, ask - bid) if band.floor is not None else ZERO
    tick = band.tick
    if new_ask - new_bid < floor and new_bid != bid:
        pulled = tick.round_bid(new_ask - floor)
        new_bid = max(bid, pulled) if pulled is not None else bid
    if new_ask - new_bid < floor and new_ask != ask:
        pulled = tick.round_ask(new_bid + floor)
        new_ask = min(ask, pulled) if pulled is not None else ask
    if new_ask - new_bid < floor or new_bid >= new_ask:
        return bid, ask
    return new_bid, new_ask


def _room(side: OrderSide, inventory: InventoryTracker, config: MarketMakingConfig) -> Decimal:
    """Contracts of ``side`` we may still buy under max_inventory and max_position_size
    (``quoting.room_to_buy`` without its quote_size cap)."""
    net = inventory.net_position if side is OrderSide.YES else -inventory.net_position
    unpaired = inventory.contracts(side) - inventory.matched_pairs
    return min(Decimal(config.max_inventory) - net, Decimal(config.max_position_size) - unpaired)


def _sized(
    quote: Quote | None,
    price: Decimal | None,
    held: OrderSide | None,
    inventory: InventoryTracker,
    config: MarketMakingConfig,
    rewards: Rewards,
) -> Quote | None:
    """Rule 5: the quote at its new price, at least the reward's minimum size if room."""
    if quote is None or price is None:
        return quote
    size = quote.size
    if quote.side is not held:
        minimum = rewards.min_size.to_integral_value(ROUND_CEILING)
        if _room(quote.side, inventory, config) >= minimum:
            size = max(size, minimum)
    return Quote(quote.side, price, size)


def leaves_band(
    desired: Mapping[OrderSide, Quote],
    live: Mapping[OrderSide, tuple[Decimal, Decimal]],
    market: MarketView,
    config: MarketMakingConfig,
    book: OrderBook | None,
) -> bool:
    """Whether a live quote (side -> price, remaining) is out of the reward band, or
    under its minimum size, where the desired one is in it: requote now."""
    rewards = market.rewards
    if not config.rewards_aware or rewards is None or not rewards.pays_liquidity:
        return False
    center = reward_midpoint(book, rewards.min_size) if book is not None else None
    if center is None:
        return False
    for side, want in desired.items():
        have = live.get(side)
        if have is None or (have[0] == want.price and have[1] == want.size):
            continue
        if _scores(side, want.price, want.size, center, rewards) and not _scores(
            side, have[0], have[1], center, rewards
        ):
            return True
    return False


def _scores(
    side: OrderSide, price: Decimal, size: Decimal, center: Decimal, rewards: Rewards
) -> bool:
    """A bid of ``side`` at ``price`` (a NO bid is the YES ask 1 - price) inside the band
    at the minimum size."""
    distance = center - price if side is OrderSide.YES else (ONE - price) - center
    return size >= rewards.min_size and ZERO <= distance < rewards.max_spread

"""Cross-venue hedging of market-making fills (``hedge_cross_venue = true``). Pure.

When one outcome is listed on both venues (``[[risk.event_links]]``), a YES bought on one
venue and a NO bought on the other pay exactly $1 together whatever happens. A quote of
ours filled on one venue (we bought ``side`` there) is hedged by buying the other side of
the same outcome on the linked market, as a taker, immediately or cancel:
``cross_venue_hedge`` walks that market's asks while the pair still costs at most $1
with both fees (the fill's, as charged, and the hedge's taker fee at the level's price),
up to the contracts filled. The pair then locks what is left of the $1 (never a loss);
what the books cannot hedge at such prices stays with the market maker, which skews its
quotes to work it off as before.
"""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, TimeInForce
from predmm.domain.fees import TakerRate
from predmm.domain.ids import MarketId
from predmm.domain.orders import Fill, Leg

ZERO = Decimal(0)
ONE = Decimal(1)


def cross_venue_hedge(fill: Fill, linked: MarketId, book: OrderBook, rate: TakerRate) -> Leg | None:
    """The order hedging ``fill`` (a purchase) on ``linked``, whose ``book`` is its book
    now and ``rate`` its taker fee; None when no contract can be hedged without loss."""
    if fill.action is not Action.BUY or fill.quantity <= 0:
        return None
    paid = fill.price + fill.fee / fill.quantity  # per contract, as charged
    side = fill.side.opposite
    taken: list[Level] = []
    left = fill.quantity
    for level in book.asks(side):
        if left <= 0 or paid + level.price + rate.per_contract(level.price) > ONE:
            break
        size = min(level.size, left)
        taken.append(Level(level.price, size))
        left -= size
    size = sum((lv.size for lv in taken), ZERO).to_integral_value(rounding="ROUND_FLOOR")
    if size <= 0:
        return None
    return Leg(
        market_id=linked,
        side=side,
        limit_price=taken[-1].price,
        size=size,
        time_in_force=TimeInForce.IOC,
    )

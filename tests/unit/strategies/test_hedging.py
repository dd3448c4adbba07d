"""The cross-venue hedge of a market-making fill: the other side of the same outcome on
the linked market, bought as a taker only while the pair costs at most $1 with both
fees, up to the contracts filled."""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, TimeInForce, Venue
from predmm.domain.fees import TakerRate
from predmm.domain.ids import FillId, MarketId
from predmm.domain.orders import Fill
from predmm.strategies.hedging import cross_venue_hedge

D = Decimal
K = MarketId(Venue.KALSHI, "KXBTC")
P = MarketId(Venue.POLYMARKET, "0xbtc")
FREE = TakerRate(D(0), ceil=False)


def fill(side: OrderSide, price: str, quantity: int, fee: str = "0") -> Fill:
    return Fill(
        fill_id=FillId("f1"),
        market_id=K,
        side=side,
        price=D(price),
        quantity=D(quantity),
        fee=D(fee),
    )


# Polymarket: NO asks 0.50 x 4, 0.52 x 10, 0.60 x 50 (its YES bids mirrored)
LINKED = OrderBook(P, (Level(D("0.50"), D(4)), Level(D("0.48"), D(10)), Level(D("0.40"), D(50))))


def test_a_yes_bought_here_is_hedged_by_no_there_while_the_pair_costs_at_most_a_dollar() -> None:
    # YES bought at 0.47 with a maker fee of 0.0175 x 10 x 0.47 x 0.53 = 0.043 (0.0043 each)
    leg = cross_venue_hedge(fill(OrderSide.YES, "0.47", 10, "0.043"), P, LINKED, FREE)
    # 0.4743 + 0.50 and + 0.52 are under $1; + 0.60 is not: 4 + 6 contracts, limit 0.52
    assert leg is not None
    assert (leg.market_id, leg.side, leg.action) == (P, OrderSide.NO, Action.BUY)
    assert (leg.size, leg.limit_price, leg.time_in_force) == (D(10), D("0.52"), TimeInForce.IOC)


def test_the_hedges_own_taker_fee_counts() -> None:
    # with a 7 % taker rate the 0.52 level costs 0.52 + 0.07 x 0.52 x 0.48 = 0.537472:
    # 0.47 + 0.537472 > 1, so only the 0.50 level (0.5175 with its fee) is taken
    leg = cross_venue_hedge(fill(OrderSide.YES, "0.47", 10), P, LINKED, TakerRate(D("0.07")))
    assert leg is not None
    assert (leg.size, leg.limit_price) == (D(4), D("0.50"))


def test_no_hedge_at_a_loss_and_none_for_a_sale() -> None:
    assert cross_venue_hedge(fill(OrderSide.YES, "0.55", 10), P, LINKED, FREE) is None
    sale = Fill(
        fill_id=FillId("s"),
        market_id=K,
        side=OrderSide.YES,
        price=D("0.40"),
        quantity=D(5),
        action=Action.SELL,
    )
    assert cross_venue_hedge(sale, P, LINKED, FREE) is None


def test_a_no_bought_here_is_hedged_by_yes_there() -> None:
    # Polymarket YES asks: 1 - its NO bids (0.45 x 8 -> a YES ask of 0.55)
    book = OrderBook(P, (), (Level(D("0.45"), D(8)),))
    leg = cross_venue_hedge(fill(OrderSide.NO, "0.44", 20), P, book, FREE)
    assert leg is not None
    assert (leg.side, leg.size, leg.limit_price) == (
        OrderSide.YES,
        D(8),
        D("0.55"),
    )

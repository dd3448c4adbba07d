"""The cross-venue fair value: one outcome's books on both venues blended, each book's
microprice weighted by the depth at its touch, so the thinner venue leans on the
deeper one."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.domain.testing import create_test_market
from predmm.strategies.fair_value import cross_venue_fair, touch_depth
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import compute_quotes

D = Decimal
K = MarketId(Venue.KALSHI, "KXBTC")
P = MarketId(Venue.POLYMARKET, "0xbtc")


def book(market: MarketId, bid: str, bid_size: int, ask: str, ask_size: int) -> OrderBook:
    return OrderBook.from_yes_quotes(
        market, [Level(D(bid), D(bid_size))], [Level(D(ask), D(ask_size))]
    )


def test_two_books_of_equal_depth_count_equally() -> None:
    thin = book(K, "0.40", 10, "0.44", 10)  # microprice 0.42, depth 20
    other = book(P, "0.46", 10, "0.50", 10)  # microprice 0.48, depth 20
    assert cross_venue_fair(thin, [other]) == D("0.45")


def test_the_thinner_venue_leans_on_the_deeper_one() -> None:
    thin = book(K, "0.40", 5, "0.44", 5)  # microprice 0.42, depth 10
    deep = book(P, "0.46", 45, "0.50", 45)  # microprice 0.48, depth 90
    # (0.42 x 10 + 0.48 x 90) / 100
    assert cross_venue_fair(thin, [deep]) == D("0.474")
    assert touch_depth(deep) == D(90)


def test_no_two_sided_book_of_its_own_no_fair_value_and_bad_linked_books_left_out() -> None:
    one_sided = OrderBook(K, (Level(D("0.40"), D(10)),), ())
    assert cross_venue_fair(one_sided, [book(P, "0.46", 10, "0.50", 10)]) is None
    own = book(K, "0.40", 10, "0.44", 10)
    crossed = book(P, "0.60", 10, "0.55", 10)
    empty = OrderBook(P)
    assert cross_venue_fair(own, [crossed, empty]) == own.microprice() == D("0.42")


def test_a_cross_venue_market_maker_quotes_around_the_blend() -> None:
    config = MarketMakingConfig(fair_value_method="cross_venue")
    market = create_test_market(liquidity=D(20000), hours_to_close=48).freeze()
    thin = book(market.market_id, "0.40", 5, "0.44", 5)
    deep = book(P, "0.46", 45, "0.50", 45)
    tracker = InventoryTracker(market_id=market.market_id)
    alone = compute_quotes(market, tracker, config, thin)
    blended = compute_quotes(market, tracker, config, thin, [deep])
    assert alone is not None
    assert blended is not None
    assert (alone.fair_value, blended.fair_value) == (D("0.42"), D("0.474"))
    # the blend's bid (0.454 rounded down) would cross the thin book's ask: one tick behind
    assert blended.yes_bid is not None
    assert blended.yes_bid.price == D("0.43")


prices = st.integers(min_value=1, max_value=98)
sizes = st.integers(min_value=1, max_value=500)


@given(prices, st.integers(1, 10), sizes, sizes, prices, st.integers(1, 10), sizes, sizes)
def test_the_blend_lies_between_the_books_microprices(
    b1: int, w1: int, s1: int, t1: int, b2: int, w2: int, s2: int, t2: int
) -> None:
    a = book(K, f"0.{b1:02d}", s1, str(D(b1 + w1) / 100), t1) if b1 + w1 < 100 else None
    b = book(P, f"0.{b2:02d}", s2, str(D(b2 + w2) / 100), t2) if b2 + w2 < 100 else None
    if a is None or b is None:
        return
    fair = cross_venue_fair(a, [b])
    low, high = sorted((a.microprice(), b.microprice()))  # type: ignore[type-var]
    assert fair is not None
    assert low <= fair <= high

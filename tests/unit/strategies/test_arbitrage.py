"""ArbitrageStrategy's worked examples, in exact arithmetic: the fees (Kalshi 0.07 x C x
P x (1 - P) ceiled to $0.000001 per fill, Polymarket's rate), the walk down the ladders
(the last basket still locks min_edge), the room, the leg order and the three kinds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from predmm.config.arbitrage import ArbitrageConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, MarketStatus, OrderSide, TimeInForce, Venue
from predmm.domain.errors import ConfigError
from predmm.domain.fees import TakerFees, TakerRate
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import Leg
from predmm.strategies.arbitrage import ArbitrageStrategy, exhaustive_event
from predmm.strategies.base import EventOutcomes, Room, Strategy, StrategyView, rank
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.market_making import MarketMakingStrategy

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
NOW = datetime(2026, 6, 1, tzinfo=UTC)
K = MarketId(Venue.KALSHI, "KXFED-26DEC-H0")
P = MarketId(Venue.POLYMARKET, "0xfed-hold")


def book(market_id: MarketId, yes: list[tuple[str, int]], no: list[tuple[str, int]]) -> OrderBook:
    return OrderBook(
        market_id,
        tuple(Level(D(p), D(s)) for p, s in yes),
        tuple(Level(D(p), D(s)) for p, s in no),
    )


def kalshi_fee(price: str, count: int) -> Decimal:
    """0.07 x C x P x (1 - P), ceiled to $0.000001 (these prices need no ceiling)."""
    p = D(price)
    return D("0.07") * count * p * (1 - p)


# (a) cross-venue: Kalshi YES asks 0.45 x 10, 0.46 x 20 (its NO bids mirrored);
#     Polymarket NO asks 0.50 x 15, 0.52 x 30 (its YES bids mirrored), fee-free
CROSS = StrategyView(
    now=NOW,
    books={
        K: book(K, yes=[("0.40", 10)], no=[("0.55", 10), ("0.54", 20)]),
        P: book(P, yes=[("0.50", 15), ("0.48", 30)], no=[("0.45", 50)]),
    },
    links=((K, P),),
)


def test_cross_venue_walks_both_ladders_while_the_last_basket_keeps_the_edge() -> None:
    # basket by basket: 0.45 + 0.017325 + 0.50 = 0.967325 (10 of them), then
    # 0.46 + 0.017388 + 0.50 = 0.977388 (5: Polymarket's 0.50 level is used up), then
    # 0.46 + 0.017388 + 0.52 = 0.997388: an edge of 0.002612 < 0.01, not taken
    (signal,) = ArbitrageStrategy().signals(CROSS)
    kalshi_cost = D("0.45") * 10 + D("0.46") * 5 + kalshi_fee("0.45", 10) + kalshi_fee("0.46", 5)
    poly_cost = D("0.50") * 15
    assert kalshi_fee("0.45", 10) + kalshi_fee("0.46", 5) == D("0.260190")
    assert signal.size == 15
    assert signal.strength == 15 - kalshi_cost - poly_cost == D("0.439810")
    # Polymarket offers 15 at its limit, Kalshi 30: the thinner leg goes first, FOK
    assert signal.legs == (
        Leg(market_id=P, side=NO, limit_price=D("0.50"), size=D(15), time_in_force=TimeInForce.FOK),
        Leg(
            market_id=K, side=YES, limit_price=D("0.46"), size=D(15), time_in_force=TimeInForce.IOC
        ),
    )
    assert (signal.market_id, signal.side, signal.target_price) == (P, NO, D("0.50"))
    assert signal.time_in_force is TimeInForce.FOK
    assert "cross-venue kalshi:KXFED-26DEC-H0 / polymarket:0xfed-hold" in signal.reason


def test_the_fee_is_charged_per_fill_and_ceiled_to_a_millionth() -> None:
    # one YES ask at 0.33 (fee 0.07 x 0.33 x 0.67 = 0.015477 per contract): 7 of them
    # cost 0.108339 in fees; against a NO ask at 0.60 they lock 7 - 2.31 - 4.20 - fee
    k = book(K, yes=[], no=[("0.67", 7)])
    p = book(P, yes=[("0.40", 7)], no=[])
    view = StrategyView(now=NOW, books={K: k, P: p}, links=((K, P),))
    (signal,) = ArbitrageStrategy(ArbitrageConfig(min_gain=D(0))).signals(view)
    assert signal.strength == 7 - D("2.31") - D("4.20") - D("0.108339") == D("0.381661")
    # a fee with more decimals is ceiled: 0.07 x 3 x 0.335 x 0.665 = 0.04678275
    assert TakerRate(D("0.07")).fill_fee(D("0.335"), D(3)) == D("0.046783")


def test_room_caps_the_contracts_of_every_leg_and_the_dollars_in_all() -> None:
    strategy = ArbitrageStrategy()
    (by_contracts,) = strategy.signals(attrs.evolve(CROSS, room=Room(contracts=D(12))))
    assert by_contracts.size == 12
    assert (
        by_contracts.strength
        == 12
        - (D("0.45") * 10 + D("0.46") * 2 + kalshi_fee("0.45", 10) + kalshi_fee("0.46", 2))
        - D("0.50") * 12
    )
    only_k = Room(per_market={K: D(4)})
    (by_market,) = strategy.signals(attrs.evolve(CROSS, room=only_k))
    assert by_market.size == 4
    # $10: 10 baskets cost 9.67325; an 11th (0.977388) would pass $10
    (by_dollars,) = strategy.signals(attrs.evolve(CROSS, room=Room(dollars=D(10))))
    assert by_dollars.size == 10
    assert by_dollars.strength == 10 - D("9.673250")


def test_min_edge_and_min_gain() -> None:
    # with an edge of 0.03 only the first stretch (0.967325: edge 0.032675) is taken
    (signal,) = ArbitrageStrategy(ArbitrageConfig(min_edge=D("0.03"))).signals(CROSS)
    assert signal.size == 10
    assert signal.strength == D("0.326750")
    assert ArbitrageStrategy(ArbitrageConfig(min_edge=D("0.04"))).signals(CROSS) == []
    assert ArbitrageStrategy(ArbitrageConfig(min_gain=D("0.44"))).signals(CROSS) == []


def test_a_leg_below_the_venues_smallest_order_is_no_signal() -> None:
    thin = attrs.evolve(CROSS, room=Room(contracts=D(4)))
    poly = Market(market_id=P, min_order_size=D(5))
    assert (
        ArbitrageStrategy(ArbitrageConfig(min_gain=D(0))).signals(
            attrs.evolve(thin, markets={P: poly})
        )
        == []
    )


def test_a_closed_market_is_not_traded() -> None:
    closed = Market(market_id=K, status=MarketStatus.CLOSED)
    assert ArbitrageStrategy().signals(attrs.evolve(CROSS, markets={K: closed})) == []


# (b) within Polymarket: a crossed book, YES ask 0.50 x 10 + NO ask 0.48 x 20 = 0.98


def test_within_a_polymarket_market_yes_and_no_asks_below_a_dollar() -> None:
    crossed = book(P, yes=[("0.52", 20)], no=[("0.50", 10)])
    view = StrategyView(now=NOW, books={P: crossed})
    (signal,) = ArbitrageStrategy().signals(view)
    assert signal.size == 10
    assert signal.strength == 10 - D("5.00") - D("4.80") == D("0.20")
    assert [(leg.side, leg.limit_price) for leg in signal.legs] == [
        (YES, D("0.50")),
        (NO, D("0.48")),
    ]
    # a 0.02 taker rate: 0.005 and 0.004992 a contract; the last basket locks 0.010008
    fees = TakerFees(per_market={P: TakerRate(D("0.02"), ceil=False)})
    (taxed,) = ArbitrageStrategy(ArbitrageConfig(fees=fees)).signals(view)
    assert taxed.strength == D("0.20") - D("0.05") - D("0.049920") == D("0.100080")
    # the same book on Kalshi is not looked at by default
    kalshi = book(K, yes=[("0.52", 20)], no=[("0.50", 10)])
    assert ArbitrageStrategy().signals(StrategyView(now=NOW, books={K: kalshi})) == []


# (c) an exhaustive event of three Kalshi outcomes: YES asks 0.28, 0.30, 0.31


def three_outcomes() -> tuple[list[MarketId], dict[MarketId, OrderBook]]:
    ids = [MarketId(Venue.KALSHI, f"KXFED-26DEC-{s}") for s in ("C25", "H0", "H25")]
    asks = ("0.28", "0.30", "0.31")
    books = {m: book(m, yes=[], no=[(str(1 - D(a)), 10)]) for m, a in zip(ids, asks, strict=True)}
    return ids, books


def test_an_exhaustive_event_whose_yes_asks_sum_below_a_dollar() -> None:
    ids, books = three_outcomes()
    event = EventOutcomes(event_id=EventId("KXFED-26DEC"), markets=tuple(ids), exhaustive=True)
    view = StrategyView(now=NOW, books=books, events=(event,))
    (signal,) = ArbitrageStrategy().signals(view)
    fees = kalshi_fee("0.28", 10) + kalshi_fee("0.30", 10) + kalshi_fee("0.31", 10)
    assert fees == D("0.437850")
    assert signal.strength == 10 - D("8.90") - fees == D("0.662150")
    assert {leg.market_id for leg in signal.legs} == set(ids)
    assert all(leg.side is YES for leg in signal.legs)
    # the same function with the event's markets and exhaustiveness as arguments
    direct = exhaustive_event([books[m] for m in ids], True, ArbitrageConfig(), Room())
    assert direct is not None
    assert direct.strength == signal.strength


def test_a_non_exhaustive_event_is_no_arbitrage() -> None:
    ids, books = three_outcomes()
    event = EventOutcomes(event_id=EventId("KXFED-26DEC"), markets=tuple(ids), exhaustive=False)
    assert ArbitrageStrategy().signals(StrategyView(now=NOW, books=books, events=(event,))) == []
    assert exhaustive_event(list(books.values()), False, ArbitrageConfig(), Room()) is None


def test_the_legs_are_immediate_orders_only() -> None:
    with pytest.raises(ConfigError, match="first_leg = gtc: an arbitrage leg is IOC or FOK"):
        ArbitrageConfig(first_leg=TimeInForce.GTC)


def test_both_strategies_satisfy_the_protocol_and_arbitrage_ranks_first() -> None:
    arb, mm = ArbitrageStrategy(), MarketMakingStrategy()
    assert isinstance(arb, Strategy)
    assert isinstance(mm, Strategy)
    assert arb.priority > mm.priority
    quote = MarketMakingStrategy().signals(
        StrategyView(now=NOW, markets={}, books={})
    )  # no market: nothing
    assert quote == []
    (arbitrage,) = arb.signals(CROSS)
    exit_like = attrs.evolve(arbitrage, strength=D("1.0"), legs=(), action=Action.BUY)
    ordered = rank([(mm.priority, exit_like), (arb.priority, arbitrage)])
    assert ordered == [arbitrage, exit_like]


def test_each_kind_can_be_turned_off() -> None:
    ids, books = three_outcomes()
    event = EventOutcomes(event_id=EventId("KXFED-26DEC"), markets=tuple(ids), exhaustive=True)
    crossed = book(P, yes=[("0.52", 20)], no=[("0.50", 10)])
    view = attrs.evolve(CROSS, books={**CROSS.books, **books}, events=(event,))
    kinds = {s.reason.split(": ")[0] for s in ArbitrageStrategy().signals(view)}
    assert kinds == {
        "arbitrage, cross-venue kalshi:KXFED-26DEC-H0 / polymarket:0xfed-hold",
        "arbitrage, exhaustive event KXFED-26DEC",
    }
    within = attrs.evolve(view, books={**view.books, P: crossed})
    assert "arbitrage, YES + NO of polymarket:0xfed-hold" in {
        s.reason.split(": ")[0] for s in ArbitrageStrategy().signals(within)
    }
    none = ArbitrageConfig(cross_venue=False, within_market=False, exhaustive_events=False)
    assert ArbitrageStrategy(none).signals(within) == []
    # an event needs two outcomes at least
    assert exhaustive_event([books[ids[0]]], True, ArbitrageConfig(), Room()) is None


def test_a_registered_arbitrage_strategy_reports_the_engines_inventory() -> None:
    strategy = ArbitrageStrategy()
    assert strategy.get_inventory_status() == {}
    held = InventoryTracker(market_id=K, yes_contracts=D(15), avg_yes_price=D("0.45"))
    strategy.attach_live_inventory(lambda: {K: held})
    assert strategy.get_inventory_status()[str(K)]["yes_contracts"] == D(15)
    strategy.attach_live_inventory(None)
    assert strategy.get_inventory_status() == {}


def test_a_ceiled_rate_with_an_exponent() -> None:
    # 0.07 x 3 x (0.5 x 0.5)^2 = 0.013125; 0.07 x (0.33 x 0.67)^2 = 0.0034219647, ceiled
    assert TakerRate(D("0.07"), exponent=2).fill_fee(D("0.5"), D(3)) == D("0.013125")
    assert TakerRate(D("0.07"), exponent=2).fill_fee(D("0.33"), D(1)) == D("0.003422")


def test_the_fees_as_charged_never_turn_the_gain_negative() -> None:
    # YES at 0.335 (0.01559425 of fee a contract, exactly) + NO at 0.64940575: the exact
    # edge is 0, but fees are ceiled per fill: 3 baskets would lock -0.00000025, 2 and 1
    # less still: no signal. 4 are charged exactly (0.062377): a gain of 0.
    no_ask = D("0.64940575")
    edge_zero = ArbitrageConfig(min_edge=D(0), min_gain=D(0))

    def view(size: int) -> StrategyView:
        k = book(K, yes=[], no=[("0.665", size)])
        p = OrderBook(P, (Level(1 - no_ask, D(size)),), ())
        return StrategyView(now=NOW, books={K: k, P: p}, links=((K, P),))

    assert ArbitrageStrategy(edge_zero).signals(view(3)) == []
    (signal,) = ArbitrageStrategy(edge_zero).signals(view(4))
    assert (signal.size, signal.strength) == (D(4), D(0))

"""Properties of every arbitrage signal, whatever the books, fees, edge and room: its
locked gain after fees (counted again here, independently) is never negative and at
least the edge per basket, the last basket keeps the edge, its size never exceeds the
depth at any leg's limit nor the room; and uneven legs, on deep books, always end in
whole baskets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from predmm.config.arbitrage import ArbitrageConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.fees import TakerFees, TakerRate
from predmm.domain.ids import EventId, MarketId
from predmm.domain.orders import Leg, Signal
from predmm.strategies.arbitrage import ArbitrageStrategy
from predmm.strategies.base import EventOutcomes, Room, StrategyView
from predmm.strategies.leg_risk import resolve_legs

D = Decimal
NOW = datetime(2026, 6, 1, tzinfo=UTC)
K = MarketId(Venue.KALSHI, "K")
P = MarketId(Venue.POLYMARKET, "P")
E = [MarketId(Venue.KALSHI, f"E{i}") for i in range(3)]

cents = st.integers(1, 99).map(lambda c: D(c) / 100)
sizes = st.one_of(st.integers(1, 40).map(D), st.integers(1, 80).map(lambda h: D(h) / 2))


@st.composite
def ladders(draw: st.DrawFn) -> tuple[Level, ...]:
    prices = draw(st.lists(cents, min_size=0, max_size=4, unique=True))
    return tuple(Level(p, draw(sizes)) for p in sorted(prices, reverse=True))


@st.composite
def books(draw: st.DrawFn, market_id: MarketId) -> OrderBook:
    return OrderBook(market_id, draw(ladders()), draw(ladders()))


@st.composite
def configs(draw: st.DrawFn) -> ArbitrageConfig:
    rate = TakerRate(draw(st.sampled_from([D(0), D("0.02"), D("0.05")])), draw(st.integers(1, 2)))
    return ArbitrageConfig(
        min_edge=draw(st.sampled_from([D(0), D("0.001"), D("0.01"), D("0.05")])),
        min_gain=D(0),
        max_baskets=draw(st.integers(1, 200)),
        fees=TakerFees(polymarket=TakerRate(rate.coefficient, rate.exponent, ceil=False)),
    )


@st.composite
def rooms(draw: st.DrawFn) -> Room:
    contracts = draw(st.one_of(st.just(D("Infinity")), st.integers(0, 60).map(D)))
    dollars = draw(
        st.one_of(st.just(D("Infinity")), st.integers(0, 4000).map(lambda c: D(c) / 100))
    )
    return Room(contracts=contracts, dollars=dollars)


@st.composite
def views(draw: st.DrawFn) -> StrategyView:
    all_books = {m: draw(books(m)) for m in (K, P, *E)}
    event = EventOutcomes(event_id=EventId("E"), markets=tuple(E), exhaustive=True)
    return StrategyView(
        now=NOW, books=all_books, links=((K, P),), events=(event,), room=draw(rooms())
    )


def walk(levels: tuple[Level, ...], count: Decimal) -> list[Level]:
    """The fills of ``count`` bought up ``levels`` (an independent count)."""
    out, left = [], count
    for lv in levels:
        if left == 0:
            break
        n = min(lv.size, left)
        out.append(Level(lv.price, n))
        left -= n
    assert left == 0, "a signal asked for more than the book holds"
    return out


def leg_asks(view: StrategyView, leg: Leg) -> tuple[Level, ...]:
    return view.books[leg.market_id].asks(leg.side)


def cost_of(view: StrategyView, config: ArbitrageConfig, signal: Signal) -> Decimal:
    total = D(0)
    for leg in signal.legs:
        rate = config.fees.rate(leg.market_id)
        for fill in walk(leg_asks(view, leg), signal.size):
            total += fill.price * fill.size + rate.fill_fee(fill.price, fill.size)
    return total


@settings(deadline=None, derandomize=True)  # deterministic, and no deadline under load
@given(views(), configs())
def test_a_signal_locks_a_gain_after_fees_never_negative(
    view: StrategyView, config: ArbitrageConfig
) -> None:
    for signal in ArbitrageStrategy(config).signals(view):
        gain = signal.size - cost_of(view, config, signal)
        assert gain == signal.strength
        assert gain >= 0
        assert gain >= config.min_edge * signal.size
        last = D(0)  # the last basket: each leg's price at its deepest contract, exact fee
        for leg in signal.legs:
            price = walk(leg_asks(view, leg), signal.size)[-1].price
            last += price + config.fees.rate(leg.market_id).per_contract(price)
        assert 1 - last >= config.min_edge


@settings(deadline=None, derandomize=True)  # deterministic, and no deadline under load
@given(views(), configs())
def test_a_signal_never_takes_more_than_the_depth_or_the_room(
    view: StrategyView, config: ArbitrageConfig
) -> None:
    for signal in ArbitrageStrategy(config).signals(view):
        assert signal.size == signal.size.to_integral_value()
        assert 1 <= signal.size <= config.max_baskets
        assert cost_of(view, config, signal) <= view.room.dollars
        for leg in signal.legs:
            assert leg.size == signal.size
            depth = sum(lv.size for lv in leg_asks(view, leg) if lv.price <= leg.limit_price)
            assert signal.size <= depth
            assert signal.size <= view.room.market(leg.market_id)
        assert len({(leg.market_id, leg.side) for leg in signal.legs}) == len(signal.legs)


DEEP = {
    K: OrderBook(K, (Level(D("0.40"), D(1000)),), (Level(D("0.55"), D(1000)),)),
    P: OrderBook(P, (Level(D("0.48"), D(1000)),), (Level(D("0.50"), D(1000)),)),
}
LEGS = (
    Leg(market_id=P, side=OrderSide.NO, limit_price=D("0.52"), size=D(40)),
    Leg(market_id=K, side=OrderSide.YES, limit_price=D("0.45"), size=D(40)),
)


@settings(deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 40).map(D), min_size=2, max_size=2))
def test_uneven_legs_on_deep_books_end_in_whole_baskets(filled: list[Decimal]) -> None:
    plan = resolve_legs(LEGS, filled, DEEP, TakerFees())
    held = list(filled)
    for order in plan.orders:
        k = next(i for i, leg in enumerate(LEGS) if leg.market_id == order.market_id)
        held[k] += order.size if order.action is Action.BUY else -order.size
    assert plan.naked == 0
    assert held == [plan.baskets] * len(LEGS)
    assert min(filled) <= plan.baskets <= max(filled)

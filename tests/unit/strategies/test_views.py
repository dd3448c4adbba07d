"""What the executor shows its strategies, and market making per venue: the markets it
reads (linked ones and exhaustive events'), a book less our own quotes, a strategy's
view on its venues, each venue's markets selected under that venue's config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook, Watch
from predmm.domain.enums import Venue
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.domain.ticks import TickSpec
from predmm.strategies.base import EventOutcomes
from predmm.strategies.venues import select_per_venue
from predmm.strategies.views import executor_markets, exhaustive_events, others_book, strategy_view

D = Decimal
T0 = datetime(2026, 1, 1, tzinfo=UTC)
K = MarketId(Venue.KALSHI, "KXBTC")
P = MarketId(Venue.POLYMARKET, "0xbtc")
A, B, C = (MarketId(Venue.POLYMARKET, f"0xmatch-{x}") for x in "abc")


def market(market_id: MarketId, liquidity: int = 20000, **kw: object) -> Market:
    return Market(
        market_id=market_id,
        tick=TickSpec.uniform("0.01"),
        liquidity=D(liquidity),
        volume=D(liquidity),
        best_yes_bid=D("0.40"),
        best_yes_ask=D("0.44"),
        close_time=T0 + timedelta(hours=48),
        as_of=T0,
        **kw,  # type: ignore[arg-type]
    )


def match(market_id: MarketId) -> Market:
    event = {"event_id": EventId("MATCH"), "exclusive": True, "exhaustive": True}
    return market(market_id, event_markets=(A, B, C), **event)


def test_the_executor_reads_linked_markets_and_exhaustive_events_listed_open() -> None:
    listed = [
        market(K),
        market(P),
        match(A),
        match(B),
        match(C),
        market(MarketId(Venue.KALSHI, "X")),
    ]
    assert executor_markets(listed, [(K, P)]) == {K, P, A, B, C}
    assert exhaustive_events(listed) == (
        EventOutcomes(event_id=EventId("MATCH"), markets=(A, B, C), exhaustive=True),
    )
    # one of the event's markets no longer listed: no basket of all of them
    assert exhaustive_events(listed[:4]) == ()
    assert executor_markets(listed[:1], [(K, P)]) == {K}


def test_a_book_less_our_own_quotes() -> None:
    book = OrderBook(K, (Level(D("0.40"), D(30)),), (Level(D("0.56"), D(12)),))
    ours = Watch(own_yes=D("0.40"), own_yes_size=D(10), own_no=D("0.55"), own_no_size=D(5))
    assert others_book(book, ours) == OrderBook(
        K, (Level(D("0.40"), D(20)),), (Level(D("0.56"), D(12)),)
    )
    assert others_book(book, None) is book


def test_a_strategy_sees_its_venues_only() -> None:
    books = {K: OrderBook(K), P: OrderBook(P)}
    view = strategy_view(
        T0, {K: market(K), P: market(P)}, books, {}, [(K, P)], frozenset({Venue.POLYMARKET})
    )
    assert set(view.markets) == set(view.books) == {P}
    assert view.links == ()  # one venue of the link: no cross-venue basket


def test_each_venue_is_selected_by_its_own_config() -> None:
    listed = [market(MarketId(Venue.KALSHI, f"K{i}"), 10000 + i) for i in range(3)]
    listed += [market(MarketId(Venue.POLYMARKET, f"P{i}"), 10000 + i) for i in range(3)]
    configs = {
        Venue.KALSHI: MarketMakingConfig(max_markets=1),
        Venue.POLYMARKET: MarketMakingConfig(max_markets=2),
    }
    selected, _skipped = select_per_venue(listed, configs)
    assert [m.market_id.symbol for m in selected] == ["K2", "P2", "P1"]
    only_kalshi, rest = select_per_venue(listed, {Venue.KALSHI: configs[Venue.KALSHI]})
    assert [m.market_id.symbol for m in only_kalshi] == ["K2"]
    assert sum(1 for _, why in rest if why == "no market maker registered for polymarket") == 3

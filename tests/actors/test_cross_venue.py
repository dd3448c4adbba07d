"""One outcome on both venues, on fake venues: a market valued ``cross_venue`` leans its
quotes on the deeper linked book (learned from the conflator, no actor asked); with
``hedge_cross_venue`` a quote filled on one venue is hedged at once on the other, as the
market maker's order, our own quote in its way pulled first; a failed executor is
started again and trades on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import trio

from predmm import ArbitrageStrategy, MarketMakingStrategy
from predmm.actors.clock import ManualClock
from predmm.actors.messages import GetPosition, InjectFailure
from predmm.config.risk import EventLink, RiskConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, TimeInForce, Venue
from predmm.domain.ids import EventId, MarketId
from predmm.domain.orders import MARKET_MAKING
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, Hub, fake_market
from tests.actors.harness import FAST_RESTART, QUIET, RecordingJournal, ask, config, until

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
K1 = fake_market(Venue.KALSHI, "K1", event="E")
P1 = fake_market(Venue.POLYMARKET, "P1", event="E")
K, P = K1.market_id, P1.market_id
LINKED = RiskConfig(event_links=(EventLink(event_id=EventId("E"), markets=(K, P)),))


def book(market: MarketId, bid: str, bid_size: int, ask: str, ask_size: int) -> OrderBook:
    return OrderBook.from_yes_quotes(
        market, [Level(D(bid), D(bid_size))], [Level(D(ask), D(ask_size))]
    )


@asynccontextmanager
async def engine_with(
    mm_config: Any, *strategies: Any, journal: RecordingJournal | None = None
) -> AsyncIterator[tuple[TradingEngine, FakeVenue, FakeVenue]]:
    hub = Hub()
    kalshi = FakeVenue(Venue.KALSHI, markets=[K1], hub=hub)
    poly = FakeVenue(Venue.POLYMARKET, markets=[P1], hub=hub)
    engine = TradingEngine(
        mm_config,
        LINKED,
        venues=[kalshi, poly],
        timings=QUIET,
        handle_signals=False,
        clock=ManualClock(),
        journal=journal,
        policy=FAST_RESTART,
    )
    for strategy in strategies:
        if isinstance(strategy, tuple):  # (a market maker, its venue)
            engine.register_strategy(strategy[0], venues={strategy[1]})
        else:
            engine.register_strategy(strategy)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        yield engine, kalshi, poly
        engine.request_stop()


def bids(venue: FakeVenue, market: MarketId) -> dict[OrderSide, Decimal]:
    return {o.side: o.price for o in venue.resting(market) if o.post_only}


async def test_the_thinner_venues_quotes_lean_on_the_deeper_linked_book() -> None:
    async with engine_with(config(fair_value_method="cross_venue")) as (_, kalshi, poly):
        # Kalshi alone, 5 a side besides our own 10 (the venue's book shows ours too):
        # microprice 0.42, our bids 0.40 YES and 0.56 NO (a YES ask of 0.44)
        kalshi.publish_book(book(K, "0.40", 15, "0.44", 15))
        await kalshi.wait_until(lambda: bids(kalshi, K) == {YES: D("0.40"), NO: D("0.56")})
        # Polymarket's book is much deeper (0.46 x 45 / 0.50 x 45, microprice 0.48):
        # Kalshi's fair value moves to about 0.475 (0.42 x 10 + 0.48 x ~80, over ~90),
        # its YES bid one tick behind its own book's ask, its NO bid 1 - 0.50
        poly.publish_book(book(P, "0.46", 45, "0.50", 45))
        await kalshi.wait_until(lambda: bids(kalshi, K) == {YES: D("0.43"), NO: D("0.50")})


async def test_a_quote_filled_on_one_venue_is_hedged_on_the_other() -> None:
    """Kalshi's market maker hedges (``hedge_cross_venue``), Polymarket's does not."""
    journal = RecordingJournal()
    hedging = MarketMakingStrategy(config(hedge_cross_venue=True))  # Kalshi's maker only
    plain = MarketMakingStrategy(config())
    makers = ((hedging, Venue.KALSHI), (plain, Venue.POLYMARKET))
    async with engine_with(config(), *makers, journal=journal) as (engine, kalshi, poly):
        poly.publish_book(book(P, "0.50", 50, "0.54", 50))  # our YES bid joins it at 0.50
        kalshi.publish_book(book(K, "0.47", 50, "0.51", 50))  # our YES bid: 0.47
        await kalshi.wait_until(lambda: YES in bids(kalshi, K) and YES in bids(poly, P))
        kalshi.take(K, YES, bids(kalshi, K)[YES], D(10))  # we buy 10 YES on Kalshi at 0.47
        await until(lambda: any(s[2] == "done" for s in journal.steps))
        maker_p = await ask(engine.portfolio, GetPosition(market_id=P, strategy=MARKET_MAKING))
        held_k = await ask(engine.portfolio, GetPosition(market_id=K))
    (hedge,) = [o for o in poly.orders.values() if not o.post_only]
    # 0.47 + 0.50 < $1: 10 NO on Polymarket at its NO ask, the market maker's order
    assert (hedge.side, hedge.price, hedge.quantity) == (NO, D("0.50"), D(10))
    assert (hedge.time_in_force, hedge.strategy) == (TimeInForce.IOC, MARKET_MAKING)
    # our own YES bid at 0.50 stood in its way: cancelled before it went
    ours = next(o for o in poly.orders.values() if o.post_only and o.side is YES)
    assert poly.calls.index(("cancel", (ours.client_order_id,))) < poly.calls.index(
        ("place", (hedge.client_order_id,))
    )
    assert maker_p.no_contracts == 10  # the Polymarket maker's inventory holds the hedge
    assert held_k.yes_contracts == 10  # 10 YES here, 10 NO there: flat across the venues
    assert [s[2] for s in journal.steps] == ["signal", "sent", "ended", "done"]


# Kalshi's YES ask 0.40 x 20, Polymarket's NO ask 0.45 x 15: 15 baskets worth taking
MISPRICED = (book(K, "0.38", 50, "0.40", 20), book(P, "0.55", 15, "0.60", 50))


async def test_a_failed_executor_is_started_again_and_trades_on() -> None:
    journal = RecordingJournal()
    arb = ArbitrageStrategy()
    async with engine_with(config(), arb, journal=journal) as (engine, kalshi, poly):
        first = engine.executor
        assert first is not None
        first.tell(InjectFailure(reason="a bug"))
        await until(lambda: engine.executor is not None and engine.executor is not first)
        kalshi.publish_book(MISPRICED[0])
        poly.publish_book(MISPRICED[1])
        await until(lambda: any(s[2] == "done" for s in journal.steps))
    assert [(c, e) for c, e, _ in journal.supervised] == [
        ("executor", "failed"),
        ("executor", "restarted"),
    ]
    assert "a bug" in journal.supervised[0][2]
    assert journal.steps[-1][0].startswith(f"{engine.run_id}-x1-")  # the new generation's

"""The engine's executor on fake venues: an ``ArbitrageStrategy`` registered beside the
market maker takes a cross-venue basket (the thinner leg first, fill-or-kill, then the
other immediate-or-cancel), our own quote in a leg's way is pulled first, every order and
fill is attributed to its strategy, and a leg that fills alone is unwound or hedged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import trio

from predmm import ArbitrageStrategy, MarketMakingStrategy
from predmm.actors.clock import ManualClock
from predmm.actors.messages import GetPosition
from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.risk import EventLink, RiskConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import Action, OrderSide, TimeInForce, Venue
from predmm.domain.ids import EventId
from predmm.domain.orders import ARBITRAGE, MARKET_MAKING
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, Hub, fake_market
from tests.actors.harness import QUIET, RecordingJournal, ask, config, until

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
K1 = fake_market(Venue.KALSHI, "K1", event="E")
P1 = fake_market(Venue.POLYMARKET, "P1", event="E")
K, P = K1.market_id, P1.market_id
LINKED = RiskConfig(event_links=(EventLink(event_id=EventId("E"), markets=(K, P)),))


def book(market: Any, yes: tuple[str, int], no: tuple[str, int]) -> OrderBook:
    """One level a side: YES bids at ``yes``, NO bids at ``no`` (a YES ask at 1 - no)."""
    return OrderBook(market, (Level(D(yes[0]), D(yes[1])),), (Level(D(no[0]), D(no[1])),))


# Kalshi's YES ask 0.40 x 20 (its NO bids at 0.60); Polymarket's NO ask 0.45 x 15 (its YES
# bids at 0.55, 25 with our own 10 when our YES bid joins them): YES here and NO there
# cost 0.85 plus Kalshi's fee 0.07 x 0.4 x 0.6 (0.0168 a contract): 15 baskets
# (Polymarket's depth but ours) are worth taking
MISPRICED = (book(K, ("0.38", 50), ("0.60", 20)), book(P, ("0.55", 25), ("0.40", 50)))
ALONE = (MISPRICED[0], book(P, ("0.55", 15), ("0.40", 50)))  # no quote of ours there
FAIR = (book(K, ("0.48", 50), ("0.50", 50)), book(P, ("0.48", 50), ("0.50", 50)))


@asynccontextmanager
async def engine_with(
    *strategies: Any, journal: RecordingJournal | None = None
) -> AsyncIterator[tuple[TradingEngine, FakeVenue, FakeVenue]]:
    hub = Hub()
    kalshi = FakeVenue(Venue.KALSHI, markets=[K1], hub=hub)
    poly = FakeVenue(Venue.POLYMARKET, markets=[P1], hub=hub)
    engine = TradingEngine(
        config(),
        LINKED,
        timings=QUIET,
        handle_signals=False,
        clock=ManualClock(),
        journal=journal,
    )
    engine.register_platform(kalshi)
    engine.register_platform(poly)
    for strategy in strategies:
        engine.register_strategy(strategy)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        yield engine, kalshi, poly
        engine.request_stop()


def publish(kalshi: FakeVenue, poly: FakeVenue, books: tuple[OrderBook, OrderBook]) -> None:
    kalshi.publish_book(books[0])
    poly.publish_book(books[1])


def _yes_bid(venue: FakeVenue) -> Decimal | None:
    bids = [o.price for o in venue.resting() if o.side is YES and o.post_only]
    return max(bids, default=None)


def _watched_yes_bid(engine: TradingEngine) -> Decimal | None:
    """Our YES bid on Polymarket as its MarketActor tells the conflator (``Watch``)."""
    assert engine.bridge is not None
    _, watch = engine.bridge.conflator.peek(P)
    return watch.own_yes if watch is not None else None


def placed(venue: FakeVenue) -> list[Any]:
    return [o for o in venue.orders.values() if not o.post_only]


async def test_an_arbitrage_registered_beside_the_market_maker_takes_the_basket() -> None:
    journal = RecordingJournal()
    arb = ArbitrageStrategy(ArbitrageConfig(max_baskets=50))
    mm = MarketMakingStrategy(config())
    async with engine_with(mm, arb, journal=journal) as (engine, kalshi, poly):
        # Polymarket first: our YES bid joins its best at 0.55, in the NO leg's way
        publish(kalshi, poly, (book(K, ("0.53", 50), ("0.42", 50)), MISPRICED[1]))
        await poly.wait_until(lambda: _yes_bid(poly) == D("0.55"))
        await until(lambda: _watched_yes_bid(engine) == D("0.55"))  # the quote's actor too
        kalshi.publish_book(MISPRICED[0])
        await until(lambda: any(s[2] == "done" for s in journal.steps))
        mm_held = await ask(engine.portfolio, GetPosition(market_id=P, strategy=MARKET_MAKING))
        arb_status = arb.get_inventory_status()
        mm_status = mm.get_inventory_status()
        publish(kalshi, poly, FAIR)
    legs = placed(poly) + placed(kalshi)
    # the thinner leg first (Polymarket's 15), fill or kill; then Kalshi's, sized to it
    assert [(o.market_id, o.side, o.price, o.quantity, o.time_in_force) for o in legs] == [
        (P, NO, D("0.45"), D(15), TimeInForce.FOK),
        (K, YES, D("0.40"), D(15), TimeInForce.IOC),
    ]
    assert all(o.strategy == ARBITRAGE for o in legs)
    quote = next(o for o in poly.orders.values() if o.side is YES and o.price == D("0.55"))
    cancelled = poly.calls.index(("cancel", (quote.client_order_id,)))
    sent = poly.calls.index(("place", (legs[0].client_order_id,)))
    assert cancelled < sent, "our YES bid at 0.55 (in the NO leg's way) goes before the leg"
    fills = {
        f.market_id: f
        for f in kalshi.fills + poly.fills
        if f.client_order_id in {o.client_order_id for o in legs}
    }
    assert {m: (f.side, f.quantity) for m, f in fills.items()} == {K: (YES, D(15)), P: (NO, D(15))}
    # attributed: the arbitrage holds the basket, the market maker holds none of it
    assert arb_status[str(K)]["yes_contracts"] == D(15)
    assert arb_status[str(P)]["no_contracts"] == D(15)
    assert str(K) not in mm_status or mm_status[str(K)]["yes_contracts"] == 0
    assert mm_held.no_contracts == 0
    steps = [s[2] for s in journal.steps]
    assert steps == ["signal", "sent", "ended", "sent", "ended", "done"], steps
    done = journal.steps[-1][3]
    # what the fills say: 15 x (1 - 0.40 - 0.45) (the fake venue charges no fee)
    assert "cash -12.75 (fees 0); 15 baskets lock 2.25" in done, done


async def test_a_second_leg_that_fills_nothing_is_unwound_under_the_limits() -> None:
    journal = RecordingJournal()
    arb = ArbitrageStrategy(ArbitrageConfig(max_baskets=50))
    async with engine_with(arb, journal=journal) as (engine, kalshi, poly):
        kalshi.taker_liquidity[K] = D(0)  # Kalshi's YES ask is gone when the second leg goes
        publish(kalshi, poly, ALONE)
        await until(lambda: any(s[2] in ("done", "naked") for s in journal.steps))
        held = await ask(engine.portfolio, GetPosition(market_id=P, strategy=ARBITRAGE))
    steps = [s[2] for s in journal.steps]
    assert steps[:5] == ["signal", "sent", "ended", "sent", "ended"], steps
    assert "balance" in steps, journal.steps
    assert steps[-1] == "done", journal.steps
    unwind = [o for o in placed(poly) if o.action is Action.SELL]
    # the NO bought on Polymarket is sold back into its NO bids (0.40): nothing naked
    assert [(o.side, o.quantity, o.price) for o in unwind] == [(NO, D(15), D("0.40"))]
    assert held.no_contracts == 0
    assert held.yes_contracts == 0
    # first a hedge (the book still showed Kalshi's ask), which filled nothing either
    assert "hedge: buy 15 YES of kalshi:K1 at 0.40 IOC" in journal.steps[5][3]
    assert journal.steps[-1][3].startswith("unwind"), journal.steps[-1]
    assert "cash -0.75 (fees 0)" in journal.steps[-1][3]  # bought at 0.45, sold at 0.40

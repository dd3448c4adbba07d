"""Several strategies in one engine, on fake venues: a market maker per venue (each
venue quoted at its own config, one PortfolioActor holding every limit across both), a
second market maker on a venue refused rather than swapped in silently, a strategy of
one's own run by the executor with its orders and inventory attributed to it, and what
is not a strategy refused by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import attrs
import pytest
import trio

from predmm import ArbitrageStrategy, MarketMakingStrategy
from predmm.actors.clock import ManualClock
from predmm.actors.messages import GetExposure, GetPosition
from predmm.config.risk import EventLink, RiskConfig
from predmm.domain.enums import OrderSide, TimeInForce, Venue
from predmm.domain.errors import ConfigError
from predmm.domain.ids import EventId, MarketId
from predmm.domain.orders import MARKET_MAKING, Signal
from predmm.strategies.base import StrategyView
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, Hub, book_of, fake_market
from tests.actors.harness import QUIET, ask, config, eventually, until

D = Decimal
K1 = fake_market(Venue.KALSHI, "K1", event="E")
P1 = fake_market(Venue.POLYMARKET, "P1", event="E")
K, P = K1.market_id, P1.market_id


def engine_on(*venues: FakeVenue, risk: RiskConfig | None = None) -> TradingEngine:
    engine = TradingEngine(config(), risk, timings=QUIET, handle_signals=False, clock=ManualClock())
    for venue in venues:
        engine.register_platform(venue)
    return engine


@asynccontextmanager
async def running(engine: TradingEngine) -> AsyncIterator[TradingEngine]:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        yield engine
        engine.request_stop()


def venues() -> tuple[FakeVenue, FakeVenue]:
    hub = Hub()
    return (
        FakeVenue(Venue.KALSHI, markets=[K1], hub=hub),
        FakeVenue(Venue.POLYMARKET, markets=[P1], hub=hub),
    )


def _actor_holds(engine: TradingEngine, market_id: MarketId) -> Decimal | None:
    """The YES its MarketActor holds, as it last published it (once it has requoted)."""
    found = [m for m in engine.snapshot().markets if m.market_id == market_id]
    return found[0].yes_contracts if found else None


def quotes(venue: FakeVenue, market_id: MarketId) -> dict[OrderSide, Decimal]:
    return {o.side: o.price for o in venue.resting(market_id)}


async def test_a_market_maker_per_venue_quotes_each_venue_at_its_spread_under_one_budget() -> None:
    kalshi, poly = venues()
    # one event across both venues: 30 contracts net at most, for the two makers together
    linked = RiskConfig(
        max_event_contracts=30, event_links=(EventLink(event_id=EventId("E"), markets=(K, P)),)
    )
    engine = engine_on(kalshi, poly, risk=linked)
    kalshi_mm = MarketMakingStrategy(config(base_spread=D("0.04")))
    poly_mm = MarketMakingStrategy(config(base_spread=D("0.06")))
    engine.register_strategy(kalshi_mm, venues={Venue.KALSHI})
    engine.register_strategy(poly_mm, venues={Venue.POLYMARKET})
    async with running(engine):
        kalshi.publish_book(book_of(K, "0.40", "0.60"))
        poly.publish_book(book_of(P, "0.40", "0.60"))
        await kalshi.wait_until(lambda: len(kalshi.resting(K)) == len(poly.resting(P)) == 2)
        k_quotes, p_quotes = quotes(kalshi, K), quotes(poly, P)
        # the Kalshi maker buys 10 YES and bids for 10 more; then the Polymarket maker
        # buys 10 YES of the same outcome: 30, the event's limit, over both venues
        kalshi.take(K, OrderSide.YES, k_quotes[OrderSide.YES], D(10))
        await kalshi.wait_until(lambda: OrderSide.YES in quotes(kalshi, K))
        poly.take(P, OrderSide.YES, p_quotes[OrderSide.YES], D(10))
        await eventually(
            engine.portfolio, GetPosition(market_id=P), lambda v: v.yes_contracts == 10
        )
        await until(lambda: len(poly_mm.get_inventory_status()) == 1)
        await until(lambda: _actor_holds(engine, P) == 10)  # its actor requoted on the fill
        k_after, p_after = quotes(kalshi, K), quotes(poly, P)
        report = await ask(engine.portfolio, GetExposure())
        kalshi_view = kalshi_mm.get_inventory_status()
        poly_view = poly_mm.get_inventory_status()
    # mid 0.50: the Kalshi maker quotes 0.48 / 0.52 (spread 0.04), Polymarket's 0.47 / 0.53
    assert k_quotes == {OrderSide.YES: D("0.48"), OrderSide.NO: D("0.48")}
    assert p_quotes == {OrderSide.YES: D("0.47"), OrderSide.NO: D("0.47")}
    (event,) = [e for e in report.events if e.contracts > 0]
    assert event.contracts == 30  # one limit over both venues' makers
    assert OrderSide.YES not in p_after  # refused: the Kalshi maker's bid counts
    assert OrderSide.YES in k_after
    assert set(kalshi_view) == {str(K)}
    assert set(poly_view) == {str(P)}
    assert kalshi_view[str(K)]["yes_contracts"] + poly_view[str(P)]["yes_contracts"] <= 30


async def test_a_second_market_maker_on_a_venue_is_refused_not_swapped_in() -> None:
    engine = engine_on(*venues())
    first = config(base_spread=D("0.05"))
    engine.register_strategy(MarketMakingStrategy(first))
    with pytest.raises(ConfigError, match="already quotes kalshi, polymarket: two market makers"):
        engine.register_strategy(MarketMakingStrategy(config()))
    with pytest.raises(ConfigError, match="already quotes polymarket"):
        engine.register_strategy(config(), venues={Venue.POLYMARKET})
    assert engine.maker_configs() == {Venue.KALSHI: first, Venue.POLYMARKET: first}


async def test_what_is_not_a_strategy_is_refused_naming_what_it_lacks() -> None:
    engine = engine_on(*venues())

    class NoSignals:
        name, priority, config = "lazy", 1, None

    with pytest.raises(ConfigError, match="NoSignals is not a strategy: it lacks signals"):
        engine.register_strategy(NoSignals())
    engine.register_strategy(ArbitrageStrategy())
    with pytest.raises(ConfigError, match="a strategy named 'arbitrage' is registered"):
        engine.register_strategy(ArbitrageStrategy())
    with pytest.raises(ConfigError, match="unknown venue 'kraken'"):
        engine.register_strategy(MarketMakingStrategy(), venues={"kraken"})  # type: ignore[arg-type]


@attrs.define
class BuyCheapYes:
    """A strategy of one's own: buys 5 YES, immediately or cancel, where the YES ask is
    below 0.30, until it holds 5."""

    name: str = "cheap_yes"
    priority: int = 50
    config: Any = None
    live: Any = None

    def signals(self, view: StrategyView) -> list[Signal]:
        wanted = []
        for market_id, book in view.books.items():
            ask = book.best_ask()
            held = view.positions.get(market_id)
            if ask is not None and ask < D("0.30") and (held is None or held.yes_contracts < 5):
                wanted.append(
                    Signal(
                        market_id=market_id,
                        side=OrderSide.YES,
                        target_price=ask,
                        size=D(5),
                        strength=D(1),
                        reason="cheap YES",
                        time_in_force=TimeInForce.IOC,
                    )
                )
        return wanted

    def get_inventory_status(self) -> dict[str, dict[str, Any]]:
        live = self.live() if self.live is not None else {}
        return {str(m): t.status() for m, t in live.items()}

    def attach_live_inventory(self, source: Any) -> None:
        self.live = source


async def test_a_strategy_of_ones_own_runs_beside_the_market_maker_attributed_to_it() -> None:
    kalshi, poly = venues()
    engine = engine_on(kalshi, poly, risk=RiskConfig())
    mine = BuyCheapYes()
    engine.register_strategy(MarketMakingStrategy(config()), venues={Venue.KALSHI})
    engine.register_strategy(mine, venues={Venue.POLYMARKET})
    async with running(engine):
        kalshi.publish_book(book_of(K, "0.20", "0.25"))  # cheap, but not its venue
        poly.publish_book(book_of(P, "0.40", "0.60"))
        await kalshi.wait_until(lambda: len(kalshi.resting(K)) == 2)
        poly.publish_book(book_of(P, "0.20", "0.25"))
        await until(lambda: bool(mine.get_inventory_status()))
        status = mine.get_inventory_status()
        maker = await ask(engine.portfolio, GetPosition(market_id=P, strategy=MARKET_MAKING))
    (order,) = list(poly.orders.values())
    assert (order.side, order.price, order.quantity, order.time_in_force) == (
        OrderSide.YES,
        D("0.25"),
        D(5),
        TimeInForce.IOC,
    )
    assert order.strategy == "cheap_yes"
    assert not order.post_only
    assert status == {str(P): status[str(P)]}
    assert status[str(P)]["yes_contracts"] == D(5)
    assert maker.yes_contracts == 0  # the market maker holds none of it
    assert quotes(poly, P) == {}  # no market maker on Polymarket: nothing quoted there
    assert not any(o.strategy == "cheap_yes" for o in kalshi.orders.values())


async def test_a_settings_file_registers_a_maker_per_venue_and_the_arbitrageur() -> None:
    from predmm.config.settings import settings_from_dict
    from predmm.supervisors.registry import register_settings

    settings = settings_from_dict(
        {
            "strategy": {"base_spread": 0.04, "venues": {"polymarket": {"base_spread": 0.045}}},
            "arbitrage": {"min_edge": "0.02"},
        }
    )
    engine = engine_on(*venues())
    register_settings(
        engine,
        settings.strategy,
        settings.strategy_venues,
        settings.arbitrage,
        [Venue.KALSHI, Venue.POLYMARKET],
    )
    spreads = {v: c.base_spread for v, c in engine.maker_configs().items()}
    assert spreads == {Venue.KALSHI: D("0.04"), Venue.POLYMARKET: D("0.045")}
    (arb,) = engine.registry.others
    assert (arb.name, arb.strategy.config.min_edge) == ("arbitrage", D("0.02"))


async def test_a_reload_quotes_each_venue_at_its_own_new_config() -> None:
    """``predmm reload`` of a file with ``[strategy.venues.polymarket]``: each venue's
    MarketActors (and the next scan) take their venue's config, not the base's."""
    from predmm.supervisors.control import EngineControl

    kalshi, poly = venues()
    engine = engine_on(kalshi, poly)
    engine.register_strategy(MarketMakingStrategy(config(base_spread=D("0.04"))), {Venue.KALSHI})
    engine.register_strategy(
        MarketMakingStrategy(config(base_spread=D("0.06"))), {Venue.POLYMARKET}
    )
    async with running(engine):
        kalshi.publish_book(book_of(K, "0.40", "0.60"))
        poly.publish_book(book_of(P, "0.40", "0.60"))
        await kalshi.wait_until(lambda: len(kalshi.resting(K)) == len(poly.resting(P)) == 2)
        base, own = config(base_spread=D("0.08")), config(base_spread=D("0.10"))
        per_venue = {Venue.KALSHI: base, Venue.POLYMARKET: own}
        assert await EngineControl(engine).reconfigure(base, engine.risk, per_venue) == ()
        # mid 0.50: Kalshi quotes 0.46 / 0.54 (spread 0.08), Polymarket 0.45 / 0.55 (0.10)
        await kalshi.wait_until(lambda: quotes(kalshi, K).get(OrderSide.YES) == D("0.46"))
        await poly.wait_until(lambda: quotes(poly, P).get(OrderSide.YES) == D("0.45"))
        assert quotes(poly, P) == {OrderSide.YES: D("0.45"), OrderSide.NO: D("0.45")}
        assert engine.maker_configs() == per_venue  # what the next scan selects with

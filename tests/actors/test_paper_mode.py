"""Paper mode in the TradingEngine, however the engine was built: every venue client is
wrapped in the paper venue, so no order, cancel or amend reaches the (fake) venue, while
the engine quotes on paper against the venue's books."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
import trio

from predmm import MarketMakingStrategy
from predmm.actors.clock import ManualClock
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError
from predmm.platforms.paper import PaperPlatform
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, config

WRITES = ("place", "cancel", "amend", "cancel_all")


def paper() -> MarketMakingConfig:
    return attrs.evolve(config(), paper_mode=True)


def venue(v: Venue = Venue.KALSHI) -> FakeVenue:
    return FakeVenue(v, markets=[fake_market(v, f"{v.value[0].upper()}1")])


def by_constructor(client: FakeVenue) -> TradingEngine:
    return TradingEngine(
        paper(), venues=[client], timings=QUIET, handle_signals=False, clock=ManualClock()
    )


def by_registering_the_platform(client: FakeVenue) -> TradingEngine:
    engine = TradingEngine(paper(), timings=QUIET, handle_signals=False, clock=ManualClock())
    engine.register_platform(client)
    return engine


def by_registering_a_paper_strategy_after_the_platform(client: FakeVenue) -> TradingEngine:
    engine = TradingEngine(timings=QUIET, handle_signals=False, clock=ManualClock())
    engine.register_platform(client)
    engine.register_strategy(MarketMakingStrategy(config=paper()))
    return engine


def by_registering_a_paper_config_after_the_platform(client: FakeVenue) -> TradingEngine:
    engine = TradingEngine(
        config(), venues=[client], timings=QUIET, handle_signals=False, clock=ManualClock()
    )
    engine.register_strategy(paper())
    return engine


def by_assigning_the_config(client: FakeVenue) -> TradingEngine:
    engine = TradingEngine(
        config(), venues=[client], timings=QUIET, handle_signals=False, clock=ManualClock()
    )
    engine.config = paper()  # not through the API: run() still wraps
    return engine


BUILDS = [
    by_constructor,
    by_registering_the_platform,
    by_registering_a_paper_strategy_after_the_platform,
    by_registering_a_paper_config_after_the_platform,
    by_assigning_the_config,
]


@pytest.mark.parametrize("build", BUILDS, ids=lambda b: b.__name__)
async def test_a_paper_engine_quotes_on_paper_and_sends_nothing_to_the_venue(
    build: Callable[[FakeVenue], TradingEngine],
) -> None:
    client = venue()
    engine = build(client)
    market_id = next(iter(client.markets))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        paper_venue = engine.clients[Venue.KALSHI]
        assert isinstance(paper_venue, PaperPlatform)
        assert paper_venue.data is client
        client.publish_book(book_of(market_id))
        with trio.fail_after(10):
            while len(await paper_venue.get_open_orders(market_id)) < 2:
                await trio.sleep(0.01)
        assert engine.snapshot().paper
        engine.request_stop()
    assert [c for c in client.calls if c[0] in WRITES] == []
    assert await paper_venue.get_open_orders() == []  # the stop cancelled them on paper


async def test_a_client_already_paper_is_not_wrapped_again_and_makes_the_others_paper() -> None:
    kalshi, poly = venue(Venue.KALSHI), venue(Venue.POLYMARKET)
    already = PaperPlatform(kalshi)
    engine = TradingEngine(config(), timings=QUIET, handle_signals=False, clock=ManualClock())
    engine.register_platform(already)
    engine.register_platform(poly)  # a live client after a paper one: wrapped as well
    assert engine.paper
    assert engine.clients[Venue.KALSHI] is already
    wrapped = engine.clients[Venue.POLYMARKET]
    assert isinstance(wrapped, PaperPlatform)
    assert wrapped.data is poly
    engine.register_strategy(paper())  # registering paper again wraps nothing twice
    assert engine.clients[Venue.KALSHI] is already
    assert engine.clients[Venue.POLYMARKET] is wrapped


async def test_a_live_config_after_a_paper_one_is_refused() -> None:
    engine = TradingEngine(
        paper(), venues=[venue()], timings=QUIET, handle_signals=False, clock=ManualClock()
    )
    with pytest.raises(ConfigError, match="build a new TradingEngine to trade live"):
        engine.register_strategy(MarketMakingStrategy(config=config()))
    assert engine.config.paper_mode
    assert isinstance(engine.clients[Venue.KALSHI], PaperPlatform)


async def test_a_live_engine_is_not_paper() -> None:
    client = venue()
    engine = TradingEngine(
        config(), venues=[client], timings=QUIET, handle_signals=False, clock=ManualClock()
    )
    assert not engine.paper
    assert engine.clients[Venue.KALSHI] is client
    assert not engine.snapshot().paper

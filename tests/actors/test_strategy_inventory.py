"""A MarketMakingStrategy registered with a TradingEngine reports the engine's live
inventory (``get_inventory_status()``), read from the PortfolioActor's published
positions without asking any actor."""

from __future__ import annotations

from decimal import Decimal

import trio

from predmm import MarketMakingStrategy
from predmm.actors.clock import ManualClock
from predmm.domain.enums import OrderSide, Venue
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, book_of, fake_market
from tests.actors.harness import QUIET, config

D = Decimal


async def test_a_registered_strategy_reports_the_engines_live_inventory() -> None:
    client = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    market_id = next(iter(client.markets))
    strategy = MarketMakingStrategy(config=config(max_inventory=40))
    engine = TradingEngine(timings=QUIET, handle_signals=False, clock=ManualClock())
    engine.register_platform(client)
    engine.register_strategy(strategy)
    assert strategy.get_inventory_status() == {}
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        assert await trio.to_thread.run_sync(engine.started.wait, 10.0)
        client.publish_book(book_of(market_id))
        await client.wait_until(lambda: len(client.resting(market_id)) == 2)
        client.take(market_id, OrderSide.YES, D("0.48"), D(10))  # our YES bid fills
        with trio.fail_after(10):
            while not strategy.get_inventory_status():
                await trio.sleep(0.01)
        status = strategy.get_inventory_status()[str(market_id)]
        engine.request_stop()
    assert status["yes_contracts"] == D(10)
    assert status["avg_yes_price"] == D("0.48")
    assert status["no_contracts"] == D(0)
    assert status["net_position"] == D(10)
    assert status["skew_ratio"] == D("0.25")  # 10 / max_inventory 40, the guide's example
    assert strategy.get_inventory_status()[str(market_id)]["yes_contracts"] == D(10)  # kept

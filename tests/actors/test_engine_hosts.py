"""The engine's hosts on fake venues: a second engine on an asyncio loop that already
runs one is refused by name (trio allows one run per thread), and a stop asked before
the run started ends the run once it has."""

from __future__ import annotations

import asyncio

import pytest
import trio

from predmm.actors.clock import ManualClock
from predmm.domain.enums import Venue
from predmm.domain.errors import PredmmError
from predmm.supervisors.engine import TradingEngine
from tests.actors.fake_venue import FakeVenue, fake_market
from tests.actors.harness import QUIET, config


def engine() -> TradingEngine:
    client = FakeVenue(Venue.KALSHI, markets=[fake_market(Venue.KALSHI, "K1")])
    return TradingEngine(config(), venues=[client], timings=QUIET, clock=ManualClock())


def test_a_second_engine_on_the_same_asyncio_loop_is_refused() -> None:
    async def main() -> None:
        first, second = engine(), engine()
        task = asyncio.create_task(first.run())
        async with asyncio.timeout(10):
            while not first.started.is_set():
                await asyncio.sleep(0.01)
        with pytest.raises(PredmmError, match="one engine per loop at a time"):
            await second.run()
        first.request_stop()
        await task

    asyncio.run(main())


async def test_a_stop_asked_before_the_run_ends_it_once_started() -> None:
    early = engine()
    early.request_stop()
    with trio.fail_after(10):
        await early.run()
    assert not early.snapshot().running

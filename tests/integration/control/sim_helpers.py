"""A simulator served in the test's trio run, its credentials written for ``predmm``
commands run as real processes, and what the tests read at the exchange."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import trio

from predmm.domain.enums import OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.simulator import Simulator
from predmm.simulator.credentials import (
    write_event_links,
    write_kalshi_credentials,
    write_polymarket_credentials,
)
from predmm.simulator.exchange.model import OrderRecord
from predmm.simulator.testing import RunningSimulator, running_simulator, wall_clock_start
from predmm.simulator.universe import default_universe

PREDMM = str(Path(sys.executable).with_name("predmm"))  # the console script, as a user runs it


@contextlib.asynccontextmanager
async def served(seed: int = 3, **opts: Any) -> AsyncIterator[RunningSimulator]:
    """The simulator's default universe with its past (so the strategy selects markets)."""
    start = wall_clock_start()
    universe = default_universe(start, history=True)
    async with running_simulator(seed=seed, start=start, universe=universe, **opts) as running:
        yield running


def write_credentials(
    running: RunningSimulator, directory: Path, *, kalshi_url: str | None = None
) -> Path:
    """What ``predmm sim --credentials-out`` writes; ``kalshi_url`` replaces Kalshi's."""
    sim, urls = running.sim, running.urls
    write_kalshi_credentials(
        directory,
        sim.maker.kalshi_key,
        base_url=kalshi_url or urls.kalshi_base_url,
        ws_url=urls.kalshi_ws_url,
    )
    write_polymarket_credentials(
        directory,
        sim.maker.polymarket_key,
        clob_url=urls.clob_url,
        gamma_url=urls.gamma_url,
        ws_url=urls.polymarket_ws_url,
    )
    write_event_links(directory, sim.links())
    return directory


@contextlib.contextmanager
def unreachable_url() -> Iterator[str]:
    """A Kalshi base URL on 127.0.0.1 that refuses connections: a port bound and never
    listened on (held for the block, so nothing else takes it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/trade-api/v2"
    finally:
        sock.close()


def maker_accounts(sim: Simulator) -> dict[Venue, Any]:
    return {Venue.KALSHI: sim.maker.kalshi_account, Venue.POLYMARKET: sim.maker.polymarket_account}


def resting(sim: Simulator, venue: Venue | None = None) -> list[OrderRecord]:
    """The market maker's orders resting at the exchange (on ``venue``, or on both)."""
    accounts = maker_accounts(sim)
    wanted = [venue] if venue is not None else list(accounts)
    return [o for v in wanted for o in sim.exchange.open_orders(accounts[v])]


def placed(sim: Simulator) -> int:
    """How many orders the market maker ever placed, on both venues."""
    return sum(len(sim.exchange.orders(a)) for a in maker_accounts(sim).values())


def rest_orders(sim: Simulator, venue: Venue, count: int) -> list[MarketId]:
    """``count`` YES bids of the market maker, far below the market, on ``venue``."""
    account = maker_accounts(sim)[venue]
    markets = sim.exchange.market_ids(venue)[:count]
    out = []
    for n in range(count):
        market = markets[n % len(markets)]
        sim.exchange.place_order(account, market, OrderSide.YES, Decimal("0.02"), Decimal(5))
        out.append(market)
    return out


async def run_predmm(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 90
) -> subprocess.CompletedProcess[bytes]:
    """``predmm ARGS`` as a real process, without blocking the simulator served here."""
    environ = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with trio.fail_after(timeout):
        return await trio.run_process(
            [PREDMM, *args],
            cwd=cwd,
            env=environ,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )

"""Start the simulator inside a test's (or the daemon's) trio run.

async with running_simulator(seed=3) as running:
    running.kalshi.base_url, running.polymarket.clob_url, running.sim.exchange ...
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import trio

from predmm.simulator import Simulator
from predmm.simulator.faults import Faults
from predmm.simulator.server import SimulatorApps, SimulatorUrls, serve

_SERVER_OPTS = ("kalshi_port", "polymarket_port", "gamma_port", "step_s", "apps", "host")


@attrs.frozen(kw_only=True, repr=False)
class KalshiEndpoint:
    base_url: str  # ends in /trade-api/v2
    ws_url: str
    key_id: str
    private_key_pem: str
    private_key_path: Path  # a 0600 PEM file, removed when the simulator stops

    def __repr__(self) -> str:
        return f"KalshiEndpoint(base_url={self.base_url!r}, key_id={self.key_id!r})"


@attrs.frozen(kw_only=True, repr=False)
class PolymarketEndpoint:
    clob_url: str
    gamma_url: str
    ws_url: str  # channels at ws_url + "market" / "user"
    api_key: str
    secret: str
    passphrase: str
    private_key: str
    address: str
    signature_type: int = 0  # the account's wallet (0: the EOA ``address`` itself)
    funder: str = ""  # types 1-3: the proxy, Safe or deposit wallet holding the money

    def __repr__(self) -> str:
        return f"PolymarketEndpoint(clob_url={self.clob_url!r}, address={self.address!r})"


@attrs.frozen(kw_only=True)
class RunningSimulator:
    sim: Simulator
    kalshi: KalshiEndpoint
    polymarket: PolymarketEndpoint
    urls: SimulatorUrls


def wall_clock_start() -> datetime:
    """Now, to the second: served simulators keep their clock near the wall clock so
    that Unix timestamps on the wire (GTD expirations, signatures) make sense."""
    return datetime.now(UTC).replace(microsecond=0)


def endpoints(
    sim: Simulator, urls: SimulatorUrls, pem_path: Path
) -> tuple[KalshiEndpoint, PolymarketEndpoint]:
    kkey, pkey = sim.maker.kalshi_key, sim.maker.polymarket_key
    kalshi = KalshiEndpoint(
        base_url=urls.kalshi_base_url,
        ws_url=urls.kalshi_ws_url,
        key_id=kkey.key_id,
        private_key_pem=kkey.private_key_pem,
        private_key_path=pem_path,
    )
    poly = PolymarketEndpoint(
        clob_url=urls.clob_url,
        gamma_url=urls.gamma_url,
        ws_url=urls.polymarket_ws_url,
        api_key=pkey.api_key,
        secret=pkey.secret,
        passphrase=pkey.passphrase,
        private_key=pkey.private_key,
        address=pkey.address,
        signature_type=pkey.signature_type,
        funder=pkey.funder,
    )
    return kalshi, poly


@asynccontextmanager
async def running_simulator(
    *, seed: int = 1, flow: bool = False, faults: Faults | None = None, **opts: Any
) -> AsyncIterator[RunningSimulator]:
    """Serve a fresh ``Simulator`` on 127.0.0.1 ephemeral ports for the body of the
    block. ``opts``: ``start`` (default: now), ``maker_cash``, ``universe``,
    ``flow_config``, ``mine_after_s``, ``confirm_after_s`` go to ``Simulator``;
    ``kalshi_port``, ``polymarket_port``, ``gamma_port``, ``step_s`` (clock tick,
    default 0.25 s; None: the test advances the clock itself), ``apps``
    (``SimulatorApps``, default: the venue front ends) go to ``simulator.server.serve``."""
    server_opts = {k: opts.pop(k) for k in _SERVER_OPTS if k in opts}
    opts.setdefault("start", wall_clock_start())
    sim = Simulator(seed=seed, flow=flow, faults=faults, **opts)
    tmp = Path(tempfile.mkdtemp(prefix="predmm-sim-"))
    try:
        pem = tmp / "kalshi-private-key.pem"
        fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(sim.maker.kalshi_key.private_key_pem)
        async with trio.open_nursery() as nursery:
            urls: SimulatorUrls = await nursery.start(_serve, sim, server_opts)
            kalshi, poly = endpoints(sim, urls, pem)
            yield RunningSimulator(sim=sim, kalshi=kalshi, polymarket=poly, urls=urls)
            nursery.cancel_scope.cancel()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def _serve(
    sim: Simulator, server_opts: dict[str, Any], *, task_status: trio.TaskStatus[SimulatorUrls]
) -> None:
    apps: SimulatorApps | None = server_opts.pop("apps", None)
    await serve(sim, apps=apps, task_status=task_status, **server_opts)

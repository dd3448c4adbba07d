"""Serving the simulator: three ASGI apps under hypercorn, in the caller's trio run.

The Kalshi app (REST under ``/trade-api/v2``, websocket ``/trade-api/ws/v2``), the
Polymarket CLOB app (REST and the websockets ``/ws/market``, ``/ws/user``) and Gamma
(its own port, as the real venue serves it on its own host). Everything binds
127.0.0.1; port 0 picks an ephemeral port, and the bound ports are reported.
A clock task advances the simulator with trio time (``step_s`` per tick), which also
runs the flow when the simulator has one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import attrs
import trio
from hypercorn.config import Config
from hypercorn.trio import serve as hypercorn_serve

from predmm.simulator import Simulator
from predmm.simulator.tally import counted

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]
HOST = "127.0.0.1"


@attrs.frozen(kw_only=True)
class SimulatorApps:
    kalshi: ASGIApp
    clob: ASGIApp
    gamma: ASGIApp


def venue_apps(sim: Simulator) -> SimulatorApps:
    """The front ends' apps (imported here, lazily: they are built on this package). In
    a world faster than the wall clock (``sim.time_scale``) its clients sign with its
    time, so request timestamps are checked against the simulated clock, within windows
    as many times wider (a request's trip takes wall time)."""
    from predmm.simulator.kalshi import KalshiOptions, TimestampWindow, create_kalshi_app
    from predmm.simulator.polymarket import PolymarketOptions, create_clob_app, create_gamma_app

    k = sim.time_scale
    if k == 1:
        kalshi, clob = create_kalshi_app(sim), create_clob_app(sim)
    else:
        window = TimestampWindow()
        kalshi_options = KalshiOptions(
            wall_clock_ms=lambda: int(sim.clock.timestamp() * 1000),
            auth_window=TimestampWindow(
                max_past_ms=int(window.max_past_ms * k), max_future_ms=int(window.max_future_ms * k)
            ),
        )
        tolerance = PolymarketOptions().timestamp_tolerance_s
        clob_options = PolymarketOptions(
            timestamp_tolerance_s=None if tolerance is None else tolerance * k
        )
        kalshi, clob = create_kalshi_app(sim, kalshi_options), create_clob_app(sim, clob_options)
    return SimulatorApps(kalshi=kalshi, clob=clob, gamma=create_gamma_app(sim))


@attrs.frozen(kw_only=True)
class SimulatorUrls:
    """Where a started simulator listens."""

    host: str
    kalshi_port: int
    polymarket_port: int
    gamma_port: int

    @property
    def kalshi_base_url(self) -> str:
        return f"http://{self.host}:{self.kalshi_port}/trade-api/v2"

    @property
    def kalshi_ws_url(self) -> str:
        return f"ws://{self.host}:{self.kalshi_port}/trade-api/ws/v2"

    @property
    def clob_url(self) -> str:
        return f"http://{self.host}:{self.polymarket_port}"

    @property
    def polymarket_ws_url(self) -> str:
        """The websocket base: channels are ``{ws_url}market`` and ``{ws_url}user``."""
        return f"ws://{self.host}:{self.polymarket_port}/ws/"

    @property
    def gamma_url(self) -> str:
        return f"http://{self.host}:{self.gamma_port}"


def _config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 0.5
    config.keep_alive_timeout = 5
    # Kalshi's heartbeat: a Ping control frame every 10 s (ASGI apps cannot send pings)
    config.websocket_ping_interval = 10.0
    return config


async def _serve_app(
    app: ASGIApp,
    host: str,
    port: int,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    class _Status:
        def started(self, binds: list[str]) -> None:
            task_status.started(urlsplit(binds[0]).port or port)

    await hypercorn_serve(app, _config(host, port), mode="asgi", task_status=_Status())  # type: ignore[arg-type]


async def run_clock(sim: Simulator, step_s: float = 0.25) -> None:
    """Advance ``sim`` by the trio time that passes (times ``sim.time_scale``), every
    ``step_s`` (forever)."""
    last = trio.current_time()
    while True:
        await trio.sleep(step_s)
        now = trio.current_time()
        sim.advance((now - last) * sim.time_scale)
        last = now


async def serve(
    sim: Simulator,
    *,
    host: str = HOST,
    kalshi_port: int = 0,
    polymarket_port: int = 0,
    gamma_port: int = 0,
    apps: SimulatorApps | None = None,
    step_s: float | None = 0.25,
    task_status: trio.TaskStatus[SimulatorUrls] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``sim`` until cancelled; ``task_status.started(SimulatorUrls)`` once all
    three ports are bound. ``step_s=None`` leaves the clock to the caller.

    Every HTTP request is counted in ``sim.requests`` (``simulator.tally``).
    Use as ``urls = await nursery.start(serve, sim)`` and cancel the nursery to stop."""
    apps = apps or venue_apps(sim)
    async with trio.open_nursery() as nursery:
        ports = [
            await nursery.start(_serve_app, app, host, port)
            for app, port in (
                (counted(sim.requests, "kalshi", apps.kalshi), kalshi_port),
                (counted(sim.requests, "clob", apps.clob), polymarket_port),
                (counted(sim.requests, "gamma", apps.gamma), gamma_port),
            )
        ]
        if step_s is not None:
            nursery.start_soon(run_clock, sim, step_s)
        task_status.started(
            SimulatorUrls(
                host=host, kalshi_port=ports[0], polymarket_port=ports[1], gamma_port=ports[2]
            )
        )

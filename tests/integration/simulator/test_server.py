"""Serving: three apps on 127.0.0.1 ephemeral ports, a clock task, a clean stop."""

from __future__ import annotations

import socket

import httpx
import trio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from predmm.domain import Venue
from predmm.simulator.server import SimulatorApps
from predmm.simulator.testing import running_simulator


def _app(name: str, seen: list[str]) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        seen.append(f"{name} {request.url.path}")
        return JSONResponse({"app": name, "path": request.url.path})

    return Starlette(routes=[Route("/{rest:path}", echo, methods=["GET", "POST"])])


def _apps(seen: list[str]) -> SimulatorApps:
    return SimulatorApps(
        kalshi=_app("kalshi", seen), clob=_app("clob", seen), gamma=_app("gamma", seen)
    )


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_serves_three_apps_on_loopback_and_stops_cleanly():
    seen: list[str] = []
    with trio.fail_after(20):
        async with running_simulator(seed=2, apps=_apps(seen)) as running:
            urls = running.urls
            ports = {urls.kalshi_port, urls.polymarket_port, urls.gamma_port}
            assert len(ports) == 3
            assert 0 not in ports
            assert urls.host == "127.0.0.1"
            assert running.kalshi.base_url == f"http://127.0.0.1:{urls.kalshi_port}/trade-api/v2"
            assert running.kalshi.ws_url == f"ws://127.0.0.1:{urls.kalshi_port}/trade-api/ws/v2"
            assert running.kalshi.private_key_path.read_text() == running.kalshi.private_key_pem
            async with httpx.AsyncClient() as client:
                for url in (
                    running.kalshi.base_url + "/markets",
                    running.polymarket.clob_url + "/book",
                    running.polymarket.gamma_url + "/markets",
                ):
                    assert (await client.get(url)).status_code == 200
            assert seen == ["kalshi /trade-api/v2/markets", "clob /book", "gamma /markets"]
            pem = running.kalshi.private_key_path
        assert not pem.exists()
        for port in ports:
            assert not _port_open(port)


async def test_clock_task_moves_simulated_time_with_trio_time():
    with trio.fail_after(20):
        async with running_simulator(seed=2, apps=_apps([]), step_s=0.05, flow=True) as running:
            sim = running.sim
            start = sim.clock.now()
            assert sim.flow is not None
            deadline = trio.current_time() + 10
            while (sim.clock.now() - start).total_seconds() < 0.5:
                assert trio.current_time() < deadline
                await trio.sleep(0.05)
            assert sim.exchange.book(sim.universe.specs[0].market_id).yes_bids  # the LPs quote


async def test_serves_the_venue_front_ends_by_default():
    with trio.fail_after(20):
        async with running_simulator(seed=2) as running:
            async with httpx.AsyncClient(timeout=10) as client:
                status = await client.get(running.kalshi.base_url + "/exchange/status")
                time_ = await client.get(running.polymarket.clob_url + "/time")
                gamma = await client.get(running.polymarket.gamma_url + "/markets")
            assert status.status_code == 200
            assert time_.status_code == 200
            assert abs(int(time_.text) - running.sim.clock.timestamp()) <= 2
            assert gamma.status_code == 200
            condition_ids = {m.symbol for m in running.sim.exchange.market_ids(Venue.POLYMARKET)}
            assert condition_ids <= {m["conditionId"] for m in gamma.json()}

"""The soak's world: the simulator of both venues, served on 127.0.0.1 in the test's own
trio run (as ``predmm sim`` serves it, ``simulator.server.serve``), its clock running
``time_scale`` times as fast as the wall clock; a rolling universe (markets listing and
resolving every few hours, ``simulator.rolling``); a seeded flow slowed to the world's
pace; and its fault plan, in the world's time. The daemon reads the world's credentials
and time from ``creds`` (``predmm run --sim-credentials``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import trio

from predmm.domain.enums import Venue
from predmm.simulator import Simulator
from predmm.simulator.credentials import (
    write_event_links,
    write_kalshi_credentials,
    write_polymarket_credentials,
    write_world_clock,
)
from predmm.simulator.exchange.model import AccountId
from predmm.simulator.faults import FaultKind, FaultRule, RouteKind
from predmm.simulator.flow import FlowConfig
from predmm.simulator.plans import EventPlan, Universe
from predmm.simulator.rolling import resolutions, rolling_universe
from predmm.simulator.server import SimulatorUrls, run_clock, serve

WORLD_START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
ORDER_ROUTES = {Venue.KALSHI: "POST /portfolio/events/orders*", Venue.POLYMARKET: "POST /order*"}
ORDER_READS = {Venue.KALSHI: "GET /portfolio/orders*", Venue.POLYMARKET: "GET /data/order*"}
MAKER_CASH = Decimal(10_000)
CLOCK_STEP_S = 0.05  # wall seconds between the simulator's clock steps


@attrs.frozen(kw_only=True)
class SoakPlan:
    """What the soak runs: ``days`` of world time at ``time_scale`` x the wall clock, and
    when it kills the daemon (``schedule.py``): ``kills``, the kinds of kill in turn
    (``"resolution"``, ``"midnight"``, ``"faults"``), the first not before ``first_kill``
    after the start, each next one at least ``kill_gap`` after the last restart."""

    days: float = 3.0
    seed: int = 7
    time_scale: float = 5000.0
    start: datetime = WORLD_START
    kills: tuple[str, ...] = ("resolution", "midnight", "faults")
    first_kill: timedelta = timedelta(hours=18)
    kill_gap: timedelta = timedelta(hours=10)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def wall(self, world_seconds: float) -> float:
        return world_seconds / self.time_scale

    def world(self, wall_seconds: float) -> float:
        return wall_seconds * self.time_scale


def flow_config(plan: SoakPlan) -> FlowConfig:
    """The seeded traders, at the world's pace: per wall second about three noise trades
    per market, the liquidity providers' quotes refreshed about eight times, and news
    rarer and smaller than on a normal day (the daemon reacts in wall time). The easy
    profile: its traders' rates are all set here at the world's pace (the calibrated
    profile's informed takers and learning providers are paced in world time)."""
    per_wall_s = plan.time_scale
    return FlowConfig.easy(
        step_s=60.0,
        volatility_per_h=0.1,
        jumps_per_h=0.05,
        jump_sigma=0.3,
        lp_refresh_s=per_wall_s / 8,
        noise_rate_per_min=3.0 * 60 / per_wall_s,
        informed_lead_s=120.0,
    )


def build_simulator(plan: SoakPlan) -> Simulator:
    universe = rolling_universe(plan.start, days=plan.days)
    return Simulator(
        seed=plan.seed,
        flow=True,
        start=plan.start,
        universe=universe,
        maker_cash=MAKER_CASH,
        flow_config=flow_config(plan),
        time_scale=plan.time_scale,
    )


def fault_bursts(sim: Simulator, plan: SoakPlan) -> list[FaultRule]:
    """Once a day (world time), from 14:00 to 18:00: ambiguous submits (the order is
    taken, its answer lost), placements the venue takes a wall second late (answered
    late, or never: the client times out), 5xx and 429 on order routes, stale order
    reads, and two dropped websockets per venue."""
    rules: list[FaultRule] = []
    day = plan.start.replace(hour=14, minute=0)
    while day < plan.end:
        start, end = day.timestamp(), (day + timedelta(hours=4)).timestamp()
        rules += _burst(plan, start, end)
        day += timedelta(days=1)
    for rule in rules:
        sim.faults.add(rule)
    return rules


def _burst(plan: SoakPlan, start: float, end: float) -> list[FaultRule]:
    late = plan.world(1.0)
    window = {"start": start, "end": end}
    order = frozenset({RouteKind.ORDER, RouteKind.CANCEL})
    rules: list[FaultRule] = []
    for venue in (Venue.KALSHI, Venue.POLYMARKET):
        route = ORDER_ROUTES[venue]
        rules += [
            FaultRule(
                kind=FaultKind.AMBIGUOUS, venue=venue, route=route, probability=0.3, **window
            ),
            FaultRule(
                kind=FaultKind.LATE_ACCEPT,
                venue=venue,
                route=route,
                probability=0.1,
                count=6,
                accept_after_s=late,
                answer_after_s=1.5,
                **window,
            ),
            FaultRule(
                kind=FaultKind.LATE_ACCEPT,
                venue=venue,
                route=route,
                probability=0.05,
                count=2,
                accept_after_s=late,
                answer_after_s=None,
                **window,
            ),
            FaultRule(
                kind=FaultKind.SERVER_ERROR,
                venue=venue,
                route="*",
                route_kinds=order,
                probability=0.05,
                status=503,
                **window,
            ),
            FaultRule(
                kind=FaultKind.RATE_LIMIT,
                venue=venue,
                route="*",
                route_kinds=order,
                probability=0.02,
                retry_after_s=0.5,
                **window,
            ),
            FaultRule(
                kind=FaultKind.STALE_READ,
                venue=venue,
                route=ORDER_READS[venue],
                stale_window_s=plan.world(2.0),
                **window,
            ),
            FaultRule(kind=FaultKind.WS_DROP, venue=venue, route="*", count=2, **window),
        ]
    return rules


def write_credentials(sim: Simulator, urls: SimulatorUrls, directory: Path) -> Path:
    """What ``predmm sim --credentials-out`` writes, and the world's clock."""
    write_kalshi_credentials(
        directory, sim.maker.kalshi_key, base_url=urls.kalshi_base_url, ws_url=urls.kalshi_ws_url
    )
    write_polymarket_credentials(
        directory,
        sim.maker.polymarket_key,
        clob_url=urls.clob_url,
        gamma_url=urls.gamma_url,
        ws_url=urls.polymarket_ws_url,
    )
    write_event_links(directory, sim.links())
    write_world_clock(
        directory,
        world_time=sim.clock.timestamp(),
        wall_time=time.time(),
        scale=sim.time_scale,
    )
    return directory


@attrs.frozen(kw_only=True)
class World:
    sim: Simulator
    plan: SoakPlan
    creds: Path
    clock: trio.CancelScope  # the world's clock task: cancelled, the world stands still

    @property
    def universe(self) -> Universe:
        return self.sim.universe

    @property
    def accounts(self) -> tuple[AccountId, AccountId]:
        maker = self.sim.maker
        return maker.kalshi_account, maker.polymarket_account

    def now(self) -> datetime:
        return self.sim.clock.now()

    def freeze(self) -> None:
        """Stop the world's clock: no more trades of its traders, no more listings or
        resolutions (the venues still serve requests)."""
        self.clock.cancel()

    def resolutions(self) -> list[tuple[datetime, EventPlan]]:
        return resolutions(self.universe, self.plan.start)

    async def until(self, when: datetime) -> None:
        """Wait (wall time) until the world's clock has passed ``when``."""
        while self.now() < when:
            ahead = (when - self.now()).total_seconds()
            await trio.sleep(max(CLOCK_STEP_S, min(0.5, self.plan.wall(ahead))))


@asynccontextmanager
async def running_world(plan: SoakPlan, directory: Path) -> AsyncIterator[World]:
    """The world served on ephemeral ports for the body of the block; its clock starts
    when the block is entered (the credentials' clock is read then too)."""
    sim = build_simulator(plan)
    fault_bursts(sim, plan)
    async with trio.open_nursery() as nursery:
        urls: SimulatorUrls = await nursery.start(_serve, sim)
        clock = trio.CancelScope()
        nursery.start_soon(_run_clock, sim, clock)
        creds = write_credentials(sim, urls, directory / "creds")
        yield World(sim=sim, plan=plan, creds=creds, clock=clock)
        nursery.cancel_scope.cancel()


async def _serve(sim: Simulator, *, task_status: trio.TaskStatus[SimulatorUrls]) -> None:
    await serve(sim, step_s=None, task_status=task_status)


async def _run_clock(sim: Simulator, scope: trio.CancelScope) -> None:
    with scope:
        await run_clock(sim, CLOCK_STEP_S)

"""Running a TradingEngine on fake venues inside a trio test, and a recording journal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import attrs
import trio

from predmm.actors.clock import ManualClock
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.ids import MarketId
from predmm.domain.market import Rewards
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.strategies.day_loss import DayBaseline
from predmm.strategies.fills import SettledPosition
from predmm.strategies.reward_score import RewardSample
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.policy import RestartPolicy
from predmm.supervisors.runtime import EngineTimings
from tests.actors.fake_venue import FakeVenue

QUIET = EngineTimings(
    scan_interval=3600, tick_interval=3600, fill_poll_interval=3600, stop_timeout=10.0
)
FAST_RESTART = RestartPolicy(
    intensity=3, period=3600, min_backoff=0.001, max_backoff=0.004, random_factor=0.2
)


def config(**changes: Any) -> MarketMakingConfig:
    base = MarketMakingConfig(quote_size=10, max_markets=100, min_liquidity=Decimal(1000))
    return attrs.evolve(base, **changes)


@attrs.define
class RecordingJournal:
    changes: list[tuple[Order, OrderEvent | None]] = attrs.Factory(list)
    fills: list[Fill] = attrs.Factory(list)
    pages: list[tuple[Venue, tuple[Fill, ...], str | None]] = attrs.Factory(list)
    reversals: list[Fill] = attrs.Factory(list)
    restarts: list[tuple[MarketId, int, str]] = attrs.Factory(list)
    quarantines: list[tuple[MarketId, int, str]] = attrs.Factory(list)
    states: list[tuple[TradingState, str]] = attrs.Factory(list)
    operators: list[str] = attrs.Factory(list)  # who made each state change by hand
    settlements: list[SettledPosition] = attrs.Factory(list)
    baselines: list[DayBaseline] = attrs.Factory(list)
    supervised: list[tuple[str, str, str]] = attrs.Factory(list)
    corrections: list[tuple[Order, str]] = attrs.Factory(list)
    sent: list[Order] = attrs.Factory(list)  # write-ahead: orders about to leave
    reward_samples: list[tuple[MarketId, RewardSample, int]] = attrs.Factory(list)
    steps: list[tuple[str, str, str, str]] = attrs.Factory(list)

    def orders(self, changes: Sequence[tuple[Order, OrderEvent | None]]) -> None:
        self.changes.extend(changes)

    def intents(self, orders: Sequence[Order], then: Callable[[bool], None]) -> None:
        self.sent.extend(orders)
        then(True)

    def correction(self, order: Order, what: str) -> None:
        self.corrections.append((order, what))

    def fill(self, fill: Fill, cursor: str | None) -> None:
        self.fills.append(fill)

    def fill_page(self, venue: Venue, fills: Sequence[Fill], cursor: str | None) -> None:
        self.fills.extend(fills)
        self.pages.append((venue, tuple(fills), cursor))

    def fill_reversal(self, fill: Fill, reason: str) -> None:
        self.reversals.append(fill)

    def restart(self, market_id: MarketId, generation: int, reason: str) -> None:
        self.restarts.append((market_id, generation, reason))

    def quarantine(self, market_id: MarketId, generation: int, reason: str) -> None:
        self.quarantines.append((market_id, generation, reason))

    def trading_state(self, state: TradingState, reason: str, operator: str = "") -> None:
        self.states.append((state, reason))
        self.operators.append(operator)

    def settlement(self, settled: SettledPosition) -> None:
        self.settlements.append(settled)

    def day_baseline(self, baseline: DayBaseline) -> None:
        self.baselines.append(baseline)

    def supervision(self, component: str, event: str, reason: str) -> None:
        self.supervised.append((component, event, reason))

    def reward_sample(
        self, market_id: MarketId, rewards: Rewards, sample: RewardSample, slot: int
    ) -> None:
        self.reward_samples.append((market_id, sample, slot))

    def execution_step(self, execution_id: str, strategy: str, step: str, detail: str) -> None:
        self.steps.append((execution_id, strategy, step, detail))


@asynccontextmanager
async def running(venues: Sequence[FakeVenue], **kw: Any) -> AsyncIterator[TradingEngine]:
    kw.setdefault("strategy_config", config())
    kw.setdefault("risk_config", RiskConfig())
    kw.setdefault("clock", ManualClock())
    kw.setdefault("timings", QUIET)
    kw.setdefault("policy", FAST_RESTART)
    kw.setdefault("core_policy", FAST_RESTART)
    engine = TradingEngine(venues=venues, handle_signals=False, **kw)
    async with running_engine(engine, 10.0):
        yield engine


@asynccontextmanager
async def running_engine(
    engine: TradingEngine, start_s: float = 30.0
) -> AsyncIterator[TradingEngine]:
    """``engine`` running in a nursery, started within ``start_s``; stopped on the way out."""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(engine.run)
        started = await trio.to_thread.run_sync(engine.started.wait, start_s)
        assert started, "engine did not start"
        yield engine
        engine.request_stop()


async def ask(ref: Any, message: object, timeout: float = 5.0) -> Any:
    """Ask an actor from a trio test without blocking the loop."""
    return await trio.to_thread.run_sync(lambda: ref.ask(message, timeout=timeout))


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (state published by actor threads: the status
    board, a ``DirectRef``), checking every few milliseconds."""
    with trio.fail_after(timeout):
        while not condition():
            await trio.sleep(0.005)


async def eventually(ref: Any, message: object, done: Any, timeout: float = 5.0) -> Any:
    """Ask ``ref`` until ``done(answer)``: each answer comes after the actor has handled
    everything told to it before the ask."""
    with trio.fail_after(timeout):
        while not done(answer := await ask(ref, message)):
            await trio.lowlevel.checkpoint()
    return answer

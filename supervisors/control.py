"""The operator's control of a running engine, for ``predmm halt``, ``resume``,
``cancel-all`` and ``reload`` (the command line's control channel calls these from the
engine's trio loop; nothing here blocks it: the PortfolioActor is called from a worker
thread, the PlatformActors are asked through the bridge).

* **halt**: the PortfolioActor goes HALTED as the operator's (journaled with who and
  why): it refuses every reservation from then on, every MarketActor stops quoting and
  every PlatformActor cancels its live orders and then everything its venue holds of the
  account; ``halt`` waits (bounded) until each has done so.
* **resume**: out of HALTED or REDUCING, into the state the day's loss allows under the
  limits now (``OperatorResume``); the PlatformActors accept placements again and the
  markets quote.
* **cancel_all**: ``halt`` first, so nothing re-quotes, then each venue is read until it
  shows no resting order of the account (what rests after the PlatformActor's sweep is
  cancelled with a fresh call to the venue), at most ``sweeps`` times; one venue's
  failure does not stop the others, and each is reported.
* **reconfigure**: new strategy settings, limits and event links (``predmm reload``):
  the PortfolioActor first (its links checked against the venues' events: refused, and
  nothing changes), then the engine's scan and the MarketSupervisor, which tells every
  MarketActor.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pykka
import trio

from predmm.actors.messages import (
    ApplyConfig,
    ApplyRisk,
    CancelAll,
    GetPlatformStats,
    OperatorHalt,
    OperatorResume,
    StateChange,
)
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.errors import PredmmError
from predmm.platforms.bridge import safe_tell

if TYPE_CHECKING:
    from predmm.supervisors.engine import TradingEngine

T = TypeVar("T")


class ControlRefused(PredmmError):
    """The engine cannot do what the operator asked now (stopping, its portfolio gone)."""


class PortfolioGone(ControlRefused):
    """The PortfolioActor is not running: the engine's watch halted trading when it
    failed (``supervisors.core``); the venues can still be cleared."""


@attrs.frozen(kw_only=True)
class VenueCleared:
    """One venue after a halt or a cancel-all: how many orders were cancelled (the
    PlatformActor's live orders when trading halted, and what each cancel-all call to the
    venue reported; None: unknown), how many the venue still lists (None: not read, or
    the read failed), and what went wrong ('' if nothing)."""

    venue: Venue
    cancelled: int | None = None
    resting: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@attrs.frozen(kw_only=True)
class Cleared:
    """What a halt or a cancel-all did: the trading state's change and each venue."""

    change: StateChange
    venues: tuple[VenueCleared, ...]

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.venues)


@attrs.frozen(kw_only=True)
class ControlTimings:
    drain_timeout: float = 20.0  # a PlatformActor's cancels and sweep, per venue
    venue_timeout: float = 10.0  # one read or cancel-all call to a venue
    sweeps: int = 3  # venue reads (each followed by a cancel-all while orders rest)


class EngineControl:
    """The operator's commands on ``engine`` (started, in its trio run)."""

    def __init__(self, engine: TradingEngine, timings: ControlTimings | None = None) -> None:
        self.engine = engine
        self.timings = timings or ControlTimings()

    async def halt(self, operator: str, reason: str) -> Cleared:
        live = await self._live_orders()
        change = await self._halt(operator, reason)
        drain = functools.partial(self._drain, reason=change.reason, live=live)
        return Cleared(change=change, venues=await self._each_venue(drain))

    async def resume(self, operator: str, reason: str) -> StateChange:
        change: StateChange = await self._portfolio(
            OperatorResume(operator=operator, reason=reason)
        )
        return change

    async def cancel_all(self, operator: str, reason: str) -> Cleared:
        live = await self._live_orders()
        change = await self._halt(operator, reason)
        clear = functools.partial(self._clear, reason=change.reason, live=live)
        return Cleared(change=change, venues=await self._each_venue(clear))

    async def reconfigure(
        self,
        config: MarketMakingConfig,
        risk: RiskConfig,
        venues: Mapping[Venue, MarketMakingConfig] | None = None,
    ) -> tuple[str, ...]:
        """Apply ``config`` (``venues``: a venue's own where it differs,
        ``[strategy.venues.*]``) to every venue's market maker, and ``risk``; the event
        links' contradictions with the venues' events if they refused it (nothing changed
        then)."""
        size = config.max_position_size
        problems: tuple[str, ...] = await self._portfolio(
            ApplyRisk(risk=risk, max_position_size=size)
        )
        if problems:
            return problems
        engine = self.engine
        mine = {v: (venues or {}).get(v, config) for v in engine.maker_configs()}
        changed = config != engine.config or mine != engine.maker_configs()
        engine.config, engine.risk, engine.reloaded = config, risk, mine
        if changed:
            safe_tell(engine.supervisor, ApplyConfig(config=config, venues=mine))
        return ()

    # the portfolio -------------------------------------------------------------------

    async def _halt(self, operator: str, reason: str) -> StateChange:
        """HALTED as the operator's; with the portfolio gone (trading halted already),
        the venues are cleared all the same."""
        try:
            change: StateChange = await self._portfolio(
                OperatorHalt(operator=operator, reason=reason)
            )
        except PortfolioGone as exc:
            halted = TradingState.HALTED
            why = f"by the operator {operator}: {reason}"
            return StateChange(before=halted, after=halted, reason=why, refused=str(exc))
        return change

    async def _portfolio(self, message: object) -> Any:
        engine = self.engine
        if engine.stopping:
            raise ControlRefused(
                "the daemon is stopping (its shutdown cancels every order): nothing done"
            )
        if not engine.started.is_set():
            raise ControlRefused(
                "the daemon is still starting (reconciling with the venues): try again shortly"
            )
        try:
            return await trio.to_thread.run_sync(engine.portfolio_direct.call, message)
        except pykka.ActorDeadError:
            raise PortfolioGone(
                "the portfolio is not running (the engine halted trading and cancelled every"
                " order when it failed): restart the daemon"
            ) from None

    # the venues ----------------------------------------------------------------------

    async def _each_venue(
        self, action: Callable[[Venue], Awaitable[VenueCleared]]
    ) -> tuple[VenueCleared, ...]:
        """``action`` on every venue at once; one venue's trouble does not stop another."""
        results: dict[Venue, VenueCleared] = {}

        async def one(venue: Venue) -> None:
            try:
                results[venue] = await action(venue)
            except Exception as exc:  # reported, never raised: the other venues go on
                results[venue] = VenueCleared(venue=venue, error=_text(exc))

        async with trio.open_nursery() as nursery:
            for venue in self.engine.clients:
                nursery.start_soon(one, venue)
        return tuple(results[v] for v in self.engine.clients)

    async def _live_orders(self) -> dict[Venue, int]:
        """Each live PlatformActor's live orders (what a halt now cancels)."""
        live: dict[Venue, int] = {}
        for venue, platform in self.engine.platforms.items():
            with contextlib.suppress(pykka.ActorDeadError):
                stats = await trio.to_thread.run_sync(platform.call, GetPlatformStats())
                live[venue] = stats.live_orders
        return live

    async def _drain(self, venue: Venue, reason: str, live: dict[Venue, int]) -> VenueCleared:
        """The venue's PlatformActor cancels everything (its live orders, then the
        account's at the venue) and says when nothing of ours is live; a dead one (or a
        venue the watch halted) is replaced by a fresh call to the venue."""
        engine, timeout = self.engine, self.timings.drain_timeout
        platform = engine.platforms.get(venue)
        if platform is None or not platform.alive or engine.bridge is None:
            return VenueCleared(venue=venue, cancelled=await self._cancel_at(venue))
        try:
            await engine.bridge.ask(platform, lambda r: CancelAll(reason=reason, reply=r), timeout)
        except trio.TooSlowError:
            error = f"its orders were still being cancelled after {timeout:g} s"
            return VenueCleared(venue=venue, cancelled=live.get(venue), error=error)
        except pykka.ActorDeadError:
            return VenueCleared(venue=venue, cancelled=await self._cancel_at(venue))
        return VenueCleared(venue=venue, cancelled=live.get(venue))

    async def _clear(self, venue: Venue, reason: str, live: dict[Venue, int]) -> VenueCleared:
        """``_drain``, then the venue read until it lists no resting order of the
        account, with a fresh cancel-all after each read that lists some."""
        drained = await self._drain(venue, reason, live)
        cancelled, error = drained.cancelled or 0, drained.error
        resting: int | None = None
        for _ in range(self.timings.sweeps):
            try:
                resting = len(await self._call(self.engine.clients[venue].get_open_orders))
            except Exception as exc:
                resting, error = None, f"cannot read its orders: {_text(exc)}"
                break
            if resting == 0:
                error = ""
                break
            try:
                cancelled += await self._cancel_at(venue)
            except Exception as exc:
                error = f"{resting} orders rest; cancel-all failed: {_text(exc)}"
        else:
            error = error or f"{resting} orders still rest after {self.timings.sweeps} sweeps"
        return VenueCleared(venue=venue, cancelled=cancelled, resting=resting, error=error)

    async def _cancel_at(self, venue: Venue) -> int:
        """A fresh cancel-all call to the venue: how many it cancelled."""
        return await self._call(self.engine.clients[venue].cancel_all)

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        timeout = self.timings.venue_timeout
        try:
            with trio.fail_after(timeout):
                return await call()
        except trio.TooSlowError:
            raise PredmmError(f"no answer within {timeout:g} s") from None


def _text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

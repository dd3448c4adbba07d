"""TradingEngine, the root: the usage guide's ``register_platform(...)``,
``register_strategy(...)`` and ``await engine.run()``.

``run`` must be awaited inside ``trio.run`` in the main thread: trio owns every socket
(the venue clients), timer and signal. Start order: Journal -> Platforms -> Portfolio ->
MarketSupervisor, then the feed, scan, tick and fill-poll tasks; stop in reverse.
The feeds are ``supervisors.feeds``'s; the periodic tasks, the garbage collector's frozen
heap and the signals ``supervisors.runtime``'s.

With a journal, nothing is quoted before each venue is reconciled with it
(``supervisors.handover``, ``supervisors.recovery``): the fills it missed are journaled,
the positions must agree, the venue's open orders are adopted (or cancelled as orphans of
markets not quoted) and the journal's other live orders closed. Otherwise ``run`` raises
``ReconciliationError``.

SIGINT/SIGTERM (or ``request_stop()``): stop quoting, cancel every resting order, flush
the journal, return normally; a second signal forces the process out.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pykka
import trio
from loguru import logger

from predmm.actors.clock import Clock, SystemClock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.link import ActorJournal
from predmm.actors.journal.port import JournalPort, NullJournal
from predmm.actors.journal.records import TradingStateRecord
from predmm.actors.market.deps import MarketDeps
from predmm.actors.messages import (
    AdoptOrders,
    AttachPortfolio,
    BroadcastTick,
    CancelAll,
    MarketsScanned,
    PollFills,
    SetTradingState,
    StopMarkets,
    Subscribe,
)
from predmm.actors.platform.actor import PlatformActor
from predmm.actors.portfolio.actor import PortfolioActor
from predmm.actors.status import EngineSnapshot, StatusBoard
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState, Venue
from predmm.domain.errors import ConfigError, PredmmError
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.platforms.bridge import Bridge, safe_tell
from predmm.platforms.venue import VenueClient
from predmm.strategies.quoting import select_markets
from predmm.supervisors.feeds import Feeds, Routes, open_markets, poll_fills
from predmm.supervisors.handover import (
    Resumed,
    RunJournal,
    begin_run,
    cancel_orphans,
    config_digest,
    end_run,
    take_over_orders,
)
from predmm.supervisors.markets import MarketSupervisor
from predmm.supervisors.policy import RestartPolicy
from predmm.supervisors.recovery import ReconciliationError
from predmm.supervisors.runtime import (
    SWITCH_INTERVAL,
    EngineTimings,
    every,
    exit_now,
    refreeze_gc,
    run_graceful,
    stop_actor,
    watch_signals,
)


class TradingEngine:
    def __init__(
        self,
        strategy_config: MarketMakingConfig | None = None,
        risk_config: RiskConfig | None = None,
        venues: Sequence[VenueClient] = (),
        journal_path: str | Path | None = None,
        *,
        clock: Clock | None = None,
        policy: RestartPolicy | None = None,
        timings: EngineTimings | None = None,
        journal: JournalPort | None = None,
        run_id: str | None = None,
        seed: int = 0,
        handle_signals: bool = True,
        force_exit: Callable[[], None] = exit_now,
        clear_halt: bool = False,
    ) -> None:
        self.config = strategy_config or MarketMakingConfig()
        self.risk = risk_config or RiskConfig()
        self.clients: dict[Venue, VenueClient] = {}
        for client in venues:
            self.register_platform(client)
        self.journal_path = Path(journal_path) if journal_path is not None else None
        self.clock = clock or SystemClock()
        self.policy = policy or RestartPolicy()
        self.timings = timings or EngineTimings()
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.seed, self.handle_signals, self.force_exit = seed, handle_signals, force_exit
        self.clear_halt = clear_halt
        self.board = StatusBoard()
        self.started = threading.Event()
        self.journal: JournalPort = journal or NullJournal()
        self.platforms: dict[Venue, pykka.ActorRef[Any]] = {}
        self.portfolio: pykka.ActorRef[Any] | None = None
        self.supervisor: pykka.ActorRef[Any] | None = None
        self.bridge: Bridge | None = None
        self._run_journal: RunJournal | None = None
        self.portfolio_direct = DirectRef("portfolio")
        self.platform_direct: dict[Venue, DirectRef] = {}
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._feeds = Feeds()
        self._end_reason = ""  # why the run stops: the first stop request's reason
        self.log = logger.bind(actor="engine")

    # the usage guide's API -------------------------------------------------------------

    def register_platform(self, client: VenueClient) -> None:
        if client.venue in self.clients:
            raise ConfigError(f"platform {client.venue.value} is registered twice")
        self.clients[client.venue] = client

    def register_strategy(self, strategy: Any) -> None:
        """A ``MarketMakingStrategy`` (its config is used) or a ``MarketMakingConfig``."""
        self.config = strategy if isinstance(strategy, MarketMakingConfig) else strategy.config

    def request_stop(self, reason: str = "stop requested") -> None:
        """Ask for a graceful stop; safe from any thread. ``reason`` is journaled as the
        run's stop reason (the first request's, when several come)."""
        self._end_reason = self._end_reason or reason
        if self._token is not None and self._stop is not None:
            with contextlib.suppress(trio.RunFinishedError):
                self._token.run_sync_soon(self._stop.set)

    @property
    def stopping(self) -> bool:
        """A stop was asked for (the engine is stopping, or stopped)."""
        return self._stop is not None and self._stop.is_set()

    @property
    def stop_reason(self) -> str:
        return self._end_reason or "stopped"

    def _signalled(self, name: str) -> None:
        self._end_reason = self._end_reason or f"signal {name}"

    def snapshot(self) -> EngineSnapshot:
        """The latest published status; never waits on an actor."""
        return self.board.snapshot()

    # run -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until ``request_stop()``, a signal, or the cancellation of the caller's
        scope; each of them stops gracefully (the venue workers live until the end)."""
        if not self.clients:
            raise ConfigError("no platform registered: call register_platform(client) first")
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        self._froze = False  # the start-up heap is frozen (gc_refreeze_interval)
        try:
            await run_graceful(self._run_shielded, self._stop)
        finally:
            if self._froze:  # what it froze is collectable again once the engine is gone
                gc.unfreeze()
            self.board.running = False
            self.started.clear()

    async def _run_shielded(self) -> None:
        assert self._stop is not None
        async with trio.open_nursery() as nursery:
            self.bridge = Bridge(nursery)
            try:
                await self._start_in_time(nursery)
                await self._stop.wait()
            except PredmmError as exc:
                self._end_reason = f"refused to start: {exc}"
                raise
            finally:
                await self._shutdown()
                nursery.cancel_scope.cancel()

    async def _start_in_time(self, nursery: trio.Nursery) -> None:
        limit = self._t.stop_timeout * 2
        try:
            with trio.fail_after(limit):
                await self._start(nursery)
        except trio.TooSlowError:
            raise ReconciliationError(
                f"start-up (reconciliation with the venues) did not finish within {limit:g} s:"
                " refusing to quote"
            ) from None

    async def _start(self, nursery: trio.Nursery) -> None:
        assert self.bridge is not None
        assert self._stop is not None
        if self.handle_signals and threading.current_thread() is threading.main_thread():
            await nursery.start(watch_signals, self._stop, self.force_exit, self._signalled)
        resumed = await self._recover()
        for venue, client in self.clients.items():
            self.bridge.start_venue(venue.value, client)
            self.platforms[venue] = PlatformActor.start(
                venue=venue,
                capabilities=client.capabilities,
                bridge=self.bridge,
                clock=self.clock,
                journal=self.journal,
                fill_cursor=resumed.cursors.get(venue),
                journaled_fills=resumed.journaled_fills(venue),
                direct=self.platform_direct.setdefault(venue, DirectRef(f"{venue.value} platform")),
            )
        self.portfolio = PortfolioActor.start(
            risk=self.risk,
            clock=self.clock,
            journal=self.journal,
            platforms=tuple(self.platforms.values()),
            positions=resumed.positions,
            max_position_size=self.config.max_position_size,
            board=self.board,
            direct=self.portfolio_direct,
        )
        adopted: list[Order] = []
        for venue, platform in self.platforms.items():
            platform.tell(AttachPortfolio(portfolio=self.portfolio, direct=self.portfolio_direct))
            platform.tell(PollFills())
            client, journal = self.clients[venue], self._run_journal
            adopted += await take_over_orders(self.bridge, platform, client, journal, self._t)
        # before any market quotes: a direct call, so no reservation can overtake it
        message = AdoptOrders(orders=tuple(adopted))
        await trio.to_thread.run_sync(self.portfolio_direct.call, message)
        if resumed.latched is not None:
            await self._relatch(resumed.latched)
        self.supervisor = MarketSupervisor.start(
            config=self.config,
            deps_for=self._deps_for(),
            clock=self.clock,
            journal=self.journal,
            bridge=self.bridge,
            policy=self.policy,
            seed=self.seed,
        )
        # a direct call: the supervisor learns a latched state before it spawns a market
        await trio.to_thread.run_sync(self.portfolio_direct.call, Subscribe(ref=self.supervisor))
        selected = await self.scan(nursery)
        cancel_orphans(self.platforms.values(), adopted, selected)
        nursery.start_soon(self._scan_loop, nursery)
        nursery.start_soon(every, self._t.tick_interval, self._tick)
        polls = functools.partial(poll_fills, self.platforms.values())
        nursery.start_soon(every, self._t.fill_poll_interval, polls)
        if self._t.gc_refreeze_interval is not None:
            refreeze_gc()
            self._froze = True
            nursery.start_soon(every, self._t.gc_refreeze_interval, refreeze_gc)
        self.board.running = True
        self.started.set()
        self.log.info(
            "engine {run} started on {venues}",
            run=self.run_id,
            venues=[v.value for v in self.clients],
        )

    async def _relatch(self, latched: TradingStateRecord) -> None:
        """The state the loss limits latched earlier today, held again (HALTED cancels
        everything the venues hold) unless the operator cleared it (``clear_halt``), which
        the journal records so the next restart starts ACTIVE too."""
        since = f"{latched.state.value} since {latched.at:%H:%M:%S} UTC: {latched.reason}"
        if self.clear_halt:
            self.log.warning("trading state cleared by the operator ({since})", since=since)
            self.journal.trading_state(TradingState.ACTIVE, f"cleared by the operator ({since})")
            return
        self.log.warning("trading state {since}; held (--clear-halt clears it)", since=since)
        # not journaled again: the record keeps its time and reason for the next restart
        message = SetTradingState(state=latched.state, reason=f"restored ({since})", journaled=True)
        await trio.to_thread.run_sync(self.portfolio_direct.call, message)

    @property
    def _t(self) -> EngineTimings:
        return self.timings

    async def _recover(self) -> Resumed:
        """The journal started: the run recorded, the venues reconciled with its file, and
        from it the positions, fill cursors and journaled fill ids."""
        if self.journal_path is None:
            return Resumed()
        ref = JournalActor.start(self.journal_path)
        self.journal = ActorJournal(ref, self.clock)
        self._run_journal = RunJournal(
            ref=ref,
            path=self.journal_path,
            run_id=self.run_id,
            clock=self.clock,
            timeout=self._t.stop_timeout,
        )
        digest = config_digest(self.config, self.risk)
        return await begin_run(
            self._run_journal, list(self.clients.values()), digest, self._t.ask_timeout
        )

    def _deps_for(self) -> Callable[[Venue], MarketDeps]:
        assert self.bridge is not None
        assert self.portfolio is not None
        deps = {
            venue: MarketDeps(
                config=self.config,
                capabilities=self.clients[venue].capabilities,
                portfolio=self.portfolio,
                platform=ref,
                portfolio_direct=self.portfolio_direct,
                platform_direct=self.platform_direct[venue],
                clock=self.clock,
                run_id=self.run_id,
                conflator=self.bridge.conflator,
                board=self.board,
            )
            for venue, ref in self.platforms.items()
        }
        return deps.__getitem__

    # trio tasks ------------------------------------------------------------------------

    def _tick(self) -> None:
        safe_tell(self.supervisor, BroadcastTick())

    async def _scan_loop(self, nursery: trio.Nursery) -> None:
        while True:
            await trio.sleep(self._t.scan_interval)
            await self.scan(nursery)

    async def scan(self, nursery: trio.Nursery | None = None) -> frozenset[MarketId]:
        """Fetch every venue's open markets, hand them to the supervisor, and subscribe
        the feeds to the selected ones."""
        markets = await open_markets(self.clients.values())
        safe_tell(self.supervisor, MarketsScanned(markets=tuple(markets), at=self.clock.now()))
        selected, _ = select_markets(list(markets), self.config)
        ids = frozenset(m.market_id for m in selected)
        if nursery is not None:
            for venue, client in self.clients.items():
                to = self._routes(venue)
                await self._feeds.follow(nursery, client, ids, to, self._t.feed_retry)
        return ids

    def _routes(self, venue: Venue) -> Routes:
        assert self.bridge is not None
        return Routes(
            conflator=self.bridge.conflator,
            platform=self.platforms[venue],
            supervisor=self.supervisor,
        )

    # shutdown --------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        assert self.bridge is not None
        self.log.info("stopping: quoting off, cancelling every resting order")
        timeout = self._t.stop_timeout
        if self.supervisor is not None:
            await self._ask(self.supervisor, lambda r: StopMarkets(reply=r), timeout)
        for platform in self.platforms.values():
            await self._ask(platform, lambda r: CancelAll(reason="shutdown", reply=r), timeout)
        for ref in (self.supervisor, self.portfolio, *self.platforms.values()):
            await stop_actor(ref, timeout)
        journal = self._run_journal
        if journal is not None:
            late = bool(self.platforms)  # (a start refused by reconciliation has none to add)
            await end_run(journal, self.clients.values(), self.stop_reason, late_fills=late)
            await stop_actor(journal.ref, timeout)  # commits durably on stop
        self._feeds.cancel()
        for client in self.clients.values():
            try:
                await client.aclose()
            except Exception as exc:
                self.log.warning("closing {v}: {exc!r}", v=client.venue.value, exc=exc)
        self.log.info("stopped")

    async def _ask(self, ref: pykka.ActorRef[Any], build: Any, timeout: float) -> Any:
        assert self.bridge is not None
        try:
            return await self.bridge.ask(ref, build, timeout)
        except (trio.TooSlowError, pykka.ActorDeadError) as exc:
            self.log.error("{ref} did not answer during shutdown: {exc!r}", ref=ref, exc=exc)
            return None

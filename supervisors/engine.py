"""TradingEngine, the root: the usage guide's ``register_platform(...)``,
``register_strategy(...)`` and ``await engine.run()``.

``run`` is awaited inside ``trio.run`` (trio owns every socket, timer and signal), or
inside an asyncio loop, where it runs as a trio guest (``supervisors.hosts``): trio still
owns every socket and timer, the host loop its signals. Start order: Journal ->
Platforms -> Portfolio -> MarketSupervisor, then the feed, scan, tick, fill-poll and
reconciliation tasks (every ``reconcile_interval`` each PlatformActor checks its venue:
``actors.platform.checks``); stop in reverse.
The feeds are ``supervisors.feeds``'s; the periodic tasks, the garbage collector's frozen
heap and the signals ``supervisors.runtime``'s.

With a journal, nothing is quoted before each venue is reconciled with it
(``supervisors.handover``, ``supervisors.recovery``): the fills it missed are journaled,
the positions must agree, the venue's open orders are adopted (or cancelled as orphans of
markets not quoted) and the journal's other live orders closed. Otherwise ``run`` raises
``ReconciliationError``.

The core actors (the JournalActor, the PortfolioActor, the PlatformActors) are watched
by ``supervisors.core``: a dead journal or portfolio halts trading and cancels every
order, a dead PlatformActor is restarted from the venue's state, or its venue halted.

Paper mode (``supervisors.paper``): a paper config, or a paper client, wraps every venue
client in the paper venue however and whenever it was registered; the journal records
the run as paper and refuses to mix paper and live runs in one file.

Several strategies (``supervisors.registry``): a market maker per venue (its config
reaches that venue's MarketActors; with none registered, the constructor's config on
every venue), and any other strategy (an ``ArbitrageStrategy``, one of your own), run by
the executor (``actors.executor``, started after the PortfolioActor and before the
MarketSupervisor: ``supervisors.execution``), which also hedges market-making fills
across venues (``hedge_cross_venue``). Every order is attributed to its strategy; one
PortfolioActor holds every limit for all of them.

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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pykka
import trio
from loguru import logger

from predmm.actors.clock import Clock, SystemClock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.link import ActorJournal
from predmm.actors.journal.port import JournalPort, NullJournal
from predmm.actors.journal.records import TradingStateRecord
from predmm.actors.journal.store import Journal
from predmm.actors.market.deps import MarketDeps
from predmm.actors.messages import (
    AdoptOrders,
    AttachPortfolio,
    BroadcastTick,
    CancelAll,
    CheckVenue,
    FollowMarkets,
    GetHeld,
    GetOwned,
    Held,
    LearnMarkets,
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
from predmm.domain.fees import TakerFees
from predmm.domain.ids import FillId, MarketId
from predmm.domain.market import Market
from predmm.domain.orders import MARKET_MAKING, Order
from predmm.platforms.bridge import Bridge, Tellable, safe_tell
from predmm.platforms.venue import VenueClient, is_paper
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.maker.trace import Tracer
from predmm.strategies.venues import select_per_venue
from predmm.strategies.views import executor_markets
from predmm.supervisors import execution, registry
from predmm.supervisors.core import CORE_POLICY, CoreWatch
from predmm.supervisors.feeds import (
    Feeds,
    Routes,
    open_markets,
    poll_fills,
    poll_settlements,
    tell_all,
)
from predmm.supervisors.handover import (
    Resumed,
    RunJournal,
    begin_run,
    cancel_orphans,
    claim_worlds,
    config_digest,
    end_run,
    take_over_orders,
)
from predmm.supervisors.hosts import run_as_guest, under_asyncio
from predmm.supervisors.markets import MarketSupervisor
from predmm.supervisors.paper import paper_client, run_mode
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
from predmm.supervisors.worlds import VenueWorld


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
        core_policy: RestartPolicy | None = None,
        journal_opener: Callable[..., Journal] = Journal.open,
        worlds: Sequence[VenueWorld] = (),
        taker_fees: TakerFees | None = None,
    ) -> None:
        self.config = strategy_config or MarketMakingConfig()
        self.risk = risk_config or RiskConfig()
        self.journal_path = Path(journal_path) if journal_path is not None else None
        self.clock = clock or SystemClock()
        self.policy = policy or RestartPolicy()
        self.core_policy = core_policy or CORE_POLICY
        self.journal_opener = journal_opener
        self.worlds = tuple(worlds)  # the venue worlds traded: a journal of others is refused
        self.taker_fees = taker_fees  # the venues' taker fees per market, when known
        self.timings = timings or EngineTimings()
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.seed, self.handle_signals, self.force_exit = seed, handle_signals, force_exit
        self.tracer: Tracer | None = None  # set before run(): every market's decisions
        self.clear_halt = clear_halt
        self.board = StatusBoard()
        self.registry = registry.Registry()  # the strategies registered
        self.reloaded: dict[Venue, MarketMakingConfig] = {}  # each venue's, as reloaded
        self.executor: pykka.ActorRef[Any] | None = None
        self.executor_watch: execution.ExecutorWatch | None = None
        self.following: FollowMarkets | None = None  # the markets the executor last read
        self._shutting_down = False  # the shutdown runs (whatever ended the run)
        self.paper = False  # True: every venue client is wrapped in the paper venue
        self.clients: dict[Venue, VenueClient] = {}
        for client in venues:
            self.register_platform(client)
        if self.config.paper_mode:
            self._go_paper()
        self.started = threading.Event()
        self.journal: JournalPort = journal or NullJournal()
        self.platforms: dict[Venue, DirectRef] = {}  # each venue's PlatformActor, restarts too
        self.portfolio: pykka.ActorRef[Any] | None = None
        self.supervisor: pykka.ActorRef[Any] | None = None
        self.bridge: Bridge | None = None
        self._run_journal: RunJournal | None = None
        self._resumed = Resumed()
        self.selected: frozenset[MarketId] = frozenset()  # the markets the last scan owned
        self.core: CoreWatch | None = None
        self.portfolio_direct = DirectRef("portfolio")
        self.platform_direct: dict[Venue, DirectRef] = {}
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._stop_requested = False
        self._guest = False
        self._feeds = Feeds()
        self._end_reason = ""  # why the run stops: the first stop request's reason
        self.log = logger.bind(actor="engine")

    # the usage guide's API -------------------------------------------------------------

    def register_platform(self, client: VenueClient) -> None:
        """A venue client. In paper mode (a paper config, or any paper client registered)
        it is wrapped in the paper venue, whenever it was registered."""
        if client.venue in self.clients:
            raise ConfigError(f"platform {client.venue.value} is registered twice")
        self.clients[client.venue] = client
        if self.paper or is_paper(client):
            self._go_paper()

    def register_strategy(self, strategy: Any, venues: Iterable[Venue] | None = None) -> None:
        """Add a strategy, on ``venues`` (all of them by default): a market maker (a
        ``MarketMakingStrategy`` or a ``MarketMakingConfig``: one per venue; a second one
        on a venue is refused, never silently swapped), or any other ``Strategy`` (an
        ``ArbitrageStrategy``, ...: the executor runs it). Each reads the engine's live
        inventory of its own orders (``get_inventory_status()``). A paper config puts the
        engine in paper mode, the platforms already registered included; a live config
        after a paper one is refused (``supervisors.registry``)."""
        paper = self.paper or self.config.paper_mode
        reg = self.registry.register(strategy, venues, paper)
        config = reg.strategy.config
        if reg.is_maker and reg.venues == registry.ALL_VENUES:
            self.config = config  # the engine's config, as before several strategies
        if getattr(config, "paper_mode", False):
            self._go_paper()
        attach = getattr(reg.strategy, "attach_live_inventory", None)
        if attach is not None:
            attach(functools.partial(self.strategy_inventory, reg.name, reg.venues))

    def live_inventory(self) -> dict[MarketId, InventoryTracker]:
        """The market maker's positions, as the PortfolioActor last published them."""
        return self.strategy_inventory(MARKET_MAKING, registry.ALL_VENUES)

    def strategy_inventory(
        self, strategy: str, venues: frozenset[Venue]
    ) -> dict[MarketId, InventoryTracker]:
        """The positions of ``strategy``'s orders on ``venues``, as the PortfolioActor
        last published them (copies; no actor is asked)."""
        configs = self.maker_configs()
        limit = registry.max_inventory_of(configs, venues)
        return registry.live_inventory(self.board, strategy, venues, limit)

    def maker_configs(self) -> dict[Venue, MarketMakingConfig]:
        """Each venue's market-making config (none: not quoted there): its market maker's,
        as ``predmm reload`` last set it."""
        configs = self.registry.maker_configs(self.clients, self.config)
        return {venue: self.reloaded.get(venue, c) for venue, c in configs.items()}

    def _go_paper(self) -> None:
        """Paper from now on: every client in the paper venue (a paper one as it is)."""
        self.paper = self.board.paper = True
        self.clients = {
            venue: paper_client(client, self.clock, self.run_id)
            for venue, client in self.clients.items()
        }

    def request_stop(self, reason: str = "stop requested") -> None:
        """Ask for a graceful stop; safe from any thread, also before the run has
        started (it then stops as soon as it has). ``reason`` is journaled as the run's
        stop reason (the first request's, when several come)."""
        self._end_reason = self._end_reason or reason
        self._stop_requested = True
        if self._token is not None and self._stop is not None:
            with contextlib.suppress(trio.RunFinishedError):
                self._token.run_sync_soon(self._stop.set)

    @property
    def stopping(self) -> bool:
        """A graceful stop was asked for (a signal, ``request_stop``), or is under way."""
        stop = self._stop is not None and self._stop.is_set()
        return self._shutting_down or self._stop_requested or stop

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
        scope; each of them stops gracefully (the venue workers live until the end).

        Await it inside ``trio.run``, or inside asyncio (``asyncio.run``, a notebook):
        there the engine runs as a trio guest of the asyncio loop, trio still owning
        every socket, and the host keeps its signals (``supervisors.hosts``)."""
        if not self.clients:
            raise ConfigError("no platform registered: call register_platform(client) first")
        configs = self.maker_configs().values()
        if self.paper or any(c.paper_mode for c in (self.config, *configs)):
            self._go_paper()  # also a config or client set directly
        if under_asyncio():
            await run_as_guest(functools.partial(self._run_trio, guest=True), self.request_stop)
        else:
            await self._run_trio(guest=False)

    async def _run_trio(self, *, guest: bool) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._guest = guest  # a guest of asyncio: the host owns the signals
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        if self._stop_requested:
            self._stop.set()
        self._froze = False  # the start-up heap is frozen (gc_refreeze_interval)
        try:
            await run_graceful(self._run_shielded, self._stop)
        finally:
            if self._froze:  # what it froze is collectable again once the engine is gone
                gc.unfreeze()
            self.board.running = False
            self.started.clear()
            self._stop_requested = False

    async def _run_shielded(self) -> None:
        assert self._stop is not None
        async with trio.open_nursery() as nursery:
            self.bridge = Bridge(nursery)
            self.core = CoreWatch(self, self.core_policy, self.seed)
            nursery.start_soon(self.core.run)
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
        main = threading.current_thread() is threading.main_thread()
        if self.handle_signals and not self._guest and main:
            await nursery.start(watch_signals, self._stop, self.force_exit, self._signalled)
        resumed = self._resumed = await self._recover()
        for venue, client in self.clients.items():
            self.bridge.start_venue(venue.value, client)
            self.start_platform(venue, resumed.cursors.get(venue))
        assert self.core is not None
        configs = self.maker_configs()
        sizes = [c.max_position_size for c in configs.values()]
        self.portfolio = PortfolioActor.start(
            risk=self.risk,
            clock=self.clock,
            journal=self.journal,
            platforms=tuple(self.platforms.values()),
            positions=resumed.positions,
            strategy_positions=resumed.strategy_positions,
            settled=resumed.settled,
            baseline=resumed.baseline,
            max_position_size=max(sizes) if sizes else None,
            board=self.board,
            direct=self.portfolio_direct,
            on_failure=self.core.portfolio_failed,
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
        if execution.wanted(self, configs):
            self.executor_watch = execution.ExecutorWatch(self, configs, self.policy, self.seed)
            await trio.to_thread.run_sync(execution.start_executor, self, configs)
        self.supervisor = MarketSupervisor.start(
            configs=configs,
            deps_for=self._deps_for(),
            clock=self.clock,
            journal=self.journal,
            bridge=self.bridge,
            policy=self.policy,
            seed=self.seed,
        )
        # a direct call: the supervisor learns a latched state before it spawns a market
        await trio.to_thread.run_sync(self.portfolio_direct.call, Subscribe(ref=self.supervisor))
        owned = await self.scan(nursery, starting=True)
        cancel_orphans(self.platforms.values(), adopted, owned)
        nursery.start_soon(self._scan_loop, nursery)
        nursery.start_soon(every, self._t.tick_interval, self._tick)
        polls = functools.partial(poll_fills, self.platforms.values())
        nursery.start_soon(every, self._t.fill_poll_interval, polls)
        checks = functools.partial(tell_all, self.platforms.values(), CheckVenue())
        nursery.start_soon(every, self._t.reconcile_interval, checks)
        if self._t.gc_refreeze_interval is not None:
            refreeze_gc()
            self._froze = True
            nursery.start_soon(every, self._t.gc_refreeze_interval, refreeze_gc)
        self.board.running = True
        self.started.set()
        self.log.info(
            "engine {run} started on {venues}{paper}",
            run=self.run_id,
            venues=[v.value for v in self.clients],
            paper=" (PAPER: no order reaches a venue)" if self.paper else "",
        )

    def start_platform(
        self, venue: Venue, cursor: str | None, seen: frozenset[FillId] = frozenset()
    ) -> DirectRef:
        """A PlatformActor for ``venue`` on its ``DirectRef`` (a successor binds to the
        same one): counting fills after ``cursor``, the ``seen`` ones and the journaled
        ones being counted already."""
        assert self.bridge is not None
        assert self.core is not None
        direct = self.platform_direct.setdefault(venue, DirectRef(f"{venue.value} platform"))
        PlatformActor.start(
            venue=venue,
            capabilities=self.clients[venue].capabilities,
            bridge=self.bridge,
            clock=self.clock,
            journal=self.journal,
            fill_cursor=cursor,
            lookups=self._t.unknown_lookups,
            recheck_delay=self._t.position_recheck,
            journaled_fills=self._resumed.journaled_fills(venue),
            seen_fills=seen,
            direct=direct,
            on_failure=self.core.platform_callback(venue),
            on_trip=self.core.trip_callback(venue),
        )
        self.platforms[venue] = direct
        return direct

    @property
    def run_journal(self) -> RunJournal | None:
        """This run's JournalActor and file (None without a journal file)."""
        return self._run_journal

    def rebind_journal(self, ref: pykka.ActorRef[Any]) -> None:
        """A new JournalActor replaced a dead one (``supervisors.core``)."""
        if isinstance(self.journal, ActorJournal):
            self.journal.rebind(ref)
        if self._run_journal is not None:
            self._run_journal = attrs.evolve(self._run_journal, ref=ref)

    def journal_cursor(self, venue: Venue) -> str | None:
        """The fill cursor the journal file holds for ``venue``."""
        if self.journal_path is None:
            return None
        with Journal.open_read_only(self.journal_path) as reader:
            return reader.fill_cursor(venue)

    async def _relatch(self, latched: TradingStateRecord) -> None:
        """The state the loss limits latched earlier today (or the operator's halt), held
        again (HALTED cancels everything the venues hold) unless the operator cleared it
        (``clear_halt``), which the journal records so the next restart starts ACTIVE too;
        ``predmm resume`` clears it while the daemon runs."""
        at = f"{latched.at:%Y-%m-%d %H:%M:%S}"
        since = f"{latched.state.value} since {at} UTC: {latched.reason}"
        if self.clear_halt:
            self.log.warning("trading state cleared by the operator ({since})", since=since)
            self.journal.trading_state(TradingState.ACTIVE, f"cleared by the operator ({since})")
            return
        self.log.warning(
            "trading state {since}; held (predmm resume, or --clear-halt, clears it)", since=since
        )
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
        assert self.core is not None
        ref = JournalActor.start(
            self.journal_path,
            opener=self.journal_opener,
            on_failure=self.core.journal_callback(self.core.journal_generation),
        )
        self.journal = ActorJournal(ref, self.clock, on_dead=self.core.journal_dead)
        core = self.core
        journal = RunJournal(
            ref=ref,
            path=self.journal_path,
            run_id=self.run_id,
            clock=self.clock,
            timeout=self._t.stop_timeout,
            failure=lambda: core.journal_error,
        )
        try:
            await claim_worlds(journal, self.worlds, self._t.ask_timeout)
        except PredmmError:  # not this journal: no run of it to record, nothing written
            await stop_actor(ref, self._t.stop_timeout)
            raise
        self._run_journal = journal
        digest = config_digest((self.config, *self.registry.configs()), self.risk)
        clients, mode = list(self.clients.values()), run_mode(self.paper)
        return await begin_run(self._run_journal, clients, digest, self._t.ask_timeout, mode)

    def _deps_for(self) -> Callable[[Venue], MarketDeps]:
        assert self.bridge is not None
        assert self.portfolio is not None
        configs = self.maker_configs()
        links = {
            m: tuple(o for o in link if o.venue is not m.venue)
            for link in execution.links_of(self)
            for m in link
        }
        deps = {
            venue: MarketDeps(
                config=configs.get(venue, self.config),
                links=links,
                capabilities=self.clients[venue].capabilities,
                portfolio=self.portfolio,
                platform=ref,
                portfolio_direct=self.portfolio_direct,
                platform_direct=self.platform_direct[venue],
                clock=self.clock,
                run_id=self.run_id,
                conflator=self.bridge.conflator,
                board=self.board,
                tracer=self.tracer,
                journal=self.journal,
                rewards_sample_s=self._t.rewards_sample_interval,
            )
            for venue, ref in self.platforms.items()
        }
        return deps.__getitem__

    # trio tasks ------------------------------------------------------------------------

    def _tick(self) -> None:
        safe_tell(self.supervisor, BroadcastTick())
        if self.core is not None:
            self.core.sweep()

    async def _scan_loop(self, nursery: trio.Nursery) -> None:
        while True:
            await trio.sleep(self._t.scan_interval)
            await self.scan(nursery)

    async def scan(
        self, nursery: trio.Nursery | None = None, *, starting: bool = False
    ) -> frozenset[MarketId]:
        """Fetch every venue's open markets; teach the portfolio what the selected and the
        held ones are (their outcomes and events) before the supervisor hands them to their
        actors, with the markets the portfolio holds (it starts the selected ones and keeps
        those it owns until they are flat or settled); subscribe the feeds to the markets it
        owns and ask the venues whether the owned or held markets no longer listed open have
        resolved. Links that contradict the venues refuse the start (``ConfigError``) and
        are logged after it. The markets owned."""
        markets, listed = await open_markets(self.clients.values())
        held = await self._held()
        selected, _ = select_per_venue(markets, self.maker_configs())
        executed = self._executed(markets) if self.executor else frozenset()
        wanted = {m.market_id for m in selected} | held.holding | executed
        chosen = tuple(m for m in markets if isinstance(m, Market) and m.market_id in wanted)
        problems = await trio.to_thread.run_sync(self._learn, chosen)
        if problems and starting:
            raise ConfigError("; ".join(problems))
        scanned = MarketsScanned(markets=tuple(markets), at=self.clock.now(), held=held.exposed)
        safe_tell(self.supervisor, scanned)
        owned = self.selected = await self._owned() | {m.market_id for m in selected}
        followed = owned | executed
        if nursery is not None:
            for venue, client in self.clients.items():
                to = self._routes(venue)
                await self._feeds.follow(nursery, client, followed, to, self._t.feed_retry)
        self.following = FollowMarkets(markets=tuple(markets), followed=followed)
        safe_tell(self.executor, self.following)
        listed_open = {m.market_id for m in markets}
        mine = owned | held.anyone
        gone = {m for m in mine if m.venue in listed and m not in listed_open}
        if gone:
            await poll_settlements(self.clients.values(), gone, self.portfolio)
        return owned

    def _executed(self, markets: Sequence[Market]) -> frozenset[MarketId]:
        """The markets whose books the executor reads: the linked ones and those of the
        exhaustive events, and on the venues of its strategies the markets the engine's
        config would select (a strategy of one's own sees those)."""
        venues = {v for reg in self.registry.others for v in reg.venues}
        picked, _ = select_per_venue(markets, dict.fromkeys(venues, self.config))
        linked = executor_markets(markets, execution.links_of(self))
        return linked | {m.market_id for m in picked}

    async def _held(self) -> Held:
        """The markets the portfolio holds contracts in (none known if it is gone)."""
        try:
            held: Held = await trio.to_thread.run_sync(self.portfolio_direct.call, GetHeld())
        except pykka.ActorDeadError:
            self.log.error("the portfolio did not say which markets it holds")
            return Held(exposed=frozenset(), holding=frozenset())
        return held

    async def _owned(self) -> frozenset[MarketId]:
        """The markets the supervisor has an actor for (after the scan told before)."""
        if self.supervisor is None or self.bridge is None:
            return frozenset()
        try:
            owned: frozenset[MarketId] = await self.bridge.ask(
                self.supervisor, lambda r: GetOwned(reply=r), self._t.stop_timeout
            )
        except (trio.TooSlowError, pykka.ActorDeadError):
            self.log.error("the market supervisor did not say which markets it owns")
            return frozenset()
        return owned

    def _learn(self, markets: tuple[Market, ...]) -> tuple[str, ...]:
        try:
            problems: tuple[str, ...] = self.portfolio_direct.call(LearnMarkets(markets=markets))
        except pykka.ActorDeadError:
            self.log.warning("portfolio gone: the scanned markets' events are not learned")
            return ()
        return problems

    def _routes(self, venue: Venue) -> Routes:
        assert self.bridge is not None
        return Routes(
            conflator=self.bridge.conflator,
            platform=self.platforms[venue],
            supervisor=self.supervisor,
            portfolio=self.portfolio,
        )

    # shutdown --------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        assert self.bridge is not None
        self.log.info("stopping: quoting off, cancelling every resting order")
        self._shutting_down = True
        if self.core is not None:
            self.core.stop()  # no restart from here on
        timeout = self._t.stop_timeout
        await stop_actor(self.executor, timeout)  # it starts nothing more
        if self.supervisor is not None:
            await self._ask(self.supervisor, lambda r: StopMarkets(reply=r), timeout)
        for venue, platform in self.platforms.items():
            if platform.alive:
                await self._ask(platform, lambda r: CancelAll(reason="shutdown", reply=r), timeout)
            else:  # dead, or its venue halted: a fresh call to the venue
                await self._cancel_directly(venue, timeout)
        for ref in (self.supervisor, self.portfolio, *self.platforms.values()):
            await stop_actor(ref, timeout)
        await self._end_journal(timeout)
        self._feeds.cancel()
        for client in self.clients.values():
            try:
                await client.aclose()
            except Exception as exc:
                self.log.warning("closing {v}: {exc!r}", v=client.venue.value, exc=exc)
        self.log.info("stopped")

    async def _cancel_directly(self, venue: Venue, timeout: float) -> None:
        with trio.move_on_after(timeout):
            try:
                count = await self.clients[venue].cancel_all()
            except Exception as exc:
                self.log.error("{v}: cancel-all failed at shutdown: {e!r}", v=venue.value, e=exc)
                return
            self.log.warning("{v}: {n} orders cancelled directly", v=venue.value, n=count)

    async def _end_journal(self, timeout: float) -> None:
        journal = self._run_journal
        if journal is None:
            return
        late = bool(self.platforms)  # (a start refused by reconciliation has none to add)
        try:
            await end_run(journal, self.clients.values(), self.stop_reason, late_fills=late)
        except Exception as exc:  # a dead journal: the next start reconciles with the venues
            self.log.error("the end of the run is not journaled: {exc!r}", exc=exc)
        await stop_actor(journal.ref, timeout)  # commits durably on stop

    async def _ask(self, ref: Tellable, build: Any, timeout: float) -> Any:
        assert self.bridge is not None
        try:
            return await self.bridge.ask(ref, build, timeout)
        except (trio.TooSlowError, pykka.ActorDeadError) as exc:
            self.log.error("{ref} did not answer during shutdown: {exc!r}", ref=ref, exc=exc)
            return None

"""The engine's watch over its core actors: nothing trades blind.

The JournalActor, the PortfolioActor and each venue's PlatformActor report their death
(``on_failure``; a tell that finds the journal dead; a sweep every tick as a backstop)
to ``CoreWatch``:

* **the journal** (a write failed: disk full, I/O error): trading is HALTED and every
  order cancelled at once, in the failing thread, before the watch hears of it in
  trio (``halt_everything``): no order can be reserved after that. The watch then opens
  the journal again (its restart budget allowing) only to record the halt and what
  follows; trading stays HALTED until the daemon is restarted, whose start-up
  reconciles the journal with the venues (the fills and orders lost meanwhile).
* **the portfolio** (it holds every limit): trading is HALTED and every order
  cancelled, the same way; it is not rebuilt while the daemon runs (its day's loss,
  reservations and marks would have to be rebuilt exactly): a restart of the daemon
  rebuilds it from the journal and the venues before any order passes.
* **a platform** (one venue's order table): its markets are suspended, the requests it
  queued are dropped and those in flight waited for; after a backoff a new PlatformActor
  binds to the same ``DirectRef`` (everyone's address for it), starts from the dead
  one's fill cursor and counted fills (``FillMemory``), polls the fills since, adopts
  the venue's open orders (the portfolio's reservations follow them), and the markets
  start again. Past its restart budget (``RestartPolicy``: intensity within a period)
  the venue is halted: its orders are cancelled with a fresh call to the venue client
  and its markets stay suspended; the other venue trades on.

The watch also handles a venue's own safety net tripping (Kalshi's order group, told by
the PlatformActor's ``on_trip``): the venue's markets suspended and its orders cancelled,
then re-armed after a cool-down, or, past ``EngineTimings.safety_trips``, the venue
halted (``supervisors.safety``).

The operator is told in the log, on the status board (the live view) and in the journal
(``predmm status``: the trading state, and ``JournalPort.supervision``).
"""

from __future__ import annotations

import functools
import math
import random
import threading
from typing import TYPE_CHECKING, Any

import attrs
import pykka
import trio
from loguru import logger

from predmm.actors.journal.actor import JournalActor
from predmm.actors.journal.messages import Flush, RecordSupervision, RecordTradingState
from predmm.actors.messages import (
    CancelAll,
    SetTradingState,
    TradingStateChanged,
)
from predmm.actors.platform.actor import FillMemory
from predmm.actors.status import CoreStatus
from predmm.domain.enums import TradingState, Venue
from predmm.domain.errors import PredmmError
from predmm.platforms.bridge import safe_tell
from predmm.supervisors.policy import RestartPolicy, on_failure
from predmm.supervisors.safety import venue_tripped
from predmm.supervisors.venue_restart import cancel_venue, restart_platform, suspend, take_back

if TYPE_CHECKING:
    from predmm.supervisors.engine import TradingEngine

# a core actor may restart 3 times within 10 minutes, after 1, 2, 4 s (+ up to 20 %)
CORE_POLICY = RestartPolicy(intensity=3, period=600.0, min_backoff=1.0, max_backoff=30.0)
_log = logger.bind(actor="core")


@attrs.frozen
class _Notice:
    component: str  # "journal", "portfolio", "platform", "trip"
    error: BaseException
    venue: Venue | None = None
    memory: FillMemory | None = None
    generation: int = 0  # of the JournalActor or the venue's PlatformActor
    reason: str = ""  # a trip's


class CoreWatch:
    """Created by the engine inside its trio run, before the core actors start; its
    ``…_failed`` methods may be called from any thread, the rest from the trio thread."""

    def __init__(self, engine: TradingEngine, policy: RestartPolicy, seed: int = 0) -> None:
        self.engine, self.policy = engine, policy
        self.rng = random.Random(seed)
        self.stopping = False
        self.failures: dict[str, tuple[float, ...]] = {}
        self.restarts: dict[str, int] = {}
        self.busy: set[Venue] = set()  # venues being restarted, or halted
        self.platform_generation: dict[Venue, int] = {}
        self.trips: dict[Venue, list[float]] = {}  # each venue's safety-net trip times
        self._handled: dict[Venue, int] = {}  # the last generation whose death was handled
        self._venue_locks: dict[Venue, trio.Lock] = {}
        self.journal_generation = 0
        self.journal_error: BaseException | None = None  # why the journal last failed
        self._journal_down = False
        self._portfolio_down = False
        self._lock = threading.Lock()
        self._send, self._recv = trio.open_memory_channel[_Notice](math.inf)
        self._scope = trio.CancelScope()

    # any thread ---------------------------------------------------------------------

    def journal_callback(self, generation: int) -> Any:
        """The ``on_failure`` of the JournalActor of ``generation``."""
        return functools.partial(self.journal_failed, generation)

    def journal_dead(self, ref: Any, exc: BaseException) -> None:
        """A tell found the JournalActor at ``ref`` dead."""
        journal = self.engine.run_journal
        if journal is not None and ref is journal.ref:
            self.journal_failed(self.journal_generation, exc)

    def journal_failed(self, generation: int, exc: BaseException) -> None:
        with self._lock:
            if generation != self.journal_generation or self._journal_down or self.stopping:
                return
            self._journal_down = True
            self.journal_error = exc
        self.halt_everything(f"journal failed ({_text(exc)})")
        self._notify(_Notice("journal", exc, generation=generation))

    def portfolio_failed(self, exc: BaseException) -> None:
        with self._lock:
            if self._portfolio_down or self.stopping:
                return
            self._portfolio_down = True
        self.halt_everything(f"portfolio failed ({_text(exc)})")
        self._notify(_Notice("portfolio", exc))

    def platform_callback(self, venue: Venue) -> Any:
        """The ``on_failure`` of the PlatformActor about to start for ``venue``."""
        generation = self.platform_generation[venue] = self.platform_generation.get(venue, -1) + 1

        def failed(exc: BaseException, memory: FillMemory) -> None:
            if not self.stopping:
                self._notify(_Notice("platform", exc, venue, memory, generation))

        return failed

    def trip_callback(self, venue: Venue) -> Any:
        """The ``on_trip`` of the PlatformActor about to start for ``venue``."""

        def tripped(reason: str) -> None:
            if not self.stopping:
                self._notify(_Notice("trip", RuntimeError(reason), venue, reason=reason))

        return tripped

    def halt_everything(self, reason: str) -> None:
        """HALTED now, on this thread: the portfolio refuses every reservation from here
        on and tells every platform to cancel everything; if it is dead itself, the
        platforms, the markets and the journal are told here."""
        engine = self.engine
        engine.board.halt(reason)
        _log.error("trading HALTED, every order being cancelled: {reason}", reason=reason)
        message = SetTradingState(state=TradingState.HALTED, reason=reason, core=True)
        try:
            engine.portfolio_direct.call(message)
            return
        except pykka.ActorDeadError:
            pass
        for platform in engine.platforms.values():
            safe_tell(platform, CancelAll(reason=reason))
        safe_tell(engine.supervisor, TradingStateChanged(state=TradingState.HALTED, reason=reason))
        engine.journal.trading_state(TradingState.HALTED, reason)

    def _notify(self, notice: _Notice) -> None:
        bridge = self.engine.bridge
        if bridge is not None:
            bridge.run_soon(self._send.send_nowait, notice)

    # trio thread ----------------------------------------------------------------------

    async def run(self) -> None:
        """Handle each notice as it comes (one venue's failing platform does not wait for
        another's restart), until ``stop``."""
        with self._scope:
            async with trio.open_nursery() as nursery:
                async for notice in self._recv:
                    if not self.stopping:
                        nursery.start_soon(self._guarded, notice)

    async def _guarded(self, notice: _Notice) -> None:
        try:
            await self._handle(notice)
        except Exception:  # the watch itself must not die: say so and go on
            _log.exception("handling the failure of the {c} failed", c=notice.component)

    def stop(self) -> None:
        """The engine stops: no more restarts (one under way is abandoned; the engine's
        shutdown cancels the venue's orders either way)."""
        with self._lock:
            self.stopping = True
        self._scope.cancel()

    def sweep(self) -> None:
        """The backstop: core actors that died without a report."""
        if self.stopping:
            return
        engine = self.engine
        journal = engine.run_journal
        if journal is not None and not journal.ref.is_alive():
            self.journal_failed(self.journal_generation, RuntimeError("stopped unexpectedly"))
        if engine.portfolio is not None and not engine.portfolio_direct.alive:
            self.portfolio_failed(RuntimeError("stopped unexpectedly"))
        for venue, platform in engine.platforms.items():
            if venue not in self.busy and not platform.alive:
                self.busy.add(venue)
                generation = self.platform_generation.get(venue, 0)
                dead = RuntimeError("stopped unexpectedly")
                self._notify(_Notice("platform", dead, venue, generation=generation))

    async def _handle(self, notice: _Notice) -> None:
        if notice.component == "journal":
            await self._journal_lost(notice)
        elif notice.component == "portfolio":
            self._portfolio_lost(notice)
        elif notice.component == "trip":
            await self._tripped(notice)
        else:
            venue = notice.venue
            assert venue is not None
            async with self._venue_locks.setdefault(venue, trio.Lock()):  # one at a time
                stale = notice.generation != self.platform_generation.get(venue, 0)
                if stale or self._handled.get(venue) == notice.generation:
                    return  # an earlier actor's, or reported twice (on_failure and the sweep)
                self._handled[venue] = notice.generation
                await self._platform_lost(venue, notice.error, notice.memory)

    async def _tripped(self, notice: _Notice) -> None:
        venue = notice.venue
        assert venue is not None
        async with self._venue_locks.setdefault(venue, trio.Lock()):
            if venue in self.busy:  # being restarted, or halted: that handles its orders
                _log.warning("{v} tripped while busy: {r}", v=venue.value, r=notice.reason)
                return
            self.busy.add(venue)
            trips = self.trips.setdefault(venue, [])
            if not await venue_tripped(self.engine, venue, notice.reason, trips, self.rng):
                self.busy.discard(venue)  # re-armed; halted, it stays busy

    def _decide(self, component: str) -> Any:
        decision = on_failure(
            self.policy, self.failures.get(component, ()), trio.current_time(), self.rng
        )
        self.failures[component] = decision.failures
        return decision

    def _publish(self, component: str, health: str, note: str) -> None:
        status = CoreStatus(
            component=component,
            health=health,
            restarts=self.restarts.get(component, 0),
            note=note,
        )
        self.engine.board.publish_core(status)

    # the journal ----------------------------------------------------------------------

    async def _journal_lost(self, notice: _Notice) -> None:
        reason = f"journal failed ({_text(notice.error)})"
        _log.error("{reason}: trading HALTED; orders and fills go unjournaled", reason=reason)
        self._publish("journal", "failed", reason)
        decision = self._decide("journal")
        while decision.restart and self.engine.journal_path is not None:
            await trio.sleep(decision.delay)
            if await self._reopen_journal(reason):
                self.restarts["journal"] = self.restarts.get("journal", 0) + 1
                note = f"{reason}; reopened: the halt is journaled, trading stays HALTED"
                self._publish("journal", "restarted", note)
                _log.warning("journal reopened; the halt is journaled; trading stays HALTED")
                return
            decision = self._decide("journal")
        _log.error("journal unreachable: the halt is not journaled ({reason})", reason=reason)
        self._publish("journal", "unreachable", f"{reason}; the halt is not journaled")

    async def _reopen_journal(self, reason: str) -> bool:
        """A new JournalActor on the same file: the halt written and flushed, then the
        port bound to it (True); False if it cannot write either."""
        engine, generation = self.engine, self.journal_generation + 1
        start = functools.partial(
            JournalActor.start,
            engine.journal_path,
            opener=engine.journal_opener,
            on_failure=self.journal_callback(generation),
        )
        try:
            ref = await trio.to_thread.run_sync(start)
        except Exception as exc:
            _log.error("journal not reopened: {exc!r}", exc=exc)
            return False
        ref.tell(RecordTradingState(state=TradingState.HALTED, reason=reason))
        ref.tell(RecordSupervision(component="journal", event="failed", reason=reason))
        timeout = engine.timings.ask_timeout
        try:
            await trio.to_thread.run_sync(lambda: ref.ask(Flush(), timeout=timeout))
        except Exception as exc:
            _log.error("journal reopened but cannot write: {exc!r}", exc=exc)
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(lambda: ref.stop(block=True, timeout=timeout))
            return False
        with self._lock:
            self.journal_generation, self._journal_down = generation, False
        engine.rebind_journal(ref)
        return True

    # the portfolio --------------------------------------------------------------------

    def _portfolio_lost(self, notice: _Notice) -> None:
        reason = f"portfolio failed ({_text(notice.error)})"
        note = f"{reason}: trading HALTED until the daemon is restarted"
        self._publish("portfolio", "failed", note)
        self.engine.journal.supervision("portfolio", "failed", reason)

    # a platform -----------------------------------------------------------------------

    async def _platform_lost(
        self, venue: Venue, error: BaseException, memory: FillMemory | None
    ) -> None:
        component = f"platform {venue.value}"
        self.busy.add(venue)
        reason = f"{component} failed ({_text(error)})"
        while True:
            decision = self._decide(component)
            self.engine.journal.supervision(component, "failed", reason)
            await suspend(self.engine, venue, reason)
            if not decision.restart:
                await self._halt_venue(venue, f"{reason}; restart budget spent")
                return
            _log.error("{reason}; restart in {d:.3f} s", reason=reason, d=decision.delay)
            self._publish(component, "restarting", reason)
            await trio.sleep(decision.delay)
            try:
                await restart_platform(self.engine, venue, memory)
            except (PredmmError, pykka.ActorDeadError, pykka.Timeout, trio.TooSlowError) as exc:
                reason = f"{component} did not restart ({_text(exc)})"
                memory = await take_back(self.engine, venue)
                if memory is None:  # it died: its own report, with what it counted, is next
                    self.busy.discard(venue)
                    return
                continue
            self.restarts[component] = self.restarts.get(component, 0) + 1
            self._publish(component, "restarted", reason)
            self.engine.journal.supervision(component, "restarted", reason)
            _log.warning("{c} restarted; its markets quote again", c=component)
            self.busy.discard(venue)
            return

    async def _halt_venue(self, venue: Venue, reason: str) -> None:
        component = f"platform {venue.value}"
        cancelled = await cancel_venue(self.engine, venue)
        if cancelled is None:
            note = f"{reason}; its orders could NOT be cancelled: predmm cancel-all"
        else:
            note = f"{reason}; {cancelled} orders cancelled"
        _log.error("venue {v} HALTED: {note}", v=venue.value, note=note)
        self._publish(component, "halted", note)
        self.engine.journal.supervision(component, "halted", note)


def _text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

"""Running the soak: the world (``world.py``), the daemon as its own process
(``daemon.py``: ``predmm run --sim-credentials``), SIGKILLed at moments of world time
(``schedule.py``: just before an event resolves, just before UTC midnight, inside a
burst of faults; whatever the run is doing then, or as soon as it has started if it
starts later) and started again once the moment has passed (a spare process, its
imports done, takes over), the exposure watched at every change (``exposure.py``), and
at the end, the world frozen and the daemon stopped with SIGINT, the audit
(``audit.py``, ``report.py``).

Waiting on the daemon is polling, as the crash-recovery test does: short sleeps between
read-only looks at its journal, its owners file and the venue, each wait bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import trio

from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.config.settings import Settings, load_settings
from predmm.domain.enums import MarketStatus, Venue
from predmm.domain.ids import MarketId

from .audit import audit
from .exposure import ExposureWatch, Limits
from .report import SoakReport
from .schedule import Kill, kill_schedule
from .world import MAKER_CASH, SoakPlan, World, running_world

T = TypeVar("T")
DAEMON = Path(__file__).with_name("daemon.py")
ROOT = Path(__file__).resolve().parents[3]
POLL = 0.1  # wall seconds between looks at the daemon's files
START_TIMEOUT = 60.0  # wall seconds for a daemon to start (imports, recovery)
STOP_TIMEOUT = 60.0
CATCH_UP_TIMEOUT = 30.0  # wall seconds for the daemon to settle and own what it holds
OWNED = frozenset({"starting", "quoting", "idle", "exiting", "closed", "restarting", "blocked"})

CONFIG = """\
# the soak's daemon: the default strategy on up to 16 markets, under limits that bind
[strategy]
max_markets = 16

[risk]
max_market_contracts = 40
max_market_loss = "20"
max_event_contracts = 60
max_event_loss = "30"
max_venue_loss = "120"
max_total_loss = "200"
reducing_loss = "400"
daily_loss_limit = "600"
"""


class SoakError(AssertionError):
    """The soak could not go on (the daemon refused to start, or stopped on its own)."""


Progress = Callable[[str], None]


async def run_soak(plan: SoakPlan, directory: Path, progress: Progress | None = None) -> SoakReport:
    say = progress or (lambda _: None)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "soak.toml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(config)
    journal = directory / "predmm.sqlite3"
    began = time.monotonic()
    async with running_world(plan, directory) as world:
        watch = ExposureWatch(world.sim, world.accounts, _limits(settings))
        soak = _Soak(world, journal, config, directory, say, began)
        kills = kill_schedule(plan, world)
        say("kills: " + "; ".join(f"{k.at:%m-%d %H:%M} {k.why}" for k in kills))
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(soak.report_progress, watch)
                for kill in kills:
                    await soak.kill(kill)
                    await world.until(kill.resume)
                await soak.run_until(plan.end)
                world.freeze()
                unsettled, unowned = await soak.catch_up()
                await soak.stop()
                nursery.cancel_scope.cancel()
        finally:
            soak.end_processes()
        watch.unsubscribe()
        accounts = {Venue.KALSHI: world.accounts[0], Venue.POLYMARKET: world.accounts[1]}
        verdict = audit(world.sim, accounts, journal, MAKER_CASH)
    return SoakReport(
        plan=plan,
        wall_seconds=time.monotonic() - began,
        kills=tuple(f"{k.at:%Y-%m-%d %H:%M} {k.why}" for k in kills),
        runs=soak.runs,
        audit=verdict,
        samples=watch.samples,
        breaches=tuple(watch.breaches),
        worst_margin=watch.margin,
        tightest=watch.tightest,
        unsettled=unsettled,
        unowned=unowned,
    )


def _limits(settings: Settings) -> Limits:
    return Limits.of(settings.risk, settings.strategy.max_position_size)


class _Soak:
    def __init__(
        self,
        world: World,
        journal: Path,
        config: Path,
        directory: Path,
        say: Progress,
        began: float,
    ) -> None:
        self.world, self.journal, self.config, self.directory = world, journal, config, directory
        self.say, self.began = say, began
        self.runs = 0
        self.daemon: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None
        self.spare: tuple[subprocess.Popen[bytes], Path, Path] | None = None

    # the daemon -------------------------------------------------------------------

    def _spawn(self, n: int) -> tuple[subprocess.Popen[bytes], Path, Path]:
        """Run ``n``'s process, started ahead: it imports, then waits for its go file."""
        log, go = self.directory / f"run{n}.log", self.directory / f"go{n}"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(DAEMON),
                    str(self.world.creds),
                    str(self.journal),
                    str(self.config),
                    str(go),
                ],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return proc, log, go

    async def start(self) -> None:
        """The next run goes (its spare process, started ahead, or a new one), and a
        spare for the run after it is started."""
        self.runs += 1
        spare = self.spare or self._spawn(self.runs)
        self.daemon, self.log, go = spare
        go.touch()
        await _until(f"run {self.runs} started", self._started, START_TIMEOUT)
        self.say(f"run {self.runs} started at {self.world.now():%m-%d %H:%M}")
        self.spare = self._spawn(self.runs + 1)

    async def _started(self) -> bool | None:
        self._alive()
        runs = _read(self.journal, lambda j: len(j.runs()))
        return (
            True
            if runs is not None and runs >= self.runs and self._log_has(" started on ")
            else None
        )

    def _log_has(self, text: str) -> bool:
        assert self.log is not None
        return text in self.log.read_text(errors="replace")

    def _alive(self) -> None:
        assert self.daemon is not None
        assert self.log is not None
        if self.daemon.poll() is not None:
            tail = self.log.read_text(errors="replace")[-4000:]
            raise SoakError(f"run {self.runs} exited with {self.daemon.returncode}:\n{tail}")

    async def run_until(self, when: datetime) -> None:
        if self.daemon is None:
            await self.start()
        while self.world.now() < when:
            self._alive()
            await trio.sleep(POLL)

    async def kill(self, kill: Kill) -> None:
        await self.run_until(kill.at)
        assert self.daemon is not None
        self._alive()
        self.daemon.send_signal(signal.SIGKILL)
        self.say(f"SIGKILL at {self.world.now():%m-%d %H:%M} ({kill.why})")
        await trio.to_thread.run_sync(self.daemon.wait)
        self.daemon = None

    async def stop(self) -> None:
        assert self.daemon is not None
        assert self.log is not None
        self._alive()
        self.daemon.send_signal(signal.SIGINT)
        with trio.fail_after(STOP_TIMEOUT):
            code = await trio.to_thread.run_sync(self.daemon.wait)
        if code != 0:
            tail = self.log.read_text(errors="replace")[-4000:]
            raise SoakError(f"the last run stopped with {code}:\n{tail}")
        self.say(f"stopped (SIGINT) at {self.world.now():%m-%d %H:%M}")

    def end_processes(self) -> None:
        """The spare never used, and a daemon left running by a failed soak."""
        procs = [self.daemon, self.spare[0] if self.spare is not None else None]
        for proc in procs:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        self.spare = None

    # the end ----------------------------------------------------------------------

    async def catch_up(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """With the world frozen: wait until every market the venue paid the maker out in,
        or settled while the journal holds contracts in it (Kalshi nets YES/NO pairs into
        cash at once: it pays nothing for them at the settlement), is journaled settled
        and every market held and not settled is owned by an actor (a scan may be
        needed); what is still missing at the deadline is reported."""
        missing: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

        async def done() -> bool | None:
            nonlocal missing
            self._alive()
            missing = (self._unsettled(), self._unowned())
            return True if missing == ((), ()) else None

        with trio.move_on_after(CATCH_UP_TIMEOUT):
            await _until("caught up", done, CATCH_UP_TIMEOUT + 1)
        return missing

    def _unsettled(self) -> tuple[str, ...]:
        ex = self.world.sim.exchange
        paid = {
            s.market_id for a in self.world.accounts for s in ex.settlements(a) if s.yes != s.no
        }
        journaled = _read(self.journal, lambda j: {s.market_id for s in j.settlements()}) or set()
        held = _read(self.journal, _holding) or set()
        settled = {m for m in held if ex.status(m) is MarketStatus.SETTLED}
        return tuple(sorted(str(m) for m in (paid | settled) - journaled))

    def _unowned(self) -> tuple[str, ...]:
        ex = self.world.sim.exchange
        held = [
            p
            for a in self.world.accounts
            for p in ex.positions(a)
            if p.yes != p.no and ex.status(p.market_id) is not MarketStatus.SETTLED
        ]
        path = self.journal.with_name(self.journal.name + ".owners.json")
        try:
            owners = json.loads(path.read_text())["markets"]
        except (OSError, ValueError, KeyError):
            owners = {}
        return tuple(
            f"{p.market_id} ({p.yes - p.no:+}): {owners.get(str(p.market_id), 'no actor')}"
            for p in held
            if owners.get(str(p.market_id)) not in OWNED
        )

    # progress ---------------------------------------------------------------------

    async def report_progress(self, watch: ExposureWatch, every: float = 5.0) -> None:
        ex = self.world.sim.exchange
        while True:
            await trio.sleep(every)
            fills = sum(len(ex.fills(a)) for a in self.world.accounts)
            resting = sum(len(ex.open_orders(a)) for a in self.world.accounts)
            journaled = _read(self.journal, lambda j: j.fill_count())
            settled = _read(self.journal, lambda j: len(j.settlements()))
            self.say(
                f"{time.monotonic() - self.began:6.1f} s  world {self.world.now():%m-%d %H:%M}"
                f"  run {self.runs}  fills {fills} venue / {journaled} journal"
                f"  resting {resting}  settled {settled}  checks {watch.samples}"
                f"  breaches {len(watch.breaches)}  margin {watch.margin}"
            )


def _holding(journal: Journal) -> set[MarketId]:
    """The markets the journal holds contracts in (of either side; none once settled)."""
    return {
        m
        for m in journal.market_ids()
        for inv in (journal.inventory(m),)
        if inv.yes_contracts or inv.no_contracts
    }


def _read(path: Path, read: Callable[[Journal], T]) -> T | None:
    try:
        with Journal.open_read_only(path) as journal, journal.snapshot():
            return read(journal)
    except JournalError:
        return None  # not created yet


async def _until(what: str, check: Callable[[], Awaitable[T | None]], timeout: float) -> T:
    try:
        with trio.fail_after(timeout):
            while (value := await check()) is None:
                await trio.sleep(POLL)
    except trio.TooSlowError:
        raise SoakError(f"not within {timeout} s: {what}") from None
    return value

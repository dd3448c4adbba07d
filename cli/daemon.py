"""``predmm run``: the daemon. Picks the venues (the embedded simulator by default, a
separately running ``predmm sim``, or real accounts from a config file), takes the locks
that keep it the only daemon on its journal and its venue accounts (``cli.locks``),
starts the TradingEngine with the live view, the metrics endpoint and the quality figures
beside it, and stops gracefully on Ctrl-C, SIGTERM or the end of ``--duration``.

The embedded simulator is a new paper world every run (fresh accounts, no positions), so
each embedded run keeps its own journal, beside nothing else, in a folder of its own:
``predmm-sim/<UTC start>/predmm.sqlite3`` (``embedded_journal``). A second run in the same
folder starts clean, and ``predmm status`` reads the latest run's journal
(``cli.status.default_journal``). ``--journal`` still names any file; a journal of another
venue world is refused (``supervisors.worlds``)."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import trio
from loguru import logger
from prometheus_client import CollectorRegistry

from predmm.actors.journal.schema import JournalVersionError
from predmm.cli.instrument import InstrumentedVenue, VenueMetrics
from predmm.cli.locks import (
    account_lock_path,
    holding_all,
    journal_lock_path,
    this_process,
)
from predmm.cli.metrics import metrics_registry, serve_metrics
from predmm.cli.stats import LiveStats
from predmm.cli.venues import EmbeddedRun, VenueSetup, from_settings, from_sim_credentials
from predmm.cli.view import run_view
from predmm.config.risk import RiskConfig
from predmm.config.settings import Settings, load_settings
from predmm.domain.errors import PredmmError
from predmm.platforms.paper import wrap_if_paper
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.logs import configure_logging
from predmm.supervisors.runtime import EngineTimings
from predmm.supervisors.worlds import VenueWorld, check_worlds, paper

DEFAULT_JOURNAL = Path("predmm.sqlite3")
EMBEDDED_RUNS = Path("predmm-sim")  # one folder per embedded run, named by its start
EMBEDDED_JOURNAL = "predmm.sqlite3"
EMBEDDED_NOISE_PER_MIN = 30.0  # noise trades per market per minute on the embedded exchange


@attrs.frozen(kw_only=True)
class RunOptions:
    config: Path | None = None
    preset: str | None = None
    sim_credentials: Path | None = None
    duration: float | None = None
    journal: Path | None = None
    seed: int = 1
    metrics_port: int | None = None
    log_json: bool = False
    log_file: Path | None = None
    log_level: str = "INFO"
    view: bool = True
    clear_halt: bool = False
    paper: bool = False  # --paper: trade on paper whatever the config says
    timings: EngineTimings | None = None  # not on the command line: the engine's defaults


def load_run_settings(opts: RunOptions) -> Settings:
    """The settings this run uses (``--paper`` sets ``paper_mode``); every config error
    surfaces before anything starts."""
    if opts.config is not None:
        settings = load_settings(opts.config, preset=opts.preset)
    else:
        from predmm.config.settings import settings_from_dict

        settings = settings_from_dict({}, "<defaults>", preset=opts.preset)
    if opts.paper:
        strategy = attrs.evolve(settings.strategy, paper_mode=True)
        settings = attrs.evolve(settings, strategy=strategy)
    return settings


def configure_logs(opts: RunOptions, settings: Settings, *, live_view: bool) -> None:
    """stderr (warnings only under the live view, which owns the terminal) and a rotating
    file (``--log-file``, else the config's ``[daemon] log_file``); ``--log-json`` writes
    structured lines."""
    configure_logging(
        "WARNING" if live_view else opts.log_level,
        sink=lambda message: sys.stderr.write(message),  # looked up late: rich redirects it
        serialize=opts.log_json,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    log_file = opts.log_file or settings.daemon.log_file
    if log_file is not None:
        logger.add(
            log_file,
            level=opts.log_level,
            rotation="50 MB",
            retention=10,
            serialize=opts.log_json,
            diagnose=False,
            backtrace=False,
            enqueue=True,
        )


def is_embedded(opts: RunOptions) -> bool:
    return opts.sim_credentials is None and opts.config is None


def embedded_journal(run: EmbeddedRun, root: Path = EMBEDDED_RUNS) -> Path:
    """A new folder for one embedded run's journal: ``root/<UTC start>/predmm.sqlite3``
    (``-2``, ``-3`` ... when runs start within the same second)."""
    stamp = f"{run.started:%Y-%m-%dT%H-%M-%SZ}"
    for n in range(1, 1000):
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            message = f"cannot create {folder} for the run's journal: {exc.strerror}"
            raise PredmmError(message) from None
        return folder / EMBEDDED_JOURNAL
    raise PredmmError(f"{root}: too many runs started at {stamp}")


@contextlib.asynccontextmanager
async def venues_for(
    opts: RunOptions, settings: Settings, run: EmbeddedRun | None = None
) -> AsyncIterator[VenueSetup]:
    """The venues: an embedded simulator (no config, no --sim-credentials: the paper
    world of ``run``), a running ``predmm sim``, or the real venues of the config file."""
    if opts.sim_credentials is not None:
        yield from_sim_credentials(opts.sim_credentials)
    elif opts.config is not None:
        yield from_settings(settings)
    else:
        from predmm.cli.venues import from_running_simulator
        from predmm.simulator.testing import running_simulator

        async with running_simulator(seed=opts.seed, flow=True, **embedded_simulator()) as running:
            yield from_running_simulator(running, run)


def embedded_simulator() -> dict[str, Any]:
    """The embedded exchange: established markets (``history``) and a busy tape, so a
    short run shows fills."""
    from predmm.simulator.flow import FlowConfig
    from predmm.simulator.testing import wall_clock_start
    from predmm.simulator.universe import default_universe

    start = wall_clock_start()
    return {
        "start": start,
        "universe": default_universe(start, history=True),
        "flow_config": FlowConfig(noise_rate_per_min=EMBEDDED_NOISE_PER_MIN),
    }


def with_links(risk: RiskConfig, setup: VenueSetup) -> RiskConfig:
    """Add the venues' known cross-venue links to the configured ones (config wins)."""
    known = {m for link in risk.event_links for m in link.markets}
    extra = tuple(link for link in setup.links if not known.intersection(link.markets))
    return attrs.evolve(risk, event_links=risk.event_links + extra) if extra else risk


async def run_daemon(opts: RunOptions, settings: Settings, console: Any = None) -> None:
    run = EmbeddedRun.starting_now() if is_embedded(opts) else None
    if run is not None and opts.journal is None:
        opts = attrs.evolve(opts, journal=embedded_journal(run))
    async with venues_for(opts, settings, run) as setup:
        await run_with_venues(opts, settings, setup, console)


def run_locks(journal: Path, setup: VenueSetup) -> list[tuple[Path, str]]:
    """The locks a run holds: its journal's and each venue account's (but those of the
    embedded simulator, made for this process alone)."""
    locks = [(journal_lock_path(journal), f"journal {journal}")]
    for account in sorted(setup.accounts, key=lambda a: a.key):
        if account.world.embedded:
            continue
        what = f"the {account.venue.value} account {account.key} at {account.url}"
        locks.append((account_lock_path(account.key), what))
    return locks


async def run_with_venues(
    opts: RunOptions, settings: Settings, setup: VenueSetup, console: Any = None
) -> TradingEngine:
    """Trade on ``setup``'s venues until a signal, ``--duration`` or the engine stops;
    returns the stopped engine. The venue clients are closed on the way out."""
    journal = opts.journal or settings.daemon.journal or DEFAULT_JOURNAL
    try:
        with holding_all(run_locks(journal, setup), this_process(journal)):  # before a word
            _check_world(journal, settings, setup)
            return await _trade(opts, settings, setup, journal, console)
    finally:
        for client in setup.clients:
            with trio.CancelScope(shield=True), contextlib.suppress(Exception):
                await client.aclose()


def run_worlds(settings: Settings, setup: VenueSetup) -> tuple[VenueWorld, ...]:
    """The venue worlds this run's journal records belong to."""
    if settings.strategy.paper_mode:
        return tuple(paper(world) for world in setup.worlds)
    return setup.worlds


def _check_world(journal: Path, settings: Settings, setup: VenueSetup) -> None:
    """A journal of another venue world is refused before anything starts (the engine
    checks again, and records the worlds, once its JournalActor has the file)."""
    if not journal.is_file():
        return
    with contextlib.suppress(JournalVersionError):  # older: the engine migrates it first
        check_worlds(journal, run_worlds(settings, setup))


async def _trade(
    opts: RunOptions, settings: Settings, setup: VenueSetup, journal: Path, console: Any
) -> TradingEngine:
    port = opts.metrics_port if opts.metrics_port is not None else settings.daemon.metrics_port
    registry = CollectorRegistry(auto_describe=False)
    venue_metrics = VenueMetrics(registry)
    clients = tuple(
        InstrumentedVenue(wrap_if_paper(c, settings.strategy), venue_metrics) for c in setup.clients
    )
    log = logger.bind(actor="daemon")
    for line in setup.description:
        log.info("venue {}", line)
    log.info("journal {}", journal)
    if settings.strategy.paper_mode:
        log.info("PAPER: market data from the venues above, every order filled on paper")
    engine = TradingEngine(
        settings.strategy,
        with_links(settings.risk, setup),
        clients,
        journal,
        seed=opts.seed,
        clear_halt=opts.clear_halt,
        worlds=run_worlds(settings, setup),
        clock=setup.clock,
        timings=opts.timings,
    )
    stats = LiveStats(engine, journal)
    metrics_registry(engine, stats, registry)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_run_engine, engine, nursery.cancel_scope)
            for client in clients:
                heartbeats = getattr(client, "run_heartbeats", None)
                if heartbeats is not None:
                    await nursery.start(heartbeats)
            await _wait_started(engine)
            nursery.start_soon(stats.run)
            if port:
                bound = await nursery.start(serve_metrics, registry, port)
                log.info("metrics on http://127.0.0.1:{}/metrics", bound)
            if opts.view:
                view = functools.partial(run_view, engine.snapshot, stats.per_market)
                nursery.start_soon(functools.partial(view, console=console))
            if opts.duration is not None:
                nursery.start_soon(_stop_after, engine, opts.duration)
    finally:
        for client in clients:
            with trio.CancelScope(shield=True), contextlib.suppress(Exception):
                await client.aclose()
    return engine


async def _run_engine(engine: TradingEngine, scope: trio.CancelScope) -> None:
    try:
        await engine.run()
    finally:
        scope.cancel()  # the engine is done: stop the view, stats and metrics


async def _wait_started(engine: TradingEngine) -> None:
    while not engine.started.is_set():
        await trio.sleep(0.05)


async def _stop_after(engine: TradingEngine, seconds: float) -> None:
    await trio.sleep(seconds)
    logger.bind(actor="daemon").info("duration of {} s reached: stopping", seconds)
    engine.request_stop()

"""``predmm run``: the daemon. Picks the venues (the embedded simulator by default, a
separately running ``predmm sim``, or real accounts from a config file; ``--config``
with ``--sim`` or ``--sim-credentials`` rehearses the file's strategy, limits and links
on a simulator), checks what it will need before anything starts (``preflight``), takes
the locks that keep it the only daemon on its journal and its venue accounts
(``cli.locks``), starts the TradingEngine with the live view or status lines, the metrics
endpoint and the quality figures beside it, serves the operator's commands on the control
socket beside its journal (``cli.control``: ``predmm halt``, ``resume``, ``cancel-all``,
``reload``), stops gracefully on Ctrl-C, SIGTERM or the
end of ``--duration`` (saying what it waits for when that takes long) and prints a
summary of the run. Every refusal, before or after quoting started, is one line and exit
code 2.

The embedded simulator is a new paper world every run (fresh accounts, no positions), so
each embedded run (``--sim`` rehearsals included) keeps its own journal, beside nothing
else, in a folder of its own: ``predmm-sim/<UTC start>/predmm.sqlite3``
(``embedded_journal``). A second run in the same folder starts clean, and ``predmm
status`` reads the latest run's journal (``cli.reports.source.default_journal``).
``--journal`` still names any file; a journal of another venue world is refused
(``supervisors.worlds``)."""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import click
import trio
from loguru import logger
from prometheus_client import CollectorRegistry

from predmm.cli.control.channel import socket_path
from predmm.cli.control.handlers import DaemonControl
from predmm.cli.control.server import serve_control
from predmm.cli.instrument import InstrumentedVenue, VenueHealth, VenueMetrics
from predmm.cli.live.guard import check_world, run_locks, run_worlds
from predmm.cli.live.http import metrics_app, serve_metrics
from predmm.cli.live.options import (
    DEFAULT_JOURNAL,
    RunOptions,
    check_before_start,
    configure_logs,
    discard_embedded,
    embedded_journal,
    embedded_run,
    journal_path,
    load_run_settings,
    metrics_port,
    rehearsal_note,
    source_of,
    strategy_name,
)
from predmm.cli.live.session import Catalogue, healthz, view_data
from predmm.cli.live.shutdown import print_summary, watch_stop
from predmm.cli.locks import holding_all, this_process
from predmm.cli.metrics import metrics_registry
from predmm.cli.oneline import fail, sole_predmm_error
from predmm.cli.stats import LiveStats
from predmm.cli.venues import (
    EmbeddedRun,
    VenueSetup,
    embedded_simulator,
    from_settings,
    from_sim_credentials,
    kalshi_safety,
    with_links,
)
from predmm.cli.view import run_view
from predmm.config.dump import settings_text
from predmm.config.risk import RiskConfig
from predmm.config.settings import Settings
from predmm.domain.errors import PredmmError
from predmm.domain.fees import TakerFees
from predmm.platforms.paper import wrap_if_paper
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.registry import register_settings

__all__ = [  # what the tests and the other commands use of ``predmm run``
    "DEFAULT_JOURNAL",
    "RunOptions",
    "embedded_journal",
    "embedded_simulator",
    "load_run_settings",
    "run_daemon",
    "run_from_command_line",
    "run_with_venues",
    "venues_for",
    "with_links",
]

_log = logger.bind(actor="daemon")


@attrs.define
class RunState:
    """What the command line learns of the run it started."""

    run_id: str
    started: bool = False
    embedded: EmbeddedRun | None = None  # the embedded simulator's paper world
    made: Path | None = None  # the journal ``embedded_journal`` made a folder for


def run_from_command_line(opts: RunOptions, settings: Settings) -> None:
    """``predmm run`` after its options are read: checks, the run, the summary."""
    from rich.console import Console

    state = RunState(run_id=uuid.uuid4().hex[:8])
    try:
        state.embedded, made = embedded_run(opts)
        state.made = made.journal if made.journal != opts.journal else None
        opts = made
        check_before_start(opts, settings)
    except PredmmError as exc:
        discard_embedded(state.made)
        fail(str(exc))
    if opts.rehearsal:
        click.echo(rehearsal_note(opts), err=True)
    console = Console()
    configure_logs(opts, settings, live_view=console.is_terminal and opts.view)
    error: PredmmError | None = None
    try:
        trio.run(run_daemon, opts, settings, console, state)
    except BaseException as exc:
        error = sole_predmm_error(exc)
        if error is None:
            raise
    if state.started:
        print_summary(journal_path(opts, settings), state.run_id, as_json=opts.log_json)
    else:
        discard_embedded(state.made)
    if error is not None:
        fail(str(error))


@contextlib.asynccontextmanager
async def venues_for(
    opts: RunOptions, settings: Settings, run: EmbeddedRun | None = None
) -> AsyncIterator[VenueSetup]:
    """The venues: an embedded simulator (no config, or --sim: the paper world of
    ``run``), a running ``predmm sim`` (--sim-credentials; its trading keys from the
    config, if given), or the real venues of the config file. Kalshi's safety net is the
    config's ``[kalshi]`` keys' (the defaults without one) on every one of them."""
    safety = kalshi_safety(settings.kalshi_safety)
    if opts.sim_credentials is not None:
        yield from_sim_credentials(opts.sim_credentials, safety)
    elif not opts.embedded:
        yield from_settings(settings)
    else:
        from predmm.cli.venues import from_running_simulator
        from predmm.simulator.testing import running_simulator

        async with running_simulator(seed=opts.seed, flow=True, **embedded_simulator()) as running:
            yield from_running_simulator(running, run, safety)


async def run_daemon(
    opts: RunOptions, settings: Settings, console: Any = None, state: RunState | None = None
) -> None:
    """The run on its venues; an embedded one gets its paper world and journal here
    unless the command line made them (``state.embedded``)."""
    run = state.embedded if state is not None else None
    if run is None:
        run, opts = embedded_run(opts)
    async with venues_for(opts, settings, run) as setup:
        await run_with_venues(opts, settings, setup, console, state)


@attrs.define
class Run:
    """One run's engine and what the command line keeps beside it."""

    engine: TradingEngine
    clients: tuple[InstrumentedVenue, ...]
    catalogue: Catalogue
    stats: LiveStats
    registry: CollectorRegistry
    risk: RiskConfig
    started: float = attrs.field(factory=time.time)

    @property
    def venues(self) -> list[VenueHealth]:
        return [c.health for c in self.clients]


def build_run(opts: RunOptions, settings: Settings, setup: VenueSetup, run_id: str | None) -> Run:
    """The engine on ``setup``'s venues (each client instrumented, paper-wrapped when
    the strategy says so), the links of the config and of the venues, the live figures
    and the metrics."""
    journal = journal_path(opts, settings)
    registry = CollectorRegistry(auto_describe=False)
    venue_metrics = VenueMetrics(registry)
    catalogue = Catalogue()
    clients = tuple(
        InstrumentedVenue(
            wrap_if_paper(c, settings.strategy), venue_metrics, on_markets=catalogue.listed
        )
        for c in setup.clients
    )
    risk = with_links(settings.risk, setup)
    engine = TradingEngine(
        settings.strategy, risk, clients, journal,
        seed=opts.seed, clear_halt=opts.clear_halt, run_id=run_id,
        worlds=run_worlds(settings, setup), clock=setup.clock, timings=opts.timings,
        taker_fees=setup.fees,
    )  # fmt: skip
    arbitrage = settings.arbitrage
    if arbitrage is not None and setup.fees is not None and arbitrage.fees == TakerFees():
        arbitrage = attrs.evolve(arbitrage, fees=setup.fees)  # the simulator's rates
    venues = [c.venue for c in clients]
    register_settings(engine, settings.strategy, settings.strategy_venues, arbitrage, venues)
    catalogue.engine = engine
    run = Run(engine=engine, clients=clients, catalogue=catalogue,
              stats=LiveStats(engine, journal), registry=registry, risk=risk)  # fmt: skip
    metrics_registry(engine, run.stats, registry, run.venues)
    return run


async def run_with_venues(
    opts: RunOptions,
    settings: Settings,
    setup: VenueSetup,
    console: Any = None,
    state: RunState | None = None,
) -> TradingEngine:
    """Trade on ``setup``'s venues until a signal, ``--duration`` or the engine stops;
    returns the stopped engine. The venue clients are closed on the way out."""
    journal = journal_path(opts, settings)
    try:
        with holding_all(run_locks(journal, setup), this_process(journal)):  # before a word
            check_world(journal, settings, setup)
            return await _trade(opts, settings, setup, console, state)
    finally:
        for client in setup.clients:
            with trio.CancelScope(shield=True), contextlib.suppress(Exception):
                await client.aclose()


async def _trade(
    opts: RunOptions,
    settings: Settings,
    setup: VenueSetup,
    console: Any = None,
    state: RunState | None = None,
) -> TradingEngine:
    for line in setup.description:
        _log.info("venue {}", line)
    _log.info("journal {}", journal_path(opts, settings))
    if settings.strategy.paper_mode:
        _log.info("PAPER: market data from the venues above, every order filled on paper")
    run = build_run(opts, settings, setup, state.run_id if state is not None else None)
    engine = run.engine
    control = daemon_control(engine, opts, settings, setup)
    try:
        async with trio.open_nursery() as nursery:
            # before the engine: a socket that cannot be made refuses the start
            await nursery.start(serve_control, socket_path(journal_path(opts, settings)), control)
            nursery.start_soon(_run_engine, engine, nursery.cancel_scope)
            for client in run.clients:
                heartbeats = getattr(client, "run_heartbeats", None)
                if heartbeats is not None:
                    await nursery.start(heartbeats)
            await _wait_started(engine)
            if state is not None:
                state.started = True
            text = settings_text(
                attrs.evolve(settings, risk=run.risk), title=f"run {engine.run_id}"
            )
            engine.journal.run_info(engine.run_id, strategy_name(settings), source_of(opts), text)
            await _companions(nursery, run, opts, metrics_port(opts, settings), console)
    finally:
        for client in run.clients:
            with trio.CancelScope(shield=True), contextlib.suppress(Exception):
                await client.aclose()
    return engine


def daemon_control(
    engine: TradingEngine, opts: RunOptions, settings: Settings, setup: VenueSetup
) -> DaemonControl:
    """What the control socket serves: ``predmm reload`` reads the config file the run
    started with (resolved now: the same file whatever the cwd later) as it did."""
    config_file = opts.config.resolve() if opts.config is not None else None
    again = attrs.evolve(opts, config=config_file)
    return DaemonControl(
        engine,
        settings,
        config_file=config_file,
        reread=functools.partial(load_run_settings, again),
        merge_links=functools.partial(with_links, setup=setup),
    )


async def _companions(
    nursery: trio.Nursery, run: Run, opts: RunOptions, port: int, console: Any
) -> None:
    """Beside the started engine: the live figures, the stop watcher, the metrics, the
    view (or the status lines), and the end of ``--duration``."""
    engine, stats, venues = run.engine, run.stats, run.venues
    nursery.start_soon(stats.run)
    nursery.start_soon(stats.journal_marks_at_stop)
    nursery.start_soon(functools.partial(watch_stop, lambda: engine.stopping, venues))
    if port:
        answer = functools.partial(healthz, engine, stats, venues, run.started)
        bound = await nursery.start(_serve_metrics, engine, metrics_app(run.registry, answer), port)
        _log.info("metrics on http://127.0.0.1:{}/metrics, liveness on /healthz", bound)
    source = functools.partial(view_data, engine, stats, venues, run.catalogue, run.started)
    view = functools.partial(
        run_view,
        source,
        live=opts.view and console is not None and console.is_terminal,
        console=console,
        as_json=opts.log_json,
        line_interval=opts.status_interval,
    )
    nursery.start_soon(view)
    if opts.duration is not None:
        nursery.start_soon(_stop_after, engine, opts.duration)


async def _serve_metrics(
    engine: TradingEngine,
    app: Any,
    port: int,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The metrics server; if it cannot listen (the port taken since the check before
    the start), the run stops with that as its reason: orders cancelled, one line."""
    try:
        await serve_metrics(app, port, task_status=task_status)
    except PredmmError as exc:
        engine.request_stop(f"error: {exc}")
        raise


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
    _log.info("duration of {} s reached: stopping", seconds)
    engine.request_stop(f"duration of {seconds:g} s reached")

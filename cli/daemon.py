"""``predmm run``: the daemon. Picks the venues (the embedded simulator by default, a
separately running ``predmm sim``, or real accounts from a config file; ``--config``
with ``--sim`` or ``--sim-credentials`` rehearses the file's strategy, limits and links
on a simulator), checks what it will need before anything starts (``preflight``), starts
the TradingEngine with the live view or status lines, the metrics endpoint and the
quality figures beside it, stops gracefully on Ctrl-C, SIGTERM or the end of
``--duration`` (saying what it waits for when that takes long) and prints a summary of
the run. Every refusal, before or after quoting started, is one line and exit code 2."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import click
import trio
from loguru import logger
from prometheus_client import CollectorRegistry

from predmm.actors.journal.messages import MarketInfo
from predmm.actors.journal.port import NullJournal
from predmm.cli import preflight
from predmm.cli.instrument import InstrumentedVenue, VenueHealth, VenueMetrics
from predmm.cli.metrics import health, metrics_app, metrics_registry, serve_metrics
from predmm.cli.oneline import fail, sole_predmm_error
from predmm.cli.shutdown import run_summary, summary_lines, watch_stop
from predmm.cli.stats import LiveStats
from predmm.cli.venues import VenueSetup, from_settings, from_sim_credentials
from predmm.cli.view import ViewData, run_view
from predmm.config.dump import settings_text
from predmm.config.risk import RiskConfig
from predmm.config.settings import DaemonSettings, Settings, load_settings
from predmm.domain.enums import TradingState
from predmm.domain.errors import PredmmError
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.platforms.paper import wrap_if_paper
from predmm.supervisors.engine import TradingEngine
from predmm.supervisors.logs import configure_logging

DEFAULT_JOURNAL = Path("predmm.sqlite3")
EMBEDDED_NOISE_PER_MIN = 30.0  # noise trades per market per minute on the embedded exchange


@attrs.frozen(kw_only=True)
class RunOptions:
    config: Path | None = None
    preset: str | None = None
    sim: bool = False  # the embedded simulator, also with a config
    sim_credentials: Path | None = None
    duration: float | None = None
    journal: Path | None = None
    seed: int = 1
    metrics_port: int | None = None
    log_json: bool = False
    log_file: Path | None = None
    log_level: str = "INFO"
    view: bool = True
    status_interval: float = 10.0
    clear_halt: bool = False

    @property
    def rehearsal(self) -> bool:
        """A config's strategy, limits and links on a simulator, not its venues."""
        return self.config is not None and (self.sim or self.sim_credentials is not None)

    @property
    def embedded(self) -> bool:
        return self.sim_credentials is None and (self.sim or self.config is None)


def load_run_settings(opts: RunOptions) -> Settings:
    """The settings this run uses; every config error surfaces before anything starts.
    A rehearsal keeps the file's strategy, risk limits and links and leaves its venue
    and [daemon] tables out (the journal is the simulator's, not the real one)."""
    if opts.config is None:
        from predmm.config.settings import settings_from_dict

        return settings_from_dict({}, "<defaults>", preset=opts.preset)
    settings = load_settings(opts.config, preset=opts.preset)
    if opts.rehearsal:
        return attrs.evolve(settings, kalshi=None, polymarket=None, daemon=DaemonSettings())
    return settings


def journal_path(opts: RunOptions, settings: Settings) -> Path:
    return opts.journal or settings.daemon.journal or DEFAULT_JOURNAL


def metrics_port(opts: RunOptions, settings: Settings) -> int:
    return opts.metrics_port if opts.metrics_port is not None else settings.daemon.metrics_port


def check_before_start(opts: RunOptions, settings: Settings) -> None:
    """What the run will need, checked before any venue is spoken to: the journal
    (writable, a predmm journal no newer than this predmm), the log file, the metrics
    port; a settings file's secrets and keys."""
    preflight.check_journal_for_writing(journal_path(opts, settings))
    log_file = opts.log_file or settings.daemon.log_file
    if log_file is not None:
        preflight.check_writable_file(log_file, "log file")
    preflight.check_port(metrics_port(opts, settings), "metrics port")
    if opts.config is not None and not opts.rehearsal:
        from predmm.cli.venues import check_keys
        from predmm.config.settings import resolve_secrets

        check_keys(settings, resolve_secrets(settings))


def rehearsal_note(opts: RunOptions) -> str:
    where = "the embedded simulator" if opts.sim else f"the simulator of {opts.sim_credentials}"
    return (
        f"predmm: note: rehearsing {opts.config} on {where}: its strategy, risk limits and"
        " links; its [kalshi], [polymarket] and [daemon] tables are ignored"
    )


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
            catch=True,
        )


@attrs.define
class RunState:
    """What the command line learns of the run it started."""

    run_id: str
    started: bool = False


def run_from_command_line(opts: RunOptions, settings: Settings) -> None:
    """``predmm run`` after its options are read: checks, the run, the summary."""
    from rich.console import Console

    try:
        check_before_start(opts, settings)
    except PredmmError as exc:
        fail(str(exc))
    if opts.rehearsal:
        click.echo(rehearsal_note(opts), err=True)
    console = Console()
    configure_logs(opts, settings, live_view=console.is_terminal and opts.view)
    state = RunState(run_id=uuid.uuid4().hex[:8])
    error: PredmmError | None = None
    try:
        trio.run(run_daemon, opts, settings, console, state)
    except BaseException as exc:
        error = sole_predmm_error(exc)
        if error is None:
            raise
    if state.started:
        print_summary(journal_path(opts, settings), state.run_id, as_json=opts.log_json)
    if error is not None:
        fail(str(error))


def print_summary(journal: Path, run_id: str, *, as_json: bool) -> None:
    with contextlib.suppress(PredmmError):
        summary = run_summary(journal, run_id)
        if summary is None:
            return
        if as_json:
            click.echo(json.dumps({"summary": summary.as_dict()}))
        else:
            click.echo("\n".join(summary_lines(summary)))


@contextlib.asynccontextmanager
async def venues_for(opts: RunOptions, settings: Settings) -> AsyncIterator[VenueSetup]:
    """The venues: an embedded simulator (no config, or --sim), a running ``predmm sim``
    (--sim-credentials), or the real venues of the config file."""
    if opts.sim_credentials is not None:
        yield from_sim_credentials(opts.sim_credentials)
    elif not opts.embedded:
        yield from_settings(settings)
    else:
        from predmm.cli.venues import from_running_simulator
        from predmm.simulator.testing import running_simulator

        async with running_simulator(seed=opts.seed, flow=True, **embedded_simulator()) as running:
            yield from_running_simulator(running)


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


async def run_daemon(
    opts: RunOptions, settings: Settings, console: Any = None, state: RunState | None = None
) -> None:
    async with venues_for(opts, settings) as setup:
        await run_with_venues(opts, settings, setup, console, state)


class Catalogue:
    """The markets the venues list, kept for the view and journaled (titles, events,
    ticks, close times) when they change."""

    def __init__(self) -> None:
        self.infos: dict[MarketId, MarketInfo] = {}
        self.engine: TradingEngine | None = None

    def listed(self, markets: Sequence[Market]) -> None:
        engine = self.engine
        if engine is None or isinstance(engine.journal, NullJournal):
            return  # before the journal is open: the next scan lists them again
        changed = []
        for m in markets:
            linked = engine.risk.event_of(m.market_id)
            info = MarketInfo(
                market_id=m.market_id,
                title=m.title,
                event_id=m.event_id,
                linked_event=None if linked is None else EventId(str(linked)),
                tick=min(band.step for band in m.tick.bands),
                close_time=m.close_time,
            )
            if self.infos.get(m.market_id) != info:
                self.infos[m.market_id] = info
                changed.append(info)
        if changed:
            engine.journal.markets(changed)


def strategy_name(settings: Settings) -> str:
    name = "market_making"
    if settings.preset:
        name += f" (preset {settings.preset})"
    return name + (", paper" if settings.strategy.paper_mode else "")


def source_of(opts: RunOptions) -> str:
    if opts.sim_credentials is not None:
        venues = f"the simulator of {opts.sim_credentials}"
    elif opts.embedded:
        venues = f"the embedded simulator (seed {opts.seed})"
    else:
        venues = "the venues"
    return f"{opts.config} on {venues}" if opts.config is not None else venues


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
    registry = CollectorRegistry(auto_describe=False)
    venue_metrics = VenueMetrics(registry)
    catalogue = Catalogue()
    clients = tuple(
        InstrumentedVenue(
            wrap_if_paper(c, settings.strategy), venue_metrics, on_markets=catalogue.listed
        )
        for c in setup.clients
    )
    log = logger.bind(actor="daemon")
    for line in setup.description:
        log.info("venue {}", line)
    risk = with_links(settings.risk, setup)
    engine = TradingEngine(
        settings.strategy,
        risk,
        clients,
        journal,
        seed=opts.seed,
        clear_halt=opts.clear_halt,
        run_id=state.run_id if state is not None else None,
    )
    catalogue.engine = engine
    venues = [c.health for c in clients]
    stats = LiveStats(engine, journal)
    metrics_registry(engine, stats, registry, venues)
    started = time.time()
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_run_engine, engine, nursery.cancel_scope)
            for client in clients:
                heartbeats = getattr(client, "run_heartbeats", None)
                if heartbeats is not None:
                    await nursery.start(heartbeats)
            await _wait_started(engine)
            if state is not None:
                state.started = True
            text = settings_text(attrs.evolve(settings, risk=risk), title=f"run {engine.run_id}")
            engine.journal.run_info(engine.run_id, strategy_name(settings), source_of(opts), text)
            nursery.start_soon(stats.run)
            nursery.start_soon(stats.journal_marks_at_stop)
            nursery.start_soon(functools.partial(watch_stop, lambda: engine.stopping, venues))
            port = metrics_port(opts, settings)
            if port:

                def healthz() -> tuple[bool, str]:
                    return _health(engine, stats, venues, started)

                app = metrics_app(registry, healthz)
                bound = await nursery.start(_serve_metrics, engine, app, port)
                log.info("metrics on http://127.0.0.1:{}/metrics, liveness on /healthz", bound)
            source = functools.partial(_view_data, engine, stats, venues, catalogue, started)
            live = opts.view and console is not None and console.is_terminal
            nursery.start_soon(
                functools.partial(
                    run_view,
                    source,
                    live=live,
                    console=console,
                    as_json=opts.log_json,
                    line_interval=opts.status_interval,
                )
            )
            if opts.duration is not None:
                nursery.start_soon(_stop_after, engine, opts.duration)
    finally:
        for client in clients:
            with trio.CancelScope(shield=True), contextlib.suppress(Exception):
                await client.aclose()
    return engine


def _health(
    engine: TradingEngine, stats: LiveStats, venues: Sequence[VenueHealth], started: float
) -> tuple[bool, str]:
    rec = stats.trading_state
    halted = ""
    if rec is not None and rec.state is TradingState.HALTED:
        halted = f"since {rec.at:%Y-%m-%d %H:%M:%S} UTC: {rec.reason}"
    states = [v.state() for v in venues]
    return health(engine, states, now=time.time(), started=started, halted_since=halted)


def _view_data(
    engine: TradingEngine,
    stats: LiveStats,
    venues: Sequence[VenueHealth],
    catalogue: Catalogue,
    started: float,
) -> ViewData:
    snap = engine.snapshot()
    per_market, totals = stats.per_market()
    infos = catalogue.infos
    events = {}
    for m in snap.markets:
        info = infos.get(m.market_id)
        event = engine.risk.event_of(m.market_id) or (info.event_id if info else None)
        if event is not None:
            events[m.market_id] = str(event)
    resting = sum(n for (_, status), n in stats.order_counts.items() if status.may_rest)
    return ViewData(
        snap=snap,
        now=time.time(),
        started=started,
        per_market=per_market,
        totals=totals,
        venues=tuple(v.state() for v in venues),
        titles={m: i.title for m, i in infos.items()},
        ticks={m: i.tick for m, i in infos.items() if i.tick is not None},
        events=events,
        resting=resting if stats.order_counts else None,
    )


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
    logger.bind(actor="daemon").info("duration of {} s reached: stopping", seconds)
    engine.request_stop(f"duration of {seconds:g} s reached")

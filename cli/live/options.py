"""What a ``predmm run`` is asked to do (``RunOptions``) and what follows from it before
anything starts: the settings it uses (a rehearsal keeps a file's strategy, limits and
links and leaves its venues and [daemon] table out; ``--paper`` trades on paper), its
journal (an embedded run's own, ``embedded_journal``), metrics port and logs, the
checks before the start, and how the journal names the run's strategy and source."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from loguru import logger

from predmm.cli.oneline import check_journal_for_writing, check_port, check_writable_file
from predmm.config.settings import DaemonSettings, Settings, load_settings
from predmm.domain.errors import PredmmError
from predmm.supervisors.logs import configure_logging
from predmm.supervisors.runtime import EngineTimings

if TYPE_CHECKING:
    from predmm.cli.venues import EmbeddedRun

DEFAULT_JOURNAL = Path("predmm.sqlite3")
EMBEDDED_RUNS = Path("predmm-sim")  # one folder per embedded run, named by its start
EMBEDDED_JOURNAL = "predmm.sqlite3"


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
    paper: bool = False  # --paper: trade on paper whatever the config says
    timings: EngineTimings | None = None  # not on the command line: the engine's defaults

    @property
    def rehearsal(self) -> bool:
        """A config's strategy, limits and links on a simulator, not its venues."""
        return self.config is not None and (self.sim or self.sim_credentials is not None)

    @property
    def embedded(self) -> bool:
        return self.sim_credentials is None and (self.sim or self.config is None)


def load_run_settings(opts: RunOptions) -> Settings:
    """The settings this run uses (``--paper`` sets ``paper_mode``); every config error
    surfaces before anything starts. A rehearsal keeps the file's strategy, risk limits,
    links and Kalshi's safety net and leaves its accounts and [daemon] table out (the
    journal is the simulator's, not the real one)."""
    if opts.config is None:
        from predmm.config.settings import settings_from_dict

        settings = settings_from_dict({}, "<defaults>", preset=opts.preset)
    else:
        settings = load_settings(opts.config, preset=opts.preset)
    if opts.rehearsal:  # the [kalshi] trading keys (its safety net) still apply
        kalshi = settings.kalshi.trading_keys_only() if settings.kalshi is not None else None
        settings = attrs.evolve(settings, kalshi=kalshi, polymarket=None, daemon=DaemonSettings())
    if opts.paper:
        strategy = attrs.evolve(settings.strategy, paper_mode=True)
        settings = attrs.evolve(settings, strategy=strategy)
    return settings


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


def embedded_run(opts: RunOptions) -> tuple[EmbeddedRun | None, RunOptions]:
    """An embedded run's paper world, and its own new journal unless --journal names
    one (``embedded_journal``); (None, opts) for the other venues."""
    if not opts.embedded:
        return None, opts
    from predmm.cli.venues import EmbeddedRun

    run = EmbeddedRun.starting_now()
    if opts.journal is None:
        opts = attrs.evolve(opts, journal=embedded_journal(run))
    return run, opts


def discard_embedded(made: Path | None) -> None:
    """The folder ``embedded_journal`` made for a run that wrote no journal there is not
    left behind."""
    if made is None or made.exists():
        return
    for folder in (made.parent, made.parent.parent):  # the run's, then predmm-sim/
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty


def journal_path(opts: RunOptions, settings: Settings) -> Path:
    return opts.journal or settings.daemon.journal or DEFAULT_JOURNAL


def metrics_port(opts: RunOptions, settings: Settings) -> int:
    return opts.metrics_port if opts.metrics_port is not None else settings.daemon.metrics_port


def check_before_start(opts: RunOptions, settings: Settings) -> None:
    """What the run will need, checked before any venue is spoken to: the journal
    (writable, a predmm journal no newer than this predmm), the log file, the metrics
    port; a settings file's secrets and keys."""
    check_journal_for_writing(journal_path(opts, settings))
    log_file = opts.log_file or settings.daemon.log_file
    if log_file is not None:
        check_writable_file(log_file, "log file")
    check_port(metrics_port(opts, settings), "metrics port")
    if opts.config is not None and not opts.rehearsal:
        from predmm.cli.oneline import check_keys
        from predmm.config.settings import resolve_secrets

        check_keys(settings, resolve_secrets(settings))


def rehearsal_note(opts: RunOptions) -> str:
    where = "the embedded simulator" if opts.sim else f"the simulator of {opts.sim_credentials}"
    return (
        f"predmm: note: rehearsing {opts.config} on {where}: its strategy, risk limits and"
        " links; its [kalshi], [polymarket] and [daemon] tables are ignored"
    )


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

"""What a ``predmm run`` is asked to do (``RunOptions``) and what follows from it before
anything starts: the settings it uses (a rehearsal keeps a file's strategy, limits and
links and leaves its venues and [daemon] table out), its journal and metrics port, the
checks before the start, and how the journal names the run's strategy and source."""

from __future__ import annotations

from pathlib import Path

import attrs

from predmm.cli.oneline import check_journal_for_writing, check_port, check_writable_file
from predmm.config.settings import DaemonSettings, Settings, load_settings

DEFAULT_JOURNAL = Path("predmm.sqlite3")


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
    check_journal_for_writing(journal_path(opts, settings))
    log_file = opts.log_file or settings.daemon.log_file
    if log_file is not None:
        check_writable_file(log_file, "log file")
    check_port(metrics_port(opts, settings), "metrics port")
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

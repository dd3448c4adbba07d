"""The ``predmm`` command: the group and the commands that trade (``run``, ``markets``,
``cancel-all``); the reports (``status``, ``fills``, ``orders``, ``pnl``, ``report``)
are ``cli.reports``'s, ``config`` is ``cli.config_cmd``'s, ``sim``, ``backtest`` and
``record`` their own modules'. Every error is one line (``cli.oneline``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from predmm.cli.config_cmd import config_group
from predmm.cli.oneline import PredmmGroup, fail
from predmm.config import PRESET_NAMES
from predmm.domain.errors import PredmmError
from predmm.simulator.cli import sim

__all__ = ["cli", "fail", "main"]


@click.group(cls=PredmmGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="predmm")
def cli() -> None:
    """predmm: market-making on Kalshi and Polymarket at once.

    \b
    Shell completion (in ~/.bashrc; zsh_source and fish_source for those shells):
      eval "$(_PREDMM_COMPLETE=bash_source predmm)"
    """


cli.add_command(config_group)
cli.add_command(sim)

from predmm.cli.backtest import backtest  # noqa: E402
from predmm.cli.record import record  # noqa: E402
from predmm.cli.reports.commands import REPORT_COMMANDS  # noqa: E402

cli.add_command(backtest)
cli.add_command(record)
for _command in REPORT_COMMANDS:
    cli.add_command(_command)


def venue_options(f: Any) -> Any:
    """--config / --preset / --sim / --sim-credentials: which venues and settings."""
    f = click.option(
        "--sim-credentials",
        type=click.Path(file_okay=False, path_type=Path),
        help="Use a running 'predmm sim' (the directory its --credentials-out wrote); with"
        " --config, the file's settings trade there (its venue tables need no credentials).",
    )(f)
    f = click.option(
        "--sim",
        is_flag=True,
        help="The embedded simulator, also with --config (its venue tables are then ignored).",
    )(f)
    f = click.option("--preset", type=click.Choice(PRESET_NAMES), help="Start from a preset.")(f)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file: strategy, risk limits, links, venues (secrets from environment"
        " variables or key files), daemon.",
    )(f)


def run_options(
    config_path: Path | None,
    preset: str | None,
    sim: bool,
    sim_credentials: Path | None,
    **more: Any,
) -> Any:
    from predmm.cli.daemon import RunOptions, load_run_settings

    if sim and sim_credentials is not None:
        fail("give --sim (the embedded simulator) or --sim-credentials DIR, not both")
    opts = RunOptions(
        config=config_path, preset=preset, sim=sim, sim_credentials=sim_credentials, **more
    )
    try:
        return opts, load_run_settings(opts)
    except PredmmError as exc:
        fail(str(exc))


@cli.command("run")
@venue_options
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite journal (default: the config's, else predmm.sqlite3; on the embedded"
    " simulator, --sim too, a new one per run: predmm-sim/<UTC start>/predmm.sqlite3).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Embedded simulator seed.")
@click.option("--metrics-port", type=click.IntRange(0, 65535), help="Prometheus port (0: off).")
@click.option("--log-json", is_flag=True, help="JSON log lines, and JSON status lines on stdout.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), help="Rotating log.")
@click.option(
    "--no-view",
    is_flag=True,
    help="No live view: one status line per interval on stdout (also when stdout is not a"
    " terminal).",
)
@click.option(
    "--status-interval",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds between status lines without the live view.",
)
@click.option(
    "--clear-halt",
    is_flag=True,
    help="Start ACTIVE even if the loss limits halted (or reduced) trading earlier today.",
)
@click.option(
    "--paper",
    is_flag=True,
    help="Paper trading: the venues' real market data, every order filled locally, none sent.",
)
def run_command(
    config_path: Path | None,
    preset: str | None,
    sim: bool,
    sim_credentials: Path | None,
    duration: float | None,
    journal: Path | None,
    seed: int,
    metrics_port: int | None,
    log_json: bool,
    log_file: Path | None,
    no_view: bool,
    status_interval: float,
    clear_halt: bool,
    paper: bool,
) -> None:
    """Market-make until Ctrl-C or SIGTERM (or --duration), then cancel every resting
    order, flush the journal and print a summary of the run. With no --config and no
    --sim-credentials it starts the local simulator of both venues in-process and trades
    there with paper money; --config FILE --sim rehearses FILE's strategy, risk limits
    and links there.

    \b
    Examples:
      predmm run                                  # embedded simulator, live view
      predmm run --duration 60 --preset aggressive
      predmm run --config mm.toml --sim           # rehearse mm.toml on the simulator
      predmm run --sim-credentials ./sim-creds    # a separately running 'predmm sim'
      predmm run --sim-credentials ./sim-creds --config mm.toml   # with mm.toml's settings
      predmm run --config predmm.toml             # real venues
      predmm run --config predmm.toml --paper     # real market data, orders on paper
    """
    from predmm.cli.daemon import run_from_command_line

    opts, settings = run_options(
        config_path,
        preset,
        sim,
        sim_credentials,
        duration=duration,
        journal=journal,
        seed=seed,
        metrics_port=metrics_port,
        log_json=log_json,
        log_file=log_file,
        view=not no_view,
        status_interval=status_interval,
        clear_halt=clear_halt,
        paper=paper,
    )
    run_from_command_line(opts, settings)


@cli.command("markets")
@venue_options
@click.option("--seed", type=int, default=1, show_default=True, help="Embedded simulator seed.")
def markets_command(
    config_path: Path | None,
    preset: str | None,
    sim: bool,
    sim_credentials: Path | None,
    seed: int,
) -> None:
    """What the strategy would quote right now, and why every other market is skipped.

    \b
    Examples:
      predmm markets                      # on the embedded simulator
      predmm markets --config predmm.toml --preset conservative
    """
    import trio
    from rich.console import Console

    from predmm.cli.commands import list_markets

    opts, settings = run_options(config_path, preset, sim, sim_credentials, seed=seed)
    _quiet_logs()
    try:
        console = Console()
        trio.run(
            list_markets, opts, settings, console if console.is_terminal else Console(width=200)
        )
    except PredmmError as exc:
        fail(str(exc))


from predmm.cli.control.commands import (  # noqa: E402
    cancel_all_command,
    halt_command,
    reload_command,
    resume_command,
)

for _command in (halt_command, resume_command, cancel_all_command, reload_command):
    cli.add_command(_command)


def _quiet_logs() -> None:
    from predmm.supervisors.logs import configure_logging

    configure_logging("WARNING")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (exits with click's code: 0 ok, 2 usage or config error)."""
    cli.main(args=argv, prog_name="predmm")


if __name__ == "__main__":
    main()

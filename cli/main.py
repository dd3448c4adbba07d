"""The ``predmm`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from predmm.config import PRESET_NAMES, dump_config, load_config, load_preset
from predmm.domain.errors import PredmmError
from predmm.simulator.cli import sim


def fail(message: str) -> NoReturn:
    """One line on stderr and a non-zero exit: what a script or an operator can act on."""
    click.echo(f"predmm: error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="predmm")
def cli() -> None:
    """predmm: market-making on Kalshi and Polymarket at once."""


@cli.group("config")
def config_group() -> None:
    """Check a config file or show a preset."""


@config_group.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def config_check(file: Path) -> None:
    """Validate FILE and print the strategy settings it gives. FILE is either the
    daemon's settings file (tables [strategy], [strategy.venues.*], [arbitrage], [risk],
    [kalshi], [polymarket], [daemon]) or a strategy file (MarketMakingConfig keys at the
    top level, like the presets); for a settings file it also says which secrets are not
    available, each venue's own strategy values and whether the arbitrageur runs.

    \b
    Examples:
      predmm config check predmm.toml
      predmm config check my-strategy.toml
    """
    from predmm.config.settings import is_settings_file, load_settings, resolve_secrets

    extra: list[str] = []
    try:
        if is_settings_file(file):
            settings = load_settings(file)
            config = settings.strategy
            extra = _strategies_of(settings)
            try:
                resolve_secrets(settings)
            except PredmmError as exc:
                click.echo(f"# warning: {exc}")
        else:
            config = load_config(file)
    except PredmmError as exc:
        fail(str(exc))
    click.echo(f"# {file}: OK")
    click.echo(dump_config(config), nl=False)
    for line in extra:
        click.echo(line)


def _strategies_of(settings: Any) -> list[str]:
    """Each venue's own strategy values (those that differ from [strategy]) and the
    arbitrageur's settings, as comment lines."""
    from predmm.config import config_to_dict

    base = config_to_dict(settings.strategy)
    lines = []
    for venue, config in sorted(settings.strategy_venues.items(), key=lambda kv: kv[0].value):
        own = {k: v for k, v in config_to_dict(config).items() if base[k] != v}
        values = ", ".join(f"{k} = {v!r}" for k, v in own.items()) or "as [strategy]"
        lines.append(f"# [strategy.venues.{venue.value}]: {values}")
    arb = settings.arbitrage
    if arb is not None:
        lines.append(
            f"# [arbitrage]: the arbitrageur runs (min_edge {arb.min_edge}, min_gain"
            f" {arb.min_gain}, max_baskets {arb.max_baskets})"
        )
    return lines


@config_group.command("show")
@click.option(
    "--preset",
    type=click.Choice(PRESET_NAMES),
    default=None,
    help="A bundled preset; the defaults when omitted.",
)
def config_show(preset: str | None) -> None:
    """Print the full settings of a preset (or the defaults) as TOML.

    \b
    Example:
      predmm config show --preset conservative > mm.toml
    """
    from predmm.config import MarketMakingConfig

    config = load_preset(preset) if preset else MarketMakingConfig()
    click.echo(f"# preset: {preset or 'defaults'}")
    click.echo(dump_config(config), nl=False)


cli.add_command(sim)

from predmm.cli.backtest import backtest  # noqa: E402
from predmm.cli.record import record  # noqa: E402

cli.add_command(backtest)
cli.add_command(record)


def venue_options(f: Any) -> Any:
    """--config / --preset / --sim-credentials: which venues and settings."""
    f = click.option(
        "--sim-credentials",
        type=click.Path(file_okay=False, path_type=Path),
        help="Use a running 'predmm sim' (the directory its --credentials-out wrote).",
    )(f)
    f = click.option("--preset", type=click.Choice(PRESET_NAMES), help="Start from a preset.")(f)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings for real venues (credentials from environment variables or key files).",
    )(f)


def run_options(
    config_path: Path | None, preset: str | None, sim_credentials: Path | None, **more: Any
) -> Any:
    from predmm.cli.daemon import RunOptions, load_run_settings

    if config_path is not None and sim_credentials is not None:
        fail("give --config or --sim-credentials, not both")
    opts = RunOptions(config=config_path, preset=preset, sim_credentials=sim_credentials, **more)
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
    " simulator a new one per run, predmm-sim/<UTC start>/predmm.sqlite3).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Embedded simulator seed.")
@click.option("--metrics-port", type=click.IntRange(0, 65535), help="Prometheus port (0: off).")
@click.option("--log-json", is_flag=True, help="Structured (JSON) log lines.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), help="Rotating log.")
@click.option("--no-view", is_flag=True, help="Plain log lines instead of the live view.")
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
    sim_credentials: Path | None,
    duration: float | None,
    journal: Path | None,
    seed: int,
    metrics_port: int | None,
    log_json: bool,
    log_file: Path | None,
    no_view: bool,
    clear_halt: bool,
    paper: bool,
) -> None:
    """Market-make until Ctrl-C (or --duration). With no --config and no
    --sim-credentials it starts the local simulator of both venues in-process and trades
    there with paper money.

    \b
    Examples:
      predmm run                                  # embedded simulator, live view
      predmm run --duration 60 --preset aggressive
      predmm run --sim-credentials ./sim-creds    # a separately running 'predmm sim'
      predmm run --config predmm.toml             # real venues
      predmm run --config predmm.toml --paper     # real market data, orders on paper
    """
    import trio
    from rich.console import Console

    from predmm.cli.daemon import configure_logs, run_daemon

    opts, settings = run_options(
        config_path,
        preset,
        sim_credentials,
        duration=duration,
        journal=journal,
        seed=seed,
        metrics_port=metrics_port,
        log_json=log_json,
        log_file=log_file,
        view=not no_view,
        clear_halt=clear_halt,
        paper=paper,
    )
    console = Console()
    configure_logs(opts, settings, live_view=console.is_terminal and not no_view)
    try:
        trio.run(run_daemon, opts, settings, console)
    except PredmmError as exc:
        fail(str(exc))
    except BaseExceptionGroup as group:  # a refusal raised inside the daemon's nursery
        from predmm.supervisors.runtime import sole_predmm_error

        sole = sole_predmm_error(group)
        if sole is None:
            raise
        fail(str(sole))


@cli.command("status")
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The journal of a predmm run (it may still be running). Default: the run started"
    " last in this folder (predmm.sqlite3, or the newest embedded run's under predmm-sim/).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(journal: Path | None, as_json: bool) -> None:
    """Whether a daemon runs (pid, since), positions, PnL, open orders, restarts, core
    actor failures and quoting quality, from the journal.

    \b
    Examples:
      predmm status                       # the last run in this folder
      predmm status --journal predmm.sqlite3
      predmm status --json | jq .realized_pnl
    """
    import json

    from rich.console import Console

    from predmm.cli.status import default_journal, print_status, status_report

    try:
        report = status_report(journal if journal is not None else default_journal())
    except PredmmError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        console = Console()
        print_status(report, console if console.is_terminal else Console(width=200))


@cli.command("markets")
@venue_options
@click.option("--seed", type=int, default=1, show_default=True, help="Embedded simulator seed.")
def markets_command(
    config_path: Path | None, preset: str | None, sim_credentials: Path | None, seed: int
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

    opts, settings = run_options(config_path, preset, sim_credentials, seed=seed)
    _quiet_logs()
    try:
        console = Console()
        trio.run(
            list_markets, opts, settings, console if console.is_terminal else Console(width=200)
        )
    except PredmmError as exc:
        fail(str(exc))


@cli.command("cancel-all")
@venue_options
def cancel_all_command(
    config_path: Path | None, preset: str | None, sim_credentials: Path | None
) -> None:
    """Emergency: cancel every resting order on every configured venue.

    \b
    Examples:
      predmm cancel-all --config predmm.toml
      predmm cancel-all --sim-credentials ./sim-creds
    """
    import trio
    from rich.console import Console

    from predmm.cli.commands import cancel_everything

    if config_path is None and sim_credentials is None:
        fail("cancel-all needs the venues: give --config FILE or --sim-credentials DIR")
    opts, settings = run_options(config_path, preset, sim_credentials)
    _quiet_logs()
    try:
        trio.run(cancel_everything, opts, settings, Console())
    except PredmmError as exc:
        fail(str(exc))


def _quiet_logs() -> None:
    from predmm.supervisors.logs import configure_logging

    configure_logging("WARNING")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (exits with click's code: 0 ok, 2 usage or config error)."""
    cli.main(args=argv, prog_name="predmm")


if __name__ == "__main__":
    main()

"""``predmm config check`` and ``predmm config show``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from predmm.cli.oneline import PREFIX, fail, one_line
from predmm.config import PRESET_NAMES, dump_config, load_preset
from predmm.config.check import Problem, secret_problems, settings_problems, strategy_problems
from predmm.config.dump import settings_text
from predmm.config.market_making import MarketMakingConfig
from predmm.config.settings import Settings, is_strategy_file, read_toml, settings_from_dict
from predmm.domain.errors import PredmmError


@click.group("config")
def config_group() -> None:
    """Check a settings file, or write one out from a preset."""


@config_group.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--no-secrets",
    is_flag=True,
    help="Check the file only, not the environment variables and key files it names.",
)
def config_check(file: Path, no_secrets: bool) -> None:
    """Validate FILE and print the settings it gives. Every problem is listed at once,
    one line each on stderr (a misspelt key with the key it probably meant); for the
    venue tables, the environment variables and key files they name are looked up on
    this machine, and the keys read; the daemon's journal and log file must be
    writable. Exit code: 0 when it is fine, 2 otherwise.

    FILE is the daemon's settings file (tables [strategy], [strategy.venues.*],
    [arbitrage], [risk], [kalshi], [polymarket], [daemon]) or a strategy file
    (MarketMakingConfig keys at the top level, like the presets). For a settings file it
    also says each venue's own strategy values and whether the arbitrageur runs.

    \b
    Examples:
      predmm config check predmm.toml
      predmm config check --no-secrets predmm.example.toml   # on a machine without them
    """
    try:
        data = read_toml(file)
    except PredmmError as exc:
        fail(str(exc))
    if is_strategy_file(data):
        _check_strategy_file(file, data)
        return
    problems = settings_problems(data, str(file))
    if not no_secrets:
        problems += secret_problems(data, str(file), os.environ)
    settings = None
    if not any(not p.secret for p in problems):
        settings = settings_from_dict(data, str(file))
        problems += _machine_problems(settings, str(file), secrets=not no_secrets)
    if problems:
        _report(file, problems)
    assert settings is not None
    click.echo(settings_text(settings, title=f"{file}: OK; the settings it gives"), nl=False)
    for line in _strategies_of(settings):
        click.echo(line)


def _strategies_of(settings: Settings) -> list[str]:
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


def _check_strategy_file(file: Path, data: dict[str, object]) -> None:
    problems = strategy_problems(data, None, str(file))
    problems = [Problem(where=str(file), message=p.message) for p in problems]
    if problems:
        _report(file, problems)
    config = MarketMakingConfig(**_typed(data))
    click.echo(f"# {file}: OK (a strategy file: risk limits and venues come from elsewhere)")
    click.echo(dump_config(config), nl=False)


def _typed(data: dict[str, object]) -> dict[str, Any]:
    from predmm.config.loader import structure_values

    return structure_values(dict(data), "")


def _report(file: Path, problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(PREFIX + one_line(str(problem)), err=True)
    secrets = sum(1 for p in problems if p.secret)
    if len(problems) > 1:
        summary = f"# {file}: {len(problems)} problems"
        if secrets:
            summary += f" ({secrets} of them secrets this machine does not have)"
        click.echo(summary, err=True)
    sys.exit(2)


def _machine_problems(settings: Settings, source: str, *, secrets: bool) -> list[Problem]:
    """What the settings need of this machine: the journal and log file writable, and
    (``secrets``) each venue's keys readable as keys."""
    from predmm.cli.oneline import check_journal_for_writing, writable_file_problem

    problems = []
    where = f"{source} [daemon]"
    try:
        check_journal_for_writing(settings.daemon.journal)
    except PredmmError as exc:
        problems.append(Problem(where=where, message=str(exc)))
    if settings.daemon.log_file is not None:
        problem = writable_file_problem(settings.daemon.log_file, "log file")
        if problem is not None:
            problems.append(Problem(where=where, message=problem))
    if secrets:
        from predmm.cli.oneline import key_problems

        problems += [Problem(where=source, message=m, secret=True) for m in key_problems(settings)]
    return problems


@config_group.command("show")
@click.option(
    "--preset",
    type=click.Choice(PRESET_NAMES),
    default=None,
    help="A bundled preset; the defaults when omitted.",
)
@click.option(
    "--strategy-only",
    is_flag=True,
    help="Only the strategy keys, flat (a strategy file, as config/presets/ holds).",
)
def config_show(preset: str | None, strategy_only: bool) -> None:
    """Print a complete settings file: every strategy and risk key of a preset (or the
    defaults), the [daemon] table, and the venue tables as comments to fill in.
    ``predmm run --config`` reads it as it is; with --sim it runs on the embedded
    simulator.

    \b
    Examples:
      predmm config show --preset conservative > mm.toml
      predmm run --config mm.toml --sim --duration 60
    """
    config = load_preset(preset) if preset else MarketMakingConfig()
    if strategy_only:
        click.echo(f"# preset: {preset or 'defaults'}")
        click.echo(dump_config(config), nl=False)
        return
    title = f"predmm settings: preset {preset or 'defaults'}, every key written out"
    click.echo(settings_text(Settings(strategy=config, preset=preset), title=title), nl=False)

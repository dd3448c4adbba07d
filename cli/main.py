"""The ``predmm`` command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from config import PRESET_NAMES, dump_config, load_config, load_preset
from domain.errors import PredmmError
from simulator.cli import sim


def fail(message: str) -> None:
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
    """Validate FILE and print the settings it gives.

    \b
    Example:
      predmm config check my-mm.toml
    """
    try:
        config = load_config(file)
    except PredmmError as exc:
        fail(str(exc))
    click.echo(f"# {file}: OK")
    click.echo(dump_config(config), nl=False)


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
    from config import MarketMakingConfig

    config = load_preset(preset) if preset else MarketMakingConfig()
    click.echo(f"# preset: {preset or 'defaults'}")
    click.echo(dump_config(config), nl=False)


cli.add_command(sim)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (exits with click's code: 0 ok, 2 usage or config error)."""
    cli.main(args=argv, prog_name="predmm")


if __name__ == "__main__":
    main()

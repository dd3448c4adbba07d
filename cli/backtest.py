"""``predmm backtest``: replay recorded or generated market data through the strategy
(``predmm.backtest.run``) and print the figures; the last stdout line is one JSON object."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from predmm.backtest.sources import FORMATS
from predmm.config import PRESET_NAMES

EXAMPLES = """
\b
Examples:
  predmm backtest --data ../shared/data/polymarket-btc15m-l2 --compare baseline --report r.html
  predmm backtest --data ../shared/data/kalshi-macro-trades --fill-model queue --json out.json
  predmm backtest --data rec/ --format recording --latency-ms 250
  predmm backtest --format sim --seed 7 --duration 3600 --preset aggressive
"""


@click.command("backtest", epilog=EXAMPLES)
@click.option("--data", type=click.Path(path_type=Path), help="A file or folder of market data.")
@click.option("--format", "fmt", type=click.Choice(("auto", *FORMATS)), default="auto")
@click.option("--preset", type=click.Choice(PRESET_NAMES), help="Start from a preset.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A strategy file (MarketMakingConfig keys) or a settings file ([strategy], [risk]).",
)
@click.option(
    "--fill-model", type=click.Choice(("trade-through", "queue", "none")), default="trade-through"
)
@click.option("--latency-ms", type=click.IntRange(min=0), default=0, help="Order latency.")
@click.option(
    "--trade-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    help="queue: share of a book-only decrease at our level taken as executions.",
)
@click.option(
    "--queue-power", type=click.FloatRange(min=0), default=2.0, help="queue: cancel split."
)
@click.option("--markets", help="Comma-separated market ids, tickers or slugs to replay.")
@click.option("--compare", type=click.Choice(("baseline",)), help="Also run the naive baseline.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="HTML report.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--crossed",
    type=click.Choice(("skip", "error")),
    default="skip",
    help="Polymarket L2: drop a crossed snapshot (counted in the notes) or stop on it.",
)
@click.option("--seed", type=int, default=7, help="sim: the simulator's seed.")
@click.option("--duration", type=click.FloatRange(min=1), default=3600.0, help="sim: seconds.")
def backtest(**opts: Any) -> None:
    """Replay market data through the strategy under a fill model and print its figures:
    PnL, Sharpe, drawdown, fills, fill rate, markouts, spread capture, fees, per market.
    Bad data stops with one line naming the file, the row and the field (exit code 2)."""
    from predmm.backtest.api import run
    from predmm.backtest.events import DataError
    from predmm.cli.main import fail
    from predmm.domain.errors import PredmmError

    if opts["data"] is None and opts["fmt"] != "sim":
        fail("--data is required (or --format sim)")
    config, risk, name = _strategy(opts["config_path"], opts["preset"])
    markets = frozenset(m.strip() for m in opts["markets"].split(",")) if opts["markets"] else None
    try:
        with _progress() as tick:
            result = run(
                opts["data"],
                format=opts["fmt"],
                config=config,
                risk=risk,
                name=name,
                fill=opts["fill_model"],
                latency_ms=opts["latency_ms"],
                trade_share=opts["trade_share"],
                queue_power=opts["queue_power"],
                markets=markets,
                compare=opts["compare"],
                crossed=opts["crossed"],
                seed=opts["seed"],
                duration_s=opts["duration"],
                progress=tick,
            )
    except (DataError, PredmmError) as exc:
        fail(str(exc))
    _write_outputs(result, opts["report"], opts["json_path"])
    _print(result)


def _strategy(path: Path | None, preset: str | None) -> tuple[Any, Any, str]:
    from predmm.cli.main import fail
    from predmm.config import MarketMakingConfig, load_config, load_preset
    from predmm.config.risk import RiskConfig
    from predmm.config.settings import is_settings_file, load_settings
    from predmm.domain.errors import PredmmError

    try:
        if path is not None and is_settings_file(path):
            settings = load_settings(path, preset=preset)
            return settings.strategy, settings.risk, preset or path.stem
        if path is not None:
            return load_config(path), RiskConfig(), path.stem
    except PredmmError as exc:
        fail(str(exc))
    if preset is not None:
        return load_preset(preset), RiskConfig(), preset
    return MarketMakingConfig(), RiskConfig(), "default"


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.completed:,} events"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("replay", total=None)
        yield lambda n: bar.advance(task, n)


def _write_outputs(result: Any, report: Path | None, json_path: Path | None) -> None:
    from predmm.backtest.report import write_atomic, write_report
    from predmm.cli.main import fail

    runs = [r for r in (result.strategy, result.baseline) if r is not None]
    for path in (report, json_path):
        if path is None:
            continue
        try:
            if path is report:
                write_report(path, runs, result.settings)
            else:
                write_atomic(path, json.dumps(result.summary(), indent=1) + "\n")
        except OSError as exc:
            fail(f"cannot write {path}: {exc.strerror}")


def _print(result: Any) -> None:
    runs = [r for r in (result.strategy, result.baseline) if r is not None]
    click.echo(f"{result.strategy.source}: {result.strategy.fill_model}")
    click.echo(
        f"{'strategy':<12}{'PnL $':>11}{'Sharpe':>9}{'max DD $':>10}{'fills':>7}"
        f"{'fill rate':>10}{'mkout 10s $':>12}{'spread $':>10}{'fees $':>9}"
    )
    for r in runs:
        s = r.summary()
        click.echo(
            f"{r.strategy:<12}{s['pnl']:>11.2f}{s['sharpe']:>9.2f}{s['max_drawdown']:>10.2f}"
            f"{s['fills']:>7}{s['fill_rate']:>10.4f}{s['markout_10s']:>12.2f}"
            f"{s['spread_capture']:>10.2f}{s['fees']:>9.2f}"
        )
    for note in result.strategy.notes:
        click.echo(f"note: {note}")
    click.echo(json.dumps(result.summary()))

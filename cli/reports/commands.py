"""The report commands: ``status``, ``fills``, ``orders``, ``pnl`` and ``report``. Each
reads one journal (also while a daemon writes it) and refuses what it cannot read in one
line naming the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from predmm.cli.oneline import fail
from predmm.cli.reports.source import Filters, TimeParam, default_journal
from predmm.domain.enums import Venue
from predmm.domain.errors import PredmmError

VENUES = [v.value for v in Venue if v is not Venue.PAPER]


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=200)


def journal_option(f: Any) -> Any:
    return click.option(
        "--journal",
        type=click.Path(dir_okay=True, path_type=Path),
        default=None,
        help="The journal of a predmm run (it may still be running). Default: the run started"
        " last in this folder (predmm.sqlite3, or the newest embedded run's under predmm-sim/).",
    )(f)


def _journal(journal: Path | None) -> Path:
    return journal if journal is not None else default_journal()


def filter_options(f: Any) -> Any:
    f = click.option("--until", type=TimeParam(), help="Before this time (UTC).")(f)
    f = click.option(
        "--since", type=TimeParam(), help="From this time (UTC): 2026-12-06, 17:00 today, 2h, 7d."
    )(f)
    f = click.option("--venue", type=click.Choice(VENUES), help="One venue.")(f)
    return click.option(
        "--market",
        "markets",
        multiple=True,
        help="A market (id, ticker, short id, id prefix or words of its title); repeatable.",
    )(f)


def output_options(f: Any) -> Any:
    f = click.option("--json", "as_json", is_flag=True, help="JSON: every column, exact.")(f)
    return click.option("--csv", "as_csv", is_flag=True, help="CSV: every column, exact.")(f)


def _filters(markets: tuple[str, ...], venue: str | None, since: Any, until: Any) -> Filters:
    return Filters(markets=markets, venue=Venue(venue) if venue else None, since=since, until=until)


def _guard(body: Callable[[], None]) -> None:
    try:
        body()
    except PredmmError as exc:
        fail(str(exc))


@click.command("status")
@journal_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (exact decimals).")
def status_command(journal: Path | None, as_json: bool) -> None:
    """Whether a daemon runs (its pid, since when, its command: the journal's lock), the
    last run and why it stopped, paper or live, the trading state, PnL (today's as the
    loss limits count it), each venue's cash, positions per market and per linked event
    (settled markets at their payout), each event's worst loss over its outcome
    scenarios, strategies, open orders, restarts, core actor failures, corrections by
    reconciliation, markets not quoted for a disputed position and quoting quality, from
    the journal.

    \b
    Examples:
      predmm status                       # the last run in this folder
      predmm status --journal predmm.sqlite3
      predmm status --json | jq .pnl.total
    """
    from predmm.cli.reports.status import status_report
    from predmm.cli.reports.status_text import print_status

    def body() -> None:
        report = status_report(_journal(journal))
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            print_status(report, _console())

    _guard(body)


@click.command("fills")
@journal_option
@filter_options
@output_options
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="The last N in the table (0: all); --csv and --json give all.")  # fmt: skip
def fills_command(
    journal: Path | None, markets: tuple[str, ...], venue: str | None, since: Any, until: Any,
    as_csv: bool, as_json: bool, limit: int,
) -> None:  # fmt: skip
    """Our fills, oldest first: time, market, side, price, contracts, fee, and what each
    is worth at the market's latest mark.

    \b
    Examples:
      predmm fills --since today
      predmm fills --market KXFEDDECISION-26DEC-C25 --csv > fed.csv
      predmm fills --venue polymarket --since 2h --json | jq length
    """
    from predmm.cli.reports.source import apply_filters, read_journal
    from predmm.cli.reports.tables import fill_rows, print_csv, print_fills, print_json

    def body() -> None:
        data = read_journal(_journal(journal), orders=False)
        trades, _ = apply_filters(data, _filters(markets, venue, since, until))
        rows = fill_rows(data, trades)
        if as_json:
            print_json(rows)
        elif as_csv:
            print_csv(rows)
        else:
            print_fills(_console(), data, rows, limit)

    _guard(body)


@click.command("orders")
@journal_option
@filter_options
@output_options
@click.option("--open", "only_open", is_flag=True, help="Only orders the venues may still hold.")
@click.option("--limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="The last N in the table (0: all); --csv and --json give all.")  # fmt: skip
def orders_command(
    journal: Path | None, markets: tuple[str, ...], venue: str | None, since: Any, until: Any,
    as_csv: bool, as_json: bool, only_open: bool, limit: int,
) -> None:  # fmt: skip
    """Our orders by creation time, each in its latest state: market, side, price,
    contracts, filled, status (and why it ended).

    \b
    Examples:
      predmm orders --open
      predmm orders --since 30m --market "Fed" --csv > orders.csv
    """
    from predmm.cli.reports.source import apply_filters, read_journal
    from predmm.cli.reports.tables import order_rows, print_csv, print_json, print_orders

    def body() -> None:
        data = read_journal(_journal(journal))
        _, orders = apply_filters(data, _filters(markets, venue, since, until))
        if only_open:
            orders = [(o, at) for o, at in orders if o.status.may_rest]
        rows = order_rows(data, orders)
        if as_json:
            print_json(rows)
        elif as_csv:
            print_csv(rows)
        else:
            print_orders(_console(), data, rows, limit)

    _guard(body)


@click.command("pnl")
@journal_option
@filter_options
@output_options
@click.option(
    "--by",
    type=click.Choice(["day", "market", "event", "venue", "strategy"]),
    default="day",
    show_default=True,
    help="Group by UTC day, market, linked event, venue or strategy.",
)
def pnl_command(
    journal: Path | None, markets: tuple[str, ...], venue: str | None, since: Any, until: Any,
    as_csv: bool, as_json: bool, by: str,
) -> None:  # fmt: skip
    """PnL from the journal: each market's cash plus its holdings at its latest mark
    (a filled YES/NO pair counts its edge at once). By day: the change of that PnL over
    each UTC day, at the marks of each day's end. By market, event, venue or strategy:
    each group's fills at the latest marks. The groups add up to the total.

    \b
    Examples:
      predmm pnl                    # by day
      predmm pnl --by market --since 7d
      predmm pnl --by event --json
    """
    from predmm.cli.reports.source import apply_filters, read_journal
    from predmm.cli.reports.tables import pnl_rows, print_csv, print_json, print_pnl

    def body() -> None:
        data = read_journal(_journal(journal), orders=False)
        filters = _filters(markets, venue, since, until)
        everything = Filters(markets=filters.markets, venue=filters.venue)
        trades, _ = apply_filters(data, everything if by == "day" else filters)
        rows = pnl_rows(data, trades, by, filters)
        if as_json:
            print_json(rows)
        elif as_csv:
            print_csv(rows)
        else:
            print_pnl(_console(), data, by, rows)

    _guard(body)


@click.command("report")
@journal_option
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the report here (one self-contained file).",
)
@click.option("--run", "run_id", help="A run id (predmm status shows the last); 'all': every run.")
def report_command(journal: Path | None, html_path: Path, run_id: str | None) -> None:
    """The backtest's HTML report for a live or paper run, from its journal: PnL path,
    drawdown, inventory per market, markout curve, fill rate and spread capture per
    market, the settings the run used. The last run unless --run says otherwise.

    \b
    Examples:
      predmm report --html last-run.html
      predmm report --run all --html everything.html --journal mm.sqlite3
    """
    from predmm.cli import fmt
    from predmm.cli.oneline import check_writable_file
    from predmm.cli.reports.html import write_html
    from predmm.cli.reports.source import read_journal

    def body() -> None:
        check_writable_file(html_path, "report")
        data = read_journal(_journal(journal))
        result = write_html(html_path, data, run_id)
        click.echo(
            f"wrote {html_path}: {result.fills} fills, PnL {fmt.money(result.pnl)},"
            f" {result.orders} orders over {fmt.duration(result.wall_s)}"
        )

    _guard(body)


REPORT_COMMANDS = (status_command, fills_command, orders_command, pnl_command, report_command)

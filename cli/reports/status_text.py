"""``predmm status`` as tables: the report of ``cli.reports.status`` with money to the
cent, prices to the market's tick, markets by short id and title, holdings as YES / NO
(net). A paper run says PAPER first; what needs the operator (core actor failures,
markets not quoted) is in red."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from predmm.cli import fmt
from predmm.cli.reports.rewards import print_rewards


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i < 2 else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def print_status(report: dict[str, Any], console: Console) -> None:
    if report.get("mode") == "paper":  # first: nobody may read a paper run as live
        console.print("[bold black on yellow] PAPER [/] fills simulated; no order reached a venue")
    _print_head(report, console)
    _print_alerts(report, console)
    _print_venues(report, console)
    _print_markets(report, console)
    print_rewards(report.get("rewards_summary") or {}, console)
    _print_events(report, console)
    _print_exposure(report, console)
    _print_quality(report, console)


def _print_head(report: dict[str, Any], console: Console) -> None:
    daemon, run, state, pnl = (
        report["daemon"],
        report["last_run"],
        report["trading_state"],
        report["pnl"],
    )
    console.print(f"journal {report['journal']}: daemon {daemon['detail']}")
    if run is not None:
        started = fmt.when(datetime.fromisoformat(run["started_at"]))
        end = (
            "now"
            if run["stopped_at"] is None
            else fmt.when(datetime.fromisoformat(run["stopped_at"]))
        )
        console.print(
            f"last run {run['run_id']}: {started} to {end} ({fmt.duration(run['duration_s'])})"
            + (f", {run['strategy']}" if run["strategy"] else "")
            + (f", {run['source']}" if run["source"] else "")
        )
    since = state["since"]
    when = f" since {fmt.when(datetime.fromisoformat(since))}" if since else ""
    note = "" if daemon["running"] else " (as the daemon left it)"
    console.print(
        f"trading state: [bold]{state['state'].upper()}[/bold]{when}{note}"
        + (f" by {state['operator']}" if state.get("operator") else "")
        + (f": {state['reason']}" if since and state["reason"] else "")
    )
    marks_at = pnl["marks_at"]
    console.print(
        f"PnL {fmt.money(_d(pnl['total']))} (realized {fmt.money(_d(pnl['realized']))},"
        f" unrealized {fmt.money(_d(pnl['unrealized']))}; fees {fmt.money(_d(pnl['fees']))})"
        + (f", at the marks of {fmt.when(datetime.fromisoformat(marks_at))}" if marks_at else "")
    )
    if pnl["unmarked_markets"]:
        count = len(pnl["unmarked_markets"])
        console.print(f"  no mark journaled for {count} markets: valued at our last trade")
    day = report.get("day")
    if day is not None:
        taken = fmt.when(datetime.fromisoformat(day["baseline_taken_at"]))
        value = fmt.money(_d(day["pnl"])) if day["pnl"] is not None else "not known (unmarked)"
        console.print(
            f"today ({day['day']} UTC) as the loss limits count it: {value}"
            f" (from the day's baseline of {taken})"
        )
    last_fill = report["last_fill_at"]
    last = fmt.when(datetime.fromisoformat(last_fill)) if last_fill else "-"
    console.print(
        f"fills {report['fill_count']} (last {last})"
        f"   open orders {len(report['open_orders'])}   restarts {len(report['restarts'])}"
        f"   quarantined {len(report['quarantined'])}"
        f"   corrections by reconciliation {report['corrections']}"
    )


def _print_alerts(report: dict[str, Any], console: Console) -> None:
    """What the watch over the core actors did, the reconciliations' latest corrections
    and the markets not quoted because the venue disputes their position."""
    for note in report["supervision"]:
        console.print(
            f"{note['component']}: {note['event']} at {note['at']}: {note['reason']}"
            f" ({note['count']} events)",
            style="bold red",
            markup=False,
        )
    for c in report["last_corrections"]:
        console.print(f"  corrected {c['at']}  {c['client_order_id']}  {c['reason']}", markup=False)
    for market, why in report["blocked"].items():
        console.print(f"not quoted: {market}: {why}", style="bold red", markup=False)


def _print_venues(report: dict[str, Any], console: Console) -> None:
    rows = [
        [
            v["venue"],
            fmt.money(_d(v["cash_at_start"])),
            fmt.money(_d(v["cash_at_end"]))
            if v["cash_at_end"] is not None
            else ("-" if report["daemon"]["running"] else "not read"),
            fmt.money(_d(v["net_cost_of_positions"])),
            fmt.money(_d(v["in_resting_orders"])),
        ]
        for v in report["venues"]
    ]
    if rows:
        columns = [
            "venue",
            "cash at run start",
            "cash at run end",
            "net cost of positions",
            "in resting orders",
        ]
        console.print(_table("venues (cash as the venues reported it)", columns, rows))
    if len(report["strategies"]) > 0:
        rows = [
            [s["strategy"], str(s["runs"]), str(s["fills"]), fmt.money(_d(s["pnl"]))]
            for s in report["strategies"]
        ]
        console.print(_table("strategies", ["strategy", "runs", "fills", "PnL"], rows))
    _print_attribution(report, console)


def _print_attribution(report: dict[str, Any], console: Console) -> None:
    """Each strategy's share by its orders' tag, when several traded (the totals above
    are all of them together)."""
    shares = report.get("attribution", [])
    if len(shares) < 2 and not any(s["executions"] for s in shares):
        return
    cols = ["strategy", "fills", "markets held", "contracts", "realized", "unrealized", "fees"]
    rows = [
        [
            s["strategy"],
            str(s["fills"]),
            str(s["markets"]),
            s["contracts"],
            fmt.money(_d(s["realized_pnl"])),
            fmt.money(_d(s["unrealized_pnl"])),
            fmt.money(_d(s["fees_paid"])),
            str(s["executions"]) if s["executions"] else "-",
        ]
        for s in shares
    ]
    console.print(_table("strategies by their orders", [*cols, "executions"], rows))


def _print_markets(report: dict[str, Any], console: Console) -> None:
    cols = [
        "market",
        "title",
        "event",
        "holdings",
        "avg YES",
        "avg NO",
        "mark",
        "PnL",
        "open",
        "restarts",
    ]
    rows = []
    for m in report["markets"]:
        tick = _d(m["tick"])
        rows.append(
            [
                m["short_id"],
                m["title"][:40] + (fmt.ELLIPSIS if len(m["title"]) > 40 else ""),
                m["event_id"] or m["venue_event"] or "-",
                m["holdings"],
                fmt.price(_d(m["avg_yes_price"]), tick),
                fmt.price(_d(m["avg_no_price"]), tick),
                _mark(m, tick),
                fmt.money(_d(m["pnl"])),
                str(m["open_orders"]),
                f"{m['restarts']}" + (" quarantined" if m["quarantined"] else ""),
            ]
        )
    console.print(_table("markets", cols, rows))


def _mark(m: dict[str, Any], tick: Decimal | None) -> str:
    settled = m["settled"]
    if settled is None:
        return fmt.price(_d(m["mark"]), tick)
    return f"settled {settled['outcome'].upper()} {fmt.price(_d(settled['yes_payout']), tick)}"


def _print_exposure(report: dict[str, Any], console: Console) -> None:
    exposure = [e for e in report["event_exposure"] if Decimal(e["worst_loss"])]
    if not exposure:
        return
    rows = [
        [e["event_id"], fmt.money(_d(e["worst_loss"])), e["scenario"], e["contracts"]]
        for e in exposure
    ]
    cols = ["event", "worst loss", "worst if", "net contracts"]
    console.print(_table("event exposure over outcome scenarios (live)", cols, rows))


def _print_events(report: dict[str, Any], console: Console) -> None:
    if not report["events"]:
        return
    labels = {m["market_id"]: m["short_id"] for m in report["markets"]}
    rows = [
        [
            e["event_id"],
            ", ".join(labels.get(m, m) for m in e["market_ids"]),
            e["holdings"],
            fmt.money(_d(e["pnl"])),
        ]
        for e in report["events"]
    ]
    console.print(_table("events across venues", ["event", "markets", "holdings", "PnL"], rows))


def _print_quality(report: dict[str, Any], console: Console) -> None:
    q = report["quality"].get("totals")
    if not q:
        return
    markouts = "  ".join(f"markout {h} {fmt.money(_d(v))}" for h, v in q["markouts"].items())
    console.print(
        f"last run's quoting: fill rate {fmt.percent(_d(q['fill_rate']))}   spread capture"
        f" {fmt.money(_d(q['spread_capture']))}   quote uptime {fmt.percent(_d(q['quote_uptime']))}"
        f"   {markouts}"
    )

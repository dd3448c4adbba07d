"""``predmm status``: what the journal says now, readable while a daemon writes it.

Whether a daemon runs on it, the last run (start, stop, why it stopped, its strategy),
the trading state and since when, PnL (each market's cash plus its holdings at its latest
mark, as every report counts it: ``cli.reports.ledger``), each venue's cash at the run's
start and end and what is tied up in positions and resting orders, per market and per
linked event their holdings, average prices and PnL, per strategy its fills and PnL, open
orders, restarts and quoting quality. ``status_report`` is the JSON (exact decimals);
``print_status`` the tables (money to the cent, prices to the tick).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from predmm.actors.journal.records import RunRecord
from predmm.cli import fmt
from predmm.cli.reports.ledger import ZERO, pnl_by, positions
from predmm.cli.reports.source import JournalData, linked_events, open_journal, read_journal
from predmm.domain.enums import Action, TradingState
from predmm.domain.ids import MarketId

X = fmt.exact


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running predmm process on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    return not cmdline.exists() or b"predmm" in cmdline.read_bytes()


def daemon_state(run: RunRecord | None, now: datetime) -> dict[str, Any]:
    if run is None:
        return {"running": False, "detail": "no run journaled yet"}
    if run.stopped_at is not None:
        detail = f"stopped {fmt.when(run.stopped_at)}: {run.stop_reason or 'no reason journaled'}"
        return {"running": False, "pid": run.pid, "detail": detail}
    if _alive(run.pid):
        up = fmt.duration((now - run.started_at).total_seconds())
        return {"running": True, "pid": run.pid, "detail": f"running, pid {run.pid}, up {up}"}
    return {
        "running": False,
        "pid": run.pid,
        "detail": f"not running: run {run.run_id} (pid {run.pid}) ended without journaling its"
        " stop (killed, or the machine went down)",
    }


def _run(run: RunRecord | None, now: datetime) -> dict[str, Any] | None:
    if run is None:
        return None
    end = run.stopped_at or now
    return {
        "run_id": run.run_id,
        "started_at": fmt.iso(run.started_at),
        "stopped_at": fmt.iso(run.stopped_at),
        "stop_reason": run.stop_reason,
        "duration_s": int((end - run.started_at).total_seconds()),
        "strategy": run.strategy,
        "source": run.source,
        "mode": run.mode,
        "pid": run.pid,
    }


def _trading_state(data: JournalData) -> dict[str, Any]:
    rec = data.trading_state
    if rec is None:
        return {"state": TradingState.ACTIVE.value, "reason": "no change journaled", "since": None}
    return {"state": rec.state.value, "reason": rec.reason, "since": fmt.iso(rec.at)}


def status_report(path: Path, now: datetime | None = None) -> dict[str, Any]:
    """Everything ``predmm status --json`` prints."""
    data = read_journal(path, now, orders=False)
    now = data.read_at
    events = linked_events(data)
    marks = data.yes_marks()
    with open_journal(path) as reader:
        journal = reader.status(marks=marks, events=events)
    last = data.runs[-1] if data.runs else None
    by_market = pnl_by(data.trades, marks, lambda t: t.market_id)
    markets = [_market(m, data, by_market) for m in journal.markets]
    total = sum((r.pnl for r in by_market.values()), ZERO)
    live = data.live
    return {
        "journal": str(path),
        "daemon": daemon_state(last, now),
        "last_run": _run(last, now),
        "trading_state": _trading_state(data),
        "pnl": {
            "total": X(total),
            "realized": X(journal.realized_pnl),
            "unrealized": X(journal.unrealized_pnl),
            "fees": X(journal.fees_paid),
            "marks_at": fmt.iso(max((at for _, at in data.marks.values()), default=None)),
            "unmarked_markets": sorted(
                str(m) for m in {t.market_id for t in data.trades} if m not in marks
            ),
        },
        "realized_pnl": X(journal.realized_pnl),
        "unrealized_pnl": X(journal.unrealized_pnl),
        "fees_paid": X(journal.fees_paid),
        "fill_count": journal.fill_count,
        "last_fill_at": fmt.iso(journal.last_fill_at),
        "venues": _venues(data, last),
        "markets": markets,
        "events": _events(markets),
        "strategies": _strategies(data, marks),
        "open_orders": [_order(o) for o in journal.open_orders],
        "restarts": [_restart(r) for r in journal.restarts],
        "quarantined": [str(m) for m in journal.quarantined],
        "quality": {"totals": live.get("totals"), "markets": live.get("markets", {})},
        "live_updated_at": live.get("updated_at"),
    }


def _market(m: Any, data: JournalData, by_market: Mapping[Any, Any]) -> dict[str, Any]:
    labels = fmt.short_ids(data.market_ids())
    row = by_market.get(m.market_id)
    return {
        "market_id": str(m.market_id),
        "short_id": labels.get(m.market_id, m.market_id.symbol),
        "title": data.titles.get(m.market_id, ""),
        "event_id": None if m.event_id is None else str(m.event_id),
        "venue_event": data.event_of(m.market_id),
        "yes_contracts": X(m.yes_contracts),
        "no_contracts": X(m.no_contracts),
        "net_position": X(m.net_position),
        "holdings": fmt.holdings(m.yes_contracts, m.no_contracts),
        "avg_yes_price": X(m.avg_yes_price) if m.yes_contracts else None,
        "avg_no_price": X(m.avg_no_price) if m.no_contracts else None,
        "mark": X(m.mark),
        "tick": X(data.ticks.get(m.market_id)),
        "realized_pnl": X(m.realized_pnl),
        "unrealized_pnl": X(m.unrealized_pnl),
        "pnl": X(row.pnl) if row else "0",
        "fees": X(m.fees_paid),
        "open_orders": m.open_orders,
        "restarts": m.restarts,
        "quarantined": m.quarantined,
        "last_fill_at": fmt.iso(m.last_fill_at),
    }


def _events(markets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_event: dict[str, list[dict[str, Any]]] = {}
    for m in markets:
        if m["event_id"]:
            by_event.setdefault(m["event_id"], []).append(m)
    out = []
    for event, ms in sorted(by_event.items()):
        yes = sum((Decimal(m["yes_contracts"]) for m in ms), ZERO)
        no = sum((Decimal(m["no_contracts"]) for m in ms), ZERO)
        out.append(
            {
                "event_id": event,
                "market_ids": [m["market_id"] for m in ms],
                "yes_contracts": X(yes),
                "no_contracts": X(no),
                "net_position": X(yes - no),
                "holdings": fmt.holdings(yes, no),
                "pnl": X(sum((Decimal(m["pnl"]) for m in ms), ZERO)),
            }
        )
    return out


def _venues(data: JournalData, last: RunRecord | None) -> list[dict[str, Any]]:
    held = positions(data.trades)
    venues = sorted(
        {m.venue for m in data.market_ids()} | {b.venue for b in data.balances}, key=str
    )
    out = []
    for venue in venues:
        cash = {
            b.moment: b
            for b in data.balances
            if last and b.run_id == last.run_id and b.venue is venue
        }
        cost = sum((-p.cash for m, p in held.items() if m.venue is venue), ZERO)
        resting = sum(
            (o.price * (o.quantity - o.filled_quantity) for o, _ in data.orders
             if o.market_id.venue is venue and o.action is Action.BUY),
            ZERO,
        )  # fmt: skip
        out.append(
            {
                "venue": venue.value,
                "cash_at_start": X(cash["start"].cash) if "start" in cash else None,
                "cash_at_end": X(cash["end"].cash) if "end" in cash else None,
                "cash_note": "; ".join(b.note for b in cash.values() if b.note),
                "net_cost_of_positions": X(cost),
                "in_resting_orders": X(resting),
            }
        )
    return out


def _strategies(data: JournalData, marks: Mapping[MarketId, Decimal]) -> list[dict[str, Any]]:
    def strategy(trade: Any) -> str:
        run = data.run_of(trade.at)
        return (run.strategy if run else "") or "not journaled"

    rows = pnl_by(data.trades, marks, strategy)
    runs: dict[str, int] = {}
    for run in data.runs:
        key = run.strategy or "not journaled"
        runs[key] = runs.get(key, 0) + 1
    return [
        {"strategy": k, "runs": runs.get(str(k), 0), "fills": r.fills, "pnl": X(r.pnl)}
        for k, r in sorted(rows.items(), key=lambda kv: str(kv[0]))
    ]


def _restart(r: Any) -> dict[str, Any]:
    return {
        "market_id": str(r.market_id),
        "at": fmt.iso(r.at),
        "reason": r.reason,
        "attempt": r.attempt,
        "quarantined": r.quarantined,
    }


def _order(o: Any) -> dict[str, Any]:
    return {
        "client_order_id": str(o.client_order_id),
        "market_id": str(o.market_id),
        "side": o.side.value,
        "action": o.action.value,
        "price": X(o.price),
        "quantity": X(o.quantity),
        "filled_quantity": X(o.filled_quantity),
        "status": o.status.value,
        "created_at": fmt.iso(o.created_at),
    }


# the tables --------------------------------------------------------------------------------


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
    _print_head(report, console)
    _print_venues(report, console)
    _print_markets(report, console)
    _print_events(report, console)
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
    last_fill = report["last_fill_at"]
    last = fmt.when(datetime.fromisoformat(last_fill)) if last_fill else "-"
    console.print(
        f"fills {report['fill_count']} (last {last})"
        f"   open orders {len(report['open_orders'])}   restarts {len(report['restarts'])}"
        f"   quarantined {len(report['quarantined'])}"
    )


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
                fmt.price(_d(m["mark"]), tick),
                fmt.money(_d(m["pnl"])),
                str(m["open_orders"]),
                f"{m['restarts']}" + (" quarantined" if m["quarantined"] else ""),
            ]
        )
    console.print(_table("markets", cols, rows))


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

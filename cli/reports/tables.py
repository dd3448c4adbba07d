"""The rows of ``predmm fills``, ``predmm orders`` and ``predmm pnl``, and the three ways
each is printed: a table (rich; money to the cent, prices to the tick, markets by short
id and title), ``--csv`` and ``--json`` (every column, exact decimals, full ids, UTC ISO
times)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from predmm.cli import fmt
from predmm.cli.reports.ledger import ZERO, Row, Trade, daily, fill_pnl, pnl_by, positions
from predmm.cli.reports.source import Filters, JournalData
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order

X = fmt.exact


def fill_rows(data: JournalData, trades: Sequence[Trade]) -> list[dict[str, Any]]:
    labels = fmt.short_ids(data.market_ids())
    marks = data.yes_marks()
    rows = []
    for t in trades:
        f, mark = t.fill, marks.get(t.market_id)
        rows.append(
            {
                "time": fmt.iso(t.at),
                "venue": t.venue.value,
                "market_id": str(f.market_id),
                "market": labels.get(f.market_id, f.market_id.symbol),
                "title": data.titles.get(f.market_id, ""),
                "side": f.side.value,
                "action": f.action.value,
                "price": X(f.price),
                "quantity": X(f.quantity),
                "fee": X(f.fee),
                "taker": f.is_taker,
                "pnl_at_mark": X(fill_pnl(f, mark)) if mark is not None else None,
                "fill_id": str(f.fill_id),
                "client_order_id": None if f.client_order_id is None else str(f.client_order_id),
            }
        )
    return rows


def order_rows(data: JournalData, orders: Sequence[tuple[Order, datetime]]) -> list[dict[str, Any]]:
    labels = fmt.short_ids(data.market_ids())
    return [
        {
            "created_at": fmt.iso(o.created_at),
            "updated_at": fmt.iso(updated),
            "venue": o.market_id.venue.value,
            "market_id": str(o.market_id),
            "market": labels.get(o.market_id, o.market_id.symbol),
            "title": data.titles.get(o.market_id, ""),
            "side": o.side.value,
            "action": o.action.value,
            "type": o.order_type.value,
            "time_in_force": o.time_in_force.value,
            "price": X(o.price),
            "quantity": X(o.quantity),
            "filled": X(o.filled_quantity),
            "status": o.status.value,
            "reason": o.reason,
            "client_order_id": str(o.client_order_id),
            "venue_order_id": None if o.venue_order_id is None else str(o.venue_order_id),
        }
        for o, updated in orders
    ]


# pnl ----------------------------------------------------------------------------------------

GROUPS = ("day", "market", "event", "venue", "strategy")


def _row(group: dict[str, Any], row: Row) -> dict[str, Any]:
    return group | {
        "fills": row.fills,
        "contracts": X(row.contracts),
        "fees": X(row.fees),
        "pnl": X(row.pnl),
        "at_last_trade": row.fallback,
    }


def pnl_rows(
    data: JournalData, trades: Sequence[Trade], by: str, filters: Filters
) -> list[dict[str, Any]]:
    if by == "day":
        return _daily_rows(data, trades, filters)
    marks = data.yes_marks()
    labels = fmt.short_ids(data.market_ids())
    keys: dict[str, Callable[[Trade], Hashable]] = {
        "market": lambda t: t.market_id,
        "event": lambda t: data.event_of(t.market_id) or labels[t.market_id],
        "venue": lambda t: t.venue.value,
        "strategy": lambda t: (r.strategy if (r := data.run_of(t.at)) else "") or "not journaled",
    }
    rows = pnl_by(trades, marks, keys[by])
    describe = _describers(data, trades)[by]
    return [_row(describe(k), r) for k, r in sorted(rows.items(), key=lambda kv: str(kv[0]))]


def _describers(
    data: JournalData, trades: Sequence[Trade]
) -> dict[str, Callable[[Any], dict[str, Any]]]:
    labels = fmt.short_ids(data.market_ids())
    held = positions(data.trades)
    marks = data.yes_marks()

    def market(m: MarketId) -> dict[str, Any]:
        p = held.get(m)
        return {
            "market_id": str(m),
            "market": labels.get(m, m.symbol),
            "title": data.titles.get(m, ""),
            "event": data.event_of(m),
            "holdings": fmt.holdings(p.yes, p.no) if p else "flat",
            "mark": X(marks.get(m)),
        }

    def event(e: str) -> dict[str, Any]:
        ms = sorted(
            {
                t.market_id
                for t in trades
                if (data.event_of(t.market_id) or labels[t.market_id]) == e
            }
        )
        yes = sum((held[m].yes for m in ms if m in held), ZERO)
        no = sum((held[m].no for m in ms if m in held), ZERO)
        return {
            "event": e,
            "markets": [labels.get(m, m.symbol) for m in ms],
            "holdings": fmt.holdings(yes, no),
        }

    return {
        "market": market,
        "event": event,
        "venue": lambda v: {"venue": v},
        "strategy": lambda s: {"strategy": s},
    }


def _daily_rows(
    data: JournalData, trades: Sequence[Trade], filters: Filters
) -> list[dict[str, Any]]:
    rows, total = [], ZERO
    for start, row in daily(list(trades), data.mark_series, data.read_at):
        total += row.pnl
        if filters.window(start) or (filters.since is not None and start <= filters.since):
            rows.append(_row({"day": start.date().isoformat()}, row) | {"cumulative": X(total)})
    return [r for r in rows if filters.until is None or r["day"] < filters.until.date().isoformat()]


# printing -------------------------------------------------------------------------------------


def print_json(rows: Sequence[Mapping[str, Any]]) -> None:
    sys.stdout.write(json.dumps(list(rows), indent=1) + "\n")


def print_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    names = list(columns or (rows[0].keys() if rows else []))
    writer = csv.DictWriter(
        sys.stdout, fieldnames=names, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(row.get(k)) for k in names})


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(map(str, value))
    return "" if value is None else value


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _title(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[: width - 1] + fmt.ELLIPSIS


def _time(iso: str | None) -> str:
    if iso is None:
        return "-"
    return f"{datetime.fromisoformat(iso):%Y-%m-%d %H:%M:%S}"


def table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], right_from: int
) -> Table:
    t = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        t.add_column(col, justify="right" if i >= right_from else "left", overflow="fold")
    for row in rows:
        t.add_row(*row)
    return t


def print_fills(
    console: Console, data: JournalData, rows: Sequence[dict[str, Any]], shown: int
) -> None:
    ticks = {str(m): tick for m, tick in data.ticks.items()}
    picked = rows[-shown:] if shown else rows
    cols = ["time (UTC)", "market", "title", "fill", "price", "contracts", "fee", "PnL at mark"]
    body = [
        [
            _time(r["time"]),
            r["market"],
            _title(r["title"]),
            f"{r['action']} {r['side'].upper()}" + (" (taker)" if r["taker"] else ""),
            fmt.price(_d(r["price"]), ticks.get(r["market_id"])),
            fmt.contracts(Decimal(r["quantity"])),
            fmt.money(_d(r["fee"])),
            fmt.money(_d(r["pnl_at_mark"])),
        ]
        for r in picked
    ]
    console.print(table(_count_title("fills", len(body), len(rows)), cols, body, right_from=4))


def print_orders(
    console: Console, data: JournalData, rows: Sequence[dict[str, Any]], shown: int
) -> None:
    ticks = {str(m): tick for m, tick in data.ticks.items()}
    picked = rows[-shown:] if shown else rows
    cols = ["created (UTC)", "market", "title", "order", "price", "contracts", "filled", "status"]
    body = [
        [
            _time(r["created_at"] or r["updated_at"]),
            r["market"],
            _title(r["title"]),
            f"{r['action']} {r['side'].upper()} {r['type']} {r['time_in_force']}",
            fmt.price(_d(r["price"]), ticks.get(r["market_id"])),
            fmt.contracts(Decimal(r["quantity"])),
            fmt.contracts(Decimal(r["filled"])),
            r["status"] + (f" ({r['reason']})" if r["reason"] else ""),
        ]
        for r in picked
    ]
    console.print(table(_count_title("orders", len(body), len(rows)), cols, body, right_from=4))


def _count_title(what: str, shown: int, total: int) -> str:
    if shown == total:
        return f"{what}: {total}"
    return f"{what}: the last {shown} of {total} (--limit 0 for all)"


PNL_COLUMNS = {
    "day": ["day", "fills", "contracts", "fees", "PnL", "cumulative"],
    "market": ["market", "title", "holdings", "mark", "fills", "fees", "PnL"],
    "event": ["event", "markets", "holdings", "fills", "fees", "PnL"],
    "venue": ["venue", "fills", "contracts", "fees", "PnL"],
    "strategy": ["strategy", "fills", "contracts", "fees", "PnL"],
}


def print_pnl(console: Console, data: JournalData, by: str, rows: Sequence[dict[str, Any]]) -> None:
    cell: dict[str, Callable[[dict[str, Any]], str]] = {
        "day": lambda r: r["day"],
        "market": lambda r: r["market"],
        "title": lambda r: _title(r["title"]),
        "holdings": lambda r: r["holdings"],
        "mark": lambda r: fmt.price(_d(r["mark"]), data.ticks.get(MarketId.parse(r["market_id"]))),
        "event": lambda r: r["event"],
        "markets": lambda r: ", ".join(r["markets"]),
        "venue": lambda r: r["venue"],
        "strategy": lambda r: r["strategy"],
        "fills": lambda r: f"{r['fills']:,}",
        "contracts": lambda r: fmt.contracts(Decimal(r["contracts"])),
        "fees": lambda r: fmt.money(_d(r["fees"])),
        "PnL": lambda r: fmt.money(_d(r["pnl"])) + ("*" if r["at_last_trade"] else ""),
        "cumulative": lambda r: fmt.money(_d(r["cumulative"])),
    }
    cols = PNL_COLUMNS[by]
    body = [[cell[c](r) for c in cols] for r in rows]
    pnl = sum((Decimal(r["pnl"]) for r in rows), ZERO)
    fees = sum((Decimal(r["fees"]) for r in rows), ZERO)
    console.print(table(f"PnL by {by}", cols, body, right_from=_first_number(cols)))
    marks_at = max((at for _, at in data.marks.values()), default=None)
    fills = sum(r["fills"] for r in rows)
    console.print(
        f"total {fmt.money(pnl)} (fees {fmt.money(fees)}) over {fills:,} fills;"
        f" holdings at the marks of {fmt.when(marks_at)}"
    )
    if any(r["at_last_trade"] for r in rows):
        console.print("* a market without a journaled mark: valued at our last trade in it")


def _first_number(cols: Sequence[str]) -> int:
    for i, c in enumerate(cols):
        if c in ("fills", "contracts", "mark", "holdings"):
            return i
    return len(cols)

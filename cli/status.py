"""``predmm status``: the journal's view of positions, PnL, orders and restarts, plus the
live figures the daemon last published beside it (marks, event links, market-making
quality), readable while a daemon runs.

The daemon's live figures go to ``<journal>.live.json`` (written atomically every few
seconds by ``LiveStats``): the journal itself keeps a single writer, the JournalActor.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.domain.errors import PredmmError
from predmm.domain.exposure import EventExposure
from predmm.domain.ids import EventId, MarketId
from predmm.strategies.mm_metrics import StatsSnapshot


def live_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".live.json")


def stats_dict(s: StatsSnapshot) -> dict[str, Any]:
    return {
        "fills": s.fills,
        "filled_quantity": str(s.filled_quantity),
        "quoted_quantity": str(s.quoted_quantity),
        "fill_rate": str(s.fill_rate),
        "spread_capture": str(s.spread_capture),
        "quote_uptime": str(s.quote_uptime),
        "markouts": {f"{h:g}s": str(v) for h, v in sorted(s.markouts.items())},
    }


def exposure_dict(e: EventExposure) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "worst_loss": str(e.worst_loss),
        "scenario": e.scenario,
        "contracts": str(e.contracts),
        "markets": list(e.markets),
    }


def write_live(
    journal: Path,
    *,
    marks: Mapping[str, Decimal],
    events: Mapping[str, str],
    per_market: Mapping[str, StatsSnapshot],
    totals: StatsSnapshot | None,
    at: str,
    exposure: tuple[EventExposure, ...] = (),
) -> None:
    """Replace the live file in one rename: a reader sees the old or the new, never half.
    ``events``: each market's real-world event (of several markets); ``exposure``: each
    event's worst-case loss over its outcome scenarios, and which scenario it is."""
    body = {
        "updated_at": at,
        "marks": {k: str(v) for k, v in marks.items()},
        "events": dict(events),
        "exposure": [exposure_dict(e) for e in exposure],
        "markets": {k: stats_dict(v) for k, v in per_market.items()},
        "totals": stats_dict(totals) if totals is not None else None,
    }
    target = live_path(journal)
    fd, tmp = tempfile.mkstemp(prefix=target.name, dir=target.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh, indent=1)
    os.replace(tmp, target)


def read_live(journal: Path) -> dict[str, Any]:
    try:
        data = json.loads(live_path(journal).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def status_report(journal: Path) -> dict[str, Any]:
    """Everything ``predmm status --json`` prints."""
    if not journal.exists():
        raise PredmmError(f"no journal at {journal} (give --journal PATH of a predmm run)")
    live = read_live(journal)
    marks = {MarketId.parse(k): Decimal(v) for k, v in live.get("marks", {}).items()}
    events = {MarketId.parse(k): EventId(v) for k, v in live.get("events", {}).items()}
    try:
        with Journal.open_read_only(journal) as reader:
            status = reader.status(marks=marks, events=events).as_dict()
    except JournalError as exc:
        raise PredmmError(f"{journal}: {exc}") from None
    status["quality"] = {"totals": live.get("totals"), "markets": live.get("markets", {})}
    status["event_exposure"] = live.get("exposure", [])
    status["live_updated_at"] = live.get("updated_at")
    return status


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def print_status(report: dict[str, Any], console: Console) -> None:
    state = report.get("trading_state") or {}
    console.print(
        f"trading state: [bold]{state.get('state', 'active')}[/bold]"
        + (f" ({state['reason']})" if state.get("reason") else "")
        + f"   fills: {report['fill_count']}   last fill: {report['last_fill_at'] or '-'}"
    )
    console.print(
        f"realized PnL: ${report['realized_pnl']}   unrealized PnL: "
        f"${report['unrealized_pnl'] if report['unrealized_pnl'] is not None else '-'}"
        f"   fees: ${report['fees_paid']}"
    )
    q = report["quality"].get("totals")
    if q:
        markouts = "  ".join(f"markout {h} ${v}" for h, v in q["markouts"].items())
        console.print(
            f"fill rate: {Decimal(q['fill_rate']):.1%}   spread capture: ${q['spread_capture']}"
            f"   quote uptime: {Decimal(q['quote_uptime']):.1%}   {markouts}"
        )
    cols = ["market", "event", "YES", "avg YES", "NO", "avg NO", "net", "realized", "unrealized"]
    cols += ["open", "restarts"]
    rows = [
        [
            m["market_id"],
            m["event_id"] or "-",
            m["yes_contracts"],
            m["avg_yes_price"],
            m["no_contracts"],
            m["avg_no_price"],
            m["net_position"],
            m["realized_pnl"],
            m["unrealized_pnl"] or "-",
            str(m["open_orders"]),
            f"{m['restarts']}" + (" quarantined" if m["quarantined"] else ""),
        ]
        for m in report["markets"]
    ]
    console.print(_table("markets", cols, rows))
    if report["events"]:
        rows = [
            [e["event_id"], ", ".join(e["market_ids"]), e["net_position"], e["realized_pnl"]]
            for e in report["events"]
        ]
        console.print(_table("events across venues", ["event", "markets", "net", "realized"], rows))
    exposure = [e for e in report.get("event_exposure", []) if Decimal(e["worst_loss"])]
    if exposure:
        rows = [[e["event_id"], e["worst_loss"], e["scenario"], e["contracts"]] for e in exposure]
        cols = ["event", "worst loss $", "worst if", "net contracts"]
        console.print(_table("event exposure over outcome scenarios (live)", cols, rows))
    console.print(
        f"open orders: {len(report['open_orders'])}   restarts: {len(report['restarts'])}"
    )

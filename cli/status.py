"""``predmm status``: the journal's view of positions, PnL, orders and restarts, plus the
live figures the daemon last published beside it (marks, event links, market-making
quality), readable while a daemon runs.

The daemon's live figures go to ``<journal>.live.json`` (written atomically every few
seconds by ``LiveStats``): the journal itself keeps a single writer, the JournalActor.
Whether a daemon runs on the journal, and which, is its lock file's (``cli.locks``).
Without ``--journal``, the journal of the last run started in the folder
(``default_journal``): ``predmm.sqlite3`` or the newest embedded run's.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.cli.locks import journal_lock_path, probe
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
    blocked: Mapping[str, str] | None = None,
) -> None:
    """Replace the live file in one rename: a reader sees the old or the new, never half.
    ``events``: each market's real-world event (of several markets); ``exposure``: each
    event's worst-case loss over its outcome scenarios, and which scenario it is;
    ``blocked``: the markets not quoted because the venue disputes their position, and why."""
    body = {
        "updated_at": at,
        "blocked": dict(blocked or {}),
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


PLAIN_JOURNAL = Path("predmm.sqlite3")
EMBEDDED_JOURNALS = "predmm-sim/*/predmm.sqlite3"
_EPOCH = datetime.min.replace(tzinfo=UTC)


def default_journal(folder: Path = Path()) -> Path:
    """The journal of the run started last in ``folder``: ``predmm.sqlite3`` or the
    newest embedded run's (``predmm-sim/<UTC start>/predmm.sqlite3``)."""
    candidates = [folder / PLAIN_JOURNAL] if (folder / PLAIN_JOURNAL).is_file() else []
    embedded = sorted(folder.glob(EMBEDDED_JOURNALS), key=lambda p: p.parent.name)
    candidates += embedded[-1:]
    if not candidates:
        raise PredmmError(
            f"no journal in {folder.resolve()} (predmm.sqlite3, or an embedded run's under"
            " predmm-sim/): give --journal PATH of a predmm run"
        )
    return max(candidates, key=_last_start)


def _last_start(journal: Path) -> datetime:
    try:
        with Journal.open_read_only(journal) as reader:
            runs = reader.runs()
    except JournalError:
        return _EPOCH
    return runs[-1].started_at if runs else _EPOCH


def daemon_state(journal: Path) -> dict[str, Any]:
    """Whether a daemon holds the journal now (its lock), and which."""
    state = probe(journal_lock_path(journal))
    holder = state.holder
    return {
        "running": state.running,
        "pid": holder.pid if holder and state.running else None,
        "since": holder.started_at.isoformat() if holder and state.running else None,
        "command": holder.command if holder and state.running else None,
    }


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
    last_run = status.get("last_run")
    status["mode"] = last_run and ("paper" if last_run["mode"] == "paper" else "live")
    status["quality"] = {"totals": live.get("totals"), "markets": live.get("markets", {})}
    status["blocked"] = live.get("blocked", {})
    status["rewards_summary"] = rewards_summary(status.get("rewards", []))
    status["event_exposure"] = live.get("exposure", [])
    status["live_updated_at"] = live.get("updated_at")
    status["journal"] = str(journal)
    status["daemon"] = daemon_state(journal)
    return status


def _sum(rows: list[dict[str, Any]], key: str) -> Decimal:
    return sum((Decimal(r[key]) for r in rows), Decimal(0))


def rewards_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rewards lines of ``status`` from the journal's estimates (one row per UTC day
    and market): the latest day's per market and in total, and every day's total."""
    if not rows:
        return {}
    day = max(r["day"] for r in rows)
    latest = [r for r in rows if r["day"] == day]
    markets = [
        {
            "market_id": r["market_id"],
            "liquidity": r["dollars"],
            "rebates": r["rebates"],
            "share": str(Decimal(r["share_sum"]) / r["samples"] if r["samples"] else 0),
            "in_band": str(Decimal(r["in_band"]) / r["samples"] if r["samples"] else 0),
            "samples": r["samples"],
            "daily_rate": r["daily_rate"],
        }
        for r in latest
    ]
    liquidity, rebates = _sum(latest, "dollars"), _sum(latest, "rebates")
    return {
        "day": day,
        "markets": markets,
        "liquidity": str(liquidity),
        "rebates": str(rebates),
        "total": str(liquidity + rebates),
        "all_days": str(_sum(rows, "dollars") + _sum(rows, "rebates")),
    }


def _money(text: str, places: str = "0.01") -> str:
    return f"{Decimal(text).quantize(Decimal(places))}"


def _print_rewards(summary: dict[str, Any], console: Console) -> None:
    if not summary:
        return
    console.print(
        f"rewards (estimated: the venue's formula on our sampled quotes),"
        f" UTC {summary['day']}: ${_money(summary['total'])} (liquidity"
        f" ${_money(summary['liquidity'])}, maker rebates ${_money(summary['rebates'])});"
        f" all days ${_money(summary['all_days'])}",
        markup=False,
    )
    rows = [
        [
            m["market_id"],
            _money(m["liquidity"], "0.0001"),
            _money(m["rebates"], "0.0001"),
            f"{Decimal(m['share']):.1%}",
            f"{Decimal(m['in_band']):.0%}",
            str(m["samples"]),
            _money(m["daily_rate"]),
        ]
        for m in summary["markets"]
    ]
    cols = ["market", "liquidity $", "rebates $", "share", "in band", "samples", "pool $/day"]
    console.print(_table(f"rewards per market, UTC {summary['day']} (estimated)", cols, rows))


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _when(text: str | None) -> str:
    if text is None:
        return "?"
    return f"{datetime.fromisoformat(text).astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _daemon_line(report: dict[str, Any]) -> str:
    daemon, run = report["daemon"], report.get("last_run")
    if daemon["running"]:
        since = _when(daemon["since"])
        return f"daemon: running, pid {daemon['pid']} since {since} ({daemon['command']})"
    if run is None:
        return "daemon: not running; no run journaled"
    stopped = _when(run["stopped_at"]) if run["stopped_at"] else "no clean stop"
    reason = f": {run['stop_reason']}" if run["stop_reason"] else ""
    return f"daemon: not running; last run {_when(run['started_at'])} to {stopped}{reason}"


def print_status(report: dict[str, Any], console: Console) -> None:
    if report.get("mode") == "paper":  # first: nobody may read a paper run as live
        console.print("[bold black on yellow] PAPER [/] fills simulated; no order reached a venue")
    console.print(f"journal: {report['journal']}")
    console.print(_daemon_line(report), markup=False)
    for note in report.get("supervision", ()):
        console.print(
            f"{note['component']}: {note['event']} at {note['at']}: {note['reason']}"
            f" ({note['count']} events)",
            style="bold red",
            markup=False,
        )
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
    _print_rewards(report.get("rewards_summary") or {}, console)
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
        f"   corrections by reconciliation: {report['corrections']}"
    )
    for c in report["last_corrections"]:
        console.print(f"  {c['at']}  {c['client_order_id']}  {c['reason']}")
    for market, why in report.get("blocked", {}).items():
        console.print(f"[bold red]not quoted: {market}[/bold red]: {why}")

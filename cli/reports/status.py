"""``predmm status``: what the journal says now, readable while a daemon writes it.

Whether a daemon runs on it (the journal's lock says so, and who holds it: ``cli.locks``),
the last run (start, stop, why it stopped, its strategy, paper or live), the trading
state and since when, PnL (each market's cash plus its holdings at its latest mark, a
settled market's at its payout, as every report counts it: ``cli.reports.ledger``) and
today's as the loss limits count it (from the day's journaled baseline), each venue's cash
at the run's start and end and what is tied up in positions and resting orders, per
market and per linked event their holdings, average prices and PnL, each event's worst
loss over its outcome scenarios (live), per strategy its fills and PnL (by the run's
strategy, and by the strategy each order carries: market making, arbitrage), open orders,
restarts, what the watch over the core actors did, the corrections the reconciliations
made, the markets not quoted for a disputed position, quoting quality, and the rewards
our quotes earned (estimated, per UTC day and market: ``cli.reports.rewards``).
``status_report`` is the JSON (exact decimals); ``cli.reports.status_text`` prints it
(money to the cent, prices to the tick).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from predmm.actors.journal.records import RunRecord
from predmm.actors.journal.status import JournalStatus
from predmm.cli import fmt
from predmm.cli.locks import journal_lock_path, probe
from predmm.cli.reports.ledger import ZERO, pnl_by, positions
from predmm.cli.reports.rewards import estimate_rows, rewards_summary
from predmm.cli.reports.source import (
    JournalData,
    linked_events,
    open_journal,
    read_journal,
    settled_at,
)
from predmm.domain.enums import Action, TradingState
from predmm.domain.ids import MarketId
from predmm.strategies.day_loss import day_of

X = fmt.exact


def daemon_state(path: Path, run: RunRecord | None, now: datetime) -> dict[str, Any]:
    """Whether a daemon holds the journal now (its lock) and which; else how the last
    run ended."""
    lock = probe(journal_lock_path(path))
    holder = lock.holder if lock.running else None
    if holder is not None:
        up = fmt.duration((now - holder.started_at).total_seconds())
        return {
            "running": True,
            "pid": holder.pid,
            "since": fmt.iso(holder.started_at),
            "command": holder.command,
            "detail": f"running, pid {holder.pid}, up {up} ({holder.command})",
        }
    out: dict[str, Any] = {"running": False, "pid": None, "since": None, "command": None}
    return out | {"detail": _ended(run)}


def _ended(run: RunRecord | None) -> str:
    if run is None:
        return "not running; no run journaled yet"
    if run.stopped_at is not None:
        return f"stopped {fmt.when(run.stopped_at)}: {run.stop_reason or 'no reason journaled'}"
    return (
        f"not running: run {run.run_id} (pid {run.pid}) ended without journaling its stop"
        " (killed, or the machine went down)"
    )


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
        return {
            "state": TradingState.ACTIVE.value,
            "reason": "no change journaled",
            "since": None,
            "operator": "",
        }
    return {
        "state": rec.state.value,
        "reason": rec.reason,
        "since": fmt.iso(rec.at),
        "operator": rec.operator,  # who changed it by hand ('': the kill switch, the engine)
    }


def status_report(path: Path, now: datetime | None = None) -> dict[str, Any]:
    """Everything ``predmm status --json`` prints."""
    data = read_journal(path, now, orders=False)
    now = data.read_at
    marks = data.yes_marks()
    with open_journal(path) as reader:
        journal = reader.status(marks=marks, events=linked_events(data))
        baseline = reader.day_baseline(day_of(now))
    last = data.runs[-1] if data.runs else None
    by_market = pnl_by(data.trades, marks, lambda t: t.market_id)
    markets = [_market(m, data, by_market) for m in journal.markets]
    live = data.live
    rewarded = [e.market_id for e in journal.rewards]
    labels = fmt.short_ids([*data.market_ids(), *rewarded])
    return {
        "journal": str(path),
        "mode": None if last is None else ("paper" if last.mode == "paper" else "live"),
        "daemon": daemon_state(path, last, now),
        "last_run": _run(last, now),
        "trading_state": _trading_state(data),
        "pnl": _pnl(data, journal, by_market, marks),
        "day": _day(journal, baseline),
        "realized_pnl": X(journal.realized_pnl),
        "unrealized_pnl": X(journal.unrealized_pnl),
        "fees_paid": X(journal.fees_paid),
        "fill_count": journal.fill_count,
        "last_fill_at": fmt.iso(journal.last_fill_at),
        "venues": _venues(data, last),
        "markets": markets,
        "events": _events(markets),
        "event_exposure": live.get("exposure", []),
        "strategies": _strategies(data, marks),
        "attribution": [_attributed(s) for s in journal.strategies],
        "open_orders": [_order(o) for o in journal.open_orders],
        "restarts": [_restart(r) for r in journal.restarts],
        "quarantined": [str(m) for m in journal.quarantined],
        "blocked": live.get("blocked", {}),
        "supervision": [_note(n) for n in journal.supervision],
        "corrections": journal.corrections,
        "last_corrections": [_correction(c) for c in journal.last_corrections],
        "quality": {"totals": live.get("totals"), "markets": live.get("markets", {})},
        "live_updated_at": live.get("updated_at"),
        "rewards": estimate_rows(journal.rewards),
        "rewards_summary": rewards_summary(list(journal.rewards), labels),
    }


def _pnl(
    data: JournalData,
    journal: JournalStatus,
    by_market: Mapping[Any, Any],
    marks: Mapping[MarketId, Any],
) -> dict[str, Any]:
    total = sum((r.pnl for r in by_market.values()), ZERO)
    return {
        "total": X(total),
        "realized": X(journal.realized_pnl),
        "unrealized": X(journal.unrealized_pnl),
        "fees": X(journal.fees_paid),
        "marks_at": fmt.iso(max((at for _, at in data.marks.values()), default=None)),
        "unmarked_markets": sorted(
            str(m) for m in {t.market_id for t in data.trades} if m not in marks
        ),
    }


def _day(journal: JournalStatus, baseline: Any) -> dict[str, Any] | None:
    """Today's PnL as the loss limits count it: the PnL now less the day's journaled
    baseline (None without one: no run today yet)."""
    if baseline is None:
        return None
    now = None if journal.unrealized_pnl is None else journal.realized_pnl + journal.unrealized_pnl
    return {
        "day": baseline.day.isoformat(),
        "baseline_taken_at": fmt.iso(baseline.taken_at),
        "baseline": X(baseline.value()),
        "pnl": None if now is None else X(now - baseline.value()),
        "unmarked_at_start": sorted(str(m) for m in baseline.pending()),
    }


def _note(n: Any) -> dict[str, Any]:
    return {
        "component": n.component,
        "event": n.event,
        "reason": n.reason,
        "at": fmt.iso(n.at),
        "count": n.count,
    }


def _correction(c: Any) -> dict[str, Any]:
    return {"client_order_id": str(c.client_order_id), "at": fmt.iso(c.at), "reason": c.reason}


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
        "settled": _settled(data, m.market_id),
    }


def _settled(data: JournalData, market_id: MarketId) -> dict[str, Any] | None:
    s = data.settlements.get(market_id)
    if s is None:
        return None
    return {
        "outcome": s.outcome,
        "yes_payout": X(s.yes_payout),
        "at": fmt.iso(settled_at(s)),
        "payout": X(s.payout),
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


def _attributed(s: Any) -> dict[str, Any]:
    """One strategy's share by the strategy its orders carry (``StrategySummary``)."""
    return {
        "strategy": s.strategy,
        "fills": s.fills,
        "markets": s.markets,
        "contracts": X(s.contracts),
        "realized_pnl": X(s.realized_pnl),
        "unrealized_pnl": X(s.unrealized_pnl),
        "fees_paid": X(s.fees_paid),
        "executions": s.executions,
    }


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

"""``predmm report --html FILE``: the backtest's self-contained HTML report
(``backtest.report``) for a live or paper run, from its journal. The run becomes a
``RunResult``: its PnL path sampled from the fills and the marks journaled over time
(``cli.reports.ledger``), inventory per market, fill rate (contracts filled over
contracts quoted), spread capture and markouts from the marks journaled at the fill and
1 s to 5 min after it, and the settings the run journaled.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from predmm.actors.journal.records import RunRecord
from predmm.backtest.report import write_report
from predmm.backtest.results import HORIZONS, MarketResult, RunResult
from predmm.cli.reports.ledger import ZERO, Trade, equity_at
from predmm.cli.reports.source import JournalData
from predmm.domain.enums import OrderStatus, OrderType
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.strategies.mm_metrics import StatsSnapshot, fill_value_at

SAMPLES = 240  # points of the PnL path


def window_of(data: JournalData, run_id: str | None) -> tuple[datetime, datetime, list[RunRecord]]:
    """The report's time window: one run (the last when ``run_id`` is None), or every
    run (``run_id == "all"``)."""
    from predmm.domain.errors import PredmmError

    if not data.runs:
        raise PredmmError(f"{data.path}: no run journaled yet: nothing to report")
    if run_id == "all":
        runs = list(data.runs)
    else:
        chosen = [r for r in data.runs if run_id is None or r.run_id == run_id]
        if not chosen:
            known = ", ".join(r.run_id for r in data.runs[-5:])
            raise PredmmError(f"--run {run_id!r}: no such run in {data.path} (last runs: {known})")
        runs = [chosen[-1]]
    start = runs[0].started_at
    end = max((r.stopped_at or data.read_at) for r in runs)
    return start, end, runs


def _stats(trades: Sequence[Trade], quoted: Decimal, marks: Mapping[Any, Any]) -> StatsSnapshot:
    capture, markouts = ZERO, dict.fromkeys(HORIZONS, ZERO)
    for t in trades:
        f = t.fill
        after = marks.get((t.venue, f.fill_id), {})
        if 0.0 in after:
            capture += f.quantity * fill_value_at(f.side, f.action, f.price, after[0.0])
        for h in HORIZONS:
            if h in after:
                markouts[h] += f.quantity * fill_value_at(f.side, f.action, f.price, after[h])
    filled = sum((t.fill.quantity for t in trades), ZERO)
    rate = (filled / quoted).quantize(Decimal("0.0001")) if quoted > 0 else ZERO
    return StatsSnapshot(
        fills=len(trades),
        filled_quantity=filled,
        quoted_quantity=quoted,
        spread_capture=capture,
        fill_rate=rate,
        quote_uptime=ZERO,
        markouts=dict(markouts),
    )


def _times(start: datetime, end: datetime) -> tuple[list[datetime], float]:
    span = max((end - start).total_seconds(), 1.0)
    step = max(span / SAMPLES, 1.0)
    n = int(span // step) + 1
    times = [start + timedelta(seconds=step * i) for i in range(n)]
    if times[-1] < end:
        times.append(end)
    return times, step


def _settings(runs: Sequence[RunRecord]) -> dict[str, str]:
    run = runs[-1]
    out = {"run": run.run_id, "strategy": run.strategy or "not journaled", "source": run.source}
    try:
        data = tomllib.loads(run.settings) if run.settings else {}
    except tomllib.TOMLDecodeError:
        data = {}
    for table in ("strategy", "risk"):
        for key, value in data.get(table, {}).items():
            if key != "event_links":
                out[f"{table}.{key}"] = str(value)
    return out


def _quoted(orders: Sequence[Order]) -> dict[MarketId, Decimal]:
    out: dict[MarketId, Decimal] = {}
    for o in orders:
        if o.order_type is OrderType.LIMIT and o.status is not OrderStatus.REJECTED:
            out[o.market_id] = out.get(o.market_id, ZERO) + o.quantity
    return out


def run_result(data: JournalData, run_id: str | None = None) -> RunResult:
    start, end, runs = window_of(data, run_id)
    trades = [t for t in data.trades if start <= t.at <= end]
    orders = [o for o, at in data.orders if start <= (o.created_at or at) <= end]
    times, step = _times(start, end)
    before = equity_at(list(data.trades), data.mark_series, [start])[0][0]
    path = equity_at(list(data.trades), data.mark_series, times)
    equity = tuple(value - before for value, _, _ in path)
    quoted = _quoted(orders)
    held = set(path[0][1]) if path else set()
    shown = sorted({t.market_id for t in trades} | set(quoted) | held)
    markets = tuple(_market(m, data, trades, quoted, path, step) for m in shown)
    exits = sum(1 for o in orders if o.order_type is OrderType.MARKET)
    modes = sorted({r.mode for r in runs})
    return RunResult(
        strategy=runs[-1].strategy or "predmm",
        source=f"journal {data.path}, run {', '.join(r.run_id for r in runs)}",
        fill_model=f"{'/'.join(modes)} run: the venues' own fills",
        events=len(trades) + len(orders),
        wall_s=(end - start).total_seconds(),
        pnl=equity[-1] if equity else ZERO,
        fills=len(trades),
        fees=sum((t.fill.fee for t in trades), ZERO),
        orders=len(orders),
        cancels=sum(1 for o in orders if o.status is OrderStatus.CANCELLED),
        rejects=sum(1 for o in orders if o.status is OrderStatus.REJECTED),
        risk_refusals=0,
        stats=_stats(trades, sum(quoted.values(), ZERO), data.fill_marks),
        equity=equity,
        times_ms=tuple(int(t.timestamp() * 1000) for t in times),
        sample_s=step,
        markets=markets,
        notes=_notes(data, runs, exits),
        settings=_settings(runs),
    )


def _market(
    market_id: MarketId,
    data: JournalData,
    trades: Sequence[Trade],
    quoted: Mapping[MarketId, Decimal],
    path: Sequence[Any],
    step: float,
) -> MarketResult:
    """One market over the window: its PnL path from the window's start (what it held
    then counts from its value then), its net inventory."""
    mine = [t for t in trades if t.market_id == market_id]
    values, net = [], []
    for _, held, marks in path:
        position = held.get(market_id)
        values.append(ZERO if position is None else position.value(marks.get(market_id)))
        net.append(ZERO if position is None else position.yes - position.no)
    equity = [v - values[0] for v in values] if values else []
    return MarketResult(
        market=str(market_id),
        title=data.titles.get(market_id, ""),
        pnl=equity[-1] if equity else ZERO,
        fills=len(mine),
        exit_fills=0,
        fees=sum((t.fill.fee for t in mine), ZERO),
        stats=_stats(mine, quoted.get(market_id, ZERO), data.fill_marks),
        equity=tuple(equity),
        net=tuple(net),
        sample_s=step,
    )


def _notes(data: JournalData, runs: Sequence[RunRecord], exits: int) -> tuple[str, ...]:
    notes = [
        "PnL: each market's cash plus its holdings at its mark (the fair value the daemon"
        " quoted around, journaled every minute and at each stop); a filled YES/NO pair"
        " counts its edge at once.",
        "Spread capture and markouts: the marks journaled at each fill and 1 s to 5 min"
        " after it; a fill near a stop has no later marks and counts only where it has them.",
        "Quote uptime and risk refusals are not journaled: shown as 0.",
        f"{exits} marketable exit orders (forced exits and rebalances).",
    ]
    for run in runs:
        end = run.stopped_at.isoformat() if run.stopped_at else "still running"
        notes.append(f"run {run.run_id}: {run.started_at.isoformat()} to {end}: {run.stop_reason}")
    return tuple(notes)


def write_html(path: Path, data: JournalData, run_id: str | None) -> RunResult:
    result = run_result(data, run_id)
    write_report(path, [result], result.settings, title="predmm report")
    return result

"""The end of a run, as the operator sees it: a stop that takes long says every few
seconds what it waits for (``watch_stop``: the venue calls still in flight, and which
venue is unreachable since when), and every run ends with a summary (``run_summary``,
``summary_lines``): how long it ran and why it stopped, its fills and PnL, the orders
left resting (zero, unless a venue could not be reached) and where the journal is.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click
import trio
from loguru import logger

from predmm.cli import fmt
from predmm.cli.instrument import VenueHealth, VenueState
from predmm.cli.reports.ledger import ZERO, pnl_by
from predmm.cli.reports.source import read_journal
from predmm.domain.errors import PredmmError

_log = logger.bind(actor="daemon")


def waiting_for(states: Sequence[VenueState], now: float) -> str:
    """What a stopping daemon waits for, in one line."""
    parts = []
    for v in states:
        calls = ", ".join(f"{name} for {fmt.duration(now - at)}" for name, at in v.in_flight)
        if v.connected and not calls:
            continue
        text = f"{v.venue}: " + (f"waiting on {calls}" if calls else "retrying")
        if not v.connected:
            since = fmt.clock_of_ts(v.since)
            text += f"; unreachable since {since} UTC" + (f" ({v.error})" if v.error else "")
        if v.last_failure is not None and not calls:
            name, at = v.last_failure
            text += f"; its last {name} failed {fmt.duration(now - at)} ago"
        parts.append(text)
    return "; ".join(parts) or "the actors stopping and the journal being flushed"


async def watch_stop(
    stopping: Callable[[], bool],
    venues: Sequence[VenueHealth],
    *,
    after: float = 5.0,
    every: float = 5.0,
    poll: float = 0.2,
    say: Callable[[str], None] | None = None,
    now: Callable[[], float] = time.time,
) -> None:
    """Once ``stopping()``: after ``after`` seconds, and every ``every`` seconds after,
    one line saying how long the stop has taken and what it waits for."""
    say = say or (lambda line: _log.warning("{}", line))
    while not stopping():
        await trio.sleep(poll)
    began = trio.current_time()
    await trio.sleep(after)
    while True:
        waited = trio.current_time() - began
        states = [v.state() for v in venues]
        say(f"still stopping after {fmt.duration(waited)}: {waiting_for(states, now())}")
        await trio.sleep(every)


@attrs.frozen(kw_only=True)
class RunSummary:
    journal: Path
    run_id: str
    started_at: datetime
    stopped_at: datetime | None
    reason: str
    fills: int
    contracts: Decimal
    fees: Decimal
    pnl: Decimal  # this run's fills at the latest marks
    total_pnl: Decimal  # every fill in the journal at the latest marks
    orders: int  # placed this run
    resting: int  # journaled orders the venues may still hold
    cash: tuple[tuple[str, Decimal | None, Decimal | None], ...]  # venue, start, end
    paper: bool = False  # every order filled on paper, none sent

    def as_dict(self) -> dict[str, Any]:
        return {
            "journal": str(self.journal),
            "run_id": self.run_id,
            "mode": "paper" if self.paper else "live",
            "started_at": fmt.iso(self.started_at),
            "stopped_at": fmt.iso(self.stopped_at),
            "stop_reason": self.reason,
            "fills": self.fills,
            "contracts": fmt.exact(self.contracts),
            "fees": fmt.exact(self.fees),
            "pnl": fmt.exact(self.pnl),
            "journal_pnl": fmt.exact(self.total_pnl),
            "orders": self.orders,
            "orders_left_resting": self.resting,
            "cash": {v: {"start": fmt.exact(a), "end": fmt.exact(b)} for v, a, b in self.cash},
        }


def run_summary(journal: Path, run_id: str) -> RunSummary | None:
    """The run ``run_id`` of ``journal``, summed up (None: not journaled)."""
    data = read_journal(journal)
    run = next((r for r in data.runs if r.run_id == run_id), None)
    if run is None:
        return None
    mine = [t for t in data.trades if data.run_of(t.at) is run]
    marks = data.yes_marks()
    pnl = pnl_by(mine, marks, lambda t: 0).get(0)
    total = sum((r.pnl for r in pnl_by(data.trades, marks, lambda t: 0).values()), ZERO)
    cash: dict[str, dict[str, Decimal | None]] = {}
    for b in data.balances:
        if b.run_id == run_id:
            cash.setdefault(b.venue.value, {})[b.moment] = b.cash
    return RunSummary(
        journal=journal,
        run_id=run_id,
        started_at=run.started_at,
        stopped_at=run.stopped_at,
        reason=run.stop_reason or "not journaled",
        fills=len(mine),
        contracts=sum((t.fill.quantity for t in mine), ZERO),
        fees=sum((t.fill.fee for t in mine), ZERO),
        pnl=pnl.pnl if pnl else ZERO,
        total_pnl=total,
        orders=sum(1 for o, at in data.orders if run.contains(o.created_at or at, data.read_at)),
        resting=sum(1 for o, _ in data.orders if o.status.may_rest),
        cash=tuple((v, c.get("start"), c.get("end")) for v, c in sorted(cash.items())),
        paper=run.mode == "paper",
    )


def _cash(value: Decimal | None) -> str:
    return "not read" if value is None else fmt.money(value)


def summary_lines(s: RunSummary) -> list[str]:
    end = s.stopped_at or s.started_at
    lines = [
        ("PAPER " if s.paper else "")
        + f"run {s.run_id} stopped after {fmt.duration((end - s.started_at).total_seconds())}:"
        f" {s.reason}",
        f"  fills {s.fills:,} ({fmt.contracts(s.contracts)} contracts, fees {fmt.money(s.fees)}),"
        f" PnL {fmt.money(s.pnl)} at the last marks; the journal's PnL {fmt.money(s.total_pnl)}",
        f"  orders placed {s.orders:,}; left resting on the venues: {s.resting}"
        + ("" if s.resting == 0 else " (see predmm orders --open; predmm cancel-all)"),
    ]
    for venue, start, stop in s.cash:
        lines.append(f"  {venue} cash {_cash(start)} at the start, {_cash(stop)} at the end")
    lines.append(f"  journal {s.journal} (predmm status, predmm pnl, predmm report --html FILE)")
    return lines


def print_summary(journal: Path, run_id: str, *, as_json: bool) -> None:
    with contextlib.suppress(PredmmError):
        summary = run_summary(journal, run_id)
        if summary is None:
            return
        if as_json:
            click.echo(json.dumps({"summary": summary.as_dict()}))
        else:
            click.echo("\n".join(summary_lines(summary)))

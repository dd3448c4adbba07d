"""The live status view: a rich table refreshed in place on a terminal, plain log lines
when stdout is not one. Reads ``TradingEngine.snapshot()``; never asks an actor."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import trio
from loguru import logger
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from predmm.actors.status import EngineSnapshot, MarketStatus
from predmm.domain.enums import TradingState
from predmm.strategies.mm_metrics import StatsSnapshot

STATE_STYLE = {
    TradingState.ACTIVE: "bold green",
    TradingState.REDUCING: "bold yellow",
    TradingState.HALTED: "bold red",
}
HEALTH_STYLE = {
    "quoting": "green",
    "exiting": "cyan",
    "closed": "cyan",
    "restarting": "yellow",
    "restarted": "yellow",
    "suspended": "yellow",
    "quarantined": "red",
    "failed": "red",
    "halted": "red",
    "unreachable": "red",
    "blocked": "red",
}
PAPER_STYLE = "bold black on yellow"  # a paper run: no order reaches a venue


def _money(value: Decimal | None, places: str = "0.01") -> str:
    return "-" if value is None else f"{value.quantize(Decimal(places)):,}"


def _price(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def _age(market: MarketStatus, now: float) -> str:
    if market.quoted_at is None:
        return "-"
    return f"{max(0.0, now - market.quoted_at.timestamp()):.0f}s"


def market_table(snap: EngineSnapshot, now: float, stats: Mapping[str, StatsSnapshot]) -> Table:
    table = Table(title="markets", expand=True, title_justify="left")
    for col in ("market", "fair", "YES bid", "NO bid", "YES", "NO", "skew", "PnL", "age"):
        table.add_column(col, justify="left" if col == "market" else "right")
    table.add_column("fills", justify="right")
    table.add_column("health")
    for m in snap.markets:
        s = stats.get(str(m.market_id))
        table.add_row(
            str(m.market_id),
            _price(m.fair_value),
            _price(m.yes_bid),
            _price(m.no_bid),
            f"{m.yes_contracts:g}",
            f"{m.no_contracts:g}",
            f"{m.skew:+.2f}",
            _money(m.realized_pnl + m.unrealized_pnl),
            _age(m, now),
            str(s.fills) if s else "0",
            Text(
                m.health + (f" ({m.restarts})" if m.restarts else ""),
                style=HEALTH_STYLE.get(m.health, ""),
            ),
        )
    return table


def event_table(snap: EngineSnapshot) -> Table:
    table = Table(title="events across venues", expand=True, title_justify="left")
    for col in ("event", "net contracts", "limit", "worst loss $", "limit $", "worst if"):
        table.add_column(col, justify="left" if col in ("event", "worst if") else "right")
    limits = snap.limits
    for e in snap.exposure.events if snap.exposure else ():
        table.add_row(
            e.event_id,
            f"{e.contracts:g}",
            f"{limits.event_contracts:g}" if limits else "-",
            _money(e.worst_loss),
            _money(limits.event_loss) if limits else "-",
            e.scenario if e.worst_loss else "-",
        )
    return table


def header(snap: EngineSnapshot, totals: StatsSnapshot | None) -> Text:
    exp = snap.exposure
    text = Text()
    if snap.paper:
        text.append(" PAPER ", style=PAPER_STYLE)
        text.append(" ")
    text.append(f" {snap.trading_state.value.upper()} ", style=STATE_STYLE[snap.trading_state])
    if exp is not None:
        text.append(
            f"  realized ${_money(exp.realized_pnl)}  unrealized ${_money(exp.unrealized_pnl)}"
            f"  day ${_money(exp.daily_pnl)}  worst-case loss ${_money(exp.total_loss)}"
        )
    text.append(f"  restarts {snap.restarts}  quarantined {len(snap.quarantined)}")
    if snap.halt_reason is not None:
        text.append(f"\n HALTED: {snap.halt_reason}", style="bold red")
    for core in snap.core:
        text.append(f"\n {core.component}: ")
        text.append(core.health, style=HEALTH_STYLE.get(core.health, ""))
        text.append(f" ({core.note})" if core.note else "")
    _strategies(text, snap)
    if totals is not None:
        text.append(
            f"\n fills {totals.fills}  fill rate {totals.fill_rate:.1%}"
            f"  spread capture ${_money(totals.spread_capture)}"
            f"  uptime {totals.quote_uptime:.1%}"
            + "".join(f"  markout {h:g}s ${_money(v)}" for h, v in sorted(totals.markouts.items()))
        )
    return text


def _strategies(text: Text, snap: EngineSnapshot) -> None:
    """A line per strategy when there are several: its PnL, and the executor's outcomes."""
    exp = snap.exposure
    mine = exp.strategies if exp is not None else ()
    runs = {e.strategy: e for e in snap.executions}
    if len(mine) < 2 and not runs:
        return
    for s in mine:
        text.append(
            f"\n {s.strategy}: realized ${_money(s.realized_pnl)}"
            f"  unrealized ${_money(s.unrealized_pnl)}  holds {s.contracts:g}"
        )
        e = runs.get(s.strategy)
        if e is not None:
            text.append(f"  executions {e.done} done, {e.naked} naked  locked ${_money(e.locked)}")
            if e.naked_contracts:
                text.append(f"  {e.naked_contracts:g} contracts NAKED", style="bold red")


def render(
    snap: EngineSnapshot,
    now: float,
    stats: Mapping[str, StatsSnapshot],
    totals: StatsSnapshot | None,
) -> Group:
    return Group(header(snap, totals), market_table(snap, now, stats), event_table(snap))


def summary_line(snap: EngineSnapshot, totals: StatsSnapshot | None) -> dict[str, Any]:
    """The figures of one plain status line (for logs when stdout is not a terminal)."""
    exp = snap.exposure
    quoting = sum(1 for m in snap.markets if m.health == "quoting")
    return {
        "mode": "paper" if snap.paper else "live",
        "state": snap.trading_state.value,
        "markets": len(snap.markets),
        "quoting": quoting,
        "quarantined": len(snap.quarantined),
        "restarts": snap.restarts,
        "halt_reason": snap.halt_reason,
        "core": {c.component: c.health for c in snap.core},
        "realized": str(exp.realized_pnl) if exp else "0",
        "unrealized": str(_money(exp.unrealized_pnl)) if exp else "0",
        "fills": totals.fills if totals else 0,
    }


async def run_view(
    snapshot: Callable[[], EngineSnapshot],
    stats: Callable[[], tuple[Mapping[str, StatsSnapshot], StatsSnapshot | None]],
    *,
    console: Console | None = None,
    interval: float = 1.0,
    log_interval: float = 10.0,
) -> None:
    """Refresh until cancelled: a rich Live view on a terminal, else a log line every
    ``log_interval`` seconds."""
    console = console or Console()
    if not console.is_terminal:
        while True:
            per_market, totals = stats()
            logger.bind(actor="view").info("status {}", summary_line(snapshot(), totals))
            await trio.sleep(log_interval)
    with Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            per_market, totals = stats()
            live.update(render(snapshot(), time.time(), per_market, totals), refresh=True)
            await trio.sleep(interval)

"""What a running daemon shows: on a terminal a rich view refreshed in place (a clock,
the uptime, each venue's connection, per market its title and short id, fair value, our
bids, holdings, PnL, quote age and health, per event its holdings across venues against
its limits); otherwise (``--no-view``, or stdout not a terminal: a service, a pipe) one
status line per interval on stdout, JSON with ``--log-json``. Reads ``ViewData``, built
from the engine's snapshot and the live figures; never asks an actor.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TextIO

import attrs
import trio
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from predmm.actors.status import EngineSnapshot, MarketStatus
from predmm.cli import fmt
from predmm.cli.instrument import VenueState
from predmm.domain.enums import TradingState
from predmm.domain.ids import MarketId
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
HEALTH_STYLE = {"quoting": "green", "restarting": "yellow", "quarantined": "red"}
ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class ViewData:
    """One refresh's worth of what the view and the status lines show."""

    snap: EngineSnapshot
    now: float  # wall clock, seconds
    started: float  # when the daemon started
    per_market: Mapping[str, StatsSnapshot] = attrs.field(factory=dict)
    totals: StatsSnapshot | None = None
    venues: tuple[VenueState, ...] = ()
    titles: Mapping[MarketId, str] = attrs.field(factory=dict)
    ticks: Mapping[MarketId, Decimal] = attrs.field(factory=dict)
    events: Mapping[MarketId, str] = attrs.field(factory=dict)  # market -> its event
    resting: int | None = None  # orders the journal says may rest on the venues

    @property
    def labels(self) -> dict[MarketId, str]:
        return fmt.short_ids(m.market_id for m in self.snap.markets)

    @property
    def pnl(self) -> Decimal | None:
        exp = self.snap.exposure
        return None if exp is None else exp.realized_pnl + exp.unrealized_pnl


# the live view ---------------------------------------------------------------------------


def _age(market: MarketStatus, now: float) -> str:
    if market.quoted_at is None:
        return "-"
    return fmt.duration(now - market.quoted_at.timestamp())


def market_table(data: ViewData) -> Table:
    table = Table(title="markets", expand=True, title_justify="left")
    table.add_column("market", overflow="fold")
    table.add_column("title", overflow="ellipsis", max_width=40)
    for col in ("fair", "YES bid", "NO bid", "holdings", "PnL", "quote age", "fills"):
        table.add_column(col, justify="right")
    table.add_column("health")
    labels = data.labels
    for m in data.snap.markets:
        s = data.per_market.get(str(m.market_id))
        tick = data.ticks.get(m.market_id)
        table.add_row(
            labels[m.market_id],
            fmt.title_of(data.titles, m.market_id, 40),
            fmt.price(m.fair_value, tick),
            fmt.price(m.yes_bid, tick),
            fmt.price(m.no_bid, tick),
            fmt.holdings(m.yes_contracts, m.no_contracts),
            fmt.money(m.realized_pnl + m.unrealized_pnl),
            _age(m, data.now),
            str(s.fills) if s else "0",
            Text(
                m.health + (f" ({m.restarts})" if m.restarts else ""),
                style=HEALTH_STYLE.get(m.health, ""),
            ),
        )
    return table


def exposure_key(market_id: MarketId, event: str | None) -> str:
    """The key the exposure book sums a market under (``domain.exposure.event_key``)."""
    return f"event:{event}" if event is not None else f"market:{market_id}"


def event_name(key: str, labels: Mapping[MarketId, str]) -> str:
    """An exposure key as the operator reads it: the event, or the market's short id."""
    kind, _, rest = key.partition(":")
    if kind == "event" and rest:
        return rest
    if kind == "market" and rest:
        with contextlib.suppress(ValueError):
            market_id = MarketId.parse(rest)
            return labels.get(market_id, market_id.symbol)
    return key


def event_holdings(data: ViewData) -> dict[str, tuple[Decimal, Decimal]]:
    """YES and NO held per event, by the exposure book's key, summed over its markets on
    every venue (the markets the book names; else those of the event's key)."""
    markets = data.snap.markets
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for e in data.snap.exposure.events if data.snap.exposure else ():
        members = [
            m
            for m in markets
            if (str(m.market_id) in e.markets if e.markets else _key_of(m, data) == e.event_id)
        ]
        yes = sum((m.yes_contracts for m in members), ZERO)
        out[e.event_id] = (yes, sum((m.no_contracts for m in members), ZERO))
    return out


def _key_of(market: MarketStatus, data: ViewData) -> str:
    return exposure_key(market.market_id, data.events.get(market.market_id))


def event_table(data: ViewData) -> Table:
    table = Table(title="events (exposure across venues)", expand=True, title_justify="left")
    table.add_column("event")
    for col in ("holdings", "limit use", "worst loss", "loss limit"):
        table.add_column(col, justify="right")
    table.add_column("worst if")
    limits, held, labels = data.snap.limits, event_holdings(data), data.labels
    for e in data.snap.exposure.events if data.snap.exposure else ():
        yes, no = held.get(e.event_id, (ZERO, ZERO))
        limit = f" of {fmt.contracts(limits.event_contracts)}" if limits else ""
        table.add_row(
            event_name(e.event_id, labels),
            fmt.holdings(yes, no),
            f"{fmt.contracts(e.contracts)}{limit}",
            fmt.money(e.worst_loss),
            fmt.money(limits.event_loss) if limits else "-",
            e.scenario if e.worst_loss else "-",
        )
    return table


def venue_text(venues: tuple[VenueState, ...], now: float) -> str:
    parts = []
    for v in venues:
        if v.connected:
            parts.append(f"{v.venue} connected")
        else:
            parts.append(f"{v.venue} DOWN {fmt.duration(now - v.since)}")
    return ", ".join(parts) or "no venue"


def header(data: ViewData) -> Text:
    snap, exp, totals = data.snap, data.snap.exposure, data.totals
    text = Text()
    if snap.paper:
        text.append(" PAPER ", style=PAPER_STYLE)
        text.append(" ")
    text.append(f" {snap.trading_state.value.upper()} ", style=STATE_STYLE[snap.trading_state])
    stamp = datetime.fromtimestamp(data.now, UTC)
    text.append(f"  {fmt.when(stamp)}  up {fmt.duration(data.now - data.started)}  ")
    for i, v in enumerate(data.venues):
        text.append(", " if i else "")
        text.append(
            f"{v.venue} connected" if v.connected else f"{v.venue} DOWN",
            style="green" if v.connected else "bold red",
        )
    if exp is not None:
        text.append(
            f"\n PnL {fmt.money(data.pnl)} (realized {fmt.money(exp.realized_pnl)},"
            f" unrealized {fmt.money(exp.unrealized_pnl)})  day {fmt.money(exp.daily_pnl)}"
            f"  worst-case loss {fmt.money(exp.total_loss)}"
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
            f"\n fills {totals.fills}  fill rate {fmt.percent(totals.fill_rate)}"
            f"  spread capture {fmt.money(totals.spread_capture)}"
            f"  quote uptime {fmt.percent(totals.quote_uptime)}"
            + "".join(
                f"  markout {h:g} s {fmt.money(v)}" for h, v in sorted(totals.markouts.items())
            )
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
            f"\n {s.strategy}: realized {fmt.money(s.realized_pnl)}"
            f"  unrealized {fmt.money(s.unrealized_pnl)}  holds {s.contracts:g}"
        )
        e = runs.get(s.strategy)
        if e is not None:
            text.append(
                f"  executions {e.done} done, {e.naked} naked  locked {fmt.money(e.locked)}"
            )
            if e.naked_contracts:
                text.append(f"  {e.naked_contracts:g} contracts NAKED", style="bold red")


def render(data: ViewData) -> Group:
    return Group(header(data), market_table(data), event_table(data))


# status lines ------------------------------------------------------------------------------


def _cents(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(fmt.CENT))


def status_fields(data: ViewData) -> dict[str, Any]:
    """One status line's figures (JSON-ready: money as decimal strings, to the cent)."""
    snap, exp = data.snap, data.snap.exposure
    return {
        "time": fmt.iso(datetime.fromtimestamp(data.now, UTC)),
        "mode": "paper" if snap.paper else "live",
        "state": snap.trading_state.value,
        "uptime_s": int(data.now - data.started),
        "venues": {v.venue: "connected" if v.connected else "down" for v in data.venues},
        "markets": len(snap.markets),
        "quoting": sum(1 for m in snap.markets if m.health == "quoting"),
        "quarantined": len(snap.quarantined),
        "blocked": sum(1 for m in snap.markets if m.health == "blocked"),
        "restarts": snap.restarts,
        "halt_reason": snap.halt_reason,
        "core": {c.component: c.health for c in snap.core},
        "fills": data.totals.fills if data.totals else 0,
        "resting_orders": data.resting,
        "pnl": _cents(data.pnl),
        "realized": _cents(exp.realized_pnl) if exp else None,
        "unrealized": _cents(exp.unrealized_pnl) if exp else None,
        "day": _cents(exp.daily_pnl) if exp else None,
        "worst_case_loss": _cents(exp.total_loss) if exp else None,
    }


def human_line(data: ViewData) -> str:
    f, exp = status_fields(data), data.snap.exposure
    mode = "PAPER " if data.snap.paper else ""  # first: a paper run is never read as live
    blocked = f", {f['blocked']} blocked" if f["blocked"] else ""
    parts = [
        f"{fmt.when(datetime.fromtimestamp(data.now, UTC))} {mode}{f['state'].upper()}",
        f"up {fmt.duration(data.now - data.started)}",
        venue_text(data.venues, data.now),
        f"markets {f['markets']} ({f['quoting']} quoting, {f['quarantined']} quarantined{blocked})",
        *(f"{c.component} {c.health}" for c in data.snap.core),
        f"fills {f['fills']}",
        f"resting {'-' if data.resting is None else data.resting}",
    ]
    if exp is not None:
        parts.append(f"PnL {fmt.money(data.pnl)} (day {fmt.money(exp.daily_pnl)})")
        parts.append(f"worst-case loss {fmt.money(exp.total_loss)}")
    return " | ".join(parts)


def status_line(data: ViewData, *, as_json: bool) -> str:
    return json.dumps(status_fields(data)) if as_json else human_line(data)


async def run_view(
    source: Callable[[], ViewData],
    *,
    live: bool,
    console: Console | None = None,
    out: TextIO | None = None,
    as_json: bool = False,
    interval: float = 1.0,
    line_interval: float = 10.0,
) -> None:
    """Refresh until cancelled: the rich view (``live``), else a status line on ``out``
    (stdout) every ``line_interval`` seconds."""
    if not live:
        stream = out or sys.stdout
        while True:
            print(status_line(source(), as_json=as_json), file=stream, flush=True)
            await trio.sleep(line_interval)
    console = console or Console()
    with Live(console=console, auto_refresh=False, transient=False) as view:
        while True:
            view.update(render(source()), refresh=True)
            await trio.sleep(interval)

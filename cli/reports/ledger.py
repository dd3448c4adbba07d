"""PnL from the journal, one rule for every report: a market's PnL is its cash (what
its sells brought in, less what its buys cost and its fees) plus what it holds at the
market's YES mark (a YES at the mark, a NO at one minus it). A YES and a NO together are
worth $1 whatever the mark, so a filled pair's edge counts as soon as both legs fill.

* By market, event, venue or strategy (``pnl_by``): each fill's own PnL at the market's
  latest mark (``fill_pnl``); these add up to the total, whatever the grouping.
* By day (``daily``): the change of the marked PnL over the UTC day, the marks as they
  stood at each day's end (``equity_at``), so a day shows what it earned or lost.

A market that was never marked is valued at the last price we traded it at (the
``fallback`` flag says so). Pure functions: the reports read the journal and pass in
fills (``Trade``) and marks.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.domain.orders import Fill

ZERO = Decimal(0)
ONE = Decimal(1)


@attrs.frozen(kw_only=True)
class Trade:
    """One fill as the ledger counts it."""

    fill: Fill
    at: datetime  # the venue's time of the fill, else when it was received
    venue: Venue

    @property
    def market_id(self) -> MarketId:
        return self.fill.market_id

    @property
    def yes_price(self) -> Decimal:
        """The fill's price in YES terms (a NO at q is a YES at 1 - q)."""
        p = self.fill.price
        return p if self.fill.side is OrderSide.YES else ONE - p


def side_value(side: OrderSide, yes_mark: Decimal) -> Decimal:
    return yes_mark if side is OrderSide.YES else ONE - yes_mark


def fill_pnl(fill: Fill, yes_mark: Decimal) -> Decimal:
    """The fill's PnL at ``yes_mark``: what it holds (or gave up) at the mark, less its
    price and its fee."""
    value = side_value(fill.side, yes_mark)
    edge = value - fill.price if fill.action is Action.BUY else fill.price - value
    return fill.quantity * edge - fill.fee


@attrs.define
class Position:
    """One market's holdings and cash, fill by fill."""

    yes: Decimal = ZERO
    no: Decimal = ZERO
    cash: Decimal = ZERO
    fees: Decimal = ZERO
    last_trade: Decimal | None = None  # YES terms

    def apply(self, trade: Trade) -> None:
        f = trade.fill
        sign = ONE if f.action is Action.BUY else -ONE
        if f.side is OrderSide.YES:
            self.yes += sign * f.quantity
        else:
            self.no += sign * f.quantity
        self.cash -= sign * f.quantity * f.price + f.fee
        self.fees += f.fee
        self.last_trade = trade.yes_price

    def value(self, yes_mark: Decimal | None) -> Decimal:
        mark = yes_mark if yes_mark is not None else self.last_trade
        if mark is None:
            return self.cash
        return self.cash + self.yes * mark + self.no * (ONE - mark)


@attrs.frozen(kw_only=True)
class Row:
    """A group's figures: fills, contracts traded, fees and PnL."""

    fills: int = 0
    contracts: Decimal = ZERO
    fees: Decimal = ZERO
    pnl: Decimal = ZERO
    fallback: bool = False  # some of it valued at our last trade price, not a mark

    def plus(self, trade: Trade, pnl: Decimal, fallback: bool) -> Row:
        return Row(
            fills=self.fills + 1,
            contracts=self.contracts + trade.fill.quantity,
            fees=self.fees + trade.fill.fee,
            pnl=self.pnl + pnl,
            fallback=self.fallback or fallback,
        )


def last_trades(trades: Iterable[Trade]) -> dict[MarketId, Decimal]:
    out: dict[MarketId, Decimal] = {}
    for t in sorted(trades, key=lambda t: t.at):
        out[t.market_id] = t.yes_price
    return out


def pnl_by(
    trades: Sequence[Trade],
    marks: Mapping[MarketId, Decimal],
    key: Callable[[Trade], Hashable],
) -> dict[Hashable, Row]:
    """Each group's fills at the markets' latest ``marks`` (the last trade where none)."""
    fallback = last_trades(trades)
    rows: dict[Hashable, Row] = {}
    for t in trades:
        mark = marks.get(t.market_id)
        used = mark if mark is not None else fallback[t.market_id]
        group = key(t)
        rows[group] = rows.get(group, Row()).plus(t, fill_pnl(t.fill, used), mark is None)
    return rows


def positions(trades: Iterable[Trade]) -> dict[MarketId, Position]:
    out: dict[MarketId, Position] = {}
    for t in sorted(trades, key=lambda t: t.at):
        out.setdefault(t.market_id, Position()).apply(t)
    return out


MarkSeries = Sequence[tuple[MarketId, datetime, Decimal]]  # in time order


def equity_at(
    trades: Sequence[Trade], marks: MarkSeries, times: Sequence[datetime]
) -> list[tuple[Decimal, dict[MarketId, Position], dict[MarketId, Decimal]]]:
    """At each of ``times`` (ascending): the total marked PnL of the fills before it,
    the positions and the marks then (each market's last mark before it)."""
    events = sorted(
        [(t.at, 1, i) for i, t in enumerate(trades)]
        + [(at, 0, i) for i, (_, at, _) in enumerate(marks)]
    )
    held: dict[MarketId, Position] = {}
    now_marks: dict[MarketId, Decimal] = {}
    out = []
    cursor = 0
    for when in times:
        while cursor < len(events) and events[cursor][0] < when:
            _, kind, i = events[cursor]
            if kind == 1:
                held.setdefault(trades[i].market_id, Position()).apply(trades[i])
            else:
                now_marks[marks[i][0]] = marks[i][2]
            cursor += 1
        total = sum((p.value(now_marks.get(m)) for m, p in held.items()), ZERO)
        snapshot = {m: attrs.evolve(p) for m, p in held.items()}
        out.append((total, snapshot, dict(now_marks)))
    return out


def day_starts(first: datetime, last: datetime) -> list[datetime]:
    """Midnights (UTC, of ``first``'s timezone) from ``first``'s day to ``last``'s."""
    day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def daily(trades: Sequence[Trade], marks: MarkSeries, now: datetime) -> list[tuple[datetime, Row]]:
    """Each UTC day's fills, fees and PnL (the change of the marked PnL over the day;
    today's up to ``now`` at the latest marks)."""
    if not trades:
        return []
    starts = day_starts(min(t.at for t in trades), now)
    bounds = [*starts[1:], now + timedelta(microseconds=1)]
    equity = [e for e, _, _ in equity_at(trades, marks, bounds)]
    rows = []
    before = ZERO
    for start, end, value in zip(starts, bounds, equity, strict=True):
        day_trades = [t for t in trades if start <= t.at < end]
        rows.append(
            (
                start,
                Row(
                    fills=len(day_trades),
                    contracts=sum((t.fill.quantity for t in day_trades), ZERO),
                    fees=sum((t.fill.fee for t in day_trades), ZERO),
                    pnl=value - before,
                ),
            )
        )
        before = value
    return rows

"""What every report reads from a journal, read once in one read transaction
(``read_journal``): the fills (as ledger ``Trade``s), the orders, the marks (the
journal's, and the daemon's live file when it is newer; a settled market's is its payout,
1 or 0 for a YES, from its settlement on), the markets' titles, events and ticks, the
runs, the venues' balances and the settlements; which journal a report reads when none
is named (``default_journal``: the run started last in the folder); and the command-line
filters that narrow them (``Filters``: markets, a venue, a time window), with the time
option's parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click

from predmm.actors.journal.messages import MarketInfo
from predmm.actors.journal.records import (
    BalanceRecord,
    RunRecord,
    SettlementRecord,
    TradingStateRecord,
)
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import Journal
from predmm.cli import fmt
from predmm.cli.oneline import check_journal_file
from predmm.cli.reports.ledger import Trade
from predmm.cli.status import read_live
from predmm.domain.enums import Venue
from predmm.domain.errors import PredmmError
from predmm.domain.ids import EventId, MarketId
from predmm.domain.orders import Order

DEFAULT_JOURNAL = Path("predmm.sqlite3")
EMBEDDED_JOURNALS = "predmm-sim/*/predmm.sqlite3"
_EPOCH = datetime.min.replace(tzinfo=UTC)
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$")
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


class TimeParam(click.ParamType[datetime]):
    """A time: ``2026-12-06``, ``2026-12-06T17:00`` (UTC unless it says otherwise),
    ``today``, ``yesterday``, or how long ago: ``30m``, ``2h``, ``7d``."""

    name = "time"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value), datetime.now(UTC))
        except ValueError:
            self.fail(
                f"{value!r} is not a time: give 2026-12-06, 2026-12-06T17:00, today, "
                "yesterday, or how long ago (30m, 2h, 7d)",
                param,
                ctx,
            )


def parse_time(text: str, now: datetime) -> datetime:
    text = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if text == "today":
        return midnight
    if text == "yesterday":
        return midnight - timedelta(days=1)
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(seconds=float(relative[1]) * _UNITS[relative[2]])
    parsed = datetime.fromisoformat(text.upper())
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@attrs.frozen(kw_only=True)
class Filters:
    markets: tuple[str, ...] = ()  # as typed: ids, tickers, short ids or words of titles
    venue: Venue | None = None
    since: datetime | None = None
    until: datetime | None = None

    def window(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)


@attrs.frozen(kw_only=True)
class JournalData:
    """One journal, read whole for a report."""

    path: Path
    read_at: datetime
    trades: tuple[Trade, ...]
    orders: tuple[tuple[Order, datetime], ...]  # with their last update
    marks: dict[MarketId, tuple[Decimal, datetime]]  # latest, with its time
    mark_series: tuple[tuple[MarketId, datetime, Decimal], ...]
    markets: dict[MarketId, MarketInfo]
    runs: tuple[RunRecord, ...]
    balances: tuple[BalanceRecord, ...]
    trading_state: TradingStateRecord | None
    live: dict[str, Any]
    fill_marks: dict[Any, dict[float, Decimal]] = attrs.field(factory=dict)
    settlements: dict[MarketId, SettlementRecord] = attrs.field(factory=dict)

    @property
    def titles(self) -> dict[MarketId, str]:
        return {m: info.title for m, info in self.markets.items() if info.title}

    @property
    def ticks(self) -> dict[MarketId, Decimal]:
        return {m: info.tick for m, info in self.markets.items() if info.tick is not None}

    def market_ids(self) -> list[MarketId]:
        seen = {t.market_id for t in self.trades} | {o.market_id for o, _ in self.orders}
        return sorted(seen | set(self.markets))

    def linked_event(self, market_id: MarketId) -> str | None:
        """The real-world event a market is linked to across venues (the run's links)."""
        info = self.markets.get(market_id)
        if info is not None and info.linked_event is not None:
            return str(info.linked_event)
        live = self.live.get("events", {}).get(str(market_id))
        return str(live) if live else None

    def event_of(self, market_id: MarketId) -> str | None:
        """The event a market is linked to across venues, else its venue's event."""
        linked = self.linked_event(market_id)
        if linked is not None:
            return linked
        info = self.markets.get(market_id)
        return None if info is None or info.event_id is None else str(info.event_id)

    def run_of(self, at: datetime) -> RunRecord | None:
        for run in reversed(self.runs):
            if run.contains(at, self.read_at):
                return run
        return None

    def yes_marks(self) -> dict[MarketId, Decimal]:
        return {m: mark for m, (mark, _) in self.marks.items()}


def default_journal(folder: Path = Path()) -> Path:
    """The journal of the run started last in ``folder``: ``predmm.sqlite3`` or the
    newest embedded run's (``predmm-sim/<UTC start>/predmm.sqlite3``)."""
    plain = folder / DEFAULT_JOURNAL
    candidates = [plain] if plain.is_file() else []
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


def open_journal(path: Path) -> Journal:
    """The journal at ``path`` for reading; anything else is one line naming it."""
    if not path.exists():
        raise PredmmError(f"no journal at {path} (give --journal PATH of a predmm run)")
    if not path.is_file():
        raise PredmmError(f"{path} is a folder, not a journal file")
    check_journal_file(path)
    try:
        return Journal.open_read_only(path)
    except JournalError as exc:
        raise PredmmError(str(exc)) from None


def read_journal(path: Path, now: datetime | None = None, *, orders: bool = True) -> JournalData:
    """``path`` read whole (``orders``: with every order; the open ones otherwise)."""
    now = now or datetime.now(UTC)
    live = read_live(path)
    with open_journal(path) as reader, reader.snapshot():
        fills = reader.fill_history()
        order_rows = (
            reader.order_history()
            if orders
            else [(o, o.created_at or now) for o in reader.open_orders()]
        )
        settled = {s.market_id: s for s in reader.settlements()}
        data = JournalData(
            path=path,
            read_at=now,
            trades=tuple(
                Trade(fill=jf.fill, at=jf.fill.ts or jf.received_at, venue=jf.venue)
                for jf in fills
                if not jf.is_reversed
            ),
            orders=tuple(order_rows),
            marks=_marks(reader.latest_marks(), live) | _settled_marks(settled),
            mark_series=_series(reader.marks(), settled),
            markets=reader.market_infos(),
            runs=tuple(reader.runs()),
            balances=tuple(reader.balances()),
            trading_state=reader.trading_state(),
            live=live,
            fill_marks=reader.fill_marks(),
            settlements=settled,
        )
    return data


def settled_at(s: SettlementRecord) -> datetime:
    """When a market resolved: the venue's time, else when it was journaled."""
    return s.venue_ts or s.recorded_at


def _settled_marks(
    settled: Mapping[MarketId, SettlementRecord],
) -> dict[MarketId, tuple[Decimal, datetime]]:
    """A resolved market is worth its payout: a YES what it paid, a NO the rest."""
    return {m: (s.yes_payout, settled_at(s)) for m, s in settled.items()}


def _series(
    marks: Iterable[tuple[MarketId, datetime, Decimal]],
    settled: Mapping[MarketId, SettlementRecord],
) -> tuple[tuple[MarketId, datetime, Decimal], ...]:
    """The journaled marks, each settled market's ending at its payout when it resolved."""
    kept = [
        (m, at, mark) for m, at, mark in marks if m not in settled or at < settled_at(settled[m])
    ]
    kept += [(m, settled_at(s), s.yes_payout) for m, s in settled.items()]
    return tuple(sorted(kept, key=lambda row: row[1]))


def _marks(
    journaled: dict[MarketId, tuple[Decimal, datetime]], live: Mapping[str, Any]
) -> dict[MarketId, tuple[Decimal, datetime]]:
    """The journal's latest marks, each replaced by the live file's when that is newer."""
    out = dict(journaled)
    try:
        at = datetime.fromisoformat(live.get("updated_at") or "")
    except ValueError:
        return out  # no live file, or not one this predmm wrote
    for key, value in live.get("marks", {}).items():
        market_id = MarketId.parse(key)
        if market_id not in out or out[market_id][1] < at:
            out[market_id] = (Decimal(value), at)
    return out


def resolve_markets(queries: Iterable[str], data: JournalData) -> set[MarketId] | None:
    """The markets the ``--market`` options name (None: no option given). Each matches
    a full id (``kalshi:TICKER``), a ticker or condition id, a short id as the reports
    show it, a unique prefix of an id, or words of a title (every market whose title
    holds them)."""
    queries = list(queries)
    if not queries:
        return None
    known = data.market_ids()
    labels = fmt.short_ids(known)
    chosen: set[MarketId] = set()
    for query in queries:
        found = match_market(query, known, labels, data.titles)
        if not found:
            raise PredmmError(
                f"--market {query!r}: no market of the journal {data.path} matches"
                " (by id, ticker, short id, id prefix or title)"
            )
        chosen |= found
    return chosen


def match_market(
    query: str,
    known: list[MarketId],
    labels: Mapping[MarketId, str],
    titles: Mapping[MarketId, str],
) -> set[MarketId]:
    q = query.strip()
    exact = {m for m in known if q in (str(m), m.symbol, labels.get(m))}
    if exact:
        return exact
    prefixed = {m for m in known if m.symbol.startswith(q) or str(m).startswith(q)}
    if len(prefixed) == 1:
        return prefixed
    words = q.lower()
    return {m for m in known if words in titles.get(m, "").lower()}


def apply_filters(
    data: JournalData, filters: Filters
) -> tuple[list[Trade], list[tuple[Order, datetime]]]:
    """The fills and orders inside ``filters`` (orders by creation time)."""
    markets = resolve_markets(filters.markets, data)

    def keep(market_id: MarketId, at: datetime) -> bool:
        if markets is not None and market_id not in markets:
            return False
        if filters.venue is not None and market_id.venue is not filters.venue:
            return False
        return filters.window(at)

    trades = [t for t in data.trades if keep(t.market_id, t.at)]
    orders = [
        (o, updated) for o, updated in data.orders if keep(o.market_id, o.created_at or updated)
    ]
    return trades, orders


def linked_events(data: JournalData) -> dict[MarketId, EventId]:
    return {m: EventId(e) for m in data.market_ids() if (e := data.linked_event(m))}

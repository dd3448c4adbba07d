"""The replay's market events: compact columnar batches, one ``EventBatch`` per chunk of a
source, in time order.

A source (``backtest.sources``) turns recorded data into ``MarketInfo`` (the fixed facts
of each market) and a stream of ``EventBatch``: parallel Python lists, one entry per
event, read from pyarrow columns a batch at a time (no object per row). The kinds:

* ``BOOK``: the whole book (a snapshot): ``yes_px``/``yes_sz`` and ``no_px``/``no_sz``,
  the YES and NO bid ladders, best first;
* ``DELTA``: the changed levels of the book, in the same ladders (size 0: level gone);
* ``TRADE``: a print on the public tape: ``price`` (YES price), ``size``, ``aux`` (the
  taker: 1 bought YES, -1 bought NO, 0 unknown);
* ``STATUS``: the market's status changed: ``aux`` is its index in ``STATUSES``;
* ``SETTLE``: the market resolved: ``price`` is what YES paid (1.0 or 0.0), or, for a
  market whose outcome the data does not give, the last price it is marked at;
* ``TICK``: the tick size changed: ``price`` is the new uniform tick;
* ``INVALID``: the feed lost the book (no quoting until the next ``BOOK``).

Times are integer milliseconds since the Unix epoch (the receive time; recordings also
keep the venue's). Prices and sizes are floats as the data gives them: they become
``Decimal`` (through ``dec``, cached) only where a decision or a fill needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

import attrs

from predmm.domain.enums import MarketStatus
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Rewards
from predmm.domain.ticks import TickSpec
from predmm.simulator.exchange.fees import FeeSpec

BOOK, DELTA, TRADE, STATUS, SETTLE, TICK, INVALID = range(7)
KIND_NAMES = ("book", "delta", "trade", "status", "settle", "tick", "invalid")
STATUSES = tuple(MarketStatus)

_DECIMALS: dict[float, Decimal] = {}


def dec(value: float) -> Decimal:
    """A data float as the Decimal it was written as (its shortest repr), cached: a book
    has few distinct prices."""
    out = _DECIMALS.get(value)
    if out is None:
        out = Decimal(repr(value))
        if len(_DECIMALS) < 100_000:
            _DECIMALS[value] = out
    return out


def to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


Ladders = tuple[list[float], list[float], list[float], list[float]]  # yes_px, yes_sz, no_px, no_sz


class DataError(Exception):
    """Bad input data: names the file, the row (0-based data row, or None) and the field."""

    def __init__(self, file: object, row: int | None, field: str | None, problem: str) -> None:
        where = f"{file}"
        if row is not None:
            where += f": row {row}"
        if field is not None:
            where += f": field {field!r}"
        super().__init__(f"{where}: {problem}")
        self.file, self.row, self.field, self.problem = file, row, field, problem


@attrs.frozen(kw_only=True)
class MarketInfo:
    """What is fixed about one market for the run."""

    market_id: MarketId
    title: str = ""
    event_id: EventId | None = None
    tick: TickSpec = attrs.field(factory=lambda: TickSpec.uniform(Decimal("0.01")))
    close_ms: int | None = None  # the close time, ms since the epoch
    min_order_size: Decimal = Decimal(1)
    fees: FeeSpec = attrs.field(factory=FeeSpec.free)
    liquidity: Decimal | None = None  # None: from the book (dollars resting on it)
    listed_liquidity: Decimal = Decimal(0)  # from before the data, added to the book's
    liquidity_from_trades: bool = False  # no resting sizes: the dollars traded so far
    settle_note: str = ""  # how the outcome is known ("recorded", "inferred: ...")
    rewards: Rewards | None = None  # what the venue pays makers (``backtest.rewards``)


@attrs.define(slots=True)
class EventBatch:
    """Parallel lists, one entry per event, in time order."""

    ts: list[int]
    kind: list[int]
    market: list[int]  # index into the source's markets
    price: list[float]
    size: list[float]
    aux: list[int]
    yes_px: list[list[float] | None]
    yes_sz: list[list[float] | None]
    no_px: list[list[float] | None]
    no_sz: list[list[float] | None]

    @classmethod
    def empty(cls) -> EventBatch:
        return cls([], [], [], [], [], [], [], [], [], [])

    def __len__(self) -> int:
        return len(self.ts)

    def add(
        self,
        ts: int,
        kind: int,
        market: int,
        price: float = 0.0,
        size: float = 0.0,
        aux: int = 0,
        ladders: tuple[list[float], list[float], list[float], list[float]] | None = None,
    ) -> None:
        """One event (sources that build events one at a time: the simulator, tests)."""
        self.ts.append(ts)
        self.kind.append(kind)
        self.market.append(market)
        self.price.append(price)
        self.size.append(size)
        self.aux.append(aux)
        yp, ys, np_, ns = ladders if ladders is not None else (None, None, None, None)
        self.yes_px.append(yp)
        self.yes_sz.append(ys)
        self.no_px.append(np_)
        self.no_sz.append(ns)


class Source(Protocol):
    """Recorded (or generated) market data: its markets and its events in time order."""

    @property
    def name(self) -> str: ...
    @property
    def markets(self) -> list[MarketInfo]: ...
    @property
    def fills_from_books(self) -> bool:
        """False when the books are derived from trades (no sizes): then only trades
        fill a resting order."""
        ...

    @property
    def notes(self) -> list[str]:
        """What the reader assumed, for the report (estimators, inferred outcomes)."""
        ...

    def batches(self) -> Iterator[EventBatch]: ...

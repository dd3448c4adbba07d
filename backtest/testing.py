"""Test helpers: a source built event by event, and a decider that sends what it is told
at the times it is told (fill models, latency, fees and metrics on hand-built cases)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs

from predmm.backtest import events as ev
from predmm.backtest.decision import Command, MarketDecider, MarketInput
from predmm.domain.enums import MarketStatus, Venue
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.simulator.exchange.fees import FeeSpec

T0 = 1_790_000_000_000  # ms


def market(symbol: str = "M", venue: Venue = Venue.POLYMARKET, **kw: object) -> ev.MarketInfo:
    fees = FeeSpec.kalshi() if venue is Venue.KALSHI else FeeSpec.polymarket("0.07")
    base: dict[str, object] = {
        "market_id": MarketId(venue, symbol),
        "title": symbol,
        "fees": fees,
        "min_order_size": Decimal(1),
        "close_ms": T0 + 100 * 3_600_000,
        "settle_note": "recorded",
    }
    return ev.MarketInfo(**(base | kw))  # type: ignore[arg-type]


def book(yes: Sequence[tuple[float, float]], no: Sequence[tuple[float, float]]) -> ev.Ladders:
    """Ladders from (price, size) pairs, best first."""
    return ([p for p, _ in yes], [s for _, s in yes], [p for p, _ in no], [s for _, s in no])


@attrs.define(slots=False)
class ListSource:
    """Events added one by one (times in ms after ``T0``)."""

    markets: list[ev.MarketInfo]
    fills_from_books: bool = True
    name: str = "list"
    notes: list[str] = attrs.field(factory=list)
    span_ms: int = 3_600_000
    batch: ev.EventBatch = attrs.field(factory=ev.EventBatch.empty)

    def book(self, t: int, ladders: ev.Ladders, market: int = 0) -> ListSource:
        self.batch.add(T0 + t, ev.BOOK, market, ladders=ladders)
        return self

    def trade(
        self, t: int, price: float, size: float, taker: int = 0, market: int = 0
    ) -> ListSource:
        self.batch.add(T0 + t, ev.TRADE, market, price=price, size=size, aux=taker)
        return self

    def delta(self, t: int, ladders: ev.Ladders, market: int = 0) -> ListSource:
        """Changed levels only (size 0: the level is gone)."""
        self.batch.add(T0 + t, ev.DELTA, market, ladders=ladders)
        return self

    def status(self, t: int, status: MarketStatus, market: int = 0) -> ListSource:
        self.batch.add(T0 + t, ev.STATUS, market, aux=ev.STATUSES.index(status))
        return self

    def settle(self, t: int, yes_paid: float, market: int = 0) -> ListSource:
        self.batch.add(T0 + t, ev.SETTLE, market, price=yes_paid)
        return self

    def batches(self) -> Iterator[ev.EventBatch]:
        yield self.batch


@attrs.define
class ScriptDecider:
    """Sends ``plan[t]`` (ms after ``T0``) at the first decision at or after ``t``; picks
    every market; no limits unless ``limits``."""

    plan: dict[int, list[Command]]
    name: str = "script"
    limits: bool = False
    max_position_size: int = 100
    reserves: bool = False
    inputs: list[MarketInput] = attrs.field(factory=list)

    def market(self, info: ev.MarketInfo) -> MarketDecider:
        return _ScriptMarket(self)

    def select(self, markets: list[Market]) -> set[MarketId]:
        return {m.market_id for m in markets}


@attrs.define
class _ScriptMarket:
    owner: ScriptDecider
    sized: bool = True

    def decide(self, inp: MarketInput) -> list[Command]:
        self.owner.inputs.append(inp)
        now = round(inp.now.timestamp() * 1000) - T0
        due = sorted(t for t in self.owner.plan if t <= now)
        out: list[Command] = []
        for t in due:
            out.extend(self.owner.plan.pop(t))
        return out

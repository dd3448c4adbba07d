"""The simulator's seeded day as market data: its matching core and seeded flow advanced
one ``step_s`` at a time, no maker quoting into it; every book that changed (a snapshot),
every print, status change, tick change and settlement, as a replay source. The same seed
gives the same events. (The interactive backtest, where the strategy's own orders rest in
the simulated book, is ``backtest.driver``, used by ``bench/day.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import attrs

from predmm.backtest import events as ev
from predmm.backtest.driver import DEFAULT_START
from predmm.backtest.rewards import rewards_of
from predmm.domain.enums import OrderSide
from predmm.simulator import Simulator
from predmm.simulator.exchange import events as xev
from predmm.simulator.flow import FlowConfig
from predmm.simulator.universe import default_universe


@attrs.define(slots=False)
class SimDay:
    seed: int = 7
    duration_s: float = 3600.0
    step_s: float = 1.0
    start: datetime = DEFAULT_START
    only: frozenset[str] | None = None
    markets: list[ev.MarketInfo] = attrs.field(init=False, factory=list)
    notes: list[str] = attrs.field(init=False, factory=list)
    fills_from_books: bool = True
    name: str = "sim"
    flow: FlowConfig | None = None  # None: the default (calibrated) flow

    def __attrs_post_init__(self) -> None:
        self.universe = default_universe(self.start, history=True)
        specs = [
            s for s in self.universe.specs if self.only is None or str(s.market_id) in self.only
        ]
        self.index = {s.market_id: i for i, s in enumerate(specs)}
        for s in specs:
            close = s.close_time
            self.markets.append(
                ev.MarketInfo(
                    market_id=s.market_id,
                    title=s.title,
                    event_id=s.event_id,
                    tick=s.tick,
                    close_ms=int(close.timestamp() * 1000) if close else None,
                    min_order_size=s.min_order_size,
                    fees=s.fees,
                    settle_note="recorded",
                    listed_liquidity=s.history.liquidity,  # as the exchange reports it
                    rewards=rewards_of(s),
                )
            )
        self.span_ms = int(self.duration_s * 1000)
        self.notes.append(
            f"simulator: seed {self.seed}, {self.duration_s:g} s, {self.step_s:g} s steps"
        )

    def batches(self) -> Iterator[ev.EventBatch]:
        sim = Simulator(seed=self.seed, flow=True, universe=self.universe, flow_config=self.flow)
        ex = sim.exchange
        seen: list[xev.ExchangeEvent] = []
        ex.subscribe(
            seen.append,
            types=(
                xev.TradePrinted,
                xev.MarketStatusChanged,
                xev.TickSizeChanged,
                xev.MarketSettled,
            ),
        )
        seqs = dict.fromkeys(self.index, -1)
        for _ in range(round(self.duration_s / self.step_s)):
            sim.advance(self.step_s)
            ts = int(sim.now().timestamp() * 1000)
            batch = ev.EventBatch.empty()
            for event in seen:
                self._event(batch, ts, event)
            seen.clear()
            for market_id, i in self.index.items():
                if ex.book_seq(market_id) != seqs[market_id]:
                    seqs[market_id] = ex.book_seq(market_id)
                    book = ex.book(market_id)
                    ladders = (
                        [float(lv.price) for lv in book.yes_bids],
                        [float(lv.size) for lv in book.yes_bids],
                        [float(lv.price) for lv in book.no_bids],
                        [float(lv.size) for lv in book.no_bids],
                    )
                    batch.add(ts, ev.BOOK, i, ladders=ladders)
            if len(batch):
                yield batch

    def _event(self, batch: ev.EventBatch, ts: int, event: xev.ExchangeEvent) -> None:
        if isinstance(event, xev.TradePrinted):
            i = self.index.get(event.trade.market_id)
            if i is not None:
                taker = 1 if event.trade.taker_side is OrderSide.YES else -1
                t = event.trade
                batch.add(
                    ts, ev.TRADE, i, price=float(t.yes_price), size=float(t.quantity), aux=taker
                )
        elif isinstance(event, xev.MarketStatusChanged) and event.market_id in self.index:
            batch.add(
                ts, ev.STATUS, self.index[event.market_id], aux=ev.STATUSES.index(event.status)
            )
        elif isinstance(event, xev.TickSizeChanged) and event.market_id in self.index:
            step = min(b.step for b in event.tick.bands)
            batch.add(ts, ev.TICK, self.index[event.market_id], price=float(step))
        elif isinstance(event, xev.MarketSettled) and event.market_id in self.index:
            paid = 1.0 if event.result is OrderSide.YES else 0.0
            batch.add(ts, ev.SETTLE, self.index[event.market_id], price=paid)

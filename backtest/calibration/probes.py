"""The one pass over a replay's events: touch probes placed, filled or expired, books
sampled for the spread (see ``backtest.calibration``)."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence

import attrs

from predmm.backtest import events as ev
from predmm.backtest.calibration.figures import (
    BUCKETS,
    Calibration,
    CalibrationConfig,
    TouchFigures,
    TouchFill,
    bucket_figures,
    bucket_of,
    labels,
    pooled,
)
from predmm.backtest.engine_state import merge_delta
from predmm.backtest.fills import EMPTY, Ladders, size_at
from predmm.domain.enums import MarketStatus

EPS = 1e-9


def measure(
    markets: Sequence[ev.MarketInfo],
    batches: Iterable[ev.EventBatch],
    config: CalibrationConfig | None = None,
    *,
    name: str = "",
) -> Calibration:
    """The touch probes and the spread samples over ``batches`` (in time order)."""
    return measure_all(markets, batches, (config or CalibrationConfig(),), name=name)[0]


def measure_all(
    markets: Sequence[ev.MarketInfo],
    batches: Iterable[ev.EventBatch],
    configs: Sequence[CalibrationConfig],
    *,
    name: str = "",
) -> list[Calibration]:
    """``measure`` under each of ``configs``, in one pass over ``batches``."""
    runs = [_Run(markets, config) for config in configs]
    for batch in batches:
        for run in runs:
            run.batch(batch)
    return [run.finish(name) for run in runs]


@attrs.define(slots=True, eq=False)
class _Probe:
    yes: bool
    price: float
    placed: int
    ahead: float


class _Market:
    def __init__(self, index: int) -> None:
        self.index = index
        self.open = True
        self.book: Ladders = EMPTY
        self.bid: float | None = None  # YES best bid
        self.ask: float | None = None  # YES best ask (1 - the best NO bid)
        self.mid_ts: list[int] = []
        self.mids: list[float] = []
        self.end: int | None = None  # when it closed
        self.probes: list[_Probe] = []
        self.covered = self.filled = 0

    @property
    def quotable(self) -> bool:
        return self.open and self.bid is not None and self.ask is not None

    def set_book(self, ts: int, ladders: Ladders) -> None:
        self.book = ladders
        yes, no = ladders[0], ladders[2]
        self.bid = yes[0] if yes else None
        self.ask = round(1.0 - no[0], 9) if no else None
        if self.bid is not None and self.ask is not None:
            mid = round((self.bid + self.ask) / 2, 9)
            if not self.mids or self.mids[-1] != mid:
                self.mid_ts.append(ts)
                self.mids.append(mid)

    def mid_at(self, ts: int) -> float | None:
        i = bisect.bisect_right(self.mid_ts, ts) - 1
        return self.mids[i] if i >= 0 else None


class _Run:
    def __init__(self, markets: Sequence[ev.MarketInfo], config: CalibrationConfig) -> None:
        self.infos, self.cfg = markets, config
        self.mkts = [_Market(i) for i in range(len(markets))]
        self.window = round(config.window_s * 1000)
        self.probe_ms = round(config.probe_every_s * 1000)
        self.sample_ms = round(config.sample_every_s * 1000)
        self.next_probe: int | None = None
        self.next_sample = 0
        self.last = 0
        self.fills: list[TouchFill] = []
        self.samples = [(array("d"), array("d")) for _ in BUCKETS]  # (bps, cents)

    def batch(self, b: ev.EventBatch) -> None:
        for i in range(len(b)):
            ts = b.ts[i]
            self._grid(ts)
            m, kind = self.mkts[b.market[i]], b.kind[i]
            self._expire(m, ts)
            if kind == ev.BOOK or kind == ev.DELTA:
                ladders = (b.yes_px[i], b.yes_sz[i], b.no_px[i], b.no_sz[i])
                if kind == ev.DELTA and m.book is not EMPTY:
                    ladders = merge_delta(m.book, ladders)  # type: ignore[arg-type]
                m.set_book(ts, ladders)  # type: ignore[arg-type]
                self._book_fills(m, ts)
            elif kind == ev.TRADE:
                if self.cfg.prints:
                    self._print_fills(m, ts, b.price[i], b.size[i], b.aux[i])
            elif kind == ev.STATUS:
                if ev.STATUSES[b.aux[i]] is MarketStatus.OPEN:
                    m.open, m.end = True, None
                else:
                    self._close(m, ts)
            elif kind == ev.SETTLE:
                self._close(m, ts)
            elif kind == ev.INVALID:
                m.book, m.bid, m.ask = EMPTY, None, None
            self.last = ts

    # the time grid ----------------------------------------------------------------------

    def _grid(self, ts: int) -> None:
        if self.next_probe is None:
            self.next_probe = self.next_sample = ts
        while self.next_sample < ts:
            self._sample()
            self.next_sample += self.sample_ms
        while self.next_probe < ts:
            self._place(self.next_probe)
            self.next_probe += self.probe_ms

    def _sample(self) -> None:
        for m in self.mkts:
            if not m.quotable:
                continue
            bid, ask = m.bid or 0.0, m.ask or 0.0
            mid, spread = (bid + ask) / 2, ask - bid
            for token_mid in (mid, 1.0 - mid):
                bucket = bucket_of(token_mid)
                if bucket is not None and token_mid > 0:
                    bps, cents = self.samples[bucket]
                    bps.append(spread / token_mid * 10_000)
                    cents.append(spread * 100)

    def _place(self, at: int) -> None:
        for m in self.mkts:
            if not m.quotable:
                continue
            yes_px, yes_sz, no_px, no_sz = m.book
            m.probes.append(_Probe(True, yes_px[0], at, yes_sz[0]))
            m.probes.append(_Probe(False, no_px[0], at, no_sz[0]))

    # probes ---------------------------------------------------------------------------

    def _expire(self, m: _Market, ts: int) -> None:
        """Probes whose window passed before ``ts`` without a fill."""
        if m.probes and m.probes[0].placed + self.window < ts:
            left = [p for p in m.probes if p.placed + self.window >= ts]
            m.covered += len(m.probes) - len(left)
            m.probes = left

    def _close(self, m: _Market, ts: int) -> None:
        """The market closed: probes whose window the data covered count as unfilled."""
        self._expire(m, ts + 1)
        m.probes = []  # the rest were cut short: left out
        m.open = False
        if m.end is None:  # a settlement after the close: the close stays the end
            m.end = ts

    def _book_fills(self, m: _Market, ts: int) -> None:
        if not m.probes:
            return
        yes_px, yes_sz, no_px, no_sz = m.book
        keep: list[_Probe] = []
        for p in m.probes:
            if p.yes:
                crossed = m.ask is not None and m.ask <= p.price + EPS
                p.ahead = min(p.ahead, size_at(yes_px, yes_sz, p.price))
            else:
                crossed = m.bid is not None and m.bid >= 1.0 - p.price - EPS
                p.ahead = min(p.ahead, size_at(no_px, no_sz, p.price))
            if crossed:
                self._filled(m, p, ts)
            else:
                keep.append(p)
        m.probes = keep

    def _print_fills(self, m: _Market, ts: int, yes_price: float, size: float, taker: int) -> None:
        keep: list[_Probe] = []
        for p in m.probes:
            price = yes_price if p.yes else round(1.0 - yes_price, 9)
            sells_to_us = taker == 0 or (taker == -1) == p.yes
            if price < p.price - EPS:
                self._filled(m, p, ts)
                continue
            if sells_to_us and abs(price - p.price) <= EPS:
                p.ahead -= size
                if p.ahead < 0:
                    self._filled(m, p, ts)
                    continue
            keep.append(p)
        m.probes = keep

    def _filled(self, m: _Market, p: _Probe, ts: int) -> None:
        m.covered += 1
        m.filled += 1
        self.fills.append(TouchFill(m.index, p.yes, p.price, p.placed, ts))

    # figures --------------------------------------------------------------------------

    def finish(self, name: str) -> Calibration:
        for m in self.mkts:
            if m.open:
                self._expire(m, self.last + 1)
                m.end = self.last
        per: dict[int, TouchFigures] = {}
        for m in self.mkts:
            mine = [f for f in self.fills if f.market == m.index]
            per[m.index] = self._figures(m.covered, mine)
        overall = pooled(per.values(), self.cfg.horizons_s)
        names = labels(self.infos)
        return Calibration(
            source=name,
            overall=overall,
            per_market={names[i]: f for i, f in per.items() if f.probes},
            spreads=tuple(
                bucket_figures(BUCKETS[i], *self.samples[i]) for i in range(len(BUCKETS))
            ),
            fills=tuple(self.fills),
        )

    def _figures(self, covered: int, fills: list[TouchFill]) -> TouchFigures:
        sums = dict.fromkeys(self.cfg.horizons_s, 0.0)
        counts = dict.fromkeys(self.cfg.horizons_s, 0)
        for f in fills:
            m = self.mkts[f.market]
            for h in self.cfg.horizons_s:
                at = f.filled_ms + h * 1000
                mid = m.mid_at(at) if m.end is None or at <= m.end else None
                if mid is None:
                    continue
                value = mid if f.yes else 1.0 - mid
                sums[h] += (value - f.price) * 100
                counts[h] += 1
        return TouchFigures(
            probes=covered, filled=len(fills), markout_sums=sums, markout_counts=counts
        )

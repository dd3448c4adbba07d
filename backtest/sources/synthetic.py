"""A synthetic L1 feed for speed measurements: NautilusTrader's requoting market-maker
workload on one binary market. A seeded random walk of the best YES bid on the 0.01
grid, kept inside 0.05..0.90, with a spread of 1 to 3 ticks; one book snapshot (one
level a side, sizes of 10 to 500 drawn every tick) every ``step_ms``. On each tick the
prices move with probability ``move`` (the bid one cent down or up, the spread drawn
again): as in real L1 feeds, most updates change sizes only; ``move=1`` moves them on
every tick. Nothing trades; the market closes long after the last tick.

The events are built when the source is made (``ticks`` of them), so a run times the
replay, not the generator.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import attrs

from predmm.backtest import events as ev
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.simulator.exchange.fees import FeeSpec

T0 = 1_790_000_000_000  # ms since the epoch
BATCH = 50_000


@attrs.define(slots=False)
class SyntheticL1:
    ticks: int = 1_000_000
    seed: int = 1
    step_ms: int = 100
    move: float = 0.25
    name: str = "synthetic-l1"
    fills_from_books: bool = True
    notes: list[str] = attrs.field(factory=list)
    markets: list[ev.MarketInfo] = attrs.field(init=False)
    span_ms: int = attrs.field(init=False)
    walk: list[tuple[int, int, float, float]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.span_ms = self.ticks * self.step_ms
        self.markets = [
            ev.MarketInfo(
                market_id=MarketId(Venue.KALSHI, "SYNTH-L1"),
                title="synthetic L1 random walk",
                close_ms=T0 + self.span_ms + 10 * 86_400_000,
                fees=FeeSpec.free(),
                liquidity=Decimal(1_000_000),
                settle_note="none: marked at the last mid",
            )
        ]
        self.walk = _walk(self.ticks, self.seed, self.move)
        self._batches = list(self._build())

    def tick_prices(self) -> Iterator[tuple[int, int]]:
        """Each tick's best bid and ask, in cents (the floor loop reads these)."""
        return ((bid, ask) for bid, ask, _, _ in self.walk)

    def batches(self) -> Iterator[ev.EventBatch]:
        yield from self._batches

    def _build(self) -> Iterator[ev.EventBatch]:
        for start in range(0, self.ticks, BATCH):
            b = ev.EventBatch.empty()
            for i in range(start, min(start + BATCH, self.ticks)):
                bid, ask, bid_size, ask_size = self.walk[i]
                ladders = ([bid / 100], [bid_size], [round(1 - ask / 100, 2)], [ask_size])
                b.add(T0 + i * self.step_ms, ev.BOOK, 0, ladders=ladders)
            yield b


def _walk(ticks: int, seed: int, move: float) -> list[tuple[int, int, float, float]]:
    rng = random.Random(seed)
    bid, ask, out = 50, 52, []
    for _ in range(ticks):
        if rng.random() < move:
            bid = min(90, max(5, bid + rng.choice((-1, 1))))
            ask = bid + rng.randint(1, 3)
        out.append((bid, ask, float(rng.randint(1, 50) * 10), float(rng.randint(1, 50) * 10)))
    return out

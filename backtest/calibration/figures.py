"""What the calibration measures return: the touch probes' figures and the spread by
mid bucket (see ``backtest.calibration``)."""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from predmm.backtest import events as ev

BUCKETS: tuple[tuple[float, float], ...] = (
    (0.0, 0.1),
    (0.1, 0.2),
    (0.2, 0.4),
    (0.4, 0.6),
    (0.6, 0.8),
    (0.8, 0.9),
    (0.9, 1.0),
)
HORIZONS_S: tuple[int, ...] = (1, 10, 60, 300)


@attrs.frozen(kw_only=True)
class CalibrationConfig:
    probe_every_s: float = 5.0
    window_s: float = 30.0
    sample_every_s: float = 1.0
    horizons_s: tuple[int, ...] = HORIZONS_S
    prints: bool = False  # prints fill probes too (sources that have them)


@attrs.frozen
class TouchFill:
    """One filled probe: its market (index into the source's markets), side (YES bid or
    NO bid), price, and when it was placed and filled (ms)."""

    market: int
    yes: bool
    price: float
    placed_ms: int
    filled_ms: int


@attrs.frozen(kw_only=True)
class TouchFigures:
    """The touch probes of one market, or of all: how many the data covers, how many
    filled, and the markouts per horizon (sum in cents, fills counted)."""

    probes: int
    filled: int
    markout_sums: dict[int, float]
    markout_counts: dict[int, int]

    @property
    def fill_probability(self) -> float | None:
        return self.filled / self.probes if self.probes else None

    def markout(self, horizon_s: int) -> float | None:
        """The mean markout at ``horizon_s``, cents per contract (None: no fill counted)."""
        n = self.markout_counts.get(horizon_s, 0)
        return self.markout_sums[horizon_s] / n if n else None

    def summary(self) -> dict[str, Any]:
        fp = self.fill_probability
        return {
            "probes": self.probes,
            "filled": self.filled,
            "fill_probability_30s": round(fp, 4) if fp is not None else None,
        } | {f"markout_{_label(h)}_c": _round(self.markout(h)) for h in sorted(self.markout_sums)}


@attrs.frozen(kw_only=True)
class SpreadBucket:
    low: float
    high: float
    samples: int
    median_bps: float | None
    median_cents: float | None

    @property
    def label(self) -> str:
        return f"{self.low:g}-{self.high:g}"


@attrs.frozen(kw_only=True)
class Calibration:
    source: str
    overall: TouchFigures
    per_market: dict[str, TouchFigures]  # by the market's title (or id)
    spreads: tuple[SpreadBucket, ...]
    fills: tuple[TouchFill, ...] = attrs.field(repr=False)

    def spread(self, low: float) -> SpreadBucket:
        return next(b for b in self.spreads if b.low == low)

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "touch": self.overall.summary(),
            "per_market": {k: v.summary() for k, v in self.per_market.items()},
            "spread_bps": {b.label: _round(b.median_bps, 1) for b in self.spreads},
            "spread_cents": {b.label: _round(b.median_cents, 3) for b in self.spreads},
            "spread_samples": {b.label: b.samples for b in self.spreads},
        }


def labels(infos: Sequence[ev.MarketInfo]) -> dict[int, str]:
    """Each market's title, with its venue where two markets share one (a question listed
    on both venues); its id when it has no title."""
    titles = [info.title or str(info.market_id) for info in infos]
    return {
        i: f"{info.market_id.venue.value}: {t}" if titles.count(t) > 1 else t
        for i, (info, t) in enumerate(zip(infos, titles, strict=True))
    }


def pooled(figures: Iterable[TouchFigures], horizons: tuple[int, ...]) -> TouchFigures:
    items = list(figures)
    return TouchFigures(
        probes=sum(f.probes for f in items),
        filled=sum(f.filled for f in items),
        markout_sums={h: sum(f.markout_sums[h] for f in items) for h in horizons},
        markout_counts={h: sum(f.markout_counts[h] for f in items) for h in horizons},
    )


def bucket_of(mid: float) -> int | None:
    mid = round(mid, 9)
    for i, (low, high) in enumerate(BUCKETS):
        if low <= mid < high or (high == 1.0 and mid == 1.0):
            return i
    return None


def bucket_figures(
    edges: tuple[float, float], bps: array[float], cents: array[float]
) -> SpreadBucket:
    return SpreadBucket(
        low=edges[0],
        high=edges[1],
        samples=len(bps),
        median_bps=statistics.median(bps) if bps else None,
        median_cents=statistics.median(cents) if cents else None,
    )


def _label(horizon_s: int) -> str:
    return f"{horizon_s // 60}min" if horizon_s > 60 and horizon_s % 60 == 0 else f"{horizon_s}s"


def _round(value: float | None, digits: int = 4) -> float | None:
    return round(value, digits) if value is not None else None

"""Price grids: which prices a market accepts, and the one place prices are rounded.

Kalshi gives each market ``price_ranges``: bands ``[start, end]`` with a step each
(``linear_cent`` is one band of $0.01; ``tapered_deci_cent`` has $0.001 bands at the
edges). Polymarket gives one tick size per market (0.1, 0.01, 0.001, 0.0001; V2 also
0.005 and 0.0025) valid on ``tick <= price <= 1 - tick``, and it can change.

Tradeable prices are strictly between 0 and 1 on both venues. Bids round down and
asks round up; a price that rounds outside the tradeable range has no grid price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import attrs

from predmm.domain.errors import OffGridPrice

ZERO = Decimal(0)
ONE = Decimal(1)
POLYMARKET_TICKS = frozenset(
    Decimal(t) for t in ("0.1", "0.01", "0.001", "0.0001", "0.005", "0.0025")
)


@attrs.frozen
class PriceBand:
    """Prices ``start, start + step, ... <= end``."""

    start: Decimal
    end: Decimal
    step: Decimal

    def __attrs_post_init__(self) -> None:
        if not (ZERO <= self.start < self.end <= ONE) or self.step <= ZERO:
            raise ValueError(f"bad price band start={self.start} end={self.end} step={self.step}")

    def floor(self, price: Decimal) -> Decimal | None:
        if price < self.start:
            return None
        steps = ((min(price, self.end) - self.start) / self.step).to_integral_value(ROUND_FLOOR)
        return self.start + steps * self.step

    def ceil(self, price: Decimal) -> Decimal | None:
        if price > self.end:
            return None
        steps = ((max(price, self.start) - self.start) / self.step).to_integral_value(ROUND_CEILING)
        value = self.start + steps * self.step
        return value if value <= self.end else None

    def contains(self, price: Decimal) -> bool:
        return self.start <= price <= self.end and (price - self.start) % self.step == ZERO


@attrs.frozen
class TickSpec:
    """The grid of one market. Build it with a named constructor."""

    bands: tuple[PriceBand, ...]
    min_price: Decimal = attrs.field(init=False)
    max_price: Decimal = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        if not self.bands:
            raise ValueError("a tick spec needs at least one price band")
        tradeable = [p for p in self._edges() if ZERO < p < ONE]
        if not tradeable:
            raise ValueError("a tick spec must allow some price strictly between 0 and 1")
        object.__setattr__(self, "min_price", min(tradeable))
        object.__setattr__(self, "max_price", max(tradeable))

    def _edges(self) -> Iterable[Decimal]:
        tiny = Decimal("1e-12")
        for band in self.bands:
            for p in (band.ceil(tiny), band.floor(ONE - tiny)):
                if p is not None:
                    yield p

    # named constructors -------------------------------------------------------

    @classmethod
    def uniform(cls, step: Decimal | str) -> TickSpec:
        """One step over the whole range (Polymarket's tick size, Kalshi's linear_cent)."""
        step = Decimal(step)
        return cls((PriceBand(ZERO, ONE, step),))

    @classmethod
    def polymarket(cls, tick_size: Decimal | str) -> TickSpec:
        tick = Decimal(tick_size)
        if tick not in POLYMARKET_TICKS:
            raise ValueError(f"tick_size {tick_size!r} is not a Polymarket tick size")
        return cls.uniform(tick)

    @classmethod
    def from_price_ranges(cls, ranges: Iterable[Mapping[str, str]]) -> TickSpec:
        """Kalshi's ``price_ranges``, e.g. ``[{"start": "0.0000", "end": "1.0000",
        "step": "0.0100"}]``."""
        try:
            bands = tuple(
                PriceBand(Decimal(r["start"]), Decimal(r["end"]), Decimal(r["step"]))
                for r in ranges
            )
        except (KeyError, ArithmeticError, TypeError) as exc:
            raise ValueError(f"bad price_ranges {ranges!r}: {exc!r}") from None
        return cls(bands)

    def to_price_ranges(self) -> list[dict[str, str]]:
        return [
            {"start": f"{b.start:.4f}", "end": f"{b.end:.4f}", "step": f"{b.step:.4f}"}
            for b in self.bands
        ]

    # queries ------------------------------------------------------------------

    def is_on_grid(self, price: Decimal) -> bool:
        return ZERO < price < ONE and any(b.contains(price) for b in self.bands)

    def round_bid(self, price: Decimal) -> Decimal | None:
        """The highest grid price at or below ``price``; None if below the lowest."""
        bands, price = self.bands, min(price, self.max_price)
        if len(bands) == 1:  # one band (most markets): its floor
            best = bands[0].floor(price)
        else:
            best = max((p for b in bands if (p := b.floor(price)) is not None), default=None)
        return best if best is not None and best >= self.min_price else None

    def round_ask(self, price: Decimal) -> Decimal | None:
        """The lowest grid price at or above ``price``; None if above the highest."""
        bands, price = self.bands, max(price, self.min_price)
        if len(bands) == 1:  # one band (most markets): its ceiling
            best = bands[0].ceil(price)
        else:
            best = min((p for b in bands if (p := b.ceil(price)) is not None), default=None)
        return best if best is not None and best <= self.max_price else None

    def check(self, price: Decimal, what: str = "price") -> Decimal:
        """Return ``price`` if it is on the grid, else raise OffGridPrice."""
        if not self.is_on_grid(price):
            raise OffGridPrice(f"{what} {price} is not on the grid {self.describe()}")
        return price

    def step_at(self, price: Decimal) -> Decimal:
        """The finest step of any band covering ``price``."""
        steps = [b.step for b in self.bands if b.start <= price <= b.end]
        return min(steps) if steps else min(b.step for b in self.bands)

    def describe(self) -> str:
        return ", ".join(f"[{b.start}..{b.end} step {b.step}]" for b in self.bands)

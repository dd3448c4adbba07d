"""Market-making quality, computed from what happened: spread capture, fill rate, quote
uptime and markouts. Pure: every observation carries its own time (seconds)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide

ZERO = Decimal(0)
ONE = Decimal(1)
MARKOUT_HORIZONS: tuple[float, ...] = (1.0, 10.0, 60.0)


def fill_value_at(side: OrderSide, action: Action, price: Decimal, yes_mark: Decimal) -> Decimal:
    """Per-contract value of a fill marked at ``yes_mark``: what we got over what we paid."""
    mark = yes_mark if side is OrderSide.YES else ONE - yes_mark
    return mark - price if action is Action.BUY else price - mark


@attrs.define
class _PendingMarkout:
    due: float
    horizon: float
    side: OrderSide
    action: Action
    price: Decimal
    quantity: Decimal


@attrs.frozen(kw_only=True)
class StatsSnapshot:
    fills: int
    filled_quantity: Decimal
    quoted_quantity: Decimal
    spread_capture: Decimal  # dollars earned against the mid at fill time
    fill_rate: Decimal  # filled / quoted contracts
    quote_uptime: Decimal  # share of observed time with both sides quoted
    markouts: dict[float, Decimal]  # horizon -> dollars (fills whose horizon has passed)


@attrs.define
class MarketMakingStats:
    """Accumulates one market's (or a whole book's) quality figures."""

    horizons: tuple[float, ...] = MARKOUT_HORIZONS
    fills: int = 0
    filled_quantity: Decimal = ZERO
    quoted_quantity: Decimal = ZERO
    spread_capture: Decimal = ZERO
    markouts: dict[float, Decimal] = attrs.field(factory=dict)
    # markouts still to come, soonest first: (due, order of the fill, the markout)
    _pending: list[tuple[float, int, _PendingMarkout]] = attrs.field(factory=list)
    _seq: itertools.count[int] = attrs.field(factory=itertools.count)
    _two_sided_since: float | None = None
    _observed_from: float | None = None
    _two_sided_time: float = 0.0
    _last_ts: float | None = None

    def on_quote(self, quantity: Decimal) -> None:
        """An order of ours was placed (a quote went out)."""
        self.quoted_quantity += quantity

    def on_fill(
        self,
        ts: float,
        side: OrderSide,
        action: Action,
        price: Decimal,
        quantity: Decimal,
        yes_mid: Decimal | None,
    ) -> None:
        self.fills += 1
        self.filled_quantity += quantity
        if yes_mid is not None:
            self.spread_capture += quantity * fill_value_at(side, action, price, yes_mid)
        for h in self.horizons:
            markout = _PendingMarkout(ts + h, h, side, action, price, quantity)
            heapq.heappush(self._pending, (ts + h, next(self._seq), markout))

    def due(self, ts: float) -> bool:
        """Whether a markout's horizon has passed by ``ts`` (``on_mid`` settles it)."""
        return bool(self._pending) and self._pending[0][0] <= ts

    def on_mid(self, ts: float, yes_mid: Decimal) -> None:
        """A new fair value: settles every markout whose horizon has passed."""
        pending = self._pending
        while pending and pending[0][0] <= ts:
            p = heapq.heappop(pending)[2]
            value = p.quantity * fill_value_at(p.side, p.action, p.price, yes_mid)
            self.markouts[p.horizon] = self.markouts.get(p.horizon, ZERO) + value

    def on_quote_state(self, ts: float, two_sided: bool) -> None:
        """Whether both a YES bid and a NO bid rest, as of ``ts``."""
        if self._observed_from is None:
            self._observed_from = ts
        if self._two_sided_since is not None:
            self._two_sided_time += ts - self._two_sided_since
        self._two_sided_since = ts if two_sided else None
        self._last_ts = ts

    def snapshot(self, now: float | None = None) -> StatsSnapshot:
        end = now if now is not None else self._last_ts
        observed = 0.0 if self._observed_from is None or end is None else end - self._observed_from
        up = self._two_sided_time
        if self._two_sided_since is not None and end is not None:
            up += end - self._two_sided_since
        return StatsSnapshot(
            fills=self.fills,
            filled_quantity=self.filled_quantity,
            quoted_quantity=self.quoted_quantity,
            spread_capture=self.spread_capture,
            fill_rate=_ratio(self.filled_quantity, self.quoted_quantity),
            quote_uptime=_ratio(Decimal(repr(up)), Decimal(repr(observed))),
            markouts=dict(self.markouts),
        )


def _ratio(a: Decimal, b: Decimal) -> Decimal:
    return (a / b).quantize(Decimal("0.0001")) if b > 0 else ZERO


def combine(snapshots: Iterable[StatsSnapshot]) -> StatsSnapshot:
    """Totals over markets (uptime is the average of the markets')."""
    snaps = list(snapshots)
    filled = sum((s.filled_quantity for s in snaps), ZERO)
    quoted = sum((s.quoted_quantity for s in snaps), ZERO)
    markouts: dict[float, Decimal] = {}
    for s in snaps:
        for h, v in s.markouts.items():
            markouts[h] = markouts.get(h, ZERO) + v
    uptime = sum((s.quote_uptime for s in snaps), ZERO) / len(snaps) if snaps else ZERO
    return StatsSnapshot(
        fills=sum(s.fills for s in snaps),
        filled_quantity=filled,
        quoted_quantity=quoted,
        spread_capture=sum((s.spread_capture for s in snaps), ZERO),
        fill_rate=_ratio(filled, quoted),
        quote_uptime=uptime.quantize(Decimal("0.0001")),
        markouts=markouts,
    )

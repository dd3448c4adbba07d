"""The day's loss (what the kill switch counts): PnL since the start of the UTC day.

A ``DayBaseline`` is what the day started from: the realized PnL of every market then
and, for each market holding contracts then, those contracts and their YES mark at that
moment. The day's PnL is the PnL now less the baseline's ``value``. A market held at the
start without a mark (the first start of a day that began while the daemon was down, or
a market with no book yet) counts from its first mark (``marked``): no move before that
mark is the day's. Pure values and functions: the PortfolioActor keeps the baseline and
journals it; the journal gives it back at a restart the same day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from predmm.domain.ids import MarketId
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)
ONE = Decimal(1)


def day_of(now: datetime) -> date:
    """The UTC day of ``now`` (a naive time is taken as UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(UTC).date()


@attrs.frozen(kw_only=True)
class DayHolding:
    """One market's contracts at the start of the day, and its mark then (None until
    its first mark of the day)."""

    market_id: MarketId
    yes_contracts: Decimal
    no_contracts: Decimal
    avg_yes_price: Decimal
    avg_no_price: Decimal
    mark: Decimal | None = None

    def unrealized(self) -> Decimal:
        """The contracts at the mark, against what they cost (0 while unmarked)."""
        if self.mark is None:
            return ZERO
        return self.yes_contracts * (self.mark - self.avg_yes_price) + self.no_contracts * (
            ONE - self.mark - self.avg_no_price
        )


@attrs.frozen(kw_only=True)
class DayBaseline:
    day: date
    realized_pnl: Decimal
    taken_at: datetime
    holdings: tuple[DayHolding, ...] = ()

    def value(self) -> Decimal:
        """The PnL the day started from: realized, plus each marked holding at its mark."""
        return self.realized_pnl + sum((h.unrealized() for h in self.holdings), ZERO)

    def pending(self) -> frozenset[MarketId]:
        """The markets held at the start that have no mark yet."""
        return frozenset(h.market_id for h in self.holdings if h.mark is None)

    def marks(self) -> dict[MarketId, Decimal]:
        return {h.market_id: h.mark for h in self.holdings if h.mark is not None}

    def marked(self, market_id: MarketId, mark: Decimal) -> DayBaseline:
        """The baseline once ``market_id``, held unmarked, has its first ``mark``: the
        day counts that market from there."""
        return attrs.evolve(
            self,
            holdings=tuple(
                attrs.evolve(h, mark=mark) if h.market_id == market_id and h.mark is None else h
                for h in self.holdings
            ),
        )


def take_baseline(
    at: datetime, trackers: Iterable[InventoryTracker], marks: Mapping[MarketId, Decimal]
) -> DayBaseline:
    """The baseline of ``at``'s UTC day, taken at ``at``: the trackers' realized PnL, and
    what each holds at its mark in ``marks`` (unmarked if it has none)."""
    trackers = list(trackers)
    holdings = tuple(
        DayHolding(
            market_id=market_id,
            yes_contracts=t.yes_contracts,
            no_contracts=t.no_contracts,
            avg_yes_price=t.avg_yes_price,
            avg_no_price=t.avg_no_price,
            mark=marks.get(market_id),
        )
        for t in sorted(trackers, key=lambda t: str(t.market_id))
        if (t.yes_contracts or t.no_contracts) and isinstance(market_id := t.market_id, MarketId)
    )
    return DayBaseline(
        day=day_of(at),
        realized_pnl=sum((t.realized_pnl for t in trackers), ZERO),
        taken_at=at,
        holdings=holdings,
    )

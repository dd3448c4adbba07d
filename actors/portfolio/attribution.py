"""The PortfolioActor's positions per strategy (``StrategyBook``): every fill is counted in
its market's position (the limits, the reconciliation with the venue) and in the
position of the strategy that placed its order (``Fill.strategy``; untagged is the market
maker's). A settlement pays out every strategy's contracts in the market. Plain state
owned by the PortfolioActor, and its views: the positions a strategy holds
(``positions``), and each strategy's PnL at the marks given (``totals``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from predmm.actors.messages import StrategyPnl
from predmm.domain.ids import MarketId
from predmm.domain.orders import Fill, strategy_of
from predmm.strategies.fills import apply_fill, revert_fill
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)


class StrategyBook:
    def __init__(self, seeded: Iterable[tuple[str, InventoryTracker]] = ()) -> None:
        self.by_strategy: dict[str, dict[MarketId, InventoryTracker]] = {}
        for strategy, tracker in seeded:
            market_id = tracker.market_id
            assert isinstance(market_id, MarketId)
            self.by_strategy.setdefault(strategy_of(strategy), {})[market_id] = tracker

    def tracker(self, strategy: str, market_id: MarketId) -> InventoryTracker:
        book = self.by_strategy.setdefault(strategy_of(strategy), {})
        tracker = book.get(market_id)
        if tracker is None:
            tracker = book[market_id] = InventoryTracker(market_id=market_id)
        return tracker

    def fill(self, fill: Fill, payout: Decimal | None) -> InventoryTracker:
        """Count ``fill`` for its strategy (paid out at once when its market settled at
        ``payout`` before the fill was told); the strategy's tracker."""
        tracker = self.tracker(fill.strategy, fill.market_id)
        apply_fill(tracker, fill)
        if payout is not None:
            tracker.settle_at(payout)
        return tracker

    def revert(self, fill: Fill) -> InventoryTracker:
        tracker = self.tracker(fill.strategy, fill.market_id)
        revert_fill(tracker, fill)
        return tracker

    def settle(
        self, market_id: MarketId, yes_payout: Decimal
    ) -> list[tuple[str, InventoryTracker]]:
        """Every strategy's contracts in ``market_id`` paid out; the trackers changed."""
        changed = []
        for strategy, book in self.by_strategy.items():
            tracker = book.get(market_id)
            if tracker is not None:
                tracker.settle_at(yes_payout)
                changed.append((strategy, tracker))
        return changed

    def positions(self, strategy: str) -> Mapping[MarketId, InventoryTracker]:
        return self.by_strategy.get(strategy_of(strategy), {})

    def totals(self, marks: Mapping[MarketId, Decimal]) -> tuple[StrategyPnl, ...]:
        """Each strategy's realized and unrealized PnL (at ``marks``), fees and the
        contracts it holds, by name."""
        return tuple(
            _pnl(strategy, book, marks) for strategy, book in sorted(self.by_strategy.items())
        )


def _pnl(
    strategy: str, book: Mapping[MarketId, InventoryTracker], marks: Mapping[MarketId, Decimal]
) -> StrategyPnl:
    realized = unrealized = fees = contracts = ZERO
    for market_id, t in book.items():
        realized += t.realized_pnl
        fees += t.fees_paid
        contracts += t.yes_contracts + t.no_contracts
        mark = marks.get(market_id)
        if mark is not None:
            unrealized += t.unrealized_pnl(mark)
    return StrategyPnl(
        strategy=strategy,
        realized_pnl=realized,
        unrealized_pnl=unrealized,
        fees_paid=fees,
        contracts=contracts,
    )

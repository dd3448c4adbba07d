"""What the PortfolioActor answers about its state, as plain functions of it: one
market's position (``position_view``), the markets holding contracts (``held``) and the
exposure report of the status view and ``GetExposure`` (``exposure_report``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from predmm.actors.messages import ExposureReport, Held, PositionView
from predmm.domain.enums import TradingState
from predmm.domain.exposure import ExposureBook
from predmm.domain.ids import MarketId
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)


def position_view(market_id: MarketId, tracker: InventoryTracker) -> PositionView:
    return PositionView(
        market_id=market_id,
        yes_contracts=tracker.yes_contracts,
        no_contracts=tracker.no_contracts,
        avg_yes_price=tracker.avg_yes_price,
        avg_no_price=tracker.avg_no_price,
        realized_pnl=tracker.realized_pnl,
        fees_paid=tracker.fees_paid,
    )


def held(
    positions: Mapping[MarketId, InventoryTracker],
    maker: Mapping[MarketId, InventoryTracker] | None = None,
) -> Held:
    """The markets the market maker (``maker``: its positions; all of them when None)
    holds contracts in, those of them where its net position is not zero, and the markets
    where any strategy holds contracts."""
    anyone = {m for m, t in positions.items() if t.yes_contracts or t.no_contracts}
    mine = positions if maker is None else maker
    holding = {m for m, t in mine.items() if t.yes_contracts or t.no_contracts}
    exposed = {m for m in holding if mine[m].net_position}
    return Held(exposed=frozenset(exposed), holding=frozenset(holding), anyone=frozenset(anyone))


def exposure_report(
    state: TradingState,
    book: ExposureBook,
    positions: Mapping[MarketId, InventoryTracker],
    pnl: Decimal,
    day_start_pnl: Decimal,
) -> ExposureReport:
    realized = sum((t.realized_pnl for t in positions.values()), ZERO)
    return ExposureReport(
        state=state,
        events=book.events(),
        venue_loss=tuple(sorted(book.venue_loss.items(), key=lambda kv: kv[0].value)),
        total_loss=book.total_loss,
        realized_pnl=realized,
        unrealized_pnl=pnl - realized,
        daily_pnl=pnl - day_start_pnl,
        reservations=len(book.reservations),
    )

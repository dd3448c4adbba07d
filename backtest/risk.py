"""The PortfolioActor's pre-trade limits for the backtest: the same ``domain.risk``
arithmetic (worst-case exposure per market, per event over its outcome scenarios across
venues, per venue and in total, ``domain.scenarios``), recomputed from the inventories
and the resting quotes before each order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from predmm.config.risk import RiskConfig
from predmm.domain.ids import MarketId
from predmm.domain.outcomes import Link, VenueGroup
from predmm.domain.risk import NONE, Exposure, Limits, Terms, breach, held, resting, total
from predmm.domain.scenarios import EventSums
from predmm.strategies.inventory import InventoryTracker

ZERO = Decimal(0)


def limits_for(risk: RiskConfig, max_position_size: int) -> Limits:
    """As the PortfolioActor: the market contract limit is the tighter of the two."""
    return Limits(
        market_contracts=Decimal(min(risk.max_market_contracts, max_position_size)),
        market_loss=risk.max_market_loss,
        event_contracts=Decimal(risk.max_event_contracts),
        event_loss=risk.max_event_loss,
        venue_loss=risk.max_venue_loss,
        total_loss=risk.max_total_loss,
    )


def market_exposure(inventory: InventoryTracker, orders: Iterable[Terms]) -> Exposure:
    """What is held plus, in the worst case, every resting order."""
    inv = inventory
    base = held(
        inv.yes_contracts,
        inv.no_contracts,
        inv.yes_contracts * inv.avg_yes_price,
        inv.no_contracts * inv.avg_no_price,
    )
    return base + total(resting(t) for t in orders)


class RiskCheck:
    """``links`` and ``groups`` say which markets are one outcome and which outcomes one
    event (``domain.outcomes``), as the config and the venues tell the PortfolioActor."""

    def __init__(
        self,
        *,
        limits: Limits,
        links: Sequence[Link] = (),
        groups: Mapping[MarketId, VenueGroup] | None = None,
    ) -> None:
        self.limits = limits
        self._empty = EventSums(links)
        self._empty.learn((groups or {}).items())

    def refusal(
        self, market_id: MarketId, terms: Terms, exposures: Mapping[MarketId, Exposure]
    ) -> str | None:
        """Why ``terms`` in ``market_id`` may not rest, or None (``domain.risk.breach``)."""
        sums = self._empty.empty()
        for mid, exposure in exposures.items():
            if exposure != NONE:
                sums.shift(mid, exposure)
        return breach(sums.scope(market_id), terms, self.limits)

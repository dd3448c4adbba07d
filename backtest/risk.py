"""The PortfolioActor's pre-trade limits for the backtest: the same ``domain.risk``
arithmetic (worst-case exposure per market, per event across venues, per venue and in
total), recomputed from the inventories and the resting quotes before each order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from predmm.config.risk import RiskConfig
from predmm.domain.enums import Venue
from predmm.domain.ids import EventId, MarketId
from predmm.domain.risk import NONE, Exposure, Limits, Scope, Terms, breach, held, resting, total
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


@attrs.frozen(kw_only=True)
class RiskCheck:
    limits: Limits
    events: Mapping[MarketId, EventId | None]

    def refusal(
        self, market_id: MarketId, terms: Terms, exposures: Mapping[MarketId, Exposure]
    ) -> str | None:
        """Why ``terms`` in ``market_id`` may not rest, or None (``domain.risk.breach``)."""
        return breach(self._scope(market_id, exposures), terms, self.limits)

    def _key(self, market_id: MarketId) -> object:
        event = self.events.get(market_id)
        return event if event is not None else market_id

    def _scope(self, market_id: MarketId, exposures: Mapping[MarketId, Exposure]) -> Scope:
        by_event: dict[object, Exposure] = {}
        by_event_venue: dict[tuple[object, Venue], Exposure] = {}
        for mid, exposure in exposures.items():
            key = self._key(mid)
            by_event[key] = by_event.get(key, NONE) + exposure
            by_event_venue[key, mid.venue] = by_event_venue.get((key, mid.venue), NONE) + exposure
        key, venue = self._key(market_id), market_id.venue
        return Scope(
            market_id=market_id,
            market=exposures.get(market_id, NONE),
            event=by_event.get(key, NONE),
            event_on_venue=by_event_venue.get((key, venue), NONE),
            venue_loss=sum(
                (e.worst_loss for (_, v), e in by_event_venue.items() if v is venue), ZERO
            ),
            total_loss=sum((e.worst_loss for e in by_event.values()), ZERO),
        )

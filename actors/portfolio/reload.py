"""What ``predmm reload`` changes in the PortfolioActor, as a mixin of the actor: its
limits, loss thresholds and event links (``_apply_risk``), and the limits a
``RiskConfig`` makes (``limits_of``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from predmm.config.risk import RiskConfig
from predmm.domain.exposure import ExposureBook
from predmm.domain.risk import Limits


class ReloadMixin:
    risk: RiskConfig
    limits: Limits
    book: ExposureBook
    log: Any

    _publish: Callable[..., None]  # TradingStateMixin's
    _check_loss: Callable[[], None]  # TradingStateMixin's

    def _apply_risk(self, risk: RiskConfig, max_position_size: int) -> tuple[str, ...]:
        """New limits, loss thresholds and links (a reload), unless the links contradict
        the venues' events (their problems returned, nothing changed). Orders resting
        past a tightened limit stay until they close; only orders that do not make a
        passed limit worse are granted. Thresholds lowered under the day's loss move the
        state at once; raised ones move it back only when the operator resumes."""
        problems = self.book.relink(risk.event_links)
        if problems:
            return problems
        self.risk, self.limits = risk, limits_of(risk, max_position_size)
        self.book.limits = self.limits
        self.log.warning("risk settings reloaded: {risk}", risk=risk)
        self._publish(force=True)
        self._check_loss()
        return ()


def limits_of(risk: RiskConfig, max_position_size: int | None) -> Limits:
    """The limits of ``risk``; a market's contracts also within the strategy's
    ``max_position_size``."""
    contracts = risk.max_market_contracts
    if max_position_size is not None:
        contracts = min(contracts, max_position_size)
    return Limits(
        market_contracts=Decimal(contracts),
        market_loss=risk.max_market_loss,
        event_contracts=Decimal(risk.max_event_contracts),
        event_loss=risk.max_event_loss,
        venue_loss=risk.max_venue_loss,
        total_loss=risk.max_total_loss,
    )

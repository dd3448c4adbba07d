"""Read-only status for the operator: actors publish frozen views here, the trio thread
(the status command, a dashboard) reads them without asking any actor.

Publishing replaces one dict entry or one attribute with a new frozen value (atomic in
CPython); readers copy. No actor waits on a reader.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from predmm.actors.messages import ExposureReport, PositionView
from predmm.domain.enums import TradingState
from predmm.domain.ids import MarketId
from predmm.domain.risk import Limits

PUBLISH_EVERY = 0.2  # seconds between portfolio publications


@attrs.frozen(kw_only=True)
class MarketStatus:
    market_id: MarketId
    # "starting", "quoting", "idle", "exiting" (exit only), "closed" (awaiting the
    # settlement), "restarting", "quarantined", "retired"
    health: str
    generation: int = 0
    restarts: int = 0
    fair_value: Decimal | None = None
    yes_bid: Decimal | None = None
    no_bid: Decimal | None = None
    yes_contracts: Decimal = Decimal(0)
    no_contracts: Decimal = Decimal(0)
    skew: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    unrealized_pnl: Decimal = Decimal(0)
    quoted_at: datetime | None = None
    note: str = ""


@attrs.frozen(kw_only=True)
class CoreStatus:
    """A core actor (the journal, the portfolio, a venue's platform) as the engine's
    watch over them (``supervisors.core``) last saw it after a failure."""

    component: str  # "journal", "portfolio", "platform kalshi"
    health: str  # "failed", "restarting", "restarted", "halted", "unreachable"
    restarts: int = 0
    note: str = ""


@attrs.frozen(kw_only=True)
class ExecutionTotals:
    """What the executor did for one strategy: executions ended ``done`` or ``naked``,
    what their baskets lock, and the contracts left unmatched."""

    strategy: str
    done: int = 0
    naked: int = 0
    locked: Decimal = Decimal(0)
    naked_contracts: Decimal = Decimal(0)


@attrs.frozen(kw_only=True)
class EngineSnapshot:
    trading_state: TradingState
    markets: tuple[MarketStatus, ...]
    exposure: ExposureReport | None
    limits: Limits | None
    quarantined: tuple[MarketId, ...]
    restarts: int
    running: bool
    core: tuple[CoreStatus, ...] = ()  # only the core actors that failed
    halt_reason: str | None = None  # trading HALTED by the watch, and why
    paper: bool = False  # every order is filled on paper; none reaches a venue
    executions: tuple[ExecutionTotals, ...] = ()  # the executor's, per strategy


class StatusBoard:
    def __init__(self) -> None:
        self._markets: dict[MarketId, MarketStatus] = {}
        self._positions: dict[MarketId, PositionView] = {}
        self._strategy_positions: dict[str, dict[MarketId, PositionView]] = {}
        self._exposure: ExposureReport | None = None
        self._limits: Limits | None = None
        self._last_portfolio = -1e18
        self._core: dict[str, CoreStatus] = {}
        self._halt_reason: str | None = None
        self._executions: dict[str, ExecutionTotals] = {}
        self.running = False
        self.paper = False

    def publish_market(self, status: MarketStatus) -> None:
        self._markets[status.market_id] = status

    def market(self, market_id: MarketId) -> MarketStatus | None:
        return self._markets.get(market_id)

    def publish_position(self, view: PositionView) -> None:
        self._positions[view.market_id] = view

    def positions(self) -> dict[MarketId, PositionView]:
        """The PortfolioActor's positions, as it last published them (on every change)."""
        return dict(self._positions)

    def publish_strategy_position(self, strategy: str, view: PositionView) -> None:
        book = self._strategy_positions.get(strategy)
        if book is None:  # a new dict, whole, in one assignment
            self._strategy_positions = {**self._strategy_positions, strategy: {}}
            book = self._strategy_positions[strategy]
        book[view.market_id] = view

    def strategy_positions(self, strategy: str) -> dict[MarketId, PositionView]:
        """The positions of ``strategy``'s orders, as the PortfolioActor last published
        them (on every change)."""
        return dict(self._strategy_positions.get(strategy, {}))

    def portfolio_due(self, now: float) -> bool:
        return now - self._last_portfolio >= PUBLISH_EVERY

    def publish_portfolio(self, report: ExposureReport, limits: Limits, now: float) -> None:
        self._exposure, self._limits, self._last_portfolio = report, limits, now

    def publish_core(self, status: CoreStatus) -> None:
        self._core[status.component] = status

    def execution_done(self, strategy: str, step: str, locked: Decimal, naked: Decimal) -> None:
        """An execution of the executor ended (``step``: done or naked)."""
        prior = self._executions.get(strategy) or ExecutionTotals(strategy=strategy)
        self._executions[strategy] = attrs.evolve(
            prior,
            done=prior.done + (step == "done"),
            naked=prior.naked + (step != "done"),
            locked=prior.locked + (locked if naked == 0 else Decimal(0)),
            naked_contracts=prior.naked_contracts + naked,
        )

    def halt(self, reason: str) -> None:
        """Trading is HALTED whatever the portfolio last published (it may be dead)."""
        if self._halt_reason is None:
            self._halt_reason = reason

    def snapshot(self) -> EngineSnapshot:
        # tuple() of a dict's values runs in C without releasing the GIL: a consistent copy
        markets = tuple(sorted(self._markets.values(), key=lambda m: m.market_id))
        exposure = self._exposure
        state = exposure.state if exposure else TradingState.ACTIVE
        halt = self._halt_reason
        return EngineSnapshot(
            trading_state=TradingState.HALTED if halt is not None else state,
            markets=markets,
            exposure=exposure,
            limits=self._limits,
            quarantined=tuple(m.market_id for m in markets if m.health == "quarantined"),
            restarts=sum(m.restarts for m in markets),
            running=self.running,
            core=tuple(self._core[k] for k in sorted(self._core)),
            halt_reason=halt,
            paper=self.paper,
            executions=tuple(self._executions[k] for k in sorted(self._executions)),
        )

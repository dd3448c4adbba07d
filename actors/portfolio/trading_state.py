"""The PortfolioActor's trading state (ACTIVE / REDUCING / HALTED), as a mixin of the
actor: the day's loss against the limits (``_check_loss``), a change of state journaled,
told to the venues (HALTED cancels everything, leaving it resumes) and to the
subscribers (``_set_state``), and the report published for the status view
(``_publish``). The day's loss is the PnL since the day's baseline
(``strategies.day_loss``), which the actor keeps."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pykka

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import JournalPort
from predmm.actors.messages import CancelAll, ExposureReport, Resume, TradingStateChanged
from predmm.actors.status import StatusBoard
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState
from predmm.domain.risk import Limits

PUBLISH_EVERY_MESSAGES = 200


class TradingStateMixin:
    risk: RiskConfig
    clock: Clock
    journal: JournalPort
    limits: Limits
    board: StatusBoard | None
    platforms: Sequence[pykka.ActorRef[Any] | DirectRef]
    subscribers: list[pykka.ActorRef[Any]]
    state: TradingState
    state_reason: str
    unpublished: int
    pnl: Decimal
    day_start_pnl: Decimal
    log: Any
    _report: Callable[[], ExposureReport]  # the actor's

    def _check_loss(self) -> None:
        loss = self.day_start_pnl - self.pnl
        if loss >= self.risk.daily_loss_limit and self.state is not TradingState.HALTED:
            self._set_state(TradingState.HALTED, f"daily loss {loss} reached the kill switch")
        elif loss >= self.risk.reducing_loss and self.state is TradingState.ACTIVE:
            self._set_state(TradingState.REDUCING, f"daily loss {loss} past reducing_loss")
        self._publish()

    def _set_state(self, state: TradingState, reason: str, *, journal: bool = True) -> None:
        if state is self.state:
            return
        before, self.state, self.state_reason = self.state, state, reason
        self.log.warning(
            "trading state {a} -> {b}: {reason}", a=before.value, b=state.value, reason=reason
        )
        self._publish(force=True)
        for platform in self.platforms:  # a dead one's venue is cancelled by its watcher
            with contextlib.suppress(pykka.ActorDeadError):
                if state is TradingState.HALTED:
                    platform.tell(CancelAll(reason=reason))
                elif before is TradingState.HALTED:
                    platform.tell(Resume())
        for ref in self.subscribers:
            with contextlib.suppress(pykka.ActorDeadError):
                ref.tell(TradingStateChanged(state=state, reason=reason))
        if journal:  # last: a dead journal halts everything from in here (supervisors.core)
            self.journal.trading_state(state, reason)

    def _publish(self, force: bool = False) -> None:
        """Publish the report for the status view: every ``PUBLISH_EVERY`` seconds, every
        ``PUBLISH_EVERY_MESSAGES`` messages, and on every trading-state change."""
        self.unpublished += 1
        now = self.clock.monotonic()
        due = force or self.unpublished >= PUBLISH_EVERY_MESSAGES
        if self.board is not None and (due or self.board.portfolio_due(now)):
            self.board.publish_portfolio(self._report(), self.limits, now)
            self.unpublished = 0

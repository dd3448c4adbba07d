"""The PortfolioActor's trading state (ACTIVE / REDUCING / HALTED), as a mixin of the
actor: the day's loss against the limits (``_check_loss``), a change of state journaled,
told to the venues (HALTED cancels everything, leaving it resumes) and to the
subscribers (``_set_state``), the operator's halt and resume (``_operator_halt``,
``_operator_resume``: journaled with who made them), and the report published for the
status view (``_publish``). The day's loss is the PnL since the day's baseline
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
from predmm.actors.messages import (
    CancelAll,
    ExposureReport,
    OperatorHalt,
    OperatorResume,
    Resume,
    StateChange,
    TradingStateChanged,
)
from predmm.actors.status import StatusBoard
from predmm.config.risk import RiskConfig
from predmm.domain.enums import TradingState
from predmm.domain.risk import Limits

PUBLISH_EVERY_MESSAGES = 200
CENT = Decimal("0.01")


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
    core_halted: str  # why a core actor's failure halted trading ('' if none did)
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

    def _operator_halt(self, msg: OperatorHalt) -> StateChange:
        """HALTED by hand; already HALTED, the halt becomes the operator's (journaled,
        and every venue told to cancel everything again)."""
        before = self.state
        reason = f"by the operator {msg.operator}: {msg.reason}"
        self._set_state(TradingState.HALTED, reason, operator=msg.operator, again=True)
        return StateChange(before=before, after=self.state, reason=reason)

    def _operator_resume(self, msg: OperatorResume) -> StateChange:
        """Out of HALTED or REDUCING by hand, into the state the day's loss allows now
        (as ``_check_loss`` would decide it, so it does not trip again at once)."""
        before = self.state
        if before is TradingState.ACTIVE and not self.core_halted:  # asked twice, say
            return StateChange(before=before, after=before, reason="trading is ACTIVE already")
        refused = self._resume_refusal()
        if refused:
            return StateChange(
                before=before, after=before, reason=self.state_reason, refused=refused
            )
        loss = self.day_start_pnl - self.pnl
        reducing = loss >= self.risk.reducing_loss
        after = TradingState.REDUCING if reducing else TradingState.ACTIVE
        reason = f"resumed by the operator {msg.operator}: {msg.reason}"
        if reducing:
            reason += f" (the day's loss {loss.quantize(CENT)} is past reducing_loss)"
        self._set_state(after, reason, operator=msg.operator)
        return StateChange(before=before, after=after, reason=reason)

    def _resume_refusal(self) -> str:
        """Why the operator may not resume now ('' if they may)."""
        if self.core_halted:
            return (
                f"trading was HALTED because {self.core_halted}: restart the daemon (its start"
                " reconciles the journal with the venues)"
            )
        loss = (self.day_start_pnl - self.pnl).quantize(CENT)
        limit, reducing = self.risk.daily_loss_limit, self.risk.reducing_loss
        if loss >= limit:
            return (
                f"the day's loss {loss} is at or past daily_loss_limit {limit}: raise the limit"
                " (edit the config, predmm reload) or wait for the next UTC day"
            )
        if self.state is TradingState.REDUCING and loss >= reducing:
            return (
                f"the day's loss {loss} is at or past reducing_loss {reducing}: raise it"
                " (edit the config, predmm reload) or wait for the next UTC day"
            )
        return ""

    def _set_state(
        self,
        state: TradingState,
        reason: str,
        *,
        journal: bool = True,
        operator: str = "",
        again: bool = False,
    ) -> None:
        """Change the state (``again``: also to the same one, as a new record), journal it
        (with ``operator``, who made it by hand), tell the venues and the subscribers."""
        if state is self.state and not again:
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
            self.journal.trading_state(state, reason, operator)

    def _publish(self, force: bool = False) -> None:
        """Publish the report for the status view: every ``PUBLISH_EVERY`` seconds, every
        ``PUBLISH_EVERY_MESSAGES`` messages, and on every trading-state change."""
        self.unpublished += 1
        now = self.clock.monotonic()
        due = force or self.unpublished >= PUBLISH_EVERY_MESSAGES
        if self.board is not None and (due or self.board.portfolio_due(now)):
            self.board.publish_portfolio(self._report(), self.limits, now)
            self.unpublished = 0

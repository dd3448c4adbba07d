"""The JournalPort that tells the JournalActor (``actors/journal/actor.py``) its messages
(``actors/journal/messages.py``).

A dead JournalActor is not swallowed: the first tell that finds it dead calls
``on_dead`` (the engine's watch halts trading: ``supervisors.core``), and the record is
lost, as every record after it until the watch ``rebind``s the port to a new actor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pykka

from predmm.actors.clock import Clock
from predmm.actors.journal.messages import (
    MarketInfo,
    RecordCorrection,
    RecordDayBaseline,
    RecordExecutionStep,
    RecordFill,
    RecordFillMarks,
    RecordFillPage,
    RecordFillReversal,
    RecordIntents,
    RecordMarkets,
    RecordMarks,
    RecordOrders,
    RecordRestart,
    RecordRewardSample,
    RecordRunInfo,
    RecordSettlement,
    RecordSupervision,
    RecordTradingState,
)
from predmm.domain.enums import TradingState, Venue
from predmm.domain.ids import FillId, MarketId
from predmm.domain.market import Rewards
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.strategies.day_loss import DayBaseline
from predmm.strategies.fills import SettledPosition
from predmm.strategies.reward_score import RewardSample

OnDead = Callable[[pykka.ActorRef[Any], BaseException], None]


class ActorJournal:
    def __init__(
        self, ref: pykka.ActorRef[Any], clock: Clock, on_dead: OnDead | None = None
    ) -> None:
        self._ref, self._clock, self._on_dead = ref, clock, on_dead
        self._reported: pykka.ActorRef[Any] | None = None  # the dead ref on_dead was told

    def rebind(self, ref: pykka.ActorRef[Any]) -> None:
        """Tell ``ref`` from now on (the JournalActor that replaced a dead one)."""
        self._ref = ref

    def _tell(self, message: object) -> None:
        ref = self._ref
        try:
            ref.tell(message)
        except pykka.ActorDeadError as exc:
            if self._on_dead is not None and self._reported is not ref:
                self._reported = ref
                self._on_dead(ref, exc)

    def orders(self, changes: Sequence[tuple[Order, OrderEvent | None]]) -> None:
        self._tell(RecordOrders(changes=tuple(changes), at=self._clock.now()))

    def intents(self, orders: Sequence[Order], then: Callable[[bool], None]) -> None:
        """Told to the JournalActor, which commits them and calls ``then``; a dead one
        is reported (``on_dead``) and ``then(False)`` called at once."""
        ref = self._ref
        try:
            ref.tell(RecordIntents(orders=tuple(orders), then=then, at=self._clock.now()))
        except pykka.ActorDeadError as exc:
            then(False)
            if self._on_dead is not None and self._reported is not ref:
                self._reported = ref
                self._on_dead(ref, exc)

    def correction(self, order: Order, what: str) -> None:
        self._tell(RecordCorrection(order=order, what=what, at=self._clock.now()))

    def fill(self, fill: Fill, cursor: str | None) -> None:
        self._tell(RecordFill(fill=fill, cursor=cursor, at=self._clock.now()))

    def fill_page(self, venue: Venue, fills: Sequence[Fill], cursor: str | None) -> None:
        self._tell(
            RecordFillPage(venue=venue, fills=tuple(fills), cursor=cursor, at=self._clock.now())
        )

    def fill_reversal(self, fill: Fill, reason: str) -> None:
        self._tell(RecordFillReversal(fill=fill, reason=reason, at=self._clock.now()))

    def restart(self, market_id: MarketId, generation: int, reason: str) -> None:
        self._tell(
            RecordRestart(
                market_id=market_id, reason=reason, attempt=generation, at=self._clock.now()
            )
        )

    def quarantine(self, market_id: MarketId, generation: int, reason: str) -> None:
        self._tell(
            RecordRestart(
                market_id=market_id,
                reason=reason,
                attempt=generation,
                quarantined=True,
                at=self._clock.now(),
            )
        )

    def trading_state(self, state: TradingState, reason: str, operator: str = "") -> None:
        at = self._clock.now()
        self._tell(RecordTradingState(state=state, reason=reason, at=at, operator=operator))

    def markets(self, markets: Sequence[MarketInfo]) -> None:
        self._tell(RecordMarkets(markets=tuple(markets), at=self._clock.now()))

    def marks(self, marks: Sequence[tuple[MarketId, Decimal]]) -> None:
        self._tell(RecordMarks(marks=tuple(marks), at=self._clock.now()))

    def fill_marks(self, marks: Sequence[tuple[Venue, FillId, float, Decimal]]) -> None:
        self._tell(RecordFillMarks(marks=tuple(marks), at=self._clock.now()))

    def run_info(self, run_id: str, strategy: str, source: str, settings: str) -> None:
        self._tell(
            RecordRunInfo(
                run_id=run_id,
                strategy=strategy,
                source=source,
                settings=settings,
                at=self._clock.now(),
            )
        )

    def settlement(self, settled: SettledPosition) -> None:
        self._tell(RecordSettlement(settled=settled, at=self._clock.now()))

    def day_baseline(self, baseline: DayBaseline) -> None:
        self._tell(RecordDayBaseline(baseline=baseline, at=self._clock.now()))

    def supervision(self, component: str, event: str, reason: str) -> None:
        self._tell(
            RecordSupervision(component=component, event=event, reason=reason, at=self._clock.now())
        )

    def reward_sample(
        self, market_id: MarketId, rewards: Rewards, sample: RewardSample, slot: int
    ) -> None:
        self._tell(
            RecordRewardSample(
                market_id=market_id, rewards=rewards, sample=sample, slot=slot, at=sample.at
            )
        )

    def execution_step(self, execution_id: str, strategy: str, step: str, detail: str) -> None:
        self._tell(
            RecordExecutionStep(
                execution_id=execution_id,
                strategy=strategy,
                step=step,
                detail=detail,
                at=self._clock.now(),
            )
        )

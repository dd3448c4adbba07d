"""The JournalPort that tells the JournalActor (``actors/journal/actor.py``) its messages
(``actors/journal/messages.py``)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pykka

from predmm.actors.clock import Clock
from predmm.actors.journal.messages import (
    MarketInfo,
    RecordFill,
    RecordFillMarks,
    RecordFillPage,
    RecordFillReversal,
    RecordMarkets,
    RecordMarks,
    RecordOrders,
    RecordRestart,
    RecordRunInfo,
    RecordTradingState,
)
from predmm.domain.enums import TradingState, Venue
from predmm.domain.ids import FillId, MarketId
from predmm.domain.orders import Fill, Order, OrderEvent


class ActorJournal:
    def __init__(self, ref: pykka.ActorRef[Any], clock: Clock) -> None:
        self._ref, self._clock = ref, clock

    def _tell(self, message: object) -> None:
        with contextlib.suppress(pykka.ActorDeadError):
            self._ref.tell(message)

    def orders(self, changes: Sequence[tuple[Order, OrderEvent | None]]) -> None:
        self._tell(RecordOrders(changes=tuple(changes), at=self._clock.now()))

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

    def trading_state(self, state: TradingState, reason: str) -> None:
        self._tell(RecordTradingState(state=state, reason=reason, at=self._clock.now()))

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

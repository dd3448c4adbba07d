"""The JournalActor's writes, as plain functions over the store: ``write(journal,
message, now)`` writes one ``Record…`` message whole, in one savepoint and without
committing, through the ``Journal``'s record methods, and returns the outcomes of the fills
it carried; its helpers check a fill page's venue and turn a message into the store's
arguments. No thread, no clock read: the actor passes ``now`` and commits; the benchmark
and the recovery tests call ``write`` directly.
"""

from __future__ import annotations

from datetime import datetime

from predmm.actors.journal.messages import (
    Record,
    RecordBalance,
    RecordCorrection,
    RecordCursor,
    RecordDayBaseline,
    RecordExecutionStep,
    RecordFill,
    RecordFillMarks,
    RecordFillPage,
    RecordFillReversal,
    RecordIntents,
    RecordMarkets,
    RecordMarks,
    RecordOrder,
    RecordOrderEvent,
    RecordOrders,
    RecordPosition,
    RecordRestart,
    RecordRewardSample,
    RecordRun,
    RecordRunEnd,
    RecordRunInfo,
    RecordSettlement,
    RecordSupervision,
    RecordTradingState,
    RecordVenueWorld,
)
from predmm.actors.journal.notes import (
    supervision_key,
    supervision_value,
    world_key,
    world_value,
)
from predmm.actors.journal.records import PositionRecord
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import FillOutcome, Journal
from predmm.domain.enums import Venue
from predmm.domain.orders import Fill


def write(journal: Journal, message: Record, now: datetime) -> list[FillOutcome]:
    """Write one message through the store, whole or not at all (no commit); the
    outcomes of the fills it carried."""
    at = message.at or now
    with journal.atomic():
        match message:
            case RecordFill(fill=fill, cursor=cursor):
                return [journal.record_fill(fill, at=at, cursor=cursor)]
            case RecordFillPage(venue=venue, fills=fills, cursor=cursor):
                return _write_page(journal, venue, fills, cursor, at)
            case RecordFillReversal(fill=fill, reason=reason):
                return [journal.record_fill_reversal(fill, at=at, reason=reason)]
            case RecordOrder(order=order, event=event):
                journal.record_order(order, at=at, event=event)
            case RecordOrders(changes=changes):
                journal.record_orders(changes, at=at)
            case RecordIntents(orders=orders):
                journal.record_intents(orders, at=at)
            case RecordOrderEvent():
                _write_order_event(journal, message, at)
            case RecordCorrection(order=order, what=what):
                journal.record_correction(order, at=at, what=what)
            case RecordPosition():
                journal.record_position(_position(message, at))
            case RecordRestart(market_id=mid, reason=reason, attempt=n, quarantined=q):
                journal.record_restart(
                    market_id=mid, at=at, reason=reason, attempt=n, quarantined=q
                )
            case RecordTradingState(state=state, reason=reason, operator=operator):
                journal.record_trading_state(state=state, at=at, reason=reason, operator=operator)
            case RecordSettlement(settled=settled):
                journal.record_settlement(settled, at=at)
            case RecordDayBaseline(baseline=baseline):
                journal.record_day_baseline(baseline)
            case RecordCursor(venue=venue, cursor=cursor):
                journal.set_cursor(venue, cursor, at=at)
            case RecordRun(run_id=run_id, config_digest=digest, mode=mode, pid=pid):
                journal.record_run(
                    run_id=run_id, started_at=at, config_digest=digest, mode=mode, pid=pid
                )
            case RecordRunEnd(run_id=run_id, reason=reason):
                journal.record_run_end(run_id=run_id, stopped_at=at, reason=reason)
            case RecordSupervision(component=component, event=event, reason=reason):
                key = supervision_key(component)
                value = supervision_value(journal.get(key), event, reason, at)
                journal.put(key, value, at=at)
            case RecordExecutionStep(execution_id=eid, strategy=name, step=step, detail=what):
                journal.record_execution_step(eid, name, step, what, at=at)
            case RecordVenueWorld(venue=venue, identity=identity, description=text):
                journal.put(world_key(venue), world_value(identity, text, at), at=at)
            case RecordRewardSample(market_id=mid, rewards=rewards, sample=sample, slot=slot):
                journal.record_reward_sample(mid, rewards, sample, slot)
            case _:
                _write_annotation(journal, message, at)
    return []


def _write_annotation(journal: Journal, message: Record, at: datetime) -> None:
    match message:
        case RecordMarkets(markets=markets):
            journal.record_markets(markets, at=at)
        case RecordMarks(marks=marks):
            journal.record_marks(marks, at=at)
        case RecordFillMarks(marks=marks):
            journal.record_fill_marks(marks)
        case RecordBalance(run_id=run_id, venue=venue, moment=moment, cash=cash, note=note):
            journal.record_balance(
                run_id=run_id, venue=venue, moment=moment, cash=cash, at=at, note=note
            )
        case RecordRunInfo(run_id=run_id, strategy=strategy, source=source, settings=text):
            journal.record_run_info(run_id=run_id, strategy=strategy, source=source, settings=text)
        case _:
            raise JournalError(f"no write for {type(message).__name__}")


def _write_page(
    journal: Journal, venue: Venue, fills: tuple[Fill, ...], cursor: str | None, at: datetime
) -> list[FillOutcome]:
    for fill in fills:
        if fill.market_id.venue is not venue:
            raise JournalError(f"fill {fill.fill_id} of {fill.market_id} in a {venue.value} page")
    outcomes = [journal.record_fill(fill, at=at) for fill in fills]
    if cursor is not None:
        journal.set_cursor(venue, cursor, at=at)
    return outcomes


def _write_order_event(journal: Journal, m: RecordOrderEvent, at: datetime) -> None:
    journal.record_order_event(
        client_order_id=m.client_order_id,
        event=m.event,
        status=m.status,
        at=at,
        filled_quantity=m.filled_quantity,
        venue_order_id=m.venue_order_id,
        reason=m.reason,
    )


def _position(m: RecordPosition, at: datetime) -> PositionRecord:
    return PositionRecord(
        market_id=m.market_id,
        event_id=m.event_id,
        yes_contracts=m.yes_contracts,
        no_contracts=m.no_contracts,
        avg_yes_price=m.avg_yes_price,
        avg_no_price=m.avg_no_price,
        realized_pnl=m.realized_pnl,
        fees_paid=m.fees_paid,
        updated_at=at,
    )

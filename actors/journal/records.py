"""What the journal's rows hold, as values, and the conversions between the two: the
records read back (``JournaledFill``, ``PositionRecord``, ``RunRecord`` …), rows into
``Order`` and ``JournaledFill``, and the insert statements with the parameters they take
from an ``Order``, an order event or a ``Fill``. Money is stored as TEXT decimals (only a
finite ``Decimal`` is accepted) and read back as ``Decimal``; times as UTC ISO 8601 text
with microseconds (fixed width, so text order is time order).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

import attrs

from predmm.actors.journal.schema import JournalError
from predmm.domain.enums import (
    Action,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TradingState,
    Venue,
)
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.orders import Fill, Order

# values read back ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class JournaledFill:
    seq: int
    venue: Venue
    fill: Fill
    received_at: datetime
    reversed_at: datetime | None = None
    reversal_reason: str = ""

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


@attrs.frozen(kw_only=True)
class OrderEventRecord:
    seq: int
    client_order_id: ClientOrderId
    event: str  # an OrderEvent value, or "snapshot"
    status: OrderStatus
    filled_quantity: Decimal
    at: datetime
    reason: str = ""


@attrs.frozen(kw_only=True)
class PositionRecord:
    market_id: MarketId
    event_id: EventId | None
    yes_contracts: Decimal
    no_contracts: Decimal
    avg_yes_price: Decimal
    avg_no_price: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    updated_at: datetime


@attrs.frozen(kw_only=True)
class RestartRecord:
    market_id: MarketId
    at: datetime
    reason: str
    attempt: int
    quarantined: bool


@attrs.frozen(kw_only=True)
class TradingStateRecord:
    state: TradingState
    reason: str
    at: datetime
    operator: str = ""  # who changed it by hand ('' : the kill switch or the engine)


@attrs.frozen(kw_only=True)
class SettlementRecord:
    """A resolved market as journaled: its outcome and payout per YES (NO pays the rest),
    the contracts it settled, what they paid and the PnL that realized (payout less their
    cost), the venue's time and when it was journaled."""

    market_id: MarketId
    outcome: str  # yes, no or scalar
    yes_payout: Decimal
    yes_contracts: Decimal
    no_contracts: Decimal
    payout: Decimal
    realized_pnl: Decimal
    venue_ts: datetime | None
    recorded_at: datetime
    source: str = ""

    @property
    def no_payout(self) -> Decimal:
        return 1 - self.yes_payout


@attrs.frozen(kw_only=True)
class RunRecord:
    run_id: str
    started_at: datetime
    stopped_at: datetime | None
    stop_reason: str
    config_digest: str
    mode: str
    pid: int
    strategy: str = ""  # "market_making (preset conservative)"
    source: str = ""  # where the settings and venues came from
    settings: str = ""  # the settings as a settings file (no secrets)

    def contains(self, at: datetime, now: datetime) -> bool:
        """Whether ``at`` falls in this run (a run not stopped lasts until ``now``)."""
        return self.started_at <= at <= (self.stopped_at or now)


@attrs.frozen(kw_only=True)
class BalanceRecord:
    run_id: str
    venue: Venue
    moment: str  # "start" or "end"
    cash: Decimal | None  # None: the venue could not be read
    note: str
    at: datetime


@attrs.frozen(kw_only=True)
class ExecutionStep:
    """One step of an execution of the executor (``actors.executor``): its signal, a
    reservation, each order sent and how it ended, a hedge or unwind, its outcome."""

    execution_id: str
    strategy: str
    step: str
    detail: str
    at: datetime


# conversions ---------------------------------------------------------------------------


def ts(value: datetime) -> str:
    """A time as stored: UTC, microseconds, fixed width. A naive time is taken as UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def _ts_or_none(value: datetime | None) -> str | None:
    return None if value is None else ts(value)


def dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def dt_req(text: str) -> datetime:
    return datetime.fromisoformat(text)


def money(value: Decimal) -> str:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise JournalError(f"money must be a finite Decimal, got {value!r}")
    return str(value)


def opt_id(value: object | None) -> str | None:
    return None if value is None else str(value)


def row_to_order(row: sqlite3.Row) -> Order:
    return Order(
        client_order_id=ClientOrderId(row["client_order_id"]),
        market_id=MarketId.parse(row["market_id"]),
        side=OrderSide(row["side"]),
        action=Action(row["action"]),
        order_type=OrderType(row["order_type"]),
        time_in_force=TimeInForce(row["time_in_force"]),
        post_only=bool(row["post_only"]),
        price=Decimal(row["price"]),
        quantity=Decimal(row["quantity"]),
        status=OrderStatus(row["status"]),
        filled_quantity=Decimal(row["filled_quantity"]),
        venue_order_id=_vid(row["venue_order_id"]),
        created_at=dt(row["created_at"]),
        reason=row["reason"],
        strategy=row["strategy"],
    )


def row_to_fill(row: sqlite3.Row) -> JournaledFill:
    fill = Fill(
        fill_id=FillId(row["fill_id"]),
        market_id=MarketId.parse(row["market_id"]),
        side=OrderSide(row["side"]),
        action=Action(row["action"]),
        price=Decimal(row["price"]),
        quantity=Decimal(row["quantity"]),
        fee=Decimal(row["fee"]),
        is_taker=bool(row["is_taker"]),
        provisional=bool(row["provisional"]),
        client_order_id=_cid(row["client_order_id"]),
        venue_order_id=_vid(row["venue_order_id"]),
        ts=dt(row["venue_ts"]),
        received_ts=dt(row["received_at"]),
        strategy=row["strategy"],
    )
    return JournaledFill(
        seq=row["seq"],
        venue=Venue(row["venue"]),
        fill=fill,
        received_at=dt_req(row["received_at"]),
        reversed_at=dt(row["reversed_at"]),
        reversal_reason=row["reversal_reason"],
    )


def _cid(text: str | None) -> ClientOrderId | None:
    return None if text is None else ClientOrderId(text)


def _vid(text: str | None) -> VenueOrderId | None:
    return None if text is None else VenueOrderId(text)


def row_to_settlement(row: sqlite3.Row) -> SettlementRecord:
    return SettlementRecord(
        market_id=MarketId.parse(row["market_id"]),
        outcome=row["outcome"],
        yes_payout=Decimal(row["yes_payout"]),
        yes_contracts=Decimal(row["yes_contracts"]),
        no_contracts=Decimal(row["no_contracts"]),
        payout=Decimal(row["payout"]),
        realized_pnl=Decimal(row["realized_pnl"]),
        venue_ts=dt(row["venue_ts"]),
        recorded_at=dt_req(row["recorded_at"]),
        source=row["source"],
    )


def opt_money(value: Decimal | None) -> str | None:
    return None if value is None else money(value)


def cursor_key(venue: Venue) -> str:
    return f"fill_cursor:{venue.value}"


# rows written --------------------------------------------------------------------------


UPSERT_ORDER = """
INSERT INTO orders (client_order_id, venue, market_id, side, action, order_type,
    time_in_force, post_only, price, quantity, status, filled_quantity, venue_order_id,
    created_at, updated_at, reason, strategy)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (client_order_id) DO UPDATE SET
    price = excluded.price, quantity = excluded.quantity, status = excluded.status,
    filled_quantity = excluded.filled_quantity,
    venue_order_id = COALESCE(excluded.venue_order_id, orders.venue_order_id),
    created_at = COALESCE(orders.created_at, excluded.created_at),
    updated_at = excluded.updated_at, reason = excluded.reason,
    strategy = CASE WHEN excluded.strategy = '' THEN orders.strategy ELSE excluded.strategy END
"""


# an order about to be sent (write-ahead): its row if it has none yet; a row it has
# keeps its state, and learns the venue's id if it did not know it
INSERT_INTENT = """
INSERT INTO orders (client_order_id, venue, market_id, side, action, order_type,
    time_in_force, post_only, price, quantity, status, filled_quantity, venue_order_id,
    created_at, updated_at, reason, strategy)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (client_order_id) DO UPDATE SET
    venue_order_id = COALESCE(orders.venue_order_id, excluded.venue_order_id)
"""


CORRECTION = "correction"  # an order event: what a reconciliation during a run corrected

INSERT_EVENT = """
INSERT INTO order_events (client_order_id, event, status_after, filled_quantity, at, reason)
VALUES (?, ?, ?, ?, ?, ?)
"""


def event_params(
    client_order_id: ClientOrderId,
    event: str,
    status: OrderStatus,
    filled: Decimal,
    stamp: str,
    reason: str,
) -> tuple[object, ...]:
    """An order event's row, at ``stamp`` (``ts`` of a time)."""
    return (str(client_order_id), event, status.value, money(filled), stamp, reason)


def order_params(order: Order, stamp: str) -> tuple[object, ...]:
    """The row's values, updated at ``stamp`` (``ts`` of a time)."""
    return (
        str(order.client_order_id),
        order.market_id.venue.value,
        str(order.market_id),
        order.side.value,
        order.action.value,
        order.order_type.value,
        order.time_in_force.value,
        int(order.post_only),
        money(order.price),
        money(order.quantity),
        order.status.value,
        money(order.filled_quantity),
        opt_id(order.venue_order_id),
        _ts_or_none(order.created_at),
        stamp,
        order.reason,
        order.strategy,
    )


INSERT_FILL = """
INSERT OR IGNORE INTO fills (venue, fill_id, market_id, side, action, price, quantity, fee,
    is_taker, provisional, client_order_id, venue_order_id, venue_ts, received_at, strategy)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
    COALESCE(NULLIF(?, ''),
             (SELECT strategy FROM orders WHERE client_order_id = ?), ''))
"""


def fill_params(fill: Fill, at: datetime) -> tuple[object, ...]:
    return (
        fill.market_id.venue.value,
        str(fill.fill_id),
        str(fill.market_id),
        fill.side.value,
        fill.action.value,
        money(fill.price),
        money(fill.quantity),
        money(fill.fee),
        int(fill.is_taker),
        int(fill.provisional),
        opt_id(fill.client_order_id),
        opt_id(fill.venue_order_id),
        _ts_or_none(fill.ts),
        ts(fill.received_ts or at),
        fill.strategy,
        opt_id(fill.client_order_id),
    )

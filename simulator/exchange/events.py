"""Events the exchange emits, synchronously, to every registered listener.

All run in one trio thread: a listener must not block and must not call back into
the exchange mutations (reading is fine). Order and fill events name the account
they concern; book, trade and market events are public.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain import MarketId, MarketStatus, OrderSide, TickSpec
from predmm.simulator.exchange.model import (
    AccountId,
    CancelReason,
    FillRecord,
    GroupRecord,
    OrderRecord,
    TradeRecord,
    TradeStatus,
)


@attrs.frozen(kw_only=True)
class OrderAccepted:
    """A new order was taken (before it matches anything)."""

    account_id: AccountId
    order: OrderRecord
    ts: datetime


@attrs.frozen(kw_only=True)
class OrderUpdated:
    """An order changed without leaving the book: partially filled, amended, decreased.
    Also sent once for the order's final fill (status FILLED)."""

    account_id: AccountId
    order: OrderRecord
    ts: datetime


@attrs.frozen(kw_only=True)
class OrderCancelled:
    """An order left the book unfilled (status CANCELLED, or EXPIRED for GTD)."""

    account_id: AccountId
    order: OrderRecord
    reason: CancelReason
    ts: datetime


@attrs.frozen(kw_only=True)
class OrderGroupChanged:
    """An order group of ``account_id`` was created, triggered (it tripped, or was
    triggered by hand: its resting orders are cancelled), reset, deleted, or given a new
    limit (``event_type``, Kalshi's ``order_group_updates`` words)."""

    account_id: AccountId
    group: GroupRecord
    event_type: str
    ts: datetime


@attrs.frozen(kw_only=True)
class OrderFilled:
    """One fill of one order of ``account_id`` (taker or maker)."""

    account_id: AccountId
    order: OrderRecord
    fill: FillRecord
    ts: datetime


@attrs.frozen(kw_only=True)
class TradePrinted:
    """A match on the public tape."""

    trade: TradeRecord
    ts: datetime


@attrs.frozen(kw_only=True)
class TradeStatusChanged:
    """Polymarket settlement progress of a trade (MATCHED -> MINED -> CONFIRMED, or FAILED,
    in which case cash and positions of both accounts were restored exactly)."""

    trade: TradeRecord
    old_status: TradeStatus
    ts: datetime


@attrs.frozen(kw_only=True)
class BookLevelChanged:
    """The aggregate size at one price of one ladder changed (0 = level gone).

    ``side`` is the ladder (YES bids or NO bids), ``price`` its price in that side's
    terms. ``seq`` counts book changes of this market from 1, without gaps."""

    market_id: MarketId
    side: OrderSide
    price: Decimal
    size: Decimal
    delta: Decimal  # size change (new size - old size)
    seq: int
    ts: datetime


@attrs.frozen(kw_only=True)
class MarketStatusChanged:
    market_id: MarketId
    old_status: MarketStatus
    status: MarketStatus
    ts: datetime


@attrs.frozen(kw_only=True)
class TickSizeChanged:
    market_id: MarketId
    old_tick: TickSpec
    tick: TickSpec
    ts: datetime


@attrs.frozen(kw_only=True)
class MarketSettled:
    """The market resolved: ``result`` pays $1 per contract; every position is paid out
    and cleared."""

    market_id: MarketId
    result: OrderSide
    ts: datetime


@attrs.frozen(kw_only=True)
class AccountChanged:
    """Cash, reservation or positions of an account changed (balance/positions pushes)."""

    account_id: AccountId
    ts: datetime


ExchangeEvent = (
    OrderAccepted
    | OrderUpdated
    | OrderCancelled
    | OrderFilled
    | OrderGroupChanged
    | TradePrinted
    | TradeStatusChanged
    | BookLevelChanged
    | MarketStatusChanged
    | TickSizeChanged
    | MarketSettled
    | AccountChanged
)

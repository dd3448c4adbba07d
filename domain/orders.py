"""Orders, fills, signals and the order state transition table.

Every order and fill carries the name of the strategy it belongs to (``strategy``: its
attribution in the journal, the positions and the PnL); ``MARKET_MAKING`` is the market
maker's, and an empty tag (an order journaled before strategies were named, or one the
venue shows that no journal knows) is the market maker's too (``strategy_of``)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide, OrderStatus, OrderType, TimeInForce
from predmm.domain.errors import InvalidTransition
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId

S = OrderStatus

MARKET_MAKING = "market_making"  # the market maker's tag (every MarketMakingStrategy's)
ARBITRAGE = "arbitrage"


def strategy_of(tag: str) -> str:
    """The strategy an order or fill tagged ``tag`` belongs to: untagged is the market
    maker's (the only strategy before there were several)."""
    return tag or MARKET_MAKING


class OrderEvent(enum.Enum):
    SUBMIT = "submit"  # handed to the venue client
    ACCEPT = "accept"  # the venue holds it (or reconciliation found it resting)
    REJECT = "reject"  # the venue refused it
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"  # completely filled
    CANCEL_REQUEST = "cancel_request"
    CANCEL_REJECT = "cancel_reject"  # the venue refused the cancel; the order still rests
    CANCELLED = "cancelled"
    EXPIRE = "expire"
    LOST = "lost"  # timeout or 5xx after a submit: outcome unknown
    NOT_FOUND = "not_found"  # reconciliation: the venue never took it


E = OrderEvent

_LIVE = (S.OPEN, S.PARTIALLY_FILLED)
_TABLE: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    (S.PENDING, E.SUBMIT): S.SUBMITTED,
    (S.PENDING, E.CANCEL_REQUEST): S.CANCELLED,  # never sent: nothing to cancel
    (S.SUBMITTED, E.ACCEPT): S.OPEN,
    (S.SUBMITTED, E.REJECT): S.REJECTED,
    (S.SUBMITTED, E.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.SUBMITTED, E.FILL): S.FILLED,
    (S.SUBMITTED, E.LOST): S.UNKNOWN,
    (S.SUBMITTED, E.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.SUBMITTED, E.CANCELLED): S.CANCELLED,  # IOC remainder
    (S.SUBMITTED, E.EXPIRE): S.EXPIRED,
    (S.UNKNOWN, E.ACCEPT): S.OPEN,
    (S.UNKNOWN, E.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.UNKNOWN, E.FILL): S.FILLED,
    (S.UNKNOWN, E.CANCELLED): S.CANCELLED,
    (S.UNKNOWN, E.NOT_FOUND): S.REJECTED,
    (S.UNKNOWN, E.REJECT): S.REJECTED,
    (S.UNKNOWN, E.EXPIRE): S.EXPIRED,
    (S.UNKNOWN, E.LOST): S.UNKNOWN,
    (S.UNKNOWN, E.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.PARTIAL_FILL): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.FILL): S.FILLED,
    (S.PENDING_CANCEL, E.CANCELLED): S.CANCELLED,
    (S.PENDING_CANCEL, E.NOT_FOUND): S.CANCELLED,
    (S.PENDING_CANCEL, E.CANCEL_REJECT): S.OPEN,
    (S.PENDING_CANCEL, E.ACCEPT): S.PENDING_CANCEL,  # a late ack of the submit
    (S.PENDING_CANCEL, E.EXPIRE): S.EXPIRED,
    (S.PENDING_CANCEL, E.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.LOST): S.PENDING_CANCEL,
}
for _live in _LIVE:
    _TABLE.update(
        {
            (_live, E.ACCEPT): _live,
            (_live, E.PARTIAL_FILL): S.PARTIALLY_FILLED,
            (_live, E.FILL): S.FILLED,
            (_live, E.CANCEL_REQUEST): S.PENDING_CANCEL,
            (_live, E.CANCELLED): S.CANCELLED,
            (_live, E.EXPIRE): S.EXPIRED,
        }
    )
ORDER_STATE_TABLE = dict(_TABLE)
del _TABLE, _live


def apply(state: OrderStatus, event: OrderEvent) -> OrderStatus:
    """The next state of an order; an event its state does not allow raises."""
    try:
        return ORDER_STATE_TABLE[(state, event)]
    except KeyError:
        raise InvalidTransition(
            f"order in state {state.value} cannot take event {event.value}"
        ) from None


@attrs.frozen(kw_only=True)
class Order:
    """One order intent and what is known of it."""

    client_order_id: ClientOrderId
    market_id: MarketId
    side: OrderSide
    price: Decimal
    quantity: Decimal
    action: Action = Action.BUY
    order_type: OrderType = OrderType.LIMIT
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = True
    status: OrderStatus = OrderStatus.PENDING
    filled_quantity: Decimal = Decimal(0)
    venue_order_id: VenueOrderId | None = None
    created_at: datetime | None = None
    reason: str = ""
    # when the venue cancels it unless it is renewed (a short GTD of the venue-side
    # safety net: Kalshi ``expiration_time``); None: it rests until cancelled
    expires_at: datetime | None = None
    strategy: str = ""  # the strategy that placed it (``strategy_of``)

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity

    def amended(self, price: Decimal, quantity: Decimal) -> Order:
        """This order at ``price`` for a new total ``quantity`` (``attrs.evolve`` spelled
        out: a requote amends two orders, and evolve looks the fields up every time)."""
        return Order(
            client_order_id=self.client_order_id,
            market_id=self.market_id,
            side=self.side,
            price=price,
            quantity=quantity,
            action=self.action,
            order_type=self.order_type,
            time_in_force=self.time_in_force,
            post_only=self.post_only,
            status=self.status,
            filled_quantity=self.filled_quantity,
            venue_order_id=self.venue_order_id,
            created_at=self.created_at,
            reason=self.reason,
            expires_at=self.expires_at,
            strategy=self.strategy,
        )

    @property
    def is_live(self) -> bool:
        return self.status.may_rest

    def on(self, event: OrderEvent, **changes: object) -> Order:
        """This order after ``event``; a partial fill reported to an OPEN order shows as
        PARTIALLY_FILLED, and a cancel refused after a partial fill restores that."""
        status = apply(self.status, event)
        filled = changes.get("filled_quantity", self.filled_quantity)
        assert isinstance(filled, Decimal)
        if status is S.OPEN and filled > 0:
            status = S.PARTIALLY_FILLED
        return attrs.evolve(self, status=status, **changes)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class Fill:
    """One execution of one of our orders. ``provisional`` fills (Polymarket MATCHED or
    MINED) may still fail and be reversed; confirmed ones cannot."""

    fill_id: FillId
    market_id: MarketId
    side: OrderSide
    price: Decimal
    quantity: Decimal
    action: Action = Action.BUY
    fee: Decimal = Decimal(0)
    is_taker: bool = False
    client_order_id: ClientOrderId | None = None
    venue_order_id: VenueOrderId | None = None
    ts: datetime | None = None  # venue time
    received_ts: datetime | None = None
    provisional: bool = False
    strategy: str = ""  # its order's strategy, once the order table knows it

    @property
    def notional(self) -> Decimal:
        return self.price * self.quantity


@attrs.frozen(kw_only=True)
class Leg:
    """One order of a multi-leg signal: ``action`` ``size`` of ``side`` in ``market_id``
    at ``limit_price`` or better, at once (IOC: what can fill, the rest cancelled; FOK:
    all or nothing)."""

    market_id: MarketId
    side: OrderSide
    limit_price: Decimal
    size: Decimal
    action: Action = Action.BUY
    time_in_force: TimeInForce = TimeInForce.IOC


@attrs.frozen(kw_only=True)
class Signal:
    """What the strategy wants done: buy (or sell) ``size`` of ``side`` at ``target_price``.

    A multi-leg signal (an arbitrage) lists its orders in ``legs``, in the order they are
    to be sent; its own market, side, price, size and time in force are the first leg's,
    and its ``strength`` is the dollars it expects to lock."""

    market_id: MarketId
    side: OrderSide
    target_price: Decimal
    size: Decimal
    strength: Decimal = Decimal("0.5")
    reason: str = ""
    action: Action = Action.BUY
    order_type: OrderType = OrderType.LIMIT
    time_in_force: TimeInForce | None = None  # None: the order type's usual one
    legs: tuple[Leg, ...] = ()

"""The small closed vocabularies of the trading domain."""

from __future__ import annotations

import enum


class _Enum(enum.Enum):
    """An enum hashed by identity (its members are singletons compared by identity):
    Enum's own ``__hash__`` is a Python call, and enums are dict keys on every hot path."""

    __hash__ = object.__hash__


class Venue(_Enum):
    KALSHI = "kalshi"
    POLYMARKET = "polymarket"
    PAPER = "paper"

    # ordered by name, so that MarketIds of different venues sort (``select_markets``)
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Venue):
            return NotImplemented
        return self.value < other.value

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Venue):
            return NotImplemented
        return self.value > other.value


class OrderSide(_Enum):
    """Which contract of a binary market: YES pays $1 if the event happens, NO if not."""

    YES = "yes"
    NO = "no"

    @property
    def opposite(self) -> OrderSide:
        return OrderSide.NO if self is OrderSide.YES else OrderSide.YES


class Action(_Enum):
    BUY = "buy"
    SELL = "sell"


class OrderType(_Enum):
    LIMIT = "limit"
    # Neither venue has true market orders any more: MARKET is sent as a marketable
    # limit with immediate-or-cancel at the signal's price.
    MARKET = "market"


class TimeInForce(_Enum):
    GTC = "gtc"
    GTD = "gtd"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(_Enum):
    PENDING = "pending"  # known locally, not yet sent
    SUBMITTED = "submitted"  # sent, no answer yet
    OPEN = "open"  # resting on the venue
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # the submit's outcome was lost; reconcile by client order id

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def may_rest(self) -> bool:
        """True while the venue may still hold this order (it can still fill)."""
        return not self.is_terminal and self is not OrderStatus.PENDING


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class TradingState(_Enum):
    ACTIVE = "active"  # quoting normally
    REDUCING = "reducing"  # only orders that reduce inventory may pass
    HALTED = "halted"  # nothing passes; everything is cancelled


class MarketStatus(_Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    SETTLED = "settled"

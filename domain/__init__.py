"""Values and rules shared by every part of predmm: ids, sides, tick grids, markets,
books, orders, fills, the order state table and the exception tree."""

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import (
    Action,
    MarketStatus,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TradingState,
    Venue,
)
from predmm.domain.errors import (
    AuthenticationError,
    ConfigError,
    DuplicateClientOrderId,
    InvalidTransition,
    LimitExceeded,
    OffGridPrice,
    OrderNotFound,
    OrderRejected,
    PredmmError,
    RateLimited,
    VenueError,
    VenueProtocolError,
    VenueUnavailable,
)
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.market import Market, MarketView
from predmm.domain.orders import ORDER_STATE_TABLE, Fill, Order, OrderEvent, Signal, apply
from predmm.domain.ticks import PriceBand, TickSpec

__all__ = [
    "ORDER_STATE_TABLE",
    "Action",
    "AuthenticationError",
    "ClientOrderId",
    "ConfigError",
    "DuplicateClientOrderId",
    "EventId",
    "Fill",
    "FillId",
    "InvalidTransition",
    "Level",
    "LimitExceeded",
    "Market",
    "MarketId",
    "MarketStatus",
    "MarketView",
    "OffGridPrice",
    "Order",
    "OrderBook",
    "OrderEvent",
    "OrderNotFound",
    "OrderRejected",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PredmmError",
    "PriceBand",
    "RateLimited",
    "Signal",
    "TickSpec",
    "TimeInForce",
    "TradingState",
    "Venue",
    "VenueError",
    "VenueOrderId",
    "VenueProtocolError",
    "VenueUnavailable",
    "apply",
]

"""Keeping the venue-side expiry of resting orders ahead of the clock, for the
PlatformActor of a venue that expires orders unless renewed (``Capabilities.order_ttl_s``,
Kalshi's safety net): every sixth of the TTL, each order resting with less than half its
TTL left (or none at all: an order adopted from a run without the safety net) is renewed
with an amend at its own price and size, which keeps its queue place. A price or size
amend renews too. Pure: no I/O, no clock reads (``now`` is given), no logging.

If predmm dies the renewals stop and the venue cancels every order within the TTL. If
renewals fail while predmm runs (the venue down, the limiter empty), orders expire: the
stream's order update, an amend's answer or the reconciliation then closes them as
EXPIRED, which is neither a fill nor an order gone missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from predmm.domain.enums import OrderStatus
from predmm.domain.ids import ClientOrderId
from predmm.domain.orders import Order

RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
CHECKS_PER_TTL = 6  # how often per TTL the resting orders are looked at


def renew_interval(ttl_s: int) -> float:
    return ttl_s / CHECKS_PER_TTL


def renewals_due(orders: Iterable[Order], now: datetime, ttl_s: int) -> list[ClientOrderId]:
    """The resting orders to renew now: less than half the TTL left, or no expiry."""
    margin = timedelta(seconds=ttl_s / 2)
    return [
        o.client_order_id
        for o in orders
        if o.status in RESTING and (o.expires_at is None or o.expires_at - now < margin)
    ]


def expired(order: Order, now: datetime) -> bool:
    """Whether the venue's expiry of ``order`` has passed: an order it no longer lists
    has expired, not gone missing."""
    return order.expires_at is not None and order.expires_at <= now

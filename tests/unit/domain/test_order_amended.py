"""``Order.amended``: the order at a new price and total, every other field as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide, OrderStatus, OrderType, TimeInForce, Venue
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.orders import Order


def test_an_amended_order_keeps_every_field_but_its_price_and_quantity() -> None:
    """``Order.amended`` spells ``attrs.evolve`` out: a field added to ``Order`` and
    forgotten there would be lost on every amend."""
    at = datetime(2026, 12, 6, tzinfo=UTC)
    order = Order(
        client_order_id=ClientOrderId("c-1"),
        market_id=MarketId(Venue.KALSHI, "K"),
        side=OrderSide.NO,
        price=Decimal("0.40"),
        quantity=Decimal(10),
        action=Action.SELL,
        order_type=OrderType.MARKET,
        time_in_force=TimeInForce.IOC,
        post_only=False,
        status=OrderStatus.PARTIALLY_FILLED,
        filled_quantity=Decimal(3),
        venue_order_id=VenueOrderId("v-1"),
        created_at=at,
        reason="why",
        expires_at=at,
        strategy="market_making",
    )
    price, total = Decimal("0.41"), Decimal(13)
    assert order.amended(price, total) == attrs.evolve(order, price=price, quantity=total)
    # every field with a default differs from it above, so none is lost unnoticed; a
    # field added to ``Order`` must be added to ``amended`` (and here)
    with_defaults = [a for a in attrs.fields(Order) if a.default is not attrs.NOTHING]
    assert all(getattr(order, a.name) != a.default for a in with_defaults)
    assert len(attrs.fields(Order)) == 16

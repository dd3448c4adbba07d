"""Order writes on Kalshi's V2 event-order endpoints: create (single and batched),
amend, decrease, cancel (single, batched, all), with the fault model's rules: a 409
``order_already_exists`` means the intent is already on the venue (look it up, never
place twice); a refused order is a ``REJECTED`` result (``tripped`` when its order group
tripped); a cancel of an order the venue no longer holds is
``CancelResult(cancelled=False)``; an amend of an order the venue no longer holds (it
expired, was cancelled or filled meanwhile) answers what became of it.

With the safety net (``safety.KalshiSafety``) every order goes into the account's order
group, with ``cancel_order_on_pause`` and an expiration ``order_ttl_s`` ahead, and every
amend carries the expiration forward (an amend at the same price and size renews it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import attrs

from predmm.domain.counts import WHOLE, check_count
from predmm.domain.enums import OrderStatus, OrderType, TimeInForce
from predmm.domain.errors import (
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRejected,
    VenueProtocolError,
    VenueUnavailable,
)
from predmm.domain.events import CancelResult, PlaceResult
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.orders import Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.kalshi import wire
from predmm.platforms.kalshi.errors import (
    ALREADY_EXISTS,
    code_is,
    parse_error_body,
    rejection_reason,
)
from predmm.platforms.kalshi.http import KalshiHttp
from predmm.platforms.kalshi.safety import Expiry, KalshiSafety, OrderGroup, is_group_refusal
from predmm.platforms.venue import Capabilities

ORDERS = "/portfolio/events/orders"
BATCH = "/portfolio/events/orders/batched"
DEFAULT_GTD_TTL_S = 60

Lookup = Callable[[ClientOrderId, MarketId], Awaitable[Order | None]]
LookupById = Callable[[VenueOrderId], Awaitable[Order | None]]


@attrs.define(kw_only=True)
class OrderDesk:
    """The write side of one Kalshi account. ``ticks`` and ``steps`` are the price grids
    and count steps known from market reads (orders on a known market are checked before
    they leave); ``lookup`` finds an order by client order id, ``lookup_id`` by Kalshi's."""

    http: KalshiHttp
    capabilities: Capabilities
    ticks: dict[MarketId, TickSpec]
    clock: Callable[[], datetime]
    lookup: Lookup
    lookup_id: LookupById
    steps: dict[MarketId, Decimal] = attrs.field(factory=dict)
    safety: KalshiSafety = attrs.field(factory=KalshiSafety)
    group: OrderGroup | None = None

    def __attrs_post_init__(self) -> None:
        if self.group is None and self.safety.order_group_limit is not None:
            self.group = OrderGroup(http=self.http, limit=self.safety.order_group_limit)

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        """Up to ``capabilities.max_batch_create`` orders; one alone goes unbatched."""
        if len(orders) > self.capabilities.max_batch_create:
            raise ValueError(
                f"{len(orders)} orders exceed max_batch_create {self.capabilities.max_batch_create}"
            )
        for order in orders:
            self._check(order, order.price, order.quantity, count=True)
        group = await self.group.ensure() if self.group is not None and orders else None
        bodies = [self._create_body(o, group) for o in orders]
        if len(orders) == 1:
            return [await self._place_one(orders[0], bodies[0])]
        return await self._place_batch(orders, bodies) if orders else []

    def _create_body(self, order: Order, group: str | None) -> dict[str, Any]:
        body = wire.create_body(order, expiration_s=self._expiration(order))
        if group is not None:
            body["order_group_id"] = group
        if self.safety.cancel_on_pause:
            body["cancel_order_on_pause"] = True
        return body

    def _check(self, order: Order, price: Decimal, quantity: Decimal, *, count: bool) -> None:
        """Refuse a price off the grid (OffGridPrice), or a new count off the step
        (OffGridCount), of a market we have read. A count kept as it is (a renewal, a
        price amend) is not ours to judge: the venue's fills made it."""
        _, yes_price = wire.to_book_side(order.side, order.action, price)
        tick = self.ticks.get(order.market_id)
        if tick is not None:
            tick.check(yes_price, f"YES price of order {order.client_order_id}")
        if count:
            step = self.steps.get(order.market_id, WHOLE)
            check_count(quantity - order.filled_quantity, step, f"order {order.client_order_id}")

    def _expiration(self, order: Order) -> int | None:
        ttl = self.safety.order_ttl_s
        if ttl is None and order.time_in_force is TimeInForce.GTD:
            ttl = DEFAULT_GTD_TTL_S
        if ttl is None or order.time_in_force not in (TimeInForce.GTC, TimeInForce.GTD):
            return None
        if order.order_type is OrderType.MARKET:
            return None  # immediate-or-cancel
        return Expiry(ttl_s=ttl, clock=self.clock).next()

    async def _place_one(self, order: Order, body: dict[str, Any]) -> PlaceResult:
        try:
            payload = await self.http.call("POST", ORDERS, body=body, write=True)
        except DuplicateClientOrderId:
            return await self._already_placed(order)
        except OrderRejected as exc:
            return _refused(order, rejection_reason(exc), exc.code or "")
        return self._placed(order, body, payload)

    def _placed(self, order: Order, body: dict[str, Any], payload: Any) -> PlaceResult:
        fields = wire.place_result_fields(order, payload)
        seconds = body.get("expiration_time")
        if seconds is not None and fields["status"].may_rest:
            fields["expires_at"] = Expiry.at(seconds)
        return PlaceResult(**fields)

    async def _place_batch(
        self, orders: Sequence[Order], bodies: list[dict[str, Any]]
    ) -> list[PlaceResult]:
        try:
            payload = await self.http.call("POST", BATCH, body={"orders": bodies}, write=True)
        except OrderRejected as exc:
            return [_refused(o, rejection_reason(exc), exc.code or "") for o in orders]
        items = wire.field(payload, "orders", "Kalshi batch create answer")
        if not isinstance(items, list) or len(items) != len(orders):
            raise VenueProtocolError(
                f"Kalshi batch create answered {len(items) if isinstance(items, list) else items!r}"
                f" items for {len(orders)} orders: outcome unknown"
            )
        return [
            await self._batch_item(o, b, _match(o, item, items))
            for o, b, item in zip(orders, bodies, items, strict=True)
        ]

    async def _batch_item(
        self, order: Order, body: dict[str, Any], item: dict[str, Any]
    ) -> PlaceResult:
        if item.get("error"):
            error = parse_error_body(item["error"])
            if code_is(error, ALREADY_EXISTS):
                return await self._already_placed(order)
            return _refused(order, error.describe(), error.code)
        return self._placed(order, body, item)

    async def _already_placed(self, order: Order) -> PlaceResult:
        """A 409 ``order_already_exists``: the intent is on the venue; report that order."""
        found = await self.lookup(order.client_order_id, order.market_id)
        if found is None:
            raise VenueUnavailable(
                f"Kalshi holds client order id {order.client_order_id} (409) but does not "
                "list it yet: outcome unknown, reconcile later"
            )
        return PlaceResult(
            client_order_id=order.client_order_id,
            status=found.status,
            venue_order_id=found.venue_order_id,
            filled_quantity=found.filled_quantity,
            reason="already placed",
        )

    # changing and cancelling --------------------------------------------------------

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        """New price and/or new total size (``quantity`` counts what already filled, like
        ``Order.quantity``). Changing price or growing size loses queue priority."""
        oid = await self._venue_id(order)
        if oid is None:
            return _rejected(order, "not_found: no such order on Kalshi")
        self._check(order, price, quantity, count=quantity != order.quantity)
        body = wire.amend_body(order, price, quantity)
        seconds = self._expiration(order)
        if seconds is not None:
            body["expiration_time"] = seconds
        try:
            payload = await self.http.call(
                "POST", f"{ORDERS}/{_seg(oid.value)}/amend", body=body, write=True
            )
        except OrderNotFound as exc:
            return await self._gone(order, oid, rejection_reason(exc))
        except OrderRejected as exc:
            return _rejected(order, rejection_reason(exc))
        result = _amended(order, quantity, payload)
        if seconds is not None and result.status.may_rest:
            result = attrs.evolve(result, expires_at=Expiry.at(seconds))
        return result

    async def _gone(self, order: Order, oid: VenueOrderId, reason: str) -> PlaceResult:
        """An amend of an order Kalshi no longer holds live (404): what became of it
        (expired, cancelled or filled meanwhile), else a refusal."""
        found = await self.lookup_id(oid)
        if found is None or found.status.may_rest:
            return _rejected(order, reason)
        return PlaceResult(
            client_order_id=order.client_order_id,
            status=found.status,
            venue_order_id=oid,
            filled_quantity=max(found.filled_quantity, order.filled_quantity),
            reason=f"{reason} ({found.status.value} on Kalshi)",
        )

    async def decrease_order(self, order: Order, remaining: Decimal) -> CancelResult:
        """Shrink the resting size to ``remaining`` in place, keeping queue priority."""
        oid = await self._venue_id(order)
        if oid is None:
            return CancelResult(
                client_order_id=order.client_order_id, cancelled=False, reason="not_found"
            )
        step = self.steps.get(order.market_id, WHOLE)
        check_count(remaining, step, f"order {order.client_order_id} decreased")
        body = {"reduce_to": wire.fmt_count(remaining), "market_ticker": order.market_id.symbol}
        try:
            payload = await self.http.call(
                "POST", f"{ORDERS}/{_seg(oid.value)}/decrease", body=body, write=True
            )
        except (OrderRejected, OrderNotFound) as exc:
            return CancelResult(
                client_order_id=order.client_order_id, cancelled=False, reason=rejection_reason(exc)
            )
        left = wire.dec(payload, "remaining_count", "Kalshi decrease answer")
        return CancelResult(
            client_order_id=order.client_order_id,
            cancelled=True,
            reduced_by=max(order.remaining - left, Decimal(0)),
        )

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        if len(orders) > self.capabilities.max_batch_cancel:
            limit = self.capabilities.max_batch_cancel
            raise ValueError(f"{len(orders)} cancels exceed max_batch_cancel {limit}")
        ids = [await self._venue_id(o) for o in orders]
        known = [(o, i) for o, i in zip(orders, ids, strict=True) if i is not None]
        results = {
            o.client_order_id: _not_found(o, "unknown order")
            for o, i in zip(orders, ids, strict=True)
            if i is None
        }
        if len(known) == 1:
            results[known[0][0].client_order_id] = await self._cancel_one(*known[0])
        elif known:
            results.update((r.client_order_id, r) for r in await self._cancel_batch(known))
        return [results[o.client_order_id] for o in orders]

    async def _venue_id(self, order: Order) -> VenueOrderId | None:
        if order.venue_order_id is not None:
            return order.venue_order_id
        found = await self.lookup(order.client_order_id, order.market_id)
        return found.venue_order_id if found is not None else None

    async def _cancel_one(self, order: Order, oid: VenueOrderId) -> CancelResult:
        params = {"market_ticker": order.market_id.symbol}
        try:
            payload = await self.http.call(
                "DELETE", f"{ORDERS}/{_seg(oid.value)}", params=params, write=True
            )
        except OrderNotFound as exc:
            return _not_found(order, rejection_reason(exc))
        return _cancelled(order, payload)

    async def _cancel_batch(self, pairs: list[tuple[Order, VenueOrderId]]) -> list[CancelResult]:
        body = {
            "orders": [{"order_id": i.value, "market_ticker": o.market_id.symbol} for o, i in pairs]
        }
        payload = await self.http.call("DELETE", BATCH, body=body, write=True)
        items = wire.field(payload, "orders", "Kalshi batch cancel answer")
        by_id = {item.get("order_id"): item for item in items if isinstance(item, dict)}
        results = []
        for order, oid in pairs:
            item = by_id.get(oid.value)
            if item is None or item.get("error"):
                reason = parse_error_body(item["error"]).describe() if item else "not in the answer"
                results.append(_not_found(order, reason))
            else:
                results.append(_cancelled(order, item))
        return results

    async def cancel_all(self) -> None:
        """Cancel every resting order of the account on every shard."""
        await self.http.call("DELETE", ORDERS, write=True)


# results -----------------------------------------------------------------------


def _seg(text: str) -> str:
    return quote(text, safe="")


def _rejected(order: Order, reason: str) -> PlaceResult:
    return PlaceResult(
        client_order_id=order.client_order_id, status=OrderStatus.REJECTED, reason=reason
    )


def _refused(order: Order, reason: str, code: str) -> PlaceResult:
    """A refused placement; ``tripped`` when its order group is triggered."""
    return PlaceResult(
        client_order_id=order.client_order_id,
        status=OrderStatus.REJECTED,
        reason=reason,
        tripped=is_group_refusal(code),
    )


def _not_found(order: Order, reason: str) -> CancelResult:
    return CancelResult(client_order_id=order.client_order_id, cancelled=False, reason=reason)


def _cancelled(order: Order, payload: dict[str, Any]) -> CancelResult:
    reduced = wire.dec(payload, "reduced_by", "Kalshi cancel answer")
    return CancelResult(client_order_id=order.client_order_id, cancelled=True, reduced_by=reduced)


def _match(order: Order, item: Any, items: list[Any]) -> dict[str, Any]:
    """The batch answer item of ``order``: by client order id, else by position."""
    for candidate in items:
        if (
            isinstance(candidate, dict)
            and candidate.get("client_order_id") == order.client_order_id.value
        ):
            return candidate
    if not isinstance(item, dict):
        raise VenueProtocolError(f"Kalshi batch create item {item!r} is not an object")
    return item


def _amended(order: Order, quantity: Decimal, payload: dict[str, Any]) -> PlaceResult:
    what = f"Kalshi amend answer for {order.client_order_id}"
    filled = order.filled_quantity + (wire.opt_dec(payload, "fill_count", what) or Decimal(0))
    remaining = wire.opt_dec(payload, "remaining_count", what)
    if remaining is None:
        remaining = quantity - filled
    return PlaceResult(
        client_order_id=order.client_order_id,
        status=wire.placed_status(quantity, filled, remaining),
        venue_order_id=VenueOrderId(wire.field(payload, "order_id", what)),
        filled_quantity=filled,
    )

"""V2 event-order writes: create (single and batched), cancel (single, batched, all),
amend and decrease (openapi.yaml CreateOrderV2 ... DecreaseOrderV2, notes §5.4-5.7).

``bid`` at p is BUY YES at p; ``ask`` at p is BUY NO at 1 - p (the exchange nets it
against held YES at once, as Kalshi does). The body is fully validated before the
exchange is called, and the exchange changes nothing on a rejection.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from predmm.domain import (
    Action,
    ClientOrderId,
    MarketId,
    OrderSide,
    OrderStatus,
    TimeInForce,
    Venue,
    VenueOrderId,
)
from predmm.simulator.exchange import (
    AccountId,
    FillRecord,
    GroupId,
    OrderRecord,
    PlaceOutcome,
    RejectCode,
    SelfTradePrevention,
)
from predmm.simulator.kalshi import errors, groups, requests, serialize, wire
from predmm.simulator.kalshi.endpoint import Call, json_response
from predmm.simulator.kalshi.frontend import KalshiFrontEnd, OrderExtras

ZERO = Decimal(0)
ONE = Decimal(1)
_PHANTOM_NS = uuid.UUID("0c6f3a5e-1d7b-4a8e-9f3c-2b5d7e9a1c40")
_TIF = {
    "good_till_canceled": TimeInForce.GTC,
    "immediate_or_cancel": TimeInForce.IOC,
    "fill_or_kill": TimeInForce.FOK,
}
_STP = {
    "taker_at_cross": SelfTradePrevention.CANCEL_TAKER,
    "maker": SelfTradePrevention.CANCEL_RESTING,
}


def reject_error(outcome: PlaceOutcome) -> errors.KalshiError:
    """Kalshi's answer to a rejection of the exchange."""
    code = outcome.reject
    if code is RejectCode.DUPLICATE_CLIENT_ORDER_ID:
        return errors.order_already_exists()
    if code is RejectCode.INVALID_PRICE:
        return errors.invalid_price()
    if code is RejectCode.INSUFFICIENT_BALANCE:
        return errors.insufficient_balance()
    if code is RejectCode.POST_ONLY_CROSS:
        return errors.invalid_order("post only cross")
    if code is RejectCode.MARKET_NOT_OPEN:
        return errors.market_closed()
    if code is RejectCode.TRADING_PAUSED:
        return errors.trading_paused()
    if code is RejectCode.GROUP_TRIGGERED:
        return errors.group_triggered()
    if code is RejectCode.UNKNOWN_MARKET:
        return errors.KalshiError(404, errors.nested("market_not_found", "market not found"))
    if code is RejectCode.FOK_NOT_FILLED:
        return errors.KalshiError(
            400,
            errors.nested(
                "fill_or_kill_insufficient_resting_volume",
                "fill or kill insufficient resting volume",
            ),
        )
    return errors.invalid_order(outcome.message or None)


def _book_terms(side: str, price: Decimal) -> tuple[OrderSide, Decimal]:
    return (OrderSide.YES, price) if side == "bid" else (OrderSide.NO, ONE - price)


def _fills_summary(fills: tuple[FillRecord, ...]) -> tuple[Decimal, dict[str, str]]:
    filled = sum((f.quantity for f in fills), ZERO)
    return filled, serialize.fill_summary(fills)


def _capped_reduce_only(
    fe: KalshiFrontEnd, account: AccountId, req: requests.CreateOrder
) -> Decimal:
    """``reduce_only`` caps the count at the position it reduces."""
    state = fe.require_market(req.ticker)
    net = fe.exchange.position(account, state.market_id).net
    held = net if req.side == "ask" else -net
    cap = min(req.count, max(held, ZERO))
    if cap <= ZERO:
        raise errors.invalid_order("reduce only order would not reduce the position")
    return cap


def _phantom(
    fe: KalshiFrontEnd,
    account: AccountId,
    market_id: MarketId,
    side: OrderSide,
    price: Decimal,
    count: Decimal,
    req: requests.CreateOrder,
) -> OrderRecord:
    """A post-only order that would cross, created already cancelled ("cancel" mode)."""
    now = fe.now()
    n = len(fe.phantoms)
    record = OrderRecord(
        order_id=VenueOrderId(str(uuid.uuid5(_PHANTOM_NS, f"{account}:{n}"))),
        account_id=account,
        market_id=market_id,
        side=side,
        action=Action.BUY,
        price=price,
        quantity=count,
        filled_quantity=ZERO,
        status=OrderStatus.CANCELLED,
        time_in_force=TimeInForce.GTC,
        post_only=True,
        client_order_id=ClientOrderId(req.client_order_id) if req.client_order_id else None,
        expiration=None,
        created_at=now,
        updated_at=now,
        book_side=side,
        book_price=price,
    )
    fe.add_phantom(record)
    return record


def place(fe: KalshiFrontEnd, account: AccountId, req: requests.CreateOrder) -> dict[str, Any]:
    """Place one order; the CreateOrderV2Response body, or raise KalshiError."""
    state = fe.require_market(req.ticker)
    side, price = _book_terms(req.side, req.price)
    count = _capped_reduce_only(fe, account, req) if req.reduce_only else req.count
    tif = _TIF[req.time_in_force]
    expiration = None
    if req.expiration_time is not None:
        tif = TimeInForce.GTD
        expiration = datetime.fromtimestamp(req.expiration_time, UTC)
    if req.client_order_id and (account, req.client_order_id) in fe.phantom_cids:
        raise errors.order_already_exists()
    group = None
    if req.order_group_id:
        found = fe.exchange.group(GroupId(req.order_group_id))
        if found is None or found.account_id != account:
            raise groups.unknown_group()
        group = found.group_id
    with fe.acting(account, req.client_order_id):
        outcome = fe.exchange.place_order(
            account,
            state.market_id,
            side,
            price,
            count,
            time_in_force=tif,
            post_only=req.post_only,
            expiration=expiration,
            client_order_id=ClientOrderId(req.client_order_id) if req.client_order_id else None,
            stp=_STP[req.self_trade_prevention_type],
            group_id=group,
            cancel_on_pause=req.cancel_order_on_pause,
        )
    if outcome.reject is RejectCode.POST_ONLY_CROSS and fe.options.post_only_cross == "cancel":
        record = _phantom(fe, account, state.market_id, side, price, count, req)
        outcome = PlaceOutcome(order=record)
    if outcome.order is None or not outcome.accepted:
        raise reject_error(outcome)
    record = outcome.order
    fe.extras[record.order_id] = OrderExtras(
        req.self_trade_prevention_type, req.cancel_order_on_pause
    )
    filled, averages = _fills_summary(outcome.fills)
    body: dict[str, Any] = {
        "order_id": str(record.order_id),
        "fill_count": wire.count(filled),
        "remaining_count": wire.count(record.remaining if record.is_resting else ZERO),
        "ts_ms": fe.now_ms(),
        **averages,
    }
    if record.client_order_id is not None:
        body["client_order_id"] = str(record.client_order_id)
    return body


def create_order(call: Call) -> Response:
    req = requests.create_order(call.json("CreateOrderV2Request"))
    return json_response(place(call.fe, call.require_account(), req), status=201)


def batch_create(call: Call) -> Response:
    struct = "BatchCreateOrdersV2Request"
    items = requests.batch_items(call.json(struct), struct)
    parsed = [requests.create_order(item, struct + ".orders") for item in items]
    results = []
    for req in parsed:
        try:
            results.append(place(call.fe, call.require_account(), req))
        except errors.KalshiError as error:
            # order_id, fill_count and remaining_count are not nullable in the spec
            # (OpenAPI 3.0 ignores ``nullable`` beside a $ref): they are left out.
            results.append(
                {
                    "client_order_id": req.client_order_id,
                    "ts_ms": None,
                    "error": errors.error_item(error),
                }
            )
    return json_response({"orders": results}, status=201)


def cancel_one(fe: KalshiFrontEnd, account: AccountId, order_id: str) -> dict[str, Any]:
    record = fe.own_order(account, order_id)
    if record is None:
        raise errors.not_found()
    with fe.acting(account, record.client_order_id):
        outcome = fe.exchange.cancel_order(record.order_id, account_id=account)
    if not outcome.cancelled or outcome.order is None:
        raise errors.not_found()
    body: dict[str, Any] = {
        "order_id": order_id,
        "reduced_by": wire.count(outcome.reduced_by),
        "ts_ms": fe.now_ms(),
    }
    if outcome.order.client_order_id is not None:
        body["client_order_id"] = str(outcome.order.client_order_id)
    return body


def cancel_order(call: Call) -> Response:
    return json_response(cancel_one(call.fe, call.require_account(), call.path_param("order_id")))


def batch_cancel(call: Call) -> Response:
    struct = "BatchCancelOrdersV2Request"
    items = [requests.cancel_item(i) for i in requests.batch_items(call.json(struct), struct)]
    results = []
    for item in items:
        try:
            results.append(cancel_one(call.fe, call.require_account(), item.order_id))
        except errors.KalshiError as error:
            results.append(
                {
                    "order_id": item.order_id,
                    "reduced_by": "0.00",
                    "ts_ms": None,
                    "error": errors.error_item(error),
                }
            )
    return json_response({"orders": results})


def cancel_all(call: Call) -> Response:
    requests.int_param(call.query, "subaccount", "CancelAllOrders", 0, 63, 0)
    account = call.require_account()
    for record in call.fe.exchange.open_orders(account):
        if record.market_id.venue is Venue.KALSHI:
            with call.fe.acting(account, record.client_order_id):
                call.fe.exchange.cancel_order(record.order_id, account_id=account)
    return Response(status_code=204)


def _resting_own(call: Call) -> OrderRecord:
    record = call.fe.own_order(call.require_account(), call.path_param("order_id"))
    if record is None or not record.is_resting:
        raise errors.not_found()
    return record


def amend_order(call: Call) -> Response:
    req = requests.amend_order(call.json("AmendOrderV2Request"))
    record = _resting_own(call)
    own_side = "bid" if serialize.book_side(record.side, record.action) == "bid" else "ask"
    if req.ticker != record.market_id.symbol or req.side != own_side:
        raise errors.invalid_order("ticker and side must match the order")
    if req.client_order_id and req.client_order_id != str(record.client_order_id or ""):
        raise errors.invalid_order("client_order_id does not match the order")
    _, price = _book_terms(req.side, req.price)
    with call.fe.acting(record.account_id, record.client_order_id):
        outcome = call.fe.exchange.amend_order(
            record.order_id,
            account_id=record.account_id,
            price=price,
            quantity=req.count,
            **_expiration(req.expiration_time),
        )
    if not outcome.accepted or outcome.order is None:
        raise reject_error(outcome)
    after = outcome.order
    filled, averages = _fills_summary(outcome.fills)
    body: dict[str, Any] = {
        "order_id": str(after.order_id),
        "remaining_count": wire.count(after.remaining if after.is_resting else ZERO),
        "fill_count": wire.count(filled),
        "ts_ms": call.fe.now_ms(),
        **averages,
    }
    if after.client_order_id is not None:
        body["client_order_id"] = str(after.client_order_id)
    return json_response(body)


def _expiration(seconds: int | None) -> dict[str, Any]:
    """Amend's ``expiration_time``: omitted keeps the order's, 0 removes it, else the new
    Unix second (which must be in the future)."""
    if seconds is None:
        return {}
    return {"expiration": None if seconds == 0 else datetime.fromtimestamp(seconds, UTC)}


def decrease_order(call: Call) -> Response:
    req = requests.decrease_order(call.json("DecreaseOrderV2Request"))
    record = _resting_own(call)
    with call.fe.acting(record.account_id, record.client_order_id):
        outcome = call.fe.exchange.decrease_order(
            record.order_id,
            account_id=record.account_id,
            reduce_by=req.reduce_by,
            reduce_to=req.reduce_to,
        )
    if not outcome.cancelled or outcome.order is None:
        raise errors.invalid_order(outcome.message or None)
    after = outcome.order
    body: dict[str, Any] = {
        "order_id": str(after.order_id),
        "remaining_count": wire.count(after.remaining if after.is_resting else ZERO),
        "ts_ms": call.fe.now_ms(),
    }
    if after.client_order_id is not None:
        body["client_order_id"] = str(after.client_order_id)
    return json_response(body)

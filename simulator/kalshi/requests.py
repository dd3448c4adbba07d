"""Request bodies and query parameters, checked the way Kalshi's Go server checks them.

Decoding comes first: a JSON value of the wrong type is a flat 400 ``bad_request`` with
Go's decoder message (a JSON number for ``count`` is the recorded example). Then the
struct's validation tags (required fields, enums), then the values (count strings,
price strings). Only a request that passes all three reaches the exchange, so a
malformed body never touches the book.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from predmm.simulator.kalshi import errors, wire

STRING, BOOL, INT64, INT, OBJECT_LIST = "string", "bool", "int64", "int", "list"

_CREATE_FIELDS = {
    "ticker": STRING,
    "client_order_id": STRING,
    "side": STRING,
    "count": STRING,
    "price": STRING,
    "expiration_time": INT64,
    "time_in_force": STRING,
    "post_only": BOOL,
    "self_trade_prevention_type": STRING,
    "cancel_order_on_pause": BOOL,
    "reduce_only": BOOL,
    "subaccount": INT,
    "order_group_id": STRING,
    "exchange_index": INT,
}
_AMEND_FIELDS = {
    "ticker": STRING,
    "side": STRING,
    "price": STRING,
    "count": STRING,
    "client_order_id": STRING,
    "updated_client_order_id": STRING,
    "expiration_time": INT64,
    "exchange_index": INT,
}
_DECREASE_FIELDS = {
    "reduce_by": STRING,
    "reduce_to": STRING,
    "exchange_index": INT,
    "market_ticker": STRING,
}
_CANCEL_ITEM_FIELDS = {
    "order_id": STRING,
    "subaccount": INT,
    "exchange_index": INT,
    "market_ticker": STRING,
}
SIDES = ("bid", "ask")
TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
STP_TYPES = ("taker_at_cross", "maker")


@attrs.frozen(kw_only=True)
class CreateOrder:
    ticker: str
    side: str
    count: Decimal
    price: Decimal
    time_in_force: str
    self_trade_prevention_type: str
    client_order_id: str | None = None
    post_only: bool = False
    reduce_only: bool = False
    cancel_order_on_pause: bool = False
    expiration_time: int | None = None
    subaccount: int = 0
    order_group_id: str | None = None
    exchange_index: int | None = None


@attrs.frozen(kw_only=True)
class AmendOrder:
    ticker: str
    side: str
    price: Decimal
    count: Decimal
    client_order_id: str | None = None
    updated_client_order_id: str | None = None
    expiration_time: int | None = None


@attrs.frozen(kw_only=True)
class DecreaseOrder:
    reduce_by: Decimal | None
    reduce_to: Decimal | None


@attrs.frozen(kw_only=True)
class CancelItem:
    order_id: str
    subaccount: int = 0
    market_ticker: str | None = None


# -- decoding ---------------------------------------------------------------------------


def _go_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _no_constants(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value")


def load_json(raw: bytes, struct: str) -> dict[str, Any]:
    """The body as a JSON object, or the flat 400 Go's decoder would answer."""
    try:
        value = json.loads(raw or b"", parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise errors.bad_request("invalid character looking for beginning of value") from None
    if not isinstance(value, dict):
        raise errors.bad_request(
            f"json: cannot unmarshal {_go_type(value)} into Go value of type {struct}"
        )
    return value


def _fits(value: object, kind: str) -> bool:
    if kind == STRING:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind in (INT, INT64):
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62
    return isinstance(value, list)


def decode(body: Mapping[str, Any], fields: Mapping[str, str], struct: str) -> dict[str, Any]:
    """Known fields of the right JSON type (null counts as absent, unknown keys ignored)."""
    out: dict[str, Any] = {}
    for name, kind in fields.items():
        value = body.get(name)
        if value is None:
            continue
        if not _fits(value, kind):
            got = _go_type(value)
            if got == "number" and kind in (INT, INT64):
                got = f"number {value}"
            raise errors.unmarshal_error(struct, name, got, kind)
        out[name] = value
    return out


# -- validation -------------------------------------------------------------------------


def _tag_error(struct: str, field: str, tag: str) -> errors.KalshiError:
    camel = "".join(part.capitalize() for part in field.split("_"))
    return errors.bad_request(
        f"Key: '{struct}.{camel}' Error:Field validation for '{camel}' failed on the '{tag}' tag"
    )


def _require(values: Mapping[str, Any], struct: str, *names: str) -> None:
    for name in names:
        if name not in values or values[name] == "":
            raise _tag_error(struct, name, "required")


def _one_of(values: Mapping[str, Any], struct: str, name: str, allowed: tuple[str, ...]) -> None:
    if values[name] not in allowed:
        raise _tag_error(struct, name, "oneof")


def _count(text: str, field: str) -> Decimal:
    value = wire.parse_count(text)
    if value is None:
        raise errors.bad_request(f"invalid fixed point count for {field}: {text!r}")
    return value


def _price(text: str) -> Decimal:
    value = wire.parse_price(text)
    if value is None:
        raise errors.invalid_price()
    return value


def create_order(body: Mapping[str, Any], struct: str = "CreateOrderV2Request") -> CreateOrder:
    v = decode(body, _CREATE_FIELDS, struct)
    _require(v, struct, "ticker", "side", "count", "price", "time_in_force")
    _require(v, struct, "self_trade_prevention_type")
    _one_of(v, struct, "side", SIDES)
    _one_of(v, struct, "time_in_force", TIME_IN_FORCE)
    _one_of(v, struct, "self_trade_prevention_type", STP_TYPES)
    count = _count(v["count"], "count")
    if count <= 0:
        raise errors.invalid_order("count must be positive")
    if v.get("reduce_only") and v["time_in_force"] != "immediate_or_cancel":
        raise errors.invalid_order("reduce_only requires immediate_or_cancel")
    if "expiration_time" in v and v["time_in_force"] != "good_till_canceled":
        raise errors.invalid_order("expiration_time requires good_till_canceled")
    return CreateOrder(
        ticker=v["ticker"],
        side=v["side"],
        count=count,
        price=_price(v["price"]),
        time_in_force=v["time_in_force"],
        self_trade_prevention_type=v["self_trade_prevention_type"],
        client_order_id=v.get("client_order_id") or None,
        post_only=v.get("post_only", False),
        reduce_only=v.get("reduce_only", False),
        cancel_order_on_pause=v.get("cancel_order_on_pause", False),
        expiration_time=v.get("expiration_time"),
        subaccount=v.get("subaccount", 0),
        order_group_id=v.get("order_group_id"),
        exchange_index=v.get("exchange_index"),
    )


def batch_items(body: Mapping[str, Any], struct: str) -> list[Any]:
    items = body.get("orders")
    if items is None:
        raise _tag_error(struct, "orders", "required")
    if not isinstance(items, list):
        raise errors.unmarshal_error(struct, "orders", _go_type(items), "[]" + struct[:-7])
    for item in items:
        if not isinstance(item, dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_go_type(item)} into Go struct field "
                f"{struct}.orders of type object"
            )
    return items


def amend_order(body: Mapping[str, Any]) -> AmendOrder:
    struct = "AmendOrderV2Request"
    v = decode(body, _AMEND_FIELDS, struct)
    _require(v, struct, "ticker", "side", "price", "count")
    _one_of(v, struct, "side", SIDES)
    count = _count(v["count"], "count")
    if count <= 0:
        raise errors.invalid_order("count must be positive")
    return AmendOrder(
        ticker=v["ticker"],
        side=v["side"],
        price=_price(v["price"]),
        count=count,
        client_order_id=v.get("client_order_id") or None,
        updated_client_order_id=v.get("updated_client_order_id") or None,
        expiration_time=v.get("expiration_time"),
    )


def decrease_order(body: Mapping[str, Any]) -> DecreaseOrder:
    v = decode(body, _DECREASE_FIELDS, "DecreaseOrderV2Request")
    has_by, has_to = "reduce_by" in v, "reduce_to" in v
    if has_by == has_to:
        raise errors.bad_request("exactly one of reduce_by or reduce_to must be provided")
    return DecreaseOrder(
        reduce_by=_count(v["reduce_by"], "reduce_by") if has_by else None,
        reduce_to=_count(v["reduce_to"], "reduce_to") if has_to else None,
    )


def cancel_item(body: Mapping[str, Any]) -> CancelItem:
    struct = "BatchCancelOrdersV2RequestOrder"
    v = decode(body, _CANCEL_ITEM_FIELDS, struct)
    _require(v, struct, "order_id")
    return CancelItem(
        order_id=v["order_id"],
        subaccount=v.get("subaccount", 0),
        market_ticker=v.get("market_ticker"),
    )


# -- query parameters -------------------------------------------------------------------


def int_param(
    query: Mapping[str, str], name: str, operation: str, low: int, high: int, default: int
) -> int:
    """An integer query parameter within its declared bounds, else the bare-``msg`` 400."""
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise errors.invalid_parameters(
            operation, f"{name}: strconv.ParseInt: parsing {text!r}: invalid syntax"
        ) from None
    if value > high:
        raise errors.invalid_parameters(
            operation, f"Key: '{name}' Error:Field validation for '{name}' failed on the 'lte' tag"
        )
    if value < low:
        raise errors.invalid_parameters(
            operation, f"Key: '{name}' Error:Field validation for '{name}' failed on the 'gte' tag"
        )
    return value

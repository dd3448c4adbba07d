"""Order groups (openapi.yaml ``order-groups``; notes §5.13): create, list, read,
delete, reset, trigger and change the limit. A group's limit is matched contracts over a
rolling 15 s; the exchange trips it (``simulator.exchange.groups``) and this front end
serves it. ``is_auto_cancel_enabled`` is served true (the group cancels its orders
itself when it trips): what Kalshi means by the field is not documented.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.responses import Response

from predmm.simulator.exchange import GroupId, GroupRecord
from predmm.simulator.kalshi import errors, requests, wire
from predmm.simulator.kalshi.endpoint import Call, json_response

_LIMIT_FIELDS = {
    "contracts_limit": requests.INT64,
    "contracts_limit_fp": requests.STRING,
    "subaccount": requests.INT,
    "exchange_index": requests.INT,
}


def not_found() -> errors.KalshiError:
    return errors.KalshiError(404, errors.nested("order_group_not_found", "order group not found"))


def _limit(body: dict[str, Any], struct: str) -> Decimal:
    """``contracts_limit`` (whole) or ``contracts_limit_fp``; if both, they must match."""
    v = requests.decode(body, _LIMIT_FIELDS, struct)
    whole, text = v.get("contracts_limit"), v.get("contracts_limit_fp")
    if whole is None and text is None:
        raise errors.bad_request("contracts_limit or contracts_limit_fp is required")
    fp = wire.parse_count(text) if text is not None else None
    if text is not None and fp is None:
        raise errors.bad_request(f"invalid fixed point count for contracts_limit_fp: {text!r}")
    if whole is not None and fp is not None and Decimal(whole) != fp:
        raise errors.bad_request("contracts_limit and contracts_limit_fp do not match")
    limit = fp if fp is not None else Decimal(int(whole or 0))
    if limit < 1 or limit > 1_000_000 or limit != limit.to_integral_value():
        raise errors.bad_request(
            f"contracts limit {limit} must be a whole number from 1 to 1000000"
        )
    return limit


def own_group(call: Call) -> GroupRecord:
    record = call.fe.exchange.group(GroupId(call.path_param("order_group_id")))
    if record is None or record.account_id != call.require_account():
        raise not_found()
    return record


def unknown_group() -> errors.KalshiError:
    """An order naming a group the account does not have: refused (a reject, 400)."""
    return errors.KalshiError(400, errors.nested("order_group_not_found", "order group not found"))


def _summary(record: GroupRecord) -> dict[str, Any]:
    return {
        "id": str(record.group_id),
        "contracts_limit_fp": wire.count(record.limit),
        "is_auto_cancel_enabled": True,
        "exchange_index": 0,
    }


def create(call: Call) -> Response:
    body = call.json("CreateOrderGroupRequest")
    limit = _limit(body, "CreateOrderGroupRequest")
    record = call.fe.exchange.create_group(call.require_account(), limit)
    answer = {"order_group_id": str(record.group_id), "subaccount": 0, "exchange_index": 0}
    return json_response(answer, status=201)


def list_groups(call: Call) -> Response:
    requests.int_param(call.query, "subaccount", "GetOrderGroups", 0, 63, 0)
    groups = call.fe.exchange.groups(call.require_account())
    return json_response({"order_groups": [_summary(g) for g in groups]})


def get_group(call: Call) -> Response:
    record = own_group(call)
    return json_response(
        {
            "is_auto_cancel_enabled": True,
            "contracts_limit_fp": wire.count(record.limit),
            "orders": [str(o) for o in record.orders],
            "exchange_index": 0,
        }
    )


def delete(call: Call) -> Response:
    call.fe.exchange.delete_group(own_group(call).group_id)
    return json_response({})


def reset(call: Call) -> Response:
    call.fe.exchange.reset_group(own_group(call).group_id)
    return json_response({})


def trigger(call: Call) -> Response:
    call.fe.exchange.trigger_group(own_group(call).group_id)
    return json_response({})


def set_limit(call: Call) -> Response:
    group = own_group(call).group_id
    limit = _limit(call.json("UpdateOrderGroupLimitRequest"), "UpdateOrderGroupLimitRequest")
    call.fe.exchange.set_group_limit(group, limit)
    return json_response({})

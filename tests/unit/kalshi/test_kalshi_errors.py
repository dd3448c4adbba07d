"""Kalshi's four error body shapes and their place in the exception tree."""

from __future__ import annotations

import json

import pytest

from predmm.domain import (
    AuthenticationError,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    VenueError,
    VenueProtocolError,
    VenueUnavailable,
)
from predmm.platforms.kalshi.errors import ErrorBody, error_for, parse_error_body, rejection_reason

NESTED = '{"error":{"code":"invalid_order","message":"invalid order","details":"post only cross"}}'
FLAT = (
    '{"code":"bad_request","message":"bad request","details":"json: cannot unmarshal number'
    ' into Go struct field CreateOrderV2Request.count of type string"}'
)
BARE = '{"msg":"Parameter validation failed for GetMarkets: limit lte tag"}'
RATE = '{"error":"too many requests"}'


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (NESTED, "invalid_order", "invalid order"),
        (FLAT, "bad_request", "bad request"),
        (BARE, "validation_failed", "Parameter validation failed for GetMarkets: limit lte tag"),
        (RATE, "too_many_requests", "too many requests"),
        (b"<html>502</html>", "", "<html>502</html>"),
        ("", "", ""),
    ],
)
def test_every_body_shape_parses(raw: str | bytes, code: str, message: str) -> None:
    body = parse_error_body(raw)
    assert (body.code, body.message) == (code, message)


def test_nested_details_and_prefix_codes() -> None:
    assert parse_error_body(NESTED).details == "post only cross"
    assert ErrorBody("invalid_order", "invalid order", "post only cross").describe() == (
        "invalid_order: invalid order: post only cross"
    )


def _body(code: str, message: str = "", details: str | None = None) -> str:
    error = {"code": code, "message": message} | ({"details": details} if details else {})
    return json.dumps({"error": error})


@pytest.mark.parametrize(
    ("status", "raw", "write", "kind"),
    [
        (
            401,
            _body("authentication_error", "authentication_error", "INCORRECT_API_KEY_SIGNATURE"),
            False,
            AuthenticationError,
        ),
        (401, _body("signature_is_missing_from_headers"), True, AuthenticationError),
        (403, _body("forbidden", "missing scope write::trade"), True, AuthenticationError),
        (429, RATE, True, RateLimited),
        (500, '{"code":"internal_error"}', True, VenueUnavailable),
        (503, _body("service_unavailable"), False, VenueUnavailable),
        (409, _body("order_already_exists", "order already exists"), True, DuplicateClientOrderId),
        (409, _body("market_closed"), True, OrderRejected),
        (400, _body("invalid_price", "invalid price"), True, OrderRejected),
        (400, _body("insufficient_balance"), True, OrderRejected),
        (400, FLAT, True, OrderRejected),
        (400, BARE, False, VenueProtocolError),
        (404, _body("not_found", "not found"), True, OrderNotFound),
    ],
)
def test_status_and_code_map_into_the_tree(
    status: int, raw: str, write: bool, kind: type[VenueError]
) -> None:
    error = error_for(status, raw, "POST /portfolio/events/orders", write=write)
    assert type(error) is kind
    assert error.status == status
    assert "POST /portfolio/events/orders" in str(error)


def test_410_names_the_retired_endpoint() -> None:
    body = _body(
        "deprecated_v1_order_endpoint",
        "Please switch to the V2 endpoints",
        "https://docs.kalshi.com/api-reference/orders/create-order-v2",
    )
    error = error_for(410, body, "POST /portfolio/orders", write=True)
    assert isinstance(error, VenueProtocolError)
    assert "POST /portfolio/orders" in str(error)
    assert "V2" in str(error)
    assert error.code == "deprecated_v1_order_endpoint"


def test_rejection_reason_keeps_code_and_details() -> None:
    error = error_for(400, NESTED, "POST /portfolio/events/orders", write=True)
    assert rejection_reason(error) == "invalid_order: invalid order: post only cross"

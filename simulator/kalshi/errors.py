"""Kalshi's error bodies, in the four shapes the venue sends (kalshi-notes.md §7).

1. nested ``{"error": {"code", "message", "details"?}}`` for most 4xx/5xx;
2. flat ``{"code": "bad_request", "message": "bad request", "details"}`` for bodies that
   do not decode into the request struct (the spec's ErrorResponse);
3. bare ``{"msg": "Parameter validation failed for ..."}`` for bad query parameters;
4. ``{"error": "too many requests"}`` for 429, with no Retry-After header.

Routes raise ``KalshiError``; the app turns it into the response. Nothing else ever
reaches the client, so a bad request never shows a stack trace.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response


class KalshiError(Exception):
    """An error response: HTTP status plus the venue's JSON body."""

    def __init__(self, status: int, body: dict[str, object]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status)


def nested(code: str, message: str, details: str | None = None) -> dict[str, object]:
    error: dict[str, str] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def flat(code: str, message: str, details: str) -> dict[str, object]:
    return {"code": code, "message": message, "details": details}


# -- constructors, one per error the simulator answers ---------------------------------


def bad_request(details: str) -> KalshiError:
    """A body that does not decode (wrong JSON type, not JSON at all): flat shape."""
    return KalshiError(400, flat("bad_request", "bad request", details))


def unmarshal_error(struct: str, field: str, got: str, want: str) -> KalshiError:
    """Go's decoder message, e.g. a JSON number sent for a FixedPointCount string."""
    return bad_request(
        f"json: cannot unmarshal {got} into Go struct field {struct}.{field} of type {want}"
    )


def invalid_parameters(operation: str, details: str) -> KalshiError:
    """A query parameter outside its declared range: the bare ``msg`` shape."""
    return KalshiError(400, {"msg": f"Parameter validation failed for {operation}: {details}"})


def invalid_order(details: str | None = None) -> KalshiError:
    return KalshiError(400, nested("invalid_order", "invalid order", details))


def invalid_price() -> KalshiError:
    return KalshiError(400, nested("invalid_price", "invalid price"))


def insufficient_balance() -> KalshiError:
    return KalshiError(400, nested("insufficient_balance", "insufficient balance"))


def order_already_exists() -> KalshiError:
    return KalshiError(409, nested("order_already_exists", "order already exists"))


def market_closed() -> KalshiError:
    return KalshiError(409, nested("market_closed", "market closed"))


def trading_paused() -> KalshiError:
    return KalshiError(409, nested("trading_is_paused", "trading is paused"))


def group_triggered() -> KalshiError:
    """An order into a tripped order group (UNCONFIRMED code: Kalshi documents only that
    such orders are rejected until the group is reset)."""
    return KalshiError(409, nested("order_group_triggered", "order group triggered"))


def not_found() -> KalshiError:
    return KalshiError(404, nested("not_found", "not found"))


def too_many_requests() -> KalshiError:
    return KalshiError(429, {"error": "too many requests"})


def deprecated_v1() -> KalshiError:
    return KalshiError(
        410,
        nested(
            "deprecated_v1_order_endpoint",
            "Please switch to the V2 endpoints",
            "https://docs.kalshi.com/api-reference/orders/create-order-v2",
        ),
    )


def internal_error() -> KalshiError:
    return KalshiError(500, nested("internal_server_error", "internal server error"))


def service_unavailable() -> KalshiError:
    return KalshiError(503, nested("service_unavailable", "service unavailable"))


def route_not_found() -> KalshiError:
    return KalshiError(404, nested("not_found", "not found"))


def method_not_allowed() -> KalshiError:
    return KalshiError(405, nested("method_not_allowed", "method not allowed"))


def error_item(error: KalshiError) -> dict[str, object]:
    """The ``error`` of one failed item of a batch: the spec's flat ErrorResponse."""
    inner = error.body.get("error")
    if isinstance(inner, dict):
        return dict(inner)
    return {k: v for k, v in error.body.items() if k in ("code", "message", "details")}

"""The Kalshi ASGI app: REST under ``/trade-api/v2``, websocket at ``/trade-api/ws/v2``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from predmm.simulator.faults import RouteKind
from predmm.simulator.kalshi import errors, event_reads, groups, incentives, reads, writes
from predmm.simulator.kalshi.endpoint import Op, endpoint, json_response
from predmm.simulator.kalshi.frontend import KalshiFrontEnd, KalshiOptions
from predmm.simulator.kalshi.ratelimit import (
    BALANCE_COST,
    CANCEL_COST,
    DEFAULT_COST,
    GET_ORDER_COST,
    Bucket,
)
from predmm.simulator.kalshi.ws import WS_PATH, KalshiStreams

if TYPE_CHECKING:
    from predmm.simulator import Simulator

W, R = Bucket.WRITE, Bucket.READ
ORDER, CANCEL = RouteKind.ORDER, RouteKind.CANCEL

OPS: tuple[Op, ...] = (
    Op(route="GET /exchange/status", handler=reads.exchange_status, private=False),
    Op(route="GET /account/limits", handler=reads.account_limits),
    Op(route="GET /account/endpoint_costs", handler=lambda call: endpoint_costs(), private=False),
    Op(route="GET /markets", handler=reads.markets, private=False),
    Op(route="GET /markets/orderbooks", handler=reads.orderbooks, private=False),
    Op(route="GET /markets/{ticker}", handler=reads.market, private=False),
    Op(route="GET /markets/{ticker}/orderbook", handler=reads.orderbook, private=False),
    Op(route="GET /events", handler=event_reads.events, private=False),
    Op(route="GET /events/{event_ticker}", handler=event_reads.event, private=False),
    Op(route="GET /incentive_programs", handler=incentives.incentive_programs, private=False),
    Op(route="POST /portfolio/events/orders", handler=writes.create_order, bucket=W, kind=ORDER),
    Op(
        route="DELETE /portfolio/events/orders",
        handler=writes.cancel_all,
        bucket=W,
        kind=CANCEL,
        cost=CANCEL_COST,
    ),
    Op(
        route="POST /portfolio/events/orders/batched",
        handler=writes.batch_create,
        bucket=W,
        kind=ORDER,
        per_item=True,
    ),
    Op(
        route="DELETE /portfolio/events/orders/batched",
        handler=writes.batch_cancel,
        bucket=W,
        kind=CANCEL,
        cost=CANCEL_COST,
        per_item=True,
    ),
    Op(
        route="DELETE /portfolio/events/orders/{order_id}",
        handler=writes.cancel_order,
        bucket=W,
        kind=CANCEL,
        cost=CANCEL_COST,
    ),
    Op(
        route="POST /portfolio/events/orders/{order_id}/amend",
        handler=writes.amend_order,
        bucket=W,
        kind=ORDER,
    ),
    Op(
        route="POST /portfolio/events/orders/{order_id}/decrease",
        handler=writes.decrease_order,
        bucket=W,
        kind=ORDER,
    ),
    Op(route="GET /portfolio/order_groups", handler=groups.list_groups),
    Op(route="POST /portfolio/order_groups/create", handler=groups.create, bucket=W),
    Op(route="GET /portfolio/order_groups/{order_group_id}", handler=groups.get_group),
    Op(route="DELETE /portfolio/order_groups/{order_group_id}", handler=groups.delete, bucket=W),
    Op(route="PUT /portfolio/order_groups/{order_group_id}/reset", handler=groups.reset, bucket=W),
    Op(
        route="PUT /portfolio/order_groups/{order_group_id}/trigger",
        handler=groups.trigger,
        bucket=W,
    ),
    Op(
        route="PUT /portfolio/order_groups/{order_group_id}/limit",
        handler=groups.set_limit,
        bucket=W,
    ),
    Op(route="GET /portfolio/orders", handler=reads.orders),
    Op(route="GET /portfolio/orders/{order_id}", handler=reads.order, cost=GET_ORDER_COST),
    Op(route="GET /portfolio/fills", handler=reads.fills),
    Op(route="GET /portfolio/positions", handler=reads.positions),
    Op(route="GET /portfolio/settlements", handler=reads.settlements),
    Op(
        route="GET /portfolio/balance",
        handler=reads.balance,
        bucket=Bucket.BALANCE,
        cost=BALANCE_COST,
    ),
)

# The V1 order writes: retired, 410 deprecated_v1_order_endpoint.
RETIRED: tuple[Op, ...] = tuple(
    Op(route=route, handler=reads.exchange_status, retired=True, bucket=W)
    for route in (
        "POST /portfolio/orders",
        "POST /portfolio/orders/batched",
        "DELETE /portfolio/orders/batched",
        "DELETE /portfolio/orders/{order_id}",
        "POST /portfolio/orders/{order_id}/amend",
        "POST /portfolio/orders/{order_id}/decrease",
    )
)


def endpoint_costs() -> Response:
    """GET /account/endpoint_costs: the routes whose token cost is not the default."""
    costs = [
        {"method": op.method, "path": op.path, "cost": op.cost}
        for op in OPS
        if op.cost != DEFAULT_COST and op.bucket is not Bucket.BALANCE
    ]
    return json_response({"default_cost": DEFAULT_COST, "endpoint_costs": costs})


def _routes(fe: KalshiFrontEnd, streams: KalshiStreams) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Op]] = {}
    for op in OPS + RETIRED:
        by_path.setdefault(op.path, {})[op.method] = op
    routes: list[BaseRoute] = [WebSocketRoute(WS_PATH, streams.endpoint)]
    # literal paths before templated ones ("/markets/orderbooks" before "/markets/{ticker}")
    for path in sorted(by_path, key=lambda p: ("{" in p, p)):
        for method, op in by_path[path].items():
            routes.append(Route(path, endpoint(op, fe), methods=[method]))
    return routes


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return errors.method_not_allowed().response()
    if status == 404:
        return errors.route_not_found().response()
    return errors.internal_error().response()


def create_kalshi_app(sim: Simulator, options: KalshiOptions | None = None) -> Starlette:
    """The Kalshi front end of ``sim`` as an ASGI app (serve it with hypercorn, or use it
    through ``httpx.ASGITransport``)."""
    fe = KalshiFrontEnd(sim, options or KalshiOptions())
    streams = KalshiStreams(fe)
    app = Starlette(routes=_routes(fe, streams), exception_handlers={HTTPException: _http_error})
    app.state.kalshi = fe
    app.state.kalshi_streams = streams
    return app

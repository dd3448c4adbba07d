"""One REST operation of the Kalshi front end, and the pipeline every request goes
through: signature check (private routes), token bucket, fault plan, handler. A request
the fault plan accepts late is handed to the simulator to process later on its own, as a
venue does whatever its client does meanwhile.

Whatever happens, the client gets Kalshi's JSON error shape: handlers raise
``KalshiError``; any other exception is logged and answered as a 500 without detail.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import attrs
from loguru import logger
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from predmm.domain import Venue
from predmm.simulator.exchange import AccountId
from predmm.simulator.faults import FaultDecision, RouteKind
from predmm.simulator.kalshi import auth, errors
from predmm.simulator.kalshi.frontend import KalshiFrontEnd
from predmm.simulator.kalshi.ratelimit import DEFAULT_COST, Bucket

BASE = "/trade-api/v2"


@attrs.define(eq=False)
class Call:
    """One request as handlers see it."""

    fe: KalshiFrontEnd
    request: Request
    account: AccountId | None
    body: bytes
    decision: FaultDecision = FaultDecision()

    @property
    def query(self) -> Any:
        return self.request.query_params

    def path_param(self, name: str) -> str:
        return str(self.request.path_params.get(name, ""))

    def require_account(self) -> AccountId:
        assert self.account is not None, "private route served without an account"
        return self.account

    def json(self, struct: str) -> dict[str, Any]:
        from predmm.simulator.kalshi.requests import load_json

        return load_json(self.body, struct)


Handler = Callable[[Call], Response]


def json_response(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def items_in_body(body: bytes) -> int:
    """How many items a batch body holds (for its token cost); 1 when unreadable."""
    try:
        orders = json.loads(body).get("orders")
    except (ValueError, AttributeError):
        return 1
    return max(1, len(orders)) if isinstance(orders, list) else 1


@attrs.frozen(kw_only=True)
class Op:
    """``route`` is the fault plan's name: "METHOD /path-template" under the base."""

    route: str
    handler: Handler
    private: bool = True
    bucket: Bucket = Bucket.READ
    kind: RouteKind = RouteKind.READ
    cost: int = DEFAULT_COST
    per_item: bool = False  # batch: ``cost`` per item of the body's ``orders``
    retired: bool = False  # legacy V1 order write: always 410

    @property
    def method(self) -> str:
        return self.route.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return BASE + self.route.split(" ", 1)[1]


def _signed_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return request.url.path


def _fault_error(decision: FaultDecision) -> errors.KalshiError:
    if decision.status == 429:
        return errors.too_many_requests()
    if decision.status == 425:
        # Kalshi has no 425: an engine restart looks like a 503 on order routes.
        return errors.KalshiError(
            503, errors.nested("service_unavailable", "service unavailable", "engine restarting")
        )
    status = decision.status or 500
    if status == 503:
        return errors.service_unavailable()
    if status == 504:
        return gateway_timeout()
    return errors.KalshiError(
        status, errors.nested("internal_server_error", "internal server error")
    )


def gateway_timeout() -> errors.KalshiError:
    return errors.KalshiError(504, errors.nested("gateway_timeout", "gateway timeout"))


async def _serve(op: Op, fe: KalshiFrontEnd, request: Request) -> Response:
    if op.retired:
        raise errors.deprecated_v1()
    account = None
    if op.private:
        try:
            account = fe.authenticate(request.headers, request.method, _signed_path(request))
        except auth.AuthFailure as failure:
            return JSONResponse(failure.body, status_code=401)
    body = await request.body()
    call = Call(fe, request, account, body)
    who = str(account) if account is not None else f"anon:{_client(request)}"
    cost = op.cost * (items_in_body(body) if op.per_item else 1)
    if not fe.limiter.allow(who, op.bucket, cost):
        raise errors.too_many_requests()
    decision = fe.sim.faults.on_request(Venue.KALSHI, op.route, kind=op.kind)
    call.decision = decision
    if decision.latency_s:
        await anyio.sleep(decision.latency_s)
    if decision.status is not None:
        raise _fault_error(decision)
    if decision.late_accept_s is not None:
        return await _late(op, call, decision)
    response = op.handler(call)
    if decision.ambiguous:
        raise gateway_timeout()  # the work is done; its answer is lost
    return response


async def _late(op: Op, call: Call, decision: FaultDecision) -> Response:
    """Late acceptance: the simulator runs the handler ``late_accept_s`` seconds from now
    (the client may be long gone by then); the answer comes after ``late_answer_s`` (the
    handler's if it ran by then, else a gateway timeout) or never."""
    assert decision.late_accept_s is not None
    deferred = call.fe.sim.defer(decision.late_accept_s, lambda: _handled(op, call))
    answer_after = decision.late_answer_s
    if answer_after is None:
        await anyio.sleep_forever()
    else:
        await anyio.sleep(answer_after)
    if deferred.done and isinstance(deferred.result, Response):
        return deferred.result
    raise gateway_timeout()


def _handled(op: Op, call: Call) -> Response:
    """The handler's answer, errors in Kalshi's shape (nobody may be waiting for it)."""
    try:
        return op.handler(call)
    except errors.KalshiError as error:
        return error.response()


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def endpoint(op: Op, fe: KalshiFrontEnd) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        try:
            return await _serve(op, fe, request)
        except errors.KalshiError as error:
            return error.response()
        except Exception:
            logger.exception("kalshi simulator: {route} failed", route=op.route)
            return errors.internal_error().response()

    serve.__name__ = op.route
    return serve

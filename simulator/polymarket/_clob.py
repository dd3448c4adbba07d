"""The CLOB V2 REST routes (starlette). Every route consults the fault plan first; every
error is ``{"error": "..."}`` with the venue's status; nothing ever leaks a traceback.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import attrs
import trio
from loguru import logger
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from predmm.domain import MarketId, OrderSide, Venue
from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.exchange.model import LiquidityRewards
from predmm.simulator.faults import FaultDecision, RouteKind
from predmm.simulator.polymarket import _auth, _orders
from predmm.simulator.polymarket._frontend import FrontEnd, PostOnlyMode, Rejected, failure_json
from predmm.simulator.polymarket._gamma import REWARD_ASSET
from predmm.simulator.polymarket._heartbeat import HeartbeatMismatch
from predmm.simulator.polymarket._shapes import num
from predmm.simulator.polymarket._ws import Hub, market_endpoint, user_endpoint

START_CURSOR = "MA=="
END_CURSOR = "LTE="
NO_BOOK = "No orderbook exists for the requested token id"
POST_ONLY_MODE = "post-only mode: only post-only orders and cancels are allowed"


@attrs.define
class Ctx:
    """One request as a handler sees it."""

    fe: FrontEnd
    request: Request
    body: bytes
    decision: FaultDecision
    creds: PolymarketKey | None = None

    @property
    def key(self) -> PolymarketKey:
        assert self.creds is not None
        return self.creds

    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    def param(self, name: str) -> str:
        value = self.request.query_params.get(name)
        if not value:
            raise Rejected(f"Invalid {name}" if name != "token_id" else "Invalid token id")
        return value

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise Rejected(_orders.INVALID_PAYLOAD) from None


Handler = Callable[[Ctx], Any]


def error(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def fault_response(decision: FaultDecision) -> Response:
    status = decision.status or 500
    headers = {}
    if decision.retry_after_s is not None:
        headers["Retry-After"] = str(max(1, round(decision.retry_after_s)))
    if status == 429:
        return JSONResponse({"error": "Too Many Requests"}, status, headers=headers)
    if status == 425:
        return JSONResponse({"error": "Service is not ready"}, status, headers=headers)
    if status == 503:
        return JSONResponse({"error": "Service Unavailable"}, status, headers=headers)
    return JSONResponse({"error": "Internal server error"}, status, headers=headers)


class Endpoint:
    """Wraps a handler: faults, auth, error shapes."""

    def __init__(self, fe: FrontEnd, route: str, kind: RouteKind, auth: str | None, fn: Handler):
        self.fe, self.route, self.kind, self.auth, self.fn = fe, route, kind, auth, fn

    async def handle(self, request: Request) -> Response:
        try:
            return await self._serve(request)
        except Exception:  # the one place nothing may escape: never a stack trace out
            logger.exception("polymarket sim: {route} failed", route=self.route)
            return error(500, "Internal server error")

    async def _serve(self, request: Request) -> Response:
        fe = self.fe
        fe.expire_heartbeats(trio.current_time())
        decision = fe.sim.faults.on_request(Venue.POLYMARKET, self.route, kind=self.kind)
        if decision.latency_s:
            await trio.sleep(decision.latency_s)
        if not decision.serve:
            return fault_response(decision)
        ctx = Ctx(fe, request, await request.body(), decision)
        if decision.late_accept_s is not None:
            return await self._late(ctx, decision)
        return self._respond(ctx, decision)

    async def _late(self, ctx: Ctx, decision: FaultDecision) -> Response:
        """Late acceptance: the simulator processes the request ``late_accept_s`` seconds
        from now, whatever its client does meanwhile; the answer comes after
        ``late_answer_s`` (the result if the work is done by then) or never."""
        assert decision.late_accept_s is not None
        if self.auth == "l2":  # who sent it is checked as it arrives
            try:
                ctx.creds = self._l2(ctx)
            except _auth.AuthFailed as exc:
                return error(401, str(exc))
        plain = attrs.evolve(decision, late_accept_s=None, late_answer_s=None)
        later = attrs.evolve(ctx, decision=plain)
        deferred = ctx.fe.sim.defer(decision.late_accept_s, lambda: self._respond(later, plain))
        answer_after = decision.late_answer_s
        if answer_after is None:
            await trio.sleep_forever()
        else:
            await trio.sleep(answer_after)
        if deferred.done and isinstance(deferred.result, Response):
            return deferred.result
        return error(500, "could not insert order" if self.kind is RouteKind.ORDER else "timeout")

    def _respond(self, ctx: Ctx, decision: FaultDecision) -> Response:
        try:
            if self.auth == "l2" and ctx.creds is None:
                ctx.creds = self._l2(ctx)
            result = self.fn(ctx)
        except _auth.AuthFailed as exc:
            return error(401, str(exc))
        except (Rejected, _orders.OrderInvalid) as exc:
            status = exc.status if isinstance(exc, Rejected) else 400
            return error(status, str(exc))
        except PostOnlyMode:
            return error(503, POST_ONLY_MODE, code="post_only_mode", retry_after_seconds=60)
        except HeartbeatMismatch as exc:
            return JSONResponse(
                {"error": str(exc), "error_msg": str(exc), "heartbeat_id": exc.expected}, 400
            )
        if decision.ambiguous:  # the work is done; the answer is lost
            lost = (
                "could not insert order"
                if self.kind is RouteKind.ORDER
                else "Internal server error"
            )
            return error(500, lost)
        return result if isinstance(result, Response) else JSONResponse(result)

    def _l2(self, ctx: Ctx) -> PolymarketKey:
        tol = ctx.fe.options.timestamp_tolerance_s
        creds = _auth.verify_l2(
            ctx.request.headers,
            method=ctx.request.method,
            path=ctx.request.url.path,
            body=ctx.body,
            lookup=ctx.fe.keys().get,
            now=None if tol is None else ctx.fe.now().timestamp(),
            tolerance=tol or 0,
        )
        key = ctx.fe.key(creds.api_key)
        assert key is not None
        return key


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    return error(status, {404: "Not Found", 405: "Method Not Allowed"}.get(status, "error"))


HTTP_ERRORS: dict[Any, Any] = {404: _http_error, 405: _http_error}


# -- public market data ---------------------------------------------------------------


def _book(ctx: Ctx) -> Any:
    return ctx.fe.book_view(ctx.fe.token(ctx.param("token_id"))).summary()


def _token_ids(ctx: Ctx) -> list[str]:
    body = ctx.json()
    if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
        raise Rejected("Invalid payload")
    return [str(x.get("token_id", "")) for x in body]


def _books(ctx: Ctx) -> Any:
    return [ctx.fe.book_view(ctx.fe.token(t)).summary() for t in _token_ids(ctx)]


def _best(ctx: Ctx, token_id: str) -> tuple[Decimal | None, Decimal | None]:
    view = ctx.fe.book_view(ctx.fe.token(token_id))
    return view.best_bid(), view.best_ask()


def _mid_of(ctx: Ctx, token_id: str) -> Decimal:
    bid, ask = _best(ctx, token_id)
    if bid is None or ask is None:
        raise Rejected(NO_BOOK, 404)
    return (bid + ask) / 2


def _price_of(ctx: Ctx, token_id: str, side: str) -> Decimal:
    if side not in ("BUY", "SELL"):
        raise Rejected("Invalid side")
    bid, ask = _best(ctx, token_id)
    price = bid if side == "BUY" else ask
    if price is None:
        raise Rejected(NO_BOOK, 404)
    return price


def _spread_of(ctx: Ctx, token_id: str) -> Decimal:
    bid, ask = _best(ctx, token_id)
    if bid is None or ask is None:
        raise Rejected(NO_BOOK, 404)
    return ask - bid


def _last_trade(ctx: Ctx, token_id: str) -> dict[str, str]:
    token = ctx.fe.token(token_id)
    trades = ctx.fe.sim.exchange.trades(token.market_id)
    if not trades:
        return {"price": "0.5", "side": ""}
    last = trades[-1]
    price = last.yes_price if token.side is OrderSide.YES else 1 - last.yes_price
    taker_long = last.taker_side is token.side
    return {"price": num(price), "side": "BUY" if taker_long else "SELL"}


def _tick_size(ctx: Ctx) -> Any:
    token = ctx.fe.token(ctx.param("token_id"))
    return {"minimum_tick_size": float(ctx.fe.tick(token.market_id))}


def _neg_risk(ctx: Ctx) -> Any:
    token = ctx.fe.token(ctx.param("token_id"))
    return {"neg_risk": ctx.fe.clob_market(token.condition_id)["nr"]}


def _fee_rate(ctx: Ctx) -> Any:
    token = ctx.fe.token(ctx.param("token_id"))
    return {"base_fee": ctx.fe.clob_market(token.condition_id)["tbf"]}


def _markets_by_token(ctx: Ctx) -> Any:
    token = ctx.fe.token(ctx.request.path_params["token_id"])
    return {"condition_id": token.condition_id, "primary_token_id": token.token_id}


def _clob_market(ctx: Ctx) -> Any:
    return ctx.fe.clob_market(ctx.request.path_params["condition_id"])


def _market_long(fe: FrontEnd, condition_id: str) -> dict[str, object]:
    short = fe.clob_market(condition_id)
    state = fe.sim.exchange.market(MarketId(Venue.POLYMARKET, condition_id))
    listing = state.spec.polymarket
    assert listing is not None
    yes_price = state.last_price if state.last_price is not None else Decimal("0.5")
    winners = (False, False)
    if state.result is not None:  # resolved: the winning token is marked, priced 1
        winners = (state.result is OrderSide.YES, state.result is OrderSide.NO)
        yes_price = Decimal(1) if winners[0] else Decimal(0)
    tokens = short["t"]
    assert isinstance(tokens, list)
    return {
        "condition_id": condition_id,
        "question_id": condition_id,
        "question": listing.question,
        "market_slug": listing.slug,
        "tokens": [
            {"token_id": t["t"], "outcome": t["o"], "price": float(p), "winner": w}
            for t, p, w in zip(tokens, (yes_price, 1 - yes_price), winners, strict=True)
        ],
        "minimum_order_size": short["mos"],
        "minimum_tick_size": short["mts"],
        "neg_risk": short["nr"],
        "accepting_orders": short["ao"],
        "active": short["ao"],
        "closed": not short["ao"],
        "archived": False,
        "enable_order_book": True,
        "end_date_iso": state.spec.close_time.isoformat() if state.spec.close_time else None,
        "maker_base_fee": 0,
        "taker_base_fee": short["tbf"],
        "rewards": _rewards(listing.rewards),
    }


def _rewards(rewards: LiquidityRewards | None) -> dict[str, object]:
    """The CLOB market's ``rewards``: ``rates`` (dollars a day per reward asset; null
    without a program), ``min_size`` (shares), ``max_spread`` (cents)."""
    if rewards is None or rewards.daily_rate == 0:
        return {"rates": None, "min_size": 0, "max_spread": 0}
    rate = {"asset_address": REWARD_ASSET, "rewards_daily_rate": float(rewards.daily_rate)}
    return {
        "rates": [rate],
        "min_size": float(rewards.min_size),
        "max_spread": float(rewards.max_spread_cents),
    }


def _markets(ctx: Ctx) -> Any:
    ids = [m.market_id.symbol for m in ctx.fe.sim.exchange.markets(Venue.POLYMARKET)]
    rows = [_market_long(ctx.fe, c) for c in ids]
    return _paged(rows, ctx.request.query_params.get("next_cursor"), 500)


def _market(ctx: Ctx) -> Any:
    return _market_long(ctx.fe, ctx.request.path_params["condition_id"])


# -- auth -------------------------------------------------------------------------------


def _l1(ctx: Ctx) -> _auth.L1Request:
    tol = ctx.fe.options.timestamp_tolerance_s
    return _auth.verify_l1(
        ctx.request.headers,
        now=None if tol is None else ctx.fe.now().timestamp(),
        chain_id=ctx.fe.options.chain_id,
        tolerance=tol or 0,
    )


def _creds_json(key: PolymarketKey) -> dict[str, str]:
    return {"apiKey": key.api_key, "secret": key.secret, "passphrase": key.passphrase}


def _create_key(ctx: Ctx) -> Any:
    proof = _l1(ctx)
    return _creds_json(ctx.fe.create_key(proof.address, proof.nonce))


def _derive_key(ctx: Ctx) -> Any:
    proof = _l1(ctx)
    return _creds_json(ctx.fe.derive_key(proof.address, proof.nonce))


def _api_keys(ctx: Ctx) -> Any:
    return {"apiKeys": ctx.fe.api_keys_of(ctx.key.address)}


def _closed_only(ctx: Ctx) -> Any:
    return {"closed_only": False}


NO_DEPOSIT_WALLET = "no deposit wallet found for owner"  # community-reported (404)
CONDITIONAL = {1: "CONDITIONAL", 2: "CONDITIONAL-V2"}  # token ids / V2 position ids


def _wallet_asked(ctx: Ctx) -> str | None:
    """The address ``signature_type`` (default 0) names for the key's EOA: the EOA, or
    the account's proxy, Safe or deposit wallet when that is its type (else nothing)."""
    raw = ctx.request.query_params.get("signature_type", "0")
    if raw not in ("0", "1", "2", "3"):
        raise Rejected("Invalid signature_type")
    kind = int(raw)
    wallet = ctx.key.wallet_of(kind)
    if wallet is None and kind == _orders.POLY_1271:
        raise Rejected(NO_DEPOSIT_WALLET, 404)
    return wallet


def _held(ctx: Ctx, asset_type: str | None) -> Decimal:
    """What the account holds of ``asset_type`` (its token of ``token_id``)."""
    ex = ctx.fe.sim.exchange
    if asset_type == "COLLATERAL":
        return ex.balance(ctx.key.account_id).available
    if asset_type not in CONDITIONAL.values():
        raise Rejected("Invalid asset type")
    token = ctx.fe.token(ctx.param("token_id"))
    if asset_type != CONDITIONAL[ctx.fe.protocol(token.market_id)]:
        raise Rejected("Invalid asset type")
    pos = ex.position(ctx.key.account_id, token.market_id)
    if token.side is OrderSide.YES:
        return pos.yes - pos.reserved_yes
    return pos.no - pos.reserved_no


def _balance_allowance(ctx: Ctx) -> Any:
    """The balance at the address of the asked signature type: the account's money is
    in its funder; another of the EOA's addresses holds nothing."""
    wallet = _wallet_asked(ctx)
    amount = _held(ctx, ctx.request.query_params.get("asset_type"))
    funded = wallet is not None and wallet.lower() == ctx.key.wallet.lower()
    allowance = str(2**256 - 1)
    exchanges = (_orders.V2_EXCHANGE, _orders.V2_NEG_RISK_EXCHANGE)
    return {
        "balance": str(int(amount * 1_000_000)) if funded else "0",
        "allowances": {
            **dict.fromkeys(exchanges, allowance),
            _orders.EXCHANGE_V3[ctx.fe.options.chain_id]: allowance,
        },
    }


# -- orders -----------------------------------------------------------------------------


def _post_order(ctx: Ctx) -> Any:
    placed = ctx.fe.place(ctx.key, ctx.json(), post_only_mode=ctx.decision.post_only_mode)
    return placed.to_json(ctx.fe.options.size_units)


def _post_orders(ctx: Ctx) -> Any:
    body = ctx.json()
    if not isinstance(body, list) or not body:
        raise Rejected(_orders.INVALID_PAYLOAD)
    limit = ctx.fe.options.max_batch
    if len(body) > limit:
        raise Rejected(f"Too many orders in payload, max allowed: {limit}")
    out = []
    for item in body:
        try:
            placed = ctx.fe.place(ctx.key, item, post_only_mode=ctx.decision.post_only_mode)
            out.append(placed.to_json(ctx.fe.options.size_units))
        except (Rejected, _orders.OrderInvalid) as exc:
            out.append(failure_json(str(exc)))
        except PostOnlyMode:
            out.append(failure_json(POST_ONLY_MODE))
    return out


def _delete_order(ctx: Ctx) -> Any:
    body = ctx.json()
    order_id = body.get("orderID") if isinstance(body, dict) else None
    if not isinstance(order_id, str) or not order_id:
        raise Rejected("Invalid orderID")
    return ctx.fe.cancel_ids(ctx.key, [order_id])


def _delete_orders(ctx: Ctx) -> Any:
    body = ctx.json()
    if not isinstance(body, list) or not all(isinstance(x, str) and x for x in body):
        raise Rejected(_orders.INVALID_PAYLOAD)
    limit = ctx.fe.options.max_cancel_batch
    if len(body) > limit:
        raise Rejected(f"Too many orders in payload, max allowed: {limit}")
    return ctx.fe.cancel_ids(ctx.key, body)


def _cancel_all(ctx: Ctx) -> Any:
    return ctx.fe.cancel_where(ctx.key.account_id)


def _cancel_market(ctx: Ctx) -> Any:
    body = ctx.json() if ctx.body else {}
    if not isinstance(body, dict):
        raise Rejected(_orders.INVALID_PAYLOAD)
    market, asset = body.get("market"), body.get("asset_id")
    if not market and not asset:
        raise Rejected(_orders.INVALID_PAYLOAD)
    side = None
    mid = MarketId(Venue.POLYMARKET, str(market)) if market else None
    if asset:
        token = ctx.fe.token(str(asset))
        if mid is not None and mid != token.market_id:
            return {"canceled": [], "not_canceled": {}}
        mid, side = token.market_id, token.side
    assert mid is not None
    if not ctx.fe.sim.exchange.has_market(mid):
        return {"canceled": [], "not_canceled": {}}
    return ctx.fe.cancel_where(ctx.key.account_id, mid, side)


def _heartbeat(ctx: Ctx) -> Any:
    body = ctx.json() if ctx.body else {}
    hb = body.get("heartbeat_id", "") if isinstance(body, dict) else None
    if not isinstance(hb, str):
        raise Rejected("Invalid payload")
    return {"heartbeat_id": ctx.fe.heartbeats.beat(ctx.key.api_key, hb, trio.current_time())}


# -- reads with cursors ---------------------------------------------------------------------


def _paged(rows: list[Any], cursor: str | None, size: int) -> dict[str, object]:
    try:
        start = int(base64.b64decode(cursor or START_CURSOR).decode())
    except ValueError:
        raise Rejected("invalid next_cursor") from None
    if start < 0:
        return {"limit": size, "next_cursor": END_CURSOR, "count": 0, "data": []}
    page = rows[start : start + size]
    end = start + size
    nxt = base64.b64encode(str(end).encode()).decode() if end < len(rows) else END_CURSOR
    return {"limit": size, "next_cursor": nxt, "count": len(page), "data": page}


def _data_orders(ctx: Ctx) -> Any:
    window = ctx.decision.stale_window_s if ctx.decision.stale_read else 0.0
    rows = ctx.fe.open_order_rows(ctx.key, ctx.query(), window)
    return _paged(rows, ctx.request.query_params.get("next_cursor"), ctx.fe.options.page_size)


def _data_order(ctx: Ctx) -> Any:
    return ctx.fe.order_row(ctx.key, ctx.request.path_params["order_id"])


def _data_trades(ctx: Ctx) -> Any:
    rows = ctx.fe.trade_rows(ctx.key, ctx.query())
    return _paged(rows, ctx.request.query_params.get("next_cursor"), ctx.fe.options.page_size)


# -- the app ------------------------------------------------------------------------------

R, W, C, X = RouteKind.READ, RouteKind.ORDER, RouteKind.CANCEL, RouteKind.OTHER


def _routes() -> list[tuple[str, str, RouteKind, str | None, Handler]]:
    q = Ctx.param
    return [
        ("GET", "/", R, None, lambda c: "OK"),
        ("GET", "/ok", R, None, lambda c: "OK"),
        ("GET", "/time", R, None, lambda c: int(c.fe.now().timestamp())),
        ("GET", "/version", R, None, lambda c: {"version": 2}),
        ("GET", "/book", R, None, _book),
        ("POST", "/books", R, None, _books),
        ("GET", "/midpoint", R, None,
         lambda c: {c.fe.options.midpoint_key: num(_mid_of(c, q(c, "token_id")))}),
        ("POST", "/midpoints", R, None,
         lambda c: {t: num(_mid_of(c, t)) for t in _token_ids(c)}),
        ("GET", "/price", R, None,
         lambda c: {"price": num(_price_of(c, q(c, "token_id"), q(c, "side")))}),
        ("POST", "/prices", R, None, _prices),
        ("GET", "/spread", R, None, lambda c: {"spread": num(_spread_of(c, q(c, "token_id")))}),
        ("POST", "/spreads", R, None,
         lambda c: {t: num(_spread_of(c, t)) for t in _token_ids(c)}),
        ("GET", "/last-trade-price", R, None, lambda c: _last_trade(c, q(c, "token_id"))),
        ("POST", "/last-trades-prices", R, None,
         lambda c: [{"token_id": t, **_last_trade(c, t)} for t in _token_ids(c)]),
        ("GET", "/tick-size", R, None, _tick_size),
        ("GET", "/neg-risk", R, None, _neg_risk),
        ("GET", "/fee-rate", R, None, _fee_rate),
        ("GET", "/markets-by-token/{token_id}", R, None, _markets_by_token),
        ("GET", "/clob-markets/{condition_id}", R, None, _clob_market),
        ("GET", "/markets", R, None, _markets),
        ("GET", "/markets/{condition_id}", R, None, _market),
        ("POST", "/auth/api-key", X, None, _create_key),
        ("GET", "/auth/derive-api-key", X, None, _derive_key),
        ("GET", "/auth/api-keys", X, "l2", _api_keys),
        ("GET", "/auth/ban-status/closed-only", X, "l2", _closed_only),
        ("GET", "/balance-allowance", R, "l2", _balance_allowance),
        ("GET", "/balance-allowance/update", R, "l2", lambda c: ""),
        ("POST", "/order", W, "l2", _post_order),
        ("POST", "/orders", W, "l2", _post_orders),
        ("DELETE", "/order", C, "l2", _delete_order),
        ("DELETE", "/orders", C, "l2", _delete_orders),
        ("DELETE", "/cancel-all", C, "l2", _cancel_all),
        ("DELETE", "/cancel-market-orders", C, "l2", _cancel_market),
        ("GET", "/data/orders", R, "l2", _data_orders),
        ("GET", "/data/order/{order_id}", R, "l2", _data_order),
        ("GET", "/data/trades", R, "l2", _data_trades),
        ("POST", "/v1/heartbeats", X, "l2", _heartbeat),
        ("POST", "/heartbeats", X, "l2", _heartbeat),
    ]  # fmt: skip


def _prices(ctx: Ctx) -> Any:
    body = ctx.json()
    if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
        raise Rejected("Invalid payload")
    out: dict[str, dict[str, str]] = {}
    for item in body:
        token_id, side = str(item.get("token_id", "")), str(item.get("side", ""))
        out.setdefault(token_id, {})[side] = num(_price_of(ctx, token_id, side))
    return out


async def _watch_heartbeats(fe: FrontEnd) -> None:
    while True:
        await trio.sleep(0.25)
        fe.expire_heartbeats(trio.current_time())


def create_app(fe: FrontEnd, hub: Hub) -> Starlette:
    routes: list[Route | WebSocketRoute] = [
        Route(path, Endpoint(fe, f"{method} {path}", kind, auth, fn).handle, methods=[method])
        for method, path, kind, auth, fn in _routes()
    ]
    routes += [
        WebSocketRoute("/ws/market", market_endpoint(hub)),
        WebSocketRoute("/ws/user", user_endpoint(hub)),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_watch_heartbeats, fe)
            yield
            nursery.cancel_scope.cancel()

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=HTTP_ERRORS)

"""Kalshi's websocket at ``/trade-api/ws/v2`` (asyncapi.yaml 2.0.0, notes §6).

The upgrade is signed like a REST request (``GET /trade-api/ws/v2``); a bad signature
is refused with HTTP 401 and Kalshi's JSON body. Commands: ``subscribe``,
``update_subscription`` (``add_markets``, ``delete_markets``, ``get_snapshot``),
``unsubscribe``, ``list_subscriptions``. Channels: ``orderbook_delta`` (snapshot, then
deltas), ``ticker``, ``trade``, ``market_lifecycle_v2``, and the account's own ``fill``,
``user_orders``, ``market_positions`` and ``order_group_updates``. Every
subscription has its own ``sid``; sequenced messages carry ``seq`` from 1 without gaps
(unless the fault plan makes one). Exchange events arrive synchronously in the
simulator's thread and are queued per connection; one writer task per connection
sends them. Heartbeat pings are control frames, which ASGI cannot send: the server sets
hypercorn's ``websocket_ping_interval`` (10 s, as Kalshi).
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import anyio
import attrs
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from loguru import logger
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from predmm.domain import MarketId, Venue
from predmm.simulator.exchange import (
    AccountId,
    BookLevelChanged,
    ExchangeEvent,
    MarketSettled,
    MarketStatusChanged,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderGroupChanged,
    OrderUpdated,
    TickSizeChanged,
    TradePrinted,
)
from predmm.simulator.kalshi import auth, wire
from predmm.simulator.kalshi import ws_messages as msgs
from predmm.simulator.kalshi.frontend import KalshiFrontEnd

WS_PATH = "/trade-api/ws/v2"
CHANNELS = (
    "orderbook_delta",
    "ticker",
    "trade",
    "fill",
    "market_lifecycle_v2",
    "user_orders",
    "market_positions",
    "order_group_updates",
)
_ALL_MARKETS_OK = CHANNELS[1:]
_PRIVATE = {"fill": "fill", "user_orders": "user_order", "market_positions": "market_position"}
_SEQUENCED = ("orderbook_delta", "trade", "market_lifecycle_v2", "order_group_updates")
_DROP = object()

ERRORS = {
    1: "Unable to process message",
    2: "Params required",
    3: "Channels required",
    4: "Subscription IDs required",
    5: "Unknown command",
    7: "Unknown subscription ID",
    8: "Unknown channel name",
    11: "Invalid parameter",
    12: "Exactly one subscription ID is required",
    13: "Unsupported action",
    14: "Market Ticker required",
    15: "Action required",
}


class CommandError(Exception):
    def __init__(self, code: int, sid: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.sid = sid


@attrs.define(eq=False)
class Subscription:
    sid: int
    channel: str
    tickers: set[str] | None  # None: every market
    use_yes_price: bool = False
    seq: int = 0
    last_ticker: dict[str, tuple[str, ...]] = attrs.field(factory=dict)

    def covers(self, ticker: str) -> bool:
        return self.tickers is None or ticker in self.tickers


@attrs.define(eq=False)
class Connection:
    account: AccountId
    outbox: MemoryObjectSendStream[Any]
    subs: dict[int, Subscription] = attrs.field(factory=dict)
    next_sid: int = 1
    closed: bool = False

    def push(self, item: Any) -> None:
        if self.closed:
            return
        try:
            self.outbox.send_nowait(item)
        except (anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self.drop()

    def drop(self) -> None:
        """Close the connection (a buffer overflow or a ``ws_drop`` fault)."""
        if not self.closed:
            self.closed = True
            self.outbox.close()


class KalshiStreams:
    """All websocket connections of one Kalshi app, fed by the exchange's events."""

    def __init__(self, fe: KalshiFrontEnd) -> None:
        self.fe = fe
        self.connections: set[Connection] = set()
        self.last_trade_size: dict[str, Decimal] = {}
        fe.exchange.subscribe(self._on_event)

    # connection lifecycle -------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        raw = websocket.scope.get("raw_path")
        path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else websocket.url.path
        try:
            account = self.fe.authenticate(websocket.headers, "GET", path.split("?", 1)[0])
        except auth.AuthFailure as failure:
            await _deny(websocket, failure.body)
            return
        await websocket.accept()
        send, receive = anyio.create_memory_object_stream[Any](
            max_buffer_size=self.fe.options.ws_buffer or math.inf
        )
        conn = Connection(account, send)
        self.connections.add(conn)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._writer, websocket, receive, tg.cancel_scope)
                await self._reader(websocket, conn)
                tg.cancel_scope.cancel()
        finally:
            conn.closed = True
            self.connections.discard(conn)
            send.close()
            receive.close()

    async def _reader(self, websocket: WebSocket, conn: Connection) -> None:
        while not conn.closed:
            try:
                text = await websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                return
            self.handle_command(conn, text)

    async def _writer(
        self,
        websocket: WebSocket,
        receive: MemoryObjectReceiveStream[Any],
        scope: anyio.CancelScope,
    ) -> None:
        async with receive:
            async for item in receive:
                if item is _DROP:
                    break
                try:
                    await websocket.send_text(json.dumps(item))
                except (WebSocketDisconnect, RuntimeError, OSError):
                    scope.cancel()
                    return
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close(code=1011)
        scope.cancel()

    # sending ----------------------------------------------------------------------------

    def send(self, conn: Connection, msg: dict[str, Any], sub: Subscription | None = None) -> None:
        """Queue one message, stamping ``seq`` on sequenced channels, after asking the
        fault plan (drop the socket, skip a seq, send it twice)."""
        channel = sub.channel if sub is not None else str(msg.get("type"))
        decision = self.fe.sim.faults.on_ws_message(Venue.KALSHI, channel)
        if decision.drop:
            conn.push(_DROP)
            conn.drop()
            return
        if sub is not None and (sub.channel in _SEQUENCED or msg["type"] in ("ok", "unsubscribed")):
            if decision.skip_seq:
                sub.seq += 1
            sub.seq += 1
            msg["seq"] = sub.seq
        conn.push(msg)
        if decision.duplicate:
            conn.push(dict(msg))

    def _error(self, conn: Connection, cmd_id: Any, code: int, sid: int | None = None) -> None:
        msg: dict[str, Any] = {"type": "error", "msg": {"code": code, "msg": ERRORS[code]}}
        if isinstance(cmd_id, int) and cmd_id > 0:
            msg["id"] = cmd_id
        if sid is not None:
            msg["sid"] = sid
        self.send(conn, msg)

    # commands ---------------------------------------------------------------------------

    def handle_command(self, conn: Connection, text: str) -> None:
        try:
            cmd = json.loads(text)
        except ValueError:
            self._error(conn, None, 1)
            return
        if not isinstance(cmd, dict):
            self._error(conn, None, 1)
            return
        cmd_id = cmd.get("id")
        try:
            self._dispatch(conn, cmd, cmd_id if isinstance(cmd_id, int) else None)
        except CommandError as error:
            self._error(conn, cmd_id, error.code, error.sid)

    def _dispatch(self, conn: Connection, cmd: dict[str, Any], cmd_id: int | None) -> None:
        name = cmd.get("cmd")
        if name == "list_subscriptions":
            subs = [{"channel": s.channel, "sid": s.sid} for s in conn.subs.values()]
            self.send(conn, _with_id({"type": "ok", "msg": subs}, cmd_id))
            return
        handler = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "update_subscription": self._update,
        }.get(str(name))
        if handler is None:
            raise CommandError(5)
        params = cmd.get("params")
        if not isinstance(params, dict):
            raise CommandError(2)
        handler(conn, params, cmd_id)

    def _tickers(self, params: dict[str, Any]) -> list[str] | None:
        tickers = params.get("market_tickers")
        single = params.get("market_ticker")
        if tickers is None and single is None:
            return None
        if tickers is not None and (
            not isinstance(tickers, list) or not all(isinstance(t, str) for t in tickers)
        ):
            raise CommandError(11)
        if single is not None and not isinstance(single, str):
            raise CommandError(11)
        return list(tickers or []) + ([single] if single else [])

    def _subscribe(self, conn: Connection, params: dict[str, Any], cmd_id: int | None) -> None:
        channels = params.get("channels")
        if not isinstance(channels, list) or not channels:
            raise CommandError(3)
        if any(c not in CHANNELS for c in channels):
            raise CommandError(8)
        tickers = self._tickers(params)
        if tickers is None and any(c not in _ALL_MARKETS_OK for c in channels):
            raise CommandError(14)
        for channel in channels:
            existing = next((s for s in conn.subs.values() if s.channel == channel), None)
            if existing is not None:
                self._add_markets(conn, existing, tickers or [], cmd_id)
                continue
            sub = Subscription(
                sid=conn.next_sid,
                channel=channel,
                tickers=set(tickers) if tickers is not None else None,
                use_yes_price=params.get("use_yes_price") is True,
            )
            conn.next_sid += 1
            conn.subs[sub.sid] = sub
            msg = {"type": "subscribed", "msg": {"channel": channel, "sid": sub.sid}}
            self.send(conn, _with_id(msg, cmd_id))
            self._initial(conn, sub, tickers or [], params.get("send_initial_snapshot") is True)

    def _initial(
        self, conn: Connection, sub: Subscription, tickers: Iterable[str], ticker_snapshot: bool
    ) -> None:
        if sub.channel == "orderbook_delta":
            for ticker in tickers:
                self._snapshot(conn, sub, ticker, None)
        elif sub.channel == "ticker" and ticker_snapshot:
            for ticker in tickers:
                self._send_ticker(conn, sub, ticker, force=True)

    def _unsubscribe(self, conn: Connection, params: dict[str, Any], cmd_id: int | None) -> None:
        sids = params.get("sids")
        if not isinstance(sids, list) or not sids:
            raise CommandError(4)
        for sid in sids:
            sub = conn.subs.pop(sid, None) if isinstance(sid, int) else None
            if sub is None:
                self._error(conn, cmd_id, 7, sid if isinstance(sid, int) and sid > 0 else None)
                continue
            self.send(conn, _with_id({"type": "unsubscribed", "sid": sub.sid}, cmd_id), sub)

    def _update(self, conn: Connection, params: dict[str, Any], cmd_id: int | None) -> None:
        action = params.get("action")
        if not action:
            raise CommandError(15)
        sub = conn.subs.get(_one_sid(params))
        if sub is None:
            raise CommandError(7)
        tickers = self._tickers(params)
        if action == "get_snapshot":
            if sub.channel != "orderbook_delta":
                raise CommandError(13, sub.sid)
            for ticker in tickers if tickers is not None else sorted(sub.tickers or ()):
                self._snapshot(conn, sub, ticker, cmd_id)
            return
        if action not in ("add_markets", "delete_markets"):
            raise CommandError(13, sub.sid)
        if not tickers:
            raise CommandError(14, sub.sid)
        if action == "add_markets":
            self._add_markets(conn, sub, tickers, cmd_id)
            return
        if sub.tickers is not None:
            sub.tickers.difference_update(tickers)
        self._ok(conn, sub, cmd_id)

    def _add_markets(
        self, conn: Connection, sub: Subscription, tickers: list[str], cmd_id: int | None
    ) -> None:
        new = [t for t in tickers if not sub.covers(t)]
        if sub.tickers is not None:
            sub.tickers.update(tickers)
        self._ok(conn, sub, cmd_id)
        self._initial(conn, sub, new, True)

    def _ok(self, conn: Connection, sub: Subscription, cmd_id: int | None) -> None:
        tickers = sorted(sub.tickers) if sub.tickers is not None else []
        msg = {"type": "ok", "sid": sub.sid, "msg": {"market_tickers": tickers}}
        self.send(conn, _with_id(msg, cmd_id), sub)

    # market data ------------------------------------------------------------------------

    def _snapshot(
        self, conn: Connection, sub: Subscription, ticker: str, cmd_id: int | None
    ) -> None:
        state = self.fe.market_state(ticker)
        if state is None:
            self._error(conn, cmd_id, 11, sub.sid)
            return
        body = msgs.snapshot_body(self.fe, state, sub.use_yes_price)
        msg = {"type": "orderbook_snapshot", "sid": sub.sid, "msg": body}
        self.send(conn, _with_id(msg, cmd_id), sub)

    def _send_ticker(
        self, conn: Connection, sub: Subscription, ticker: str, *, force: bool = False
    ) -> None:
        """A ticker message when the market's numbers changed since the last one sent."""
        state = self.fe.market_state(ticker)
        if state is None:
            return
        now = self.fe.now()
        last_size = self.last_trade_size.get(ticker, Decimal(0))
        fields = msgs.ticker_body(self.fe, state, last_size, now)
        key = tuple(str(fields[k]) for k in sorted(fields))
        if not force and sub.last_ticker.get(ticker) == key:
            return
        sub.last_ticker[ticker] = key
        fields.update(ts=wire.seconds(now), ts_ms=wire.ms(now), time=msgs.iso_ms(now))
        self.send(conn, {"type": "ticker", "sid": sub.sid, "msg": fields}, sub)

    # exchange events --------------------------------------------------------------------

    def _on_event(self, event: ExchangeEvent) -> None:
        if isinstance(event, TradePrinted):
            self.last_trade_size[event.trade.market_id.symbol] = event.trade.quantity
        if not self.connections:
            return
        try:
            self._route(event)
        except Exception:  # a listener must never break the exchange
            logger.exception("kalshi websocket: event {event} not delivered", event=event)

    def _route(self, event: ExchangeEvent) -> None:
        if isinstance(event, BookLevelChanged):
            self._each("orderbook_delta", event.market_id, lambda c, s: self._delta(c, s, event))
            self._each(
                "ticker",
                event.market_id,
                lambda c, s: self._send_ticker(c, s, event.market_id.symbol),
            )
        elif isinstance(event, TradePrinted):
            msg = msgs.trade_msg(event)
            self._each("trade", event.trade.market_id, lambda c, s: self.send(c, _sid(msg, s), s))
        elif isinstance(event, OrderFilled):
            self._fill(event)
        elif isinstance(event, OrderAccepted | OrderUpdated | OrderCancelled):
            body = msgs.user_order_body(self.fe, event)
            self._private(event.account_id, event.order.market_id, "user_orders", body)
        elif isinstance(event, OrderGroupChanged):
            self._group(event)
        elif isinstance(event, MarketStatusChanged | MarketSettled | TickSizeChanged):
            for msg in msgs.lifecycle_msgs(event):
                self._each(
                    "market_lifecycle_v2",
                    event.market_id,
                    lambda c, s, m=msg: self.send(c, _sid(m, s), s),
                )

    def _each(self, channel: str, market_id: MarketId, action: Any) -> None:
        if market_id.venue is not Venue.KALSHI:
            return
        for conn in list(self.connections):
            for sub in list(conn.subs.values()):
                if sub.channel == channel and sub.covers(market_id.symbol):
                    action(conn, sub)

    def _delta(self, conn: Connection, sub: Subscription, event: BookLevelChanged) -> None:
        actor = self.fe.actor
        cid = actor[1] if actor is not None and actor[0] == conn.account else None
        body = msgs.delta_body(event, sub.use_yes_price, cid)
        self.send(conn, {"type": "orderbook_delta", "sid": sub.sid, "msg": body}, sub)

    def _fill(self, event: OrderFilled) -> None:
        fill = event.fill
        post = self._post_position(fill.account_id, fill.market_id)
        self._private(fill.account_id, fill.market_id, "fill", msgs.fill_body(fill, post))
        view = self.fe.exchange.position(fill.account_id, fill.market_id)
        body = msgs.position_body(fill.account_id, view, post)
        self._private(fill.account_id, fill.market_id, "market_positions", body)

    def _group(self, event: OrderGroupChanged) -> None:
        """``order_group_updates`` to the group's account (no market filter)."""
        body = msgs.group_body(event)
        for conn in list(self.connections):
            if conn.account != event.account_id:
                continue
            for sub in list(conn.subs.values()):
                if sub.channel == "order_group_updates":
                    self.send(
                        conn, {"type": "order_group_updates", "sid": sub.sid, "msg": body}, sub
                    )

    def _private(self, account: AccountId, market_id: MarketId, channel: str, body: Any) -> None:
        """Send ``body`` to the subscriptions of ``channel`` of ``account``'s connections."""
        if body is None or market_id.venue is not Venue.KALSHI:
            return
        for conn in list(self.connections):
            if conn.account != account:
                continue
            for sub in list(conn.subs.values()):
                if sub.channel == channel and sub.covers(market_id.symbol):
                    msg = {"type": _PRIVATE[channel], "sid": sub.sid, "msg": dict(body)}
                    self.send(conn, msg, sub)

    def _post_position(self, account: AccountId, market_id: MarketId) -> Decimal:
        key = (account, market_id)
        net = self.fe.net_after_fill.get(key)
        return net if net is not None else self.fe.exchange.position(account, market_id).net


# -- helpers ----------------------------------------------------------------------------


async def _deny(websocket: WebSocket, body: dict[str, object]) -> None:
    try:
        await websocket.send_denial_response(JSONResponse(body, status_code=401))
    except RuntimeError:  # the server has no denial-response extension
        await websocket.close(code=1008)


def _with_id(msg: dict[str, Any], cmd_id: int | None) -> dict[str, Any]:
    if cmd_id:
        msg["id"] = cmd_id
    return msg


def _sid(msg: dict[str, Any], sub: Subscription) -> dict[str, Any]:
    return {**msg, "sid": sub.sid, "msg": dict(msg["msg"])}


def _one_sid(params: dict[str, Any]) -> int:
    sid, sids = params.get("sid"), params.get("sids")
    if (sid is None) == (sids is None):
        raise CommandError(12)
    if sids is not None:
        if not isinstance(sids, list) or len(sids) != 1:
            raise CommandError(12)
        sid = sids[0]
    if not isinstance(sid, int):
        raise CommandError(11)
    return sid

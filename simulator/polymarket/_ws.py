"""The CLOB websockets: the market channel (``/ws/market``: ``book``, ``price_change``,
``tick_size_change``, ``last_trade_price``) and the user channel (``/ws/user``:
``order``, ``trade``), with text ``PING`` answered by ``PONG``.

Exchange events arrive synchronously in the trio thread; each connection has a bounded
memory channel drained by its writer task. A consumer that falls that far behind is
disconnected. Every outgoing message consults the fault plan (drop the connection,
lose the message, send it twice).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs
import trio
from loguru import logger
from starlette.websockets import WebSocket, WebSocketDisconnect

from predmm.domain import MarketId, OrderSide, TickSpec, Venue
from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.exchange import (
    BookLevelChanged,
    ExchangeEvent,
    OrderAccepted,
    OrderCancelled,
    OrderRecord,
    OrderUpdated,
    TickSizeChanged,
    TradePrinted,
    TradeRecord,
    TradeStatusChanged,
)
from predmm.simulator.polymarket import _wire
from predmm.simulator.polymarket._frontend import FrontEnd
from predmm.simulator.polymarket._shapes import num

QUEUE = 10_000
_GONE = (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError)
_CLOSE = object()
_ids = itertools.count(1)


@attrs.define(eq=False)
class Conn:
    send: trio.MemorySendChannel[object]
    assets: set[str] = attrs.field(factory=set)
    creds: PolymarketKey | None = None
    markets: set[str] | None = None  # user channel: condition ids, None = all
    closed: bool = False


class Hub:
    """Fans exchange events out to the websocket connections of one front end."""

    def __init__(self, fe: FrontEnd) -> None:
        self.fe = fe
        self.market_conns: dict[int, Conn] = {}
        self.user_conns: dict[int, Conn] = {}
        fe.sim.exchange.subscribe(self._on_event)

    # delivery -------------------------------------------------------------------------

    def push(self, conn: Conn, message: dict[str, Any]) -> None:
        if conn.closed:
            return
        decision = self.fe.sim.faults.on_ws_message(Venue.POLYMARKET, str(message["event_type"]))
        if decision.drop:
            self.close(conn)
            return
        if decision.skip_seq:  # Polymarket has no sequence numbers: the message is lost
            return
        text = json.dumps(message, separators=(",", ":"))
        for _ in range(2 if decision.duplicate else 1):
            self.send(conn, text)

    def send(self, conn: Conn, item: object) -> None:
        try:
            conn.send.send_nowait(item)
        except _GONE:
            self.close(conn)

    def close(self, conn: Conn) -> None:
        if not conn.closed:
            conn.closed = True
            with contextlib.suppress(
                trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError
            ):
                conn.send.send_nowait(_CLOSE)

    def _on_event(self, event: ExchangeEvent) -> None:
        if not self.market_conns and not self.user_conns:
            return
        try:
            self._dispatch(event)
        except Exception:  # a front-end bug must never break the matching core
            logger.exception("polymarket sim: websocket dispatch of {event} failed", event=event)

    def _dispatch(self, event: ExchangeEvent) -> None:
        if isinstance(event, OrderAccepted):
            self._order(event.order, "PLACEMENT")
        elif isinstance(event, OrderUpdated):
            self._order(event.order, "UPDATE")
        elif isinstance(event, OrderCancelled):
            self._order(event.order, "CANCELLATION")
        elif isinstance(event, TradePrinted):
            self._trade(event.trade)
            self._last_trade(event.trade)
        elif isinstance(event, TradeStatusChanged):
            self._trade(event.trade)
        elif isinstance(event, BookLevelChanged):
            self._price_change(event)
        elif isinstance(event, TickSizeChanged):
            self._tick_change(event)

    # market channel ---------------------------------------------------------------------

    def _tokens(self, market_id: MarketId) -> tuple[_wire.Token, _wire.Token] | None:
        if market_id.venue is not Venue.POLYMARKET:
            return None
        return _wire.tokens_of(self.fe.sim.exchange.market(market_id).spec)

    def _watchers(self, token_ids: Iterable[str]) -> list[Conn]:
        wanted = set(token_ids)
        return [c for c in self.market_conns.values() if c.assets & wanted]

    def book_message(self, token: _wire.Token) -> dict[str, Any]:
        summary = self.fe.book_view(token).summary()
        return {
            "event_type": "book",
            "asset_id": summary["asset_id"],
            "market": summary["market"],
            "bids": summary["bids"],
            "asks": summary["asks"],
            "timestamp": summary["timestamp"],
            "hash": summary["hash"],
        }

    def _price_change(self, event: BookLevelChanged) -> None:
        tokens = self._tokens(event.market_id)
        if tokens is None or not self._watchers(t.token_id for t in tokens):
            return
        changes = []
        for token in tokens:
            view = self.fe.book_view(token)
            own = event.side is token.side
            best_bid, best_ask = view.best_bid(), view.best_ask()
            changes.append({
                "asset_id": token.token_id,
                "price": num(event.price if own else 1 - event.price),
                "size": num(event.size),
                "side": "BUY" if own else "SELL",
                "hash": view.summary()["hash"],
                "best_bid": num(best_bid) if best_bid is not None else "0",
                "best_ask": num(best_ask) if best_ask is not None else "1",
            })  # fmt: skip
        message = {
            "event_type": "price_change",
            "market": event.market_id.symbol,
            "price_changes": changes,
            "timestamp": _wire.ms(event.ts),
        }
        for conn in self._watchers(t.token_id for t in tokens):
            self.push(conn, message)

    def _last_trade(self, trade: TradeRecord) -> None:
        tokens = self._tokens(trade.market_id)
        if tokens is None:
            return
        rate = self.fe.sim.exchange.market(trade.market_id).spec.fees.taker
        for token in tokens:
            watchers = self._watchers([token.token_id])
            if not watchers:
                continue
            price = trade.yes_price if token.side is OrderSide.YES else 1 - trade.yes_price
            message = {
                "event_type": "last_trade_price",
                "asset_id": token.token_id,
                "market": token.condition_id,
                "price": num(price),
                "size": num(trade.quantity),
                "fee_rate_bps": str(int(rate * 10000)),
                "side": "BUY" if trade.taker_side is token.side else "SELL",
                "timestamp": _wire.ms(trade.ts),
                "transaction_hash": _wire.tx_hash(trade),
            }
            book = self.book_message(token)
            for conn in watchers:
                self.push(conn, message)
                self.push(conn, book)

    def _tick_change(self, event: TickSizeChanged) -> None:
        tokens = self._tokens(event.market_id)
        if tokens is None:
            return
        for token in tokens:
            message = {
                "event_type": "tick_size_change",
                "asset_id": token.token_id,
                "market": token.condition_id,
                "old_tick_size": num(_step(event.old_tick)),
                "new_tick_size": num(_step(event.tick)),
                "timestamp": _wire.ms(event.ts),
            }
            for conn in self._watchers([token.token_id]):
                self.push(conn, message)

    # user channel ------------------------------------------------------------------------

    def _users(self, account: object, condition_id: str) -> list[Conn]:
        return [
            c
            for c in self.user_conns.values()
            if c.creds is not None
            and c.creds.account_id == account
            and (c.markets is None or condition_id in c.markets)
        ]

    def _order(self, record: OrderRecord, kind: str) -> None:
        if record.market_id.venue is not Venue.POLYMARKET:
            return
        conns = self._users(record.account_id, record.market_id.symbol)
        if not conns:
            return
        meta = self.fe.meta(record)
        message = _wire.order_event(meta, record, kind, self.fe.trade_ids_of(record), self.fe.now())
        for conn in conns:
            self.push(conn, message)

    def _trade(self, trade: TradeRecord) -> None:
        if trade.market_id.venue is not Venue.POLYMARKET:
            return
        accounts = {trade.taker.account_id, trade.maker.account_id}
        for account in accounts:
            for conn in self._users(account, trade.market_id.symbol):
                assert conn.creds is not None
                view = self.fe.trade_view(trade, conn.creds)
                self.push(conn, view.ws_json(self.fe.now()))


def _step(tick: TickSpec) -> Decimal:
    return tick.step_at(Decimal("0.5"))


# -- endpoints ---------------------------------------------------------------------------------


async def _writer(
    ws: WebSocket, recv: trio.MemoryReceiveChannel[object], done: trio.CancelScope
) -> None:
    async for item in recv:
        if item is _CLOSE:
            await ws.close(code=1008)
            break
        await ws.send_text(str(item))
    done.cancel()


async def _serve(
    ws: WebSocket, hub: Hub, table: dict[int, Conn], on_text: Callable[[Conn, str], Awaitable[bool]]
) -> None:
    await ws.accept()
    send, recv = trio.open_memory_channel[object](QUEUE)
    conn = Conn(send)
    conn_id = next(_ids)
    table[conn_id] = conn
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_writer, ws, recv, nursery.cancel_scope)
            while not conn.closed:
                text = await ws.receive_text()
                if text.strip().upper() == "PING":
                    hub.send(conn, "PONG")
                elif not await on_text(conn, text):
                    hub.close(conn)
    except (WebSocketDisconnect, RuntimeError, KeyError):
        pass  # the client went away (or sent a binary frame)
    finally:
        table.pop(conn_id, None)
        conn.closed = True


def _load(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def market_endpoint(hub: Hub) -> Callable[[WebSocket], Awaitable[None]]:
    async def on_text(conn: Conn, text: str) -> bool:
        body = _load(text)
        if body is None:
            hub.send(conn, "INVALID OPERATION")
            return True
        ids = body.get("assets_ids", body.get("asset_ids", []))
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            hub.send(conn, "INVALID OPERATION")
            return True
        if body.get("operation") == "unsubscribe":
            conn.assets -= set(ids)
            return True
        new = [i for i in ids if i not in conn.assets]
        conn.assets |= set(ids)
        if body.get("initial_dump", True) is not False:
            for token_id in new:
                found = hub.fe.sim.exchange.token(token_id)
                if found is not None:
                    token = hub.fe.token(token_id)
                    hub.push(conn, hub.book_message(token))
        return True

    async def endpoint(ws: WebSocket) -> None:
        await _serve(ws, hub, hub.market_conns, on_text)

    return endpoint


def user_endpoint(hub: Hub) -> Callable[[WebSocket], Awaitable[None]]:
    async def on_text(conn: Conn, text: str) -> bool:
        body = _load(text)
        if body is None:
            hub.send(conn, "INVALID OPERATION")
            return True
        if conn.creds is None:
            conn.creds = _authenticate(hub.fe, body.get("auth"))
            if conn.creds is None:
                return False
            markets = body.get("markets")
            conn.markets = set(markets) if isinstance(markets, list) and markets else None
            return True
        markets = body.get("markets")
        if not isinstance(markets, list):
            hub.send(conn, "INVALID OPERATION")
            return True
        if body.get("operation") == "unsubscribe":
            if conn.markets is not None:
                conn.markets -= set(markets)
        elif conn.markets is not None:
            conn.markets |= set(markets)
        return True

    async def endpoint(ws: WebSocket) -> None:
        await _serve(ws, hub, hub.user_conns, on_text)

    return endpoint


def _authenticate(fe: FrontEnd, auth: object) -> PolymarketKey | None:
    if not isinstance(auth, dict):
        return None
    key = fe.key(str(auth.get("apiKey", "")))
    if key is None or auth.get("secret") != key.secret or auth.get("passphrase") != key.passphrase:
        return None
    return key

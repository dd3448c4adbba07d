"""The Kalshi websocket feed as pure state: messages in, venue events and commands out.

Kalshi keeps one subscription (``sid``) per channel and connection; ``seq`` counts the
messages of a subscription from 1. The books of every market come on the one
``orderbook_delta`` subscription: a sequence gap there means some delta of some market
was lost, so every book of that subscription is invalidated at once
(``BookInvalidated``), deltas are dropped from then on, and the feed asks its connection
to unsubscribe and subscribe afresh; the next ``BookUpdated`` of a market comes from the
new subscription's snapshot. No book is ever published from a broken ladder. A message
repeating a ``seq`` already seen (a duplicate) is dropped.

Public ``trade`` prints, our ``fill`` / ``user_order`` messages, a trip of our order
group (``order_group_updates`` ``triggered``: ``SafetyNetTripped``), and new price grids
and results (``market_lifecycle_v2``) of our markets pass through as events. Books are published
whole (``BookUpdated``), never as deltas.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
from loguru import logger

from predmm.domain.book import Level, OrderBook
from predmm.domain.errors import AuthenticationError, VenueProtocolError
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    MarketSettled,
    OrderFilled,
    OrderUpdated,
    SafetyNetTripped,
    TickSizeChanged,
    TradePrinted,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.platforms.kalshi import settlements, wire

BOOK_CHANNEL = "orderbook_delta"
PUBLIC_CHANNELS = ("trade",)
ACCOUNT_CHANNELS = ("fill", "user_orders")
GROUP_CHANNEL = "order_group_updates"  # our order groups: created, triggered, reset ...
LIFECYCLE_CHANNEL = "market_lifecycle_v2"  # has no market filter: we filter here
TERMINAL_ERRORS = frozenset({10, 25})  # channel error, subscription buffer overflow
AUTH_ERROR = 9


@attrs.frozen
class Send:
    """A command the connection must send (JSON object)."""

    payload: dict[str, Any]


@attrs.define
class _Ladders:
    yes: dict[Decimal, Decimal] = attrs.field(factory=dict)
    no: dict[Decimal, Decimal] = attrs.field(factory=dict)

    @classmethod
    def of(cls, yes: Iterable[Level], no: Iterable[Level]) -> _Ladders:
        return cls({lv.price: lv.size for lv in yes}, {lv.price: lv.size for lv in no})

    def apply(self, side: str, price: Decimal, delta: Decimal) -> None:
        ladder = self.yes if side == "yes" else self.no
        size = ladder.get(price, Decimal(0)) + delta
        if size > 0:
            ladder[price] = size
        else:
            ladder.pop(price, None)

    def book(self, mid: MarketId) -> OrderBook:
        return OrderBook(
            mid,
            tuple(Level(p, s) for p, s in self.yes.items()),
            tuple(Level(p, s) for p, s in self.no.items()),
        )


class FeedState:
    """The feed of one connection. Build a new one after every reconnect."""

    def __init__(self, market_ids: Sequence[MarketId], *, order_groups: bool = False) -> None:
        self.market_ids = tuple(market_ids)
        self.order_groups = order_groups
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[MarketId, ...]] = {}  # book command id -> markets
        self._book_sids: dict[int, tuple[MarketId, ...]] = {}  # sid -> markets of its books
        self._last_seq: dict[int, int] = {}  # every live sid that numbers its messages
        self._books: dict[MarketId, _Ladders] = {}
        self.resyncs = 0

    def has_book(self, market_id: MarketId) -> bool:
        return market_id in self._books

    # commands ---------------------------------------------------------------------

    def opening_commands(self) -> list[Send]:
        """Our account channels first (each alone: a venue without ``user_orders``
        refuses only that one), then the public tape and the books of our markets. The
        venue answers commands in order, so the first book snapshot also tells that the
        account channels are live."""
        channels = ACCOUNT_CHANNELS + ((GROUP_CHANNEL,) if self.order_groups else ())
        sends = [self._command([channel], None) for channel in channels]
        sends.append(self._command([LIFECYCLE_CHANNEL], None))
        if self.market_ids:
            sends.append(self._command(list(PUBLIC_CHANNELS), self.market_ids))
            sends.append(self._subscribe_books(self.market_ids))
        return sends

    def _subscribe_books(self, markets: tuple[MarketId, ...]) -> Send:
        send = self._command([BOOK_CHANNEL], markets)
        self._pending[send.payload["id"]] = markets
        return send

    def _command(self, channels: list[str], markets: Sequence[MarketId] | None) -> Send:
        params: dict[str, Any] = {"channels": channels}
        if markets is not None:
            params["market_tickers"] = [m.symbol for m in markets]
        return Send({"id": next(self._ids), "cmd": "subscribe", "params": params})

    def _resync(self, sid: int, reason: str) -> tuple[list[VenueEvent], list[Send]]:
        """Drop the broken subscription and its books; subscribe afresh."""
        self.resyncs += 1
        markets = self._book_sids.pop(sid)
        self._last_seq.pop(sid, None)
        for mid in markets:
            self._books.pop(mid, None)
        unsubscribe = Send({"id": next(self._ids), "cmd": "unsubscribe", "params": {"sids": [sid]}})
        logger.info("kalshi book resync", sid=sid, markets=len(markets), reason=reason)
        events: list[VenueEvent] = [BookInvalidated(market_id=m, reason=reason) for m in markets]
        return events, [unsubscribe, self._subscribe_books(markets)]

    # messages ---------------------------------------------------------------------

    def on_message(
        self, message: dict[str, Any], received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        kind = message.get("type")
        if kind == "subscribed":
            self._on_subscribed(message)
            return [], []
        if kind == "error":
            return self._on_error(message)
        sid = message.get("sid")
        verdict = self._check_seq(sid, message.get("seq"))
        if verdict is not None:
            return verdict
        handler = _HANDLERS.get(str(kind))
        if handler is None:
            return [], []
        return handler(self, message.get("msg") or {}, sid, received)

    def _on_subscribed(self, message: dict[str, Any]) -> None:
        msg = message.get("msg") or {}
        sid = msg.get("sid")
        if not isinstance(sid, int):
            raise VenueProtocolError(f"Kalshi ws: 'subscribed' without a sid: {message!r}")
        markets = self._pending.pop(message.get("id", -1), None)
        if msg.get("channel") == BOOK_CHANNEL and markets is not None:
            self._book_sids[sid] = markets
        self._last_seq.setdefault(sid, 0)

    def _on_error(self, message: dict[str, Any]) -> tuple[list[VenueEvent], list[Send]]:
        msg = message.get("msg") or {}
        code = msg.get("code")
        if code == AUTH_ERROR:
            raise AuthenticationError(f"Kalshi ws: {msg.get('msg', 'authentication required')}")
        sid = message.get("sid")
        if code in TERMINAL_ERRORS and sid in self._book_sids:
            return self._resync(sid, f"ws error {code}")
        logger.warning("kalshi ws error", code=code, text=msg.get("msg"), command=message.get("id"))
        return [], []

    def _check_seq(self, sid: Any, seq: Any) -> tuple[list[VenueEvent], list[Send]] | None:
        """None to go on with the message; else what to do instead (drop a duplicate,
        resync a broken book subscription)."""
        if not isinstance(seq, int) or sid not in self._last_seq:
            return None
        expected = self._last_seq[sid] + 1
        if seq == expected:
            self._last_seq[sid] = seq
            return None
        if seq < expected:
            return [], []  # a duplicate or a replay: already applied
        if sid in self._book_sids:
            return self._resync(sid, f"seq gap on sid {sid}: {seq} != {expected}")
        logger.info("kalshi ws seq gap", sid=sid, seq=seq, expected=expected)
        self._last_seq[sid] = seq
        return None

    def _book_market(self, msg: dict[str, Any], sid: Any, what: str) -> MarketId | None:
        """The market of a book message on a live book subscription, else None."""
        markets = self._book_sids.get(sid)
        if markets is None:
            return None  # a subscription we already dropped
        mid = wire.market_id(wire.field(msg, "market_ticker", what))
        return mid if mid in markets else None

    def _on_snapshot(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        what = "Kalshi ws snapshot"
        mid = self._book_market(msg, sid, what)
        if mid is None:
            return [], []
        ladders = _Ladders.of(
            wire.levels(msg.get("yes_dollars_fp"), what),
            wire.levels(msg.get("no_dollars_fp"), what),
        )
        self._books[mid] = ladders
        return [BookUpdated(book=ladders.book(mid), received_ts=received)], []

    def _on_delta(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        what = "Kalshi ws delta"
        mid = self._book_market(msg, sid, what)
        ladders = self._books.get(mid) if mid is not None else None
        if mid is None or ladders is None:
            return [], []  # no snapshot yet: nothing to apply it to
        side = wire.field(msg, "side", what)
        if side not in ("yes", "no"):
            raise VenueProtocolError(f"{what} {mid.symbol}: side {side!r} is neither yes nor no")
        ladders.apply(side, wire.dec(msg, "price_dollars", what), wire.dec(msg, "delta_fp", what))
        venue_ts = wire.parse_time(msg.get("ts_ms") or msg.get("ts"))
        return [BookUpdated(book=ladders.book(mid), venue_ts=venue_ts, received_ts=received)], []

    def _on_trade(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        what = "Kalshi ws trade"
        event = TradePrinted(
            market_id=wire.market_id(wire.field(msg, "market_ticker", what)),
            price=wire.dec(msg, "yes_price_dollars", what),
            size=wire.dec(msg, "count_fp", what),
            venue_ts=wire.parse_time(msg.get("ts_ms") or msg.get("ts")),
            received_ts=received,
        )
        return [event], []

    def _on_fill(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        return [OrderFilled(fill=wire.fill_from_kalshi(msg, received))], []

    def _on_user_order(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        order = wire.order_from_kalshi(msg)
        cid = msg.get("client_order_id")
        event = OrderUpdated(
            client_order_id=ClientOrderId(cid) if cid else None,
            venue_order_id=order.venue_order_id or VenueOrderId(msg["order_id"]),
            market_id=order.market_id,
            status=order.status,
            filled_quantity=order.filled_quantity,
            remaining_quantity=order.remaining,
            venue_ts=wire.parse_time(msg.get("last_updated_ts_ms") or msg.get("created_ts_ms")),
        )
        return [event], []

    def _on_group_update(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        """An order group of ours ``triggered``: Kalshi cancelled its orders and takes no
        more into it until it is reset (the other updates change nothing here)."""
        if msg.get("event_type") != "triggered":
            return [], []
        group = msg.get("order_group_id")
        ts = wire.parse_time(msg.get("ts_ms"))
        reason = f"Kalshi order group {group} triggered (its contracts limit in 15 s passed)"
        return [SafetyNetTripped(reason=reason, venue_ts=ts)], []

    def _on_lifecycle(
        self, msg: dict[str, Any], sid: Any, received: datetime
    ) -> tuple[list[VenueEvent], list[Send]]:
        """A new price grid of one of our markets (``price_level_structure_updated``), or
        its result (``determined``: ``MarketSettled``)."""
        mid = wire.market_id(wire.field(msg, "market_ticker", "Kalshi ws lifecycle"))
        if mid not in self.market_ids:
            return [], []
        settled = settlements.from_lifecycle(msg, received)
        if settled is not None:
            return [MarketSettled(settlement=settled, received_ts=received)], []
        if msg.get("event_type") != "price_level_structure_updated":
            return [], []
        tick = wire.tick_from_kalshi(msg, f"Kalshi ws lifecycle {mid.symbol}")
        return [TickSizeChanged(market_id=mid, tick=tick)], []


_HANDLERS = {
    "orderbook_snapshot": FeedState._on_snapshot,
    "orderbook_delta": FeedState._on_delta,
    "trade": FeedState._on_trade,
    "fill": FeedState._on_fill,
    "user_order": FeedState._on_user_order,
    "market_lifecycle_v2": FeedState._on_lifecycle,
    "order_group_updates": FeedState._on_group_update,
}

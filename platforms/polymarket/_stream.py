"""The market and user websocket channels as one stream of ``VenueEvent``s.

Market channel: ``book`` snapshots and ``price_change`` deltas kept per token, each change
sent as the whole ``BookUpdated`` of its market (YES and NO token books folded into one);
``tick_size_change`` -> ``TickSizeChanged`` (the platform signs the next orders on the new
grid); ``last_trade_price`` -> ``TradePrinted`` (YES price). User channel: ``order`` ->
``OrderUpdated``; ``trade`` -> ``OrderFilled`` (provisional while MATCHED / MINED,
final when CONFIRMED) or ``FillReversed`` when a trade we reported FAILED.

Both links send the text ``PING`` every ``ping_interval`` s; a link silent for
``stale_after`` s (no PONG either) is dropped. A dropped market link invalidates its books
(``BookInvalidated``) and reconnects; the fresh snapshot on resubscribe makes them whole.
Polymarket has no sequence numbers: a lost ``price_change`` cannot be detected here.
Fills that happen while the user link is down are not replayed: reconcile with
``get_fills``. A user channel that hangs up on the first subscription raises
``AuthenticationError``.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import trio

from predmm.domain.errors import AuthenticationError, VenueProtocolError, VenueUnavailable
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    FillReversed,
    OrderFilled,
    OrderUpdated,
    TickSizeChanged,
    TradePrinted,
    VenueEvent,
)
from predmm.domain.ids import MarketId
from predmm.domain.ticks import TickSpec
from predmm.platforms.polymarket import _parse as parse
from predmm.platforms.polymarket._parse import MarketInfo, TokenBook
from predmm.platforms.ws import WsClosed, WsConnection

if TYPE_CHECKING:
    from predmm.platforms.polymarket._platform import PolymarketPlatform

ONE = Decimal(1)
PROVISIONAL = frozenset({"MATCHED", "MINED", "RETRYING"})
_LINK_ERRORS = (WsClosed, OSError, trio.BrokenResourceError)


def _channel_url(base: str, channel: str) -> str:
    for suffix in ("/market", "/user"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return f"{base}/{channel}"


class MarketFeed:
    """The books of the subscribed markets and what each market message does to them."""

    def __init__(self, platform: PolymarketPlatform, infos: Sequence[MarketInfo]) -> None:
        self.platform = platform
        self.infos = {i.condition_id: i for i in infos}
        self.by_token = {t: i for i in infos for t in (i.yes_token, i.no_token)}
        self.books: dict[str, TokenBook] = {}

    def subscribe_message(self) -> str:
        tokens = list(self.by_token)
        return json.dumps({"assets_ids": tokens, "type": "market", "custom_feature_enabled": False})

    def invalidate(self, reason: str) -> list[VenueEvent]:
        self.books.clear()
        return [BookInvalidated(market_id=i.market_id, reason=reason) for i in self.infos.values()]

    def handle(self, msg: Any, now: datetime) -> list[VenueEvent]:
        kind = msg.get("event_type") if isinstance(msg, dict) else None
        if kind == "book":
            return self._book(msg, now)
        if kind == "price_change":
            return self._price_change(msg, now)
        if kind == "tick_size_change":
            return self._tick(msg)
        if kind == "last_trade_price":
            return self._trade(msg, now)
        return []

    def _whole(self, info: MarketInfo, msg: Any, now: datetime) -> list[VenueEvent]:
        yes, no = self.books.get(info.yes_token), self.books.get(info.no_token)
        if yes is None or no is None:
            return []  # not whole until both tokens' snapshots arrived
        book = parse.order_book(info.market_id, yes, no)
        return [BookUpdated(book=book, venue_ts=parse.ts(msg.get("timestamp")), received_ts=now)]

    def _book(self, msg: Any, now: datetime) -> list[VenueEvent]:
        info = self.by_token.get(str(msg.get("asset_id")))
        if info is None:
            return []
        self.books[str(msg["asset_id"])] = parse.token_book(msg)
        return self._whole(info, msg, now)

    def _price_change(self, msg: Any, now: datetime) -> list[VenueEvent]:
        touched: dict[str, MarketInfo] = {}
        for change in parse.field(msg, "price_changes"):
            token = str(parse.field(change, "asset_id"))
            info, book = self.by_token.get(token), self.books.get(token)
            if info is None or book is None:
                continue
            self.books[token] = parse.apply_price_change(
                book,
                str(parse.field(change, "side")).upper(),
                parse.dec_field(change, "price"),
                parse.dec_field(change, "size"),
            )
            touched[info.condition_id] = info
        return [e for info in touched.values() for e in self._whole(info, msg, now)]

    def _tick(self, msg: Any) -> list[VenueEvent]:
        info = self.by_token.get(str(msg.get("asset_id")))
        if info is None:
            return []
        tick = parse.dec_field(msg, "new_tick_size")
        if self.platform.set_tick(info.condition_id, tick) is None or tick == info.tick:
            return []
        fresh = self.platform.known_market(info.yes_token) or info
        self._rebind(fresh)
        try:
            return [TickSizeChanged(market_id=info.market_id, tick=TickSpec.polymarket(tick))]
        except ValueError as exc:
            raise VenueProtocolError(f"tick_size_change for {info.market_id}: {exc}") from None

    def _rebind(self, info: MarketInfo) -> None:
        self.infos[info.condition_id] = info
        self.by_token[info.yes_token] = self.by_token[info.no_token] = info

    def _trade(self, msg: Any, now: datetime) -> list[VenueEvent]:
        token = str(msg.get("asset_id"))
        info = self.by_token.get(token)
        if info is None:
            return []
        price = parse.dec_field(msg, "price")
        return [
            TradePrinted(
                market_id=info.market_id,
                price=price if token == info.yes_token else ONE - price,
                size=parse.dec_field(msg, "size"),
                venue_ts=parse.ts(msg.get("timestamp")),
                received_ts=now,
            )
        ]


class UserFeed:
    """Our orders and trades; a trade is reported once provisional, once confirmed and,
    if it fails after being reported, once reversed."""

    def __init__(self, platform: PolymarketPlatform, infos: Sequence[MarketInfo]) -> None:
        self.platform = platform
        self.markets = [i.condition_id for i in infos]
        self.reported: dict[str, str] = {}  # fill id -> "provisional" | "final" | "reversed"

    def subscribe_message(self) -> str:
        creds = self.platform.creds
        if creds is None:
            raise RuntimeError("the user channel needs API credentials")
        auth = {"apiKey": creds.api_key, "secret": creds.secret, "passphrase": creds.passphrase}
        return json.dumps({"auth": auth, "type": "user", "markets": self.markets})

    def handle(self, msg: Any, now: datetime) -> list[VenueEvent]:
        kind = msg.get("event_type") if isinstance(msg, dict) else None
        if kind == "order":
            return self._order(msg)
        if kind == "trade":
            return self._trade(msg, now)
        return []

    def _order(self, msg: Any) -> list[VenueEvent]:
        info = self.platform.known_market(str(msg.get("asset_id")))
        if info is None:
            return []
        coid = self.platform._by_hash.get(str(parse.field(msg, "id")))
        status = msg.get("status") or ("CANCELED" if msg.get("type") == "CANCELLATION" else "LIVE")
        order = parse.order_from_venue({**msg, "status": status}, info, coid, parse.units_or_shares)
        assert order.venue_order_id is not None  # order_from_venue always sets it
        return [
            OrderUpdated(
                client_order_id=coid,
                venue_order_id=order.venue_order_id,
                market_id=info.market_id,
                status=order.status,
                filled_quantity=order.filled_quantity,
                remaining_quantity=order.remaining,
                venue_ts=parse.ts(msg.get("timestamp")),
            )
        ]

    def _trade(self, msg: Any, now: datetime) -> list[VenueEvent]:
        status = parse.trade_status(msg)
        fills = parse.fills_from_trade(
            msg, self.platform.known_market, self.platform.account(), parse.units_or_shares, now
        )
        events: list[VenueEvent] = []
        for fill in fills:
            before = self.reported.get(fill.fill_id.value)
            if status in PROVISIONAL and before is None:
                self.reported[fill.fill_id.value] = "provisional"
                events.append(OrderFilled(fill=fill))
            elif status == parse.CONFIRMED and before in (None, "provisional"):
                self.reported[fill.fill_id.value] = "final"
                events.append(OrderFilled(fill=fill))
            elif status == parse.FAILED and before == "provisional":
                self.reported[fill.fill_id.value] = "reversed"
                events.append(FillReversed(fill=fill))
        return events


def _messages(text: str) -> list[Any]:
    if text in ("PONG", "PING"):
        return []
    try:
        decoded = parse.loads(text)
    except VenueProtocolError:
        return []
    return decoded if isinstance(decoded, list) else [decoded]


async def _link(
    url: str,
    subscribe: str,
    feed: MarketFeed | UserFeed,
    out: trio.MemorySendChannel[VenueEvent],
    *,
    ping_interval: float,
    stale_after: float,
    now: Any,
    first: bool = False,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """One connection: subscribe, ping, turn messages into events until it drops.
    Started once the venue answered the first PING, so after it took the subscription
    (a connection's messages are handled in order). On the ``first`` connection, a user
    channel that hangs up before that answer refused our credentials."""
    ws = await WsConnection.open(url, label="polymarket ws")
    ready = False
    try:
        await ws.send_text(subscribe)
        await ws.send_text("PING")
        heard = trio.current_time()
        next_ping = heard + ping_interval
        while True:
            text: str | None = None
            with trio.move_on_at(min(next_ping, heard + stale_after)):
                text = await ws.receive_text()
            clock = trio.current_time()
            if text is None and clock >= heard + stale_after:
                raise WsClosed(f"polymarket ws silent for {stale_after} s")
            if clock >= next_ping:
                await ws.send_text("PING")
                next_ping = clock + ping_interval
            if text is None:
                continue
            heard = clock
            if not ready and text == "PONG":
                ready = True
                task_status.started()
            for msg in _messages(text):
                for event in feed.handle(msg, now()):
                    await out.send(event)
    except WsClosed:
        if first and not ready and isinstance(feed, UserFeed):
            # the user channel hangs up on a subscription whose credentials it refuses
            raise AuthenticationError("polymarket user channel refused the API key") from None
        raise
    finally:
        await ws.aclose()


async def _keep(
    url: str,
    feed: MarketFeed | UserFeed,
    out: trio.MemorySendChannel[VenueEvent],
    *,
    ping_interval: float,
    stale_after: float,
    now: Any,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Reconnect forever with capped back-off; a dropped market link invalidates its
    books. Started once the first connection is subscribed."""
    delay = 0.1
    started = False

    async def connect(*, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await _link(
            url,
            feed.subscribe_message(),
            feed,
            out,
            ping_interval=ping_interval,
            stale_after=stale_after,
            now=now,
            first=not started,
            task_status=task_status,
        )

    while True:
        dropped: Exception | None = None
        try:
            async with trio.open_nursery() as nursery:
                await nursery.start(connect)
                if not started:
                    started = True
                    task_status.started()
                delay = 0.1
        except* _LINK_ERRORS as group:
            dropped = group.exceptions[0]
        if dropped is not None and isinstance(feed, MarketFeed):
            for event in feed.invalidate(f"websocket dropped: {type(dropped).__name__}"):
                await out.send(event)
        await trio.sleep(delay)
        delay = min(delay * 2, 5.0)


@contextlib.asynccontextmanager
async def open_stream(
    platform: PolymarketPlatform,
    market_ids: Sequence[MarketId],
    *,
    ping_interval: float = 10.0,
    stale_after: float = 30.0,
    user: bool = True,
    buffer: int = 1024,
    connect_timeout: float = 10.0,
) -> AsyncIterator[trio.MemoryReceiveChannel[VenueEvent]]:
    """The events of ``market_ids`` (and our account) on a channel, while inside.
    Entered once both channels are subscribed (events from then on are not missed)."""
    infos = [await platform.market_info(m) for m in market_ids]
    send, recv = trio.open_memory_channel[VenueEvent](buffer)

    def now() -> datetime:
        return datetime.fromtimestamp(platform.now(), tz=UTC)

    opts: dict[str, Any] = {"ping_interval": ping_interval, "stale_after": stale_after, "now": now}
    async with trio.open_nursery() as nursery:
        feeds: list[MarketFeed | UserFeed] = [MarketFeed(platform, infos)]
        if user:
            feeds.append(UserFeed(platform, infos))
        for feed in feeds:
            channel = "market" if isinstance(feed, MarketFeed) else "user"
            url = _channel_url(platform.ws_url, channel)
            try:
                with trio.fail_after(connect_timeout):
                    await nursery.start(functools.partial(_keep, url, feed, send, **opts))
            except trio.TooSlowError:
                raise VenueUnavailable(
                    f"polymarket {channel} websocket not subscribed within {connect_timeout} s"
                ) from None
        try:
            yield recv
        finally:
            # no checkpoint here (an async close would turn the body's error into a
            # Cancelled that this nursery then absorbs)
            nursery.cancel_scope.cancel()
            send.close()


def _unwrap(exc: Exception) -> Exception:
    """The one error inside nested single-member groups (else the group itself)."""
    while isinstance(exc, ExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


@attrs.frozen
class _Failed:
    error: Exception


async def stream_events(
    platform: PolymarketPlatform, market_ids: Sequence[MarketId], **options: Any
) -> AsyncGenerator[VenueEvent, None]:
    """``open_stream`` as a plain async iterator that holds no nursery and no cancel
    scope across a ``yield`` (so a consumer may iterate it under its own timeouts): the
    links run in a trio system task, stopped when the iterator is closed, and a failure
    there is raised here."""
    send, recv = trio.open_memory_channel[VenueEvent | _Failed](options.get("buffer", 1024))
    scope = trio.CancelScope()

    async def run() -> None:
        with scope, send:
            try:
                async with open_stream(platform, market_ids, **options) as events:
                    async for event in events:
                        await send.send(event)
            except Exception as exc:  # a system task must not raise: hand it over
                with contextlib.suppress(trio.BrokenResourceError):
                    await send.send(_Failed(_unwrap(exc)))

    trio.lowlevel.spawn_system_task(run)
    try:
        async for item in recv:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        scope.cancel()
        recv.close()

"""``KalshiPlatform``: the Kalshi venue client (``platforms.venue.VenueClient``).

REST over one ``httpx.AsyncClient`` (trio), V2 event orders only, every request signed;
the websocket feed in ``stream``. Per-order outcomes come back as results; transport
trouble raises from the ``VenueError`` tree (see ``platforms.venue``).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import attrs
import httpx
from loguru import logger

from predmm.domain.book import OrderBook
from predmm.domain.enums import Action, OrderSide, OrderType, TimeInForce, Venue
from predmm.domain.errors import OrderNotFound, VenueError
from predmm.domain.events import (
    CancelResult,
    FillPage,
    PlaceResult,
    Position,
    Settlement,
    TickSizeChanged,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.market import IncentiveProgram, Market
from predmm.domain.orders import Fill, Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.kalshi import settlements, wire
from predmm.platforms.kalshi.endpoints import PRODUCTION_URL, capabilities_for, ws_url_for
from predmm.platforms.kalshi.feed import FeedState
from predmm.platforms.kalshi.http import CallStats, KalshiHttp, RetryPolicy
from predmm.platforms.kalshi.incentives import incentive_from_kalshi, with_incentives
from predmm.platforms.kalshi.orders import OrderDesk
from predmm.platforms.kalshi.safety import KalshiSafety
from predmm.platforms.kalshi.signing import KalshiSigner, PrivateKey
from predmm.platforms.kalshi.stream import feed_events
from predmm.platforms.ws import WsConnection

DEFAULT_RETRY = RetryPolicy()
DEFAULT_RECONNECT = RetryPolicy(attempts=1, base_delay=0.2, max_delay=10.0)

FILL_PAGES_PER_CALL = 100  # pages of up to page_limit fills: one get_fills is bounded
EVENTS_PER_CALL = 100  # event tickers per GET /events (a comma list, as for /portfolio/orders)
EVENTS_PER_PAGE = 200  # GET /events answers at most 200 a page
PROGRAMS_PER_PAGE = 1000  # GET /incentive_programs allows up to 10,000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class KalshiPlatform:
    """Kalshi over REST and websocket. ``api_key`` is the key id, ``api_secret`` the RSA
    or Ed25519 private key (PEM text or a path to a PEM file); neither is ever logged."""

    venue = Venue.KALSHI

    def __init__(
        self,
        api_key: str,
        api_secret: str | bytes | Path | PrivateKey,
        base_url: str = PRODUCTION_URL,
        *,
        ws_url: str | None = None,
        tier: str = "basic",
        clock: Callable[[], datetime] = _utc_now,
        retry: RetryPolicy = DEFAULT_RETRY,
        reconnect: RetryPolicy = DEFAULT_RECONNECT,
        timeout: float = 10.0,
        ws_idle_timeout: float = 30.0,
        safety: KalshiSafety | None = None,
        page_limit: int = 1000,
        transport: httpx.AsyncBaseTransport | None = None,
        new_client_order_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        rng: random.Random | None = None,
    ) -> None:
        self._signer = KalshiSigner(api_key, api_secret)
        self._clock = clock
        self._rng = rng or random.Random()
        self._http = KalshiHttp(
            base_url, self._signer, now_ms=self._now_ms, retry=retry, timeout=timeout,
            transport=transport, rng=self._rng,
        )  # fmt: skip
        self.base_url = self._http.base_url
        self.ws_url = ws_url or ws_url_for(self.base_url)
        self.safety = safety or KalshiSafety.off()
        self.capabilities = attrs.evolve(
            capabilities_for(tier), order_ttl_s=self.safety.order_ttl_s
        )
        self._reconnect = reconnect
        self._ws_idle_timeout = ws_idle_timeout
        self._page_limit = page_limit
        self._new_cid = new_client_order_id
        self._ticks: dict[MarketId, TickSpec] = {}
        self._steps: dict[MarketId, Decimal] = {}
        self._exclusive: dict[str, bool] = {}  # event ticker -> mutually_exclusive
        self._desk = OrderDesk(
            http=self._http,
            capabilities=self.capabilities,
            ticks=self._ticks,
            steps=self._steps,
            clock=clock,
            lookup=self.get_order,
            lookup_id=self.get_order_by_id,
            safety=self.safety,
        )
        self.feed_state: FeedState | None = None  # the live connection's, for inspection

    def __repr__(self) -> str:
        return f"KalshiPlatform(base_url={self.base_url!r}, key_id={self._signer.key_id!r})"

    @property
    def http_stats(self) -> CallStats:
        return self._http.stats

    def _now_ms(self) -> int:
        return int(self._clock().timestamp() * 1000)

    async def aclose(self) -> None:
        await self._http.aclose()

    # markets ----------------------------------------------------------------------

    async def get_markets(
        self,
        status: str = "open",
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] = (),
        max_pages: int | None = None,
    ) -> list[Market]:
        """Every market matching the filters, following the cursor to the last page."""
        params: dict[str, Any] = {"status": status} if status else {}
        if event_ticker:
            params["event_ticker"] = event_ticker
        if series_ticker:
            params["series_ticker"] = series_ticker
        if tickers:
            params["tickers"] = ",".join(tickers)
        items = await self._pages("/markets", "markets", params, max_pages=max_pages)
        markets = [self._remember(wire.market_from_kalshi(m, self._clock())) for m in items]
        return await self._with_programs(await self._with_events(markets))

    async def get_incentive_programs(
        self, status: str = "active", kind: str = "all"
    ) -> list[IncentiveProgram]:
        """Kalshi's incentive programs (GET /incentive_programs): ``status`` "all",
        "active", "upcoming", "closed" or "paid_out"; ``kind`` "all", "liquidity",
        "volume", ... ; every page."""
        params = {"status": status, "type": kind}
        items = await self._pages(
            "/incentive_programs",
            "incentive_programs",
            params,
            limit=PROGRAMS_PER_PAGE,
            cursor_key="next_cursor",
        )
        return [incentive_from_kalshi(item) for item in items]

    async def _with_programs(self, markets: list[Market]) -> list[Market]:
        """``markets`` with their active incentive programs. The programs only inform:
        a venue that cannot list them now leaves the markets as they are (logged)."""
        if not markets:
            return markets
        try:
            programs = await self.get_incentive_programs()
        except VenueError as exc:
            logger.warning("kalshi: incentive programs not read: {exc}", exc=exc)
            return markets
        return with_incentives(markets, programs)

    async def get_market(self, market_id: MarketId) -> Market:
        payload = await self._http.call("GET", f"/markets/{_seg(market_id.symbol)}")
        market = wire.market_from_kalshi(wire.field(payload, "market"), self._clock())
        [described] = await self._with_events([self._remember(market)])
        return described

    async def _with_events(self, markets: list[Market]) -> list[Market]:
        """``markets`` with what their events say: ``exclusive`` when the event is
        ``mutually_exclusive`` (at most one of its markets resolves YES; Kalshi never
        says exactly one). Events are read once (GET /events?tickers=, 100 a call)."""
        tickers = sorted({str(m.event_id) for m in markets if m.event_id is not None})
        missing = [t for t in tickers if t not in self._exclusive]
        for start in range(0, len(missing), EVENTS_PER_CALL):
            chunk = missing[start : start + EVENTS_PER_CALL]
            params = {"tickers": ",".join(chunk)}
            found = dict.fromkeys(chunk, False)  # not listed (a multivariate combo): not known
            for item in await self._pages("/events", "events", params, limit=EVENTS_PER_PAGE):
                ticker, exclusive = wire.event_from_kalshi(item)
                found[ticker] = exclusive
            self._exclusive.update(found)
        return [
            attrs.evolve(m, exclusive=True) if self._exclusive.get(str(m.event_id)) else m
            for m in markets
        ]

    def _remember(self, market: Market) -> Market:
        self._ticks[market.market_id] = market.tick
        self._steps[market.market_id] = market.count_step
        return market

    async def get_order_book(self, market_id: MarketId, depth: int = 0) -> OrderBook:
        path = f"/markets/{_seg(market_id.symbol)}/orderbook"
        payload = await self._http.call("GET", path, params={"depth": depth})
        return wire.book_from_kalshi(market_id, payload)

    async def _pages(
        self,
        path: str,
        key: str,
        params: dict[str, Any],
        *,
        max_pages: int | None = None,
        limit: int | None = None,
        cursor_key: str = "cursor",
    ) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        pages = 0
        size = min(limit, self._page_limit) if limit is not None else self._page_limit
        while True:
            query = {**params, "limit": size} | ({"cursor": cursor} if cursor else {})
            payload = await self._http.call("GET", path, params=query)
            items.extend(wire.field(payload, key, f"Kalshi GET {path}") or [])
            cursor, pages = wire.end_cursor(payload.get(cursor_key)), pages + 1
            if cursor is None or (max_pages is not None and pages >= max_pages):
                return items

    # placing ----------------------------------------------------------------------

    async def place_order(
        self,
        market_id: MarketId,
        side: OrderSide,
        order_type: OrderType = OrderType.LIMIT,
        quantity: Decimal | int | str = Decimal(1),
        price: Decimal | str | None = None,
        *,
        action: Action = Action.BUY,
        client_order_id: ClientOrderId | str | None = None,
        post_only: bool = False,
        time_in_force: TimeInForce | None = None,
    ) -> Order:
        """The usage guide's call: one order, answered as an ``Order`` with its status
        and filled quantity. MARKET is a marketable limit, immediate-or-cancel, at
        ``price`` or else the grid's most aggressive price."""
        order = await self._build_order(
            market_id, side, order_type, Decimal(quantity), price, action,
            client_order_id, post_only, time_in_force,
        )  # fmt: skip
        [result] = await self.place_orders([order])
        return attrs.evolve(
            order,
            status=result.status,
            filled_quantity=result.filled_quantity,
            venue_order_id=result.venue_order_id,
            created_at=self._clock(),
            reason=result.reason,
        )

    async def _build_order(
        self,
        market_id: MarketId,
        side: OrderSide,
        order_type: OrderType,
        quantity: Decimal,
        price: Decimal | str | None,
        action: Action,
        client_order_id: ClientOrderId | str | None,
        post_only: bool,
        time_in_force: TimeInForce | None,
    ) -> Order:
        market_order = order_type is OrderType.MARKET
        if price is None:
            if not market_order:
                raise ValueError(f"a limit order on {market_id} needs a price")
            price = await self._marketable_price(market_id, side, action)
        cid = client_order_id or self._new_cid()
        return Order(
            client_order_id=cid if isinstance(cid, ClientOrderId) else ClientOrderId(cid),
            market_id=market_id,
            side=side,
            action=action,
            price=Decimal(price),
            quantity=quantity,
            order_type=order_type,
            time_in_force=TimeInForce.IOC if market_order else (time_in_force or TimeInForce.GTC),
            post_only=post_only and not market_order,
        )

    async def _marketable_price(
        self, market_id: MarketId, side: OrderSide, action: Action
    ) -> Decimal:
        tick = self._ticks.get(market_id) or (await self.get_market(market_id)).tick
        book_side, _ = wire.to_book_side(side, action, Decimal("0.5"))
        yes_price = tick.max_price if book_side == "bid" else tick.min_price
        return yes_price if side is OrderSide.YES else 1 - yes_price

    # writes (the order desk) --------------------------------------------------------

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        """Up to ``capabilities.max_batch_create`` orders (one alone goes unbatched); a
        client order id the venue already holds is reported as that order."""
        return await self._desk.place_orders(orders)

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        """New price and/or new total size (``quantity`` counts what already filled, like
        ``Order.quantity``). Changing price or growing size loses queue priority."""
        return await self._desk.amend_order(order, price, quantity)

    async def decrease_order(self, order: Order, remaining: Decimal) -> CancelResult:
        """Shrink the resting size to ``remaining`` in place, keeping queue priority."""
        return await self._desk.decrease_order(order, remaining)

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        return await self._desk.cancel_orders(orders)

    async def cancel_all(self) -> int:
        """Cancel every resting order of the account on every shard; returns how many
        were resting just before. Kalshi may also cancel orders placed during the minute
        after this call (spec, CancelAllOrders): it is a kill switch, not a reset."""
        resting = await self.get_open_orders()
        await self._desk.cancel_all()
        return len(resting)

    # reading ------------------------------------------------------------------------

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        params: dict[str, Any] = {"status": "resting"}
        if market_id is not None:
            params["ticker"] = market_id.symbol
        items = await self._pages("/portfolio/orders", "orders", params)
        if self._desk.group is not None:
            self._desk.group.saw(items)  # a start adopts these: their group too
        return [wire.order_from_kalshi(o) for o in items]

    # the safety net -----------------------------------------------------------------

    @property
    def order_group_id(self) -> str | None:
        """The order group our orders go into (None: none yet, or no order group)."""
        return self._desk.group.group_id if self._desk.group is not None else None

    async def rearm_safety_net(self) -> str:
        """After a trip: reset our order group (a new one if Kalshi lost it), so that
        orders are taken again; what was done, for the journal."""
        if self._desk.group is None:
            return "no order group"
        before = self._desk.group.group_id
        after = await self._desk.group.rearm()
        return f"order group {after} reset" if after == before else f"new order group {after}"

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        """Our order with this client order id in this market, whatever its state."""
        items = await self._pages("/portfolio/orders", "orders", {"ticker": market_id.symbol})
        for item in items:
            if item.get("client_order_id") == client_order_id.value:
                return wire.order_from_kalshi(item)
        return None

    async def get_order_by_id(self, venue_order_id: VenueOrderId) -> Order | None:
        try:
            payload = await self._http.call(
                "GET", f"/portfolio/orders/{_seg(venue_order_id.value)}"
            )
        except OrderNotFound:
            return None
        return wire.order_from_kalshi(wire.field(payload, "order", "Kalshi GET order"))

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        """Our fills since ``cursor`` (None: all of them), oldest first, and the cursor to
        pass back for the fills after them (``wire.FillsCursor``): the same cursor comes
        back when there are none. Kalshi lists fills newest first, so one call walks its
        pages down to the cursor's second; past ``FILL_PAGES_PER_CALL`` pages the cursor
        returned goes on with the walk."""
        at = wire.FillsCursor.parse(cursor)
        fills: list[Fill] = []
        for _ in range(FILL_PAGES_PER_CALL):
            # min_ts a second early: the walk holds whether Kalshi's bound is inclusive or not
            params: dict[str, Any] = {"limit": self._page_limit, "min_ts": max(at.since - 1, 0)}
            if at.page:
                params["cursor"] = at.page
            payload = await self._http.call("GET", "/portfolio/fills", params=params)
            received = self._clock()
            page = [wire.fill_from_kalshi(f, received) for f in wire.field(payload, "fills") or []]
            fills += page
            at = at.after(page, wire.end_cursor(payload.get("cursor")))
            if at.page is None:
                break
        return FillPage(fills=wire.sort_fills(fills), cursor=at.text())

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        """Every position of the account (one paginated read, whatever ``market_ids``)."""
        items = await self._pages("/portfolio/positions", "market_positions", {})
        return [wire.position_from_kalshi(p) for p in items]

    async def get_balance(self) -> Decimal:
        return wire.balance_from_kalshi(await self._http.call("GET", "/portfolio/balance"))

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        """Each market's record in ``GET /portfolio/settlements`` (ours: the contracts it
        settled); else, once the market's result is known (determined, not yet paid out,
        or settled without a position of ours), the market's own result."""
        found: list[Settlement] = []
        for market_id in market_ids:
            params = {"ticker": market_id.symbol}
            items = await self._pages("/portfolio/settlements", "settlements", params)
            records = [i for i in items if i.get("ticker") == market_id.symbol]
            if records:
                found.append(settlements.from_settlement_record(records[0]))
                continue
            try:
                payload = await self._http.call("GET", f"/markets/{_seg(market_id.symbol)}")
            except OrderNotFound:
                continue  # not a market Kalshi knows (any more)
            market = settlements.from_market(wire.field(payload, "market", "Kalshi GET market"))
            if market is not None:
                found.append(market)
        return found

    # feed ---------------------------------------------------------------------------

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        """Whole books, trades, our fills and order updates for ``market_ids``; runs
        until the consumer stops iterating (reconnecting as needed). The socket is read in
        the consumer's task; close it promptly with ``contextlib.aclosing``."""
        return feed_events(
            self._open_ws,
            tuple(market_ids),
            clock=self._clock,
            backoff=self._reconnect,
            idle_timeout=self._ws_idle_timeout,
            rng=self._rng,
            on_state=self._track_feed,
            observe=self._observe,
            order_groups=self._desk.group is not None,
        )

    def _observe(self, event: VenueEvent) -> None:
        if isinstance(event, TickSizeChanged):
            self._ticks[event.market_id] = event.tick

    def _track_feed(self, state: FeedState) -> None:
        self.feed_state = state

    async def _open_ws(self) -> WsConnection:
        path = urlsplit(self.ws_url).path
        headers = self._signer.headers(self._now_ms(), "GET", path)
        return await WsConnection.open(self.ws_url, headers=headers, label="Kalshi ws")


def _seg(text: str) -> str:
    return quote(text, safe="")

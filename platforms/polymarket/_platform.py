"""``PolymarketPlatform``: the CLOB V2 + Gamma venue client (see ``platforms/venue.py``).

A domain order maps onto one token: BUY YES at p is a BUY of the YES token at p, BUY NO
at q a BUY of the NO token at q; SELL reduces held tokens. Polymarket has no client order
id: the venue's id is the order hash (the EIP-712 digest), so each client order id is
signed once, its signed bytes kept, and a retry resends the same bytes (same hash: the
venue sees a duplicate, never a second order). That memory is this process's: after a
restart ``get_order`` knows none of the old client order ids, and the venue's open
orders come back named by their venue id (``client_order_id`` = the order hash).

The account is the EOA of ``private_key`` trading for itself (``signature_type`` 0) or
for the proxy, Safe or deposit wallet ``funder`` it owns (1, 2, 3; see ``_account``):
orders name the funder as maker, balance reads ask for that signature type, and every
request (heartbeats too) is made by the EOA. A market's exchange comes from its Gamma
record: protocol-V2 markets (``version: "v2"``, position ids) take orders on Exchange V3.

Positions are the CONDITIONAL token balances of the markets this client has seen
(``get_markets`` / ``market_info``); a fill we took carries its taker fee (makers pay none).
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import attrs
import httpx
import trio

from predmm.domain.book import OrderBook
from predmm.domain.enums import Action, OrderSide, OrderStatus, OrderType, TimeInForce, Venue
from predmm.domain.errors import VenueError, VenueProtocolError
from predmm.domain.events import (
    CancelResult,
    FillPage,
    PlaceResult,
    Position,
    Settlement,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Order
from predmm.platforms.polymarket import _parse as parse
from predmm.platforms.polymarket._account import TradingAccount
from predmm.platforms.polymarket._amounts import shares_of
from predmm.platforms.polymarket._errors import DUPLICATE, TICK_RULE
from predmm.platforms.polymarket._http import Transport
from predmm.platforms.polymarket._orders import Prepared, off_grid_reason, unsigned_order
from predmm.platforms.polymarket._parse import MarketInfo
from predmm.platforms.polymarket._resolution import settlement_from_gamma
from predmm.platforms.polymarket._signing import (
    CHAIN_ID,
    EOA,
    ApiCredentials,
    Exchange,
    SignedOrder,
    Wallet,
    exchange_for,
)
from predmm.platforms.venue import Capabilities

CLOB_URL = "https://clob.polymarket.com"
GAMMA_URL = "https://gamma-api.polymarket.com"
WS_URL = "wss://ws-subscriptions-clob.polymarket.com/ws"
FIRST_CURSOR, END_CURSOR = "MA==", "LTE="
MAX_BATCH = 15
MAX_REMEMBERED = 100_000  # signed orders kept for retries and id lookups

# Polymarket meters orders (40/s, burst 60) and cancels (80/s, burst 120) in two
# per-signer buckets (Standard tier). Capabilities has one bucket: 80 tokens/s, burst
# 120, an order costs 2 and a cancel 1, so orders alone run at 40/s (burst 60) and
# cancels alone at 80/s (burst 120); mixed traffic shares the bucket (conservative).
CAPABILITIES = Capabilities(
    amend=False,  # cancel/replace
    decrease=False,
    max_batch_create=MAX_BATCH,
    max_batch_cancel=100,  # the venue takes 1000 ids; 100 fits the cancel burst
    post_only=True,
    dead_man_switch=True,  # POST /v1/heartbeats; see run_heartbeats
    fractional_counts=True,  # sizes have 2 decimals
    write_tokens_per_s=Decimal(80),
    write_burst=Decimal(120),
    order_tokens=Decimal(2),
    cancel_tokens=Decimal(1),
)

_PLACE_STATUS = {
    "live": OrderStatus.OPEN,
    "delayed": OrderStatus.OPEN,
    "matched": OrderStatus.FILLED,
    "unmatched": OrderStatus.CANCELLED,
}


class PolymarketPlatform:
    """Polymarket (CLOB V2 + Gamma) for predmm. Use from the trio thread only.

    ``api_key``/``api_secret``/``api_passphrase`` are the L2 API key; without them,
    ``await derive_api_key()`` obtains them with the wallet (L1). ``signature_type`` (0-3
    or its name) and ``funder`` say whose money trades (ValueError naming them when they do
    not fit together). Secrets never appear in a repr, a log line or an exception.
    """

    venue = Venue.POLYMARKET
    capabilities = CAPABILITIES

    def __init__(
        self,
        *,
        private_key: str,
        signature_type: int | str = EOA,
        funder: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        api_passphrase: str | None = None,
        clob_url: str = CLOB_URL,
        gamma_url: str = GAMMA_URL,
        ws_url: str = WS_URL,
        chain_id: int = CHAIN_ID,
        gtd_lifetime_s: int = 300,
        clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
        max_retries: int = 4,
        max_backoff: float = 5.0,
    ) -> None:
        self.wallet = Wallet(private_key, chain_id=chain_id)
        self.trading = TradingAccount.of(self.wallet.address, signature_type, funder)
        self.creds = (
            ApiCredentials(api_key, api_secret, api_passphrase)
            if api_key and api_secret and api_passphrase
            else None
        )
        self.clob_url, self.gamma_url = clob_url.rstrip("/"), gamma_url.rstrip("/")
        self.ws_url = ws_url.rstrip("/")
        self._clock = clock
        self._clock_offset = 0.0
        self._gtd_lifetime_s = gtd_lifetime_s
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self.transport = Transport(
            self._http,
            address=self.wallet.address,
            creds=lambda: self.creds,
            now=self.now,
            max_retries=max_retries,
            max_backoff=max_backoff,
        )
        self._markets: dict[str, MarketInfo] = {}
        self._tokens: dict[str, MarketInfo] = {}
        self._event_markets: dict[str, tuple[MarketId, ...]] = {}  # Gamma event -> markets
        self._placed: OrderedDict[ClientOrderId, Prepared] = OrderedDict()
        self._by_hash: dict[str, ClientOrderId] = {}
        self._heartbeat_id = ""
        self.heartbeats_sent = 0

    def __repr__(self) -> str:
        t = self.trading
        return (
            f"PolymarketPlatform(address={t.signer!r}, signature_type={t.kind}, "
            f"funder={t.funder!r}, clob_url={self.clob_url!r})"
        )

    # -- time and plumbing ---------------------------------------------------------------

    def now(self) -> float:
        return self._clock() + self._clock_offset

    async def sync_time(self) -> None:
        """Sign with the server's clock (``GET /time``) rather than ours."""
        server = await self._get("/time")
        value = server if not isinstance(server, dict) else parse.field(server, "time")
        self._clock_offset = float(parse.dec(value, "time")) - self._clock()

    async def _get(
        self, path: str, params: dict[str, Any] | None = None, auth: bool = False
    ) -> Any:
        return await self.transport.request("GET", self.clob_url, path, params=params, auth=auth)

    async def _private(self, method: str, path: str, body: object = None, **kw: Any) -> Any:
        return await self.transport.request(method, self.clob_url, path, body=body, auth=True, **kw)

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- L1: API keys --------------------------------------------------------------------

    async def derive_api_key(self, nonce: int = 0) -> ApiCredentials:
        """Create the API key of (wallet, nonce), or derive it if it exists; keep it."""
        try:
            raw = await self._l1("POST", "/auth/api-key", nonce)
        except VenueError as exc:
            if exc.status is None or exc.status >= 500 or exc.status in (401, 403, 429):
                raise
            raw = await self._l1("GET", "/auth/derive-api-key", nonce)
        self.creds = ApiCredentials(
            str(parse.field(raw, "apiKey")),
            str(parse.field(raw, "secret")),
            str(parse.field(raw, "passphrase")),
        )
        return self.creds

    async def _l1(self, method: str, path: str, nonce: int) -> Any:
        return await self.transport.request(
            method,
            self.clob_url,
            path,
            headers=lambda: self.wallet.l1_headers(int(self.now()), nonce),
        )

    def _api_key(self) -> str:
        if self.creds is None:
            raise RuntimeError("no API credentials: pass api_key/secret/passphrase or derive")
        return self.creds.api_key

    # -- markets -------------------------------------------------------------------------

    def _remember(self, info: MarketInfo) -> MarketInfo:
        self._markets[info.condition_id] = info
        self._tokens[info.yes_token] = info
        self._tokens[info.no_token] = info
        return info

    def known_market(self, token_id: str) -> MarketInfo | None:
        return self._tokens.get(token_id)

    def set_tick(self, condition_id: str, tick: Decimal) -> MarketInfo | None:
        info = self._markets.get(condition_id)
        if info is None or info.tick == tick:
            return info
        return self._remember(attrs.evolve(info, tick=tick))

    async def _gamma(self, params: dict[str, Any]) -> list[Any]:
        rows = await self.transport.request("GET", self.gamma_url, "/markets", params=params)
        if not isinstance(rows, list):
            raise VenueProtocolError(f"gamma /markets answered {type(rows).__name__}, not a list")
        return rows

    def _market_rows(self, rows: list[Any]) -> list[Market]:
        return [market for market, _ in self._market_pairs(rows)]

    def _market_pairs(self, rows: list[Any]) -> list[tuple[Market, Any]]:
        as_of = datetime.fromtimestamp(self.now(), tz=UTC)
        markets = []
        for row in rows:
            if not row.get("conditionId") or not (
                row.get("clobTokenIds") or row.get("positionIds")
            ):
                continue  # no order book for this market
            try:
                info = parse.market_info_from_gamma(row)
            except VenueProtocolError:
                continue  # not binary: not ours to quote
            markets.append((parse.market_from_gamma(row, self._remember(info), as_of), row))
        return markets

    async def _described(self, pairs: list[tuple[Market, Any]]) -> list[Market]:
        """The markets, those of an exhaustive neg-risk event with every market of it
        (Gamma's GET /events/{id}, read once per event, again when a market of it is
        new): only then is it known that exactly one of them resolves YES."""
        out = []
        for market, row in pairs:
            event = market.event_id
            if event is None or not parse.exactly_one_wins(row):
                out.append(market)
                continue
            members = self._event_markets.get(str(event), ())
            if market.market_id not in members:
                path = f"/events/{quote(str(event), safe='')}"
                body = await self.transport.request("GET", self.gamma_url, path)
                members = self._event_markets[str(event)] = parse.event_markets(body)
            if market.market_id in members:
                market = attrs.evolve(market, exhaustive=True, event_markets=members)
            out.append(market)
        return out

    async def get_markets(
        self, status: str = "open", *, page_size: int = 500, max_pages: int = 20
    ) -> list[Market]:
        """Gamma markets with an order book; ``status`` "open", "closed" or "all"."""
        params: dict[str, Any] = {"limit": page_size}
        if status in ("open", "closed"):
            params["closed"] = "true" if status == "closed" else "false"
        pairs: list[tuple[Market, Any]] = []
        for page in range(max_pages):
            rows = await self._gamma(params | {"offset": page * page_size})
            pairs.extend(self._market_pairs(rows))
            if len(rows) < page_size:
                break
        if status == "open":
            pairs = [(m, row) for m, row in pairs if m.is_open]
        return await self._described(pairs)

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        """The resolutions Gamma shows for ``market_ids`` (closed, ``umaResolutionStatus``
        resolved, ``outcomePrices``; see ``_resolution``). Polymarket has no record of
        the contracts a resolution paid: the counts are left out."""
        wanted = {m.symbol for m in market_ids}
        if not wanted:
            return []
        query = {"condition_ids": sorted(wanted), "closed": "true", "limit": len(wanted)}
        rows = await self._gamma(query)
        found: list[Settlement] = []
        for row in rows:
            if row.get("conditionId") not in wanted or not (
                row.get("clobTokenIds") or row.get("positionIds")
            ):
                continue
            settlement = settlement_from_gamma(
                row, self._remember(parse.market_info_from_gamma(row))
            )
            if settlement is not None:
                found.append(settlement)
                wanted.discard(str(row["conditionId"]))
        return found

    async def market_info(self, market_id: MarketId) -> MarketInfo:
        info = self._markets.get(market_id.symbol)
        if info is None:
            rows = await self._gamma({"condition_ids": market_id.symbol})
            self._market_rows(rows)
            info = self._markets.get(market_id.symbol)
        if info is None:
            raise VenueError(f"polymarket market {market_id.symbol} not found on Gamma")
        return info

    async def get_market(self, market_id: MarketId) -> Market:
        rows = await self._gamma({"condition_ids": market_id.symbol})
        for market, row in self._market_pairs(rows):
            if market.market_id == market_id:
                [described] = await self._described([(market, row)])
                return described
        raise VenueError(f"polymarket market {market_id.symbol} not found on Gamma")

    async def _info_for_token(self, token_id: str, condition_id: str | None) -> MarketInfo | None:
        info = self._tokens.get(token_id)
        if info is None and condition_id:
            try:
                info = await self.market_info(MarketId(Venue.POLYMARKET, condition_id))
            except VenueError:
                return None
        return info

    # -- books ---------------------------------------------------------------------------

    def _book_of(self, raw: Any) -> parse.TokenBook:
        """One token's book summary; its ``tick_size`` keeps our grid current."""
        info = self._tokens.get(str(raw.get("asset_id")))
        if info is not None and raw.get("tick_size") not in (None, ""):
            self.set_tick(info.condition_id, parse.dec(raw["tick_size"], "tick_size"))
        return parse.token_book(raw)

    async def token_book(self, token_id: str) -> parse.TokenBook:
        return self._book_of(await self._get("/book", {"token_id": token_id}))

    async def get_order_book(self, market_id: MarketId) -> OrderBook:
        """Both tokens' books in one ``POST /books``, folded into one OrderBook."""
        info = await self.market_info(market_id)
        body = [{"token_id": info.yes_token}, {"token_id": info.no_token}]
        raw = await self.transport.request("POST", self.clob_url, "/books", body=body)
        if not isinstance(raw, list):
            raise VenueProtocolError(f"POST /books answered {type(raw).__name__}, not a list")
        books = {str(b.get("asset_id")): self._book_of(b) for b in raw}
        empty = parse.TokenBook()
        yes, no = books.get(info.yes_token, empty), books.get(info.no_token, empty)
        return parse.order_book(market_id, yes, no)

    async def refresh_tick(self, market_id: MarketId) -> Decimal:
        info = await self.market_info(market_id)
        raw = await self._get("/tick-size", {"token_id": info.yes_token})
        tick = parse.dec(parse.field(raw, "minimum_tick_size"), "minimum_tick_size")
        self.set_tick(info.condition_id, tick)
        return tick

    # -- placing -------------------------------------------------------------------------

    def _off_grid(self, order: Order, info: MarketInfo) -> str:
        return off_grid_reason(order, info)

    def exchange(self, info: MarketInfo) -> Exchange:
        """The exchange (EIP-712 domain) that takes this market's orders."""
        return exchange_for(info.protocol, info.neg_risk, self.wallet.chain_id)

    def sign(self, order: Order, info: MarketInfo) -> SignedOrder:
        """``order`` as a signed order of this account, timestamped now."""
        unsigned = unsigned_order(order, info, self.trading, self.now(), self._gtd_lifetime_s)
        return self.wallet.sign_order(unsigned, exchange=self.exchange(info))

    def _prepare(self, order: Order, info: MarketInfo) -> Prepared:
        placed = self._placed.get(order.client_order_id)
        if placed is not None:
            return placed  # a retry: the very same signed order
        placed = Prepared.of(order, self.sign(order, info))
        self._placed[order.client_order_id] = placed
        self._by_hash[placed.signed.order_hash] = order.client_order_id
        while len(self._placed) > MAX_REMEMBERED:
            _, old = self._placed.popitem(last=False)
            self._by_hash.pop(old.signed.order_hash, None)
        return placed

    async def prepare_orders(self, orders: Sequence[Order]) -> list[Order]:
        """``orders`` as ``place_orders`` will send them, each with the venue's id it
        will have: the hash of its signed order, signed here (and kept: its sending, and
        any retry, sends that very order). One off its market's grid is left as it is:
        it is refused without being sent."""
        prepared: list[Order] = []
        for order in orders:
            info = await self.market_info(order.market_id)
            if self._off_grid(order, info):
                prepared.append(order)
                continue
            order_hash = self._prepare(order, info).signed.order_hash
            prepared.append(attrs.evolve(order, venue_order_id=VenueOrderId(order_hash)))
        return prepared

    def _body(self, placed: Prepared) -> dict[str, Any]:
        return placed.body(self._api_key())

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        """Place at most 15 orders (one ``POST /orders``). An order off its market's grid is
        refused here (REJECTED, nothing sent)."""
        if len(orders) > MAX_BATCH:
            raise ValueError(f"polymarket batch of {len(orders)} orders: at most {MAX_BATCH}")
        results: dict[ClientOrderId, PlaceResult] = {}
        sending: list[tuple[Order, Prepared]] = []
        for order in orders:
            info = await self.market_info(order.market_id)
            reason = self._off_grid(order, info)
            if reason:
                results[order.client_order_id] = _rejected(order, reason)
            else:
                sending.append((order, self._prepare(order, info)))
        if sending:
            for (sent, _), result in zip(sending, await self._post(sending), strict=True):
                results[sent.client_order_id] = result
        return [results[o.client_order_id] for o in orders]

    async def _post(self, sending: list[tuple[Order, Prepared]]) -> list[PlaceResult]:
        bodies = [self._body(p) for _, p in sending]
        try:
            if len(bodies) == 1:
                answers = [await self._private("POST", "/order", bodies[0])]
            else:
                answers = await self._private("POST", "/orders", bodies)
        except VenueError as exc:
            if exc.status != 400:
                raise
            answers = [{"success": False, "errorMsg": str(exc)}] * len(bodies)
        if not isinstance(answers, list) or len(answers) != len(bodies):
            raise VenueProtocolError(f"POST /orders answered {answers!r} for {len(bodies)}")
        return [await self._result(o, p, a) for (o, p), a in zip(sending, answers, strict=True)]

    async def _result(self, order: Order, placed: Prepared, answer: Any) -> PlaceResult:
        order_hash = placed.signed.order_hash
        error = str(answer.get("errorMsg") or answer.get("error") or "")
        if answer.get("success") is False or (error and not answer.get("orderID")):
            if DUPLICATE in error or "duplicate" in error.lower():
                found = await self.get_order(order.client_order_id, order.market_id)
                if found is not None:
                    return _result_of(found)
            if TICK_RULE in error:
                await self.refresh_tick(order.market_id)
            return _rejected(order, error or "rejected")
        status = _PLACE_STATUS.get(str(answer.get("status", "live")).lower(), OrderStatus.OPEN)
        filled = _matched_shares(order, answer) if status is OrderStatus.FILLED else Decimal(0)
        if status is OrderStatus.FILLED and filled < order.quantity:
            # part matched: the rest rests (GTC/GTD) or is killed (FAK/FOK)
            rests = placed.order_type in ("GTC", "GTD")
            status = OrderStatus.PARTIALLY_FILLED if rests else OrderStatus.CANCELLED
        return PlaceResult(
            client_order_id=order.client_order_id,
            status=status,
            venue_order_id=VenueOrderId(str(answer.get("orderID") or order_hash)),
            filled_quantity=filled,
        )

    async def place_order(
        self,
        *,
        market_id: MarketId,
        side: OrderSide,
        order_type: OrderType = OrderType.LIMIT,
        quantity: Decimal | int | str,
        price: Decimal | str,
        action: Action = Action.BUY,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = True,
        client_order_id: ClientOrderId | None = None,
    ) -> Order:
        """The usage guide's call: one order, returned with its status and fill."""
        order = Order(
            client_order_id=client_order_id or _new_client_order_id(),
            market_id=market_id,
            side=side,
            action=action,
            price=Decimal(price),
            quantity=Decimal(quantity),
            order_type=order_type,
            time_in_force=time_in_force,
            post_only=post_only and order_type is OrderType.LIMIT,
            created_at=datetime.fromtimestamp(self.now(), tz=UTC),
        )
        (result,) = await self.place_orders([order])
        return attrs.evolve(
            order,
            status=result.status,
            venue_order_id=result.venue_order_id,
            filled_quantity=result.filled_quantity,
            reason=result.reason,
        )

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        raise NotImplementedError("polymarket has no amend: cancel and replace")

    # -- cancelling ----------------------------------------------------------------------

    def _order_hash(self, order: Order) -> str | None:
        if order.venue_order_id is not None:
            return order.venue_order_id.value
        placed = self._placed.get(order.client_order_id)
        return placed.signed.order_hash if placed else None

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        ids = {o.client_order_id: self._order_hash(o) for o in orders}
        wanted = [h for h in ids.values() if h]
        answer: Any = {"canceled": [], "not_canceled": {}}
        if len(wanted) == 1:
            answer = await self._private("DELETE", "/order", {"orderID": wanted[0]})
        elif wanted:
            answer = await self._private("DELETE", "/orders", wanted)
        canceled = set(answer.get("canceled") or ())
        refused = answer.get("not_canceled") or {}
        return [
            CancelResult(
                client_order_id=coid,
                cancelled=h in canceled,
                reason="" if h in canceled else str(refused.get(h, "unknown order")),
            )
            for coid, h in ids.items()
        ]

    async def cancel_all(self) -> int:
        answer = await self._private("DELETE", "/cancel-all")
        return len(answer.get("canceled") or ()) if isinstance(answer, dict) else 0

    async def cancel_market(self, market_id: MarketId) -> int:
        """Cancel every resting order of one market (both tokens)."""
        answer = await self._private(
            "DELETE", "/cancel-market-orders", {"market": market_id.symbol}
        )
        return len(answer.get("canceled") or ()) if isinstance(answer, dict) else 0

    # -- reads ---------------------------------------------------------------------------

    async def _pages(self, path: str, params: dict[str, Any], cursor: str = FIRST_CURSOR) -> Any:
        """Every row of a cursor-paginated private list."""
        rows: list[Any] = []
        while True:
            page = await self._get(path, params | {"next_cursor": cursor}, auth=True)
            rows.extend(page.get("data") or ())
            cursor = page.get("next_cursor") or END_CURSOR
            if cursor == END_CURSOR:
                return rows

    async def _order_of(self, raw: Any) -> Order | None:
        info = await self._info_for_token(str(raw.get("asset_id")), raw.get("market"))
        if info is None:
            return None
        coid = self._by_hash.get(str(parse.field(raw, "id")))
        return parse.order_from_venue(raw, info, coid, parse.units_or_shares)

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        params = {"market": market_id.symbol} if market_id else {}
        orders = [await self._order_of(raw) for raw in await self._pages("/data/orders", params)]
        return [o for o in orders if o is not None and o.is_live]

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        placed = self._placed.get(client_order_id)
        if placed is None:
            return None
        return await self.get_order_by_id(VenueOrderId(placed.signed.order_hash))

    async def get_order_by_id(self, venue_order_id: VenueOrderId) -> Order | None:
        """An order of ours by its hash, whatever its state (one this process did not
        place too: a restart looks up the orders its journal holds by their hashes)."""
        try:
            raw = await self._get(f"/data/order/{venue_order_id.value}", auth=True)
        except VenueError as exc:
            if exc.status in (400, 404):
                return None
            raise
        return await self._order_of(raw) if raw else None

    def account(self) -> parse.Account:
        return parse.Account(api_key=self._api_key(), address=self.trading.funder)

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        """One page of our trades as fills, oldest first. MATCHED / MINED fills are
        ``provisional`` (the stream reports their confirmation or reversal); FAILED trades
        are left out. ``cursor`` None starts from the beginning; the page's cursor is None
        when there is no further page."""
        page = await self._get("/data/trades", {"next_cursor": cursor or FIRST_CURSOR}, auth=True)
        fills = []
        for raw in page.get("data") or ():
            if parse.trade_status(raw) == parse.FAILED:
                continue
            await self._learn_tokens(raw)
            fills.extend(
                parse.fills_from_trade(
                    raw, self.known_market, self.account(), parse.units_or_shares
                )
            )
        fills.sort(key=lambda f: (f.ts or datetime.min.replace(tzinfo=UTC), f.fill_id.value))
        next_cursor = page.get("next_cursor")
        return FillPage(
            fills=tuple(fills),
            cursor=None if next_cursor in (None, "", END_CURSOR) else str(next_cursor),
        )

    async def _learn_tokens(self, trade: Any) -> None:
        """Make sure every token a trade names maps to its market (Gamma on a miss)."""
        makers = trade.get("maker_orders") or ()
        for token in (trade.get("asset_id"), *(m.get("asset_id") for m in makers)):
            await self._info_for_token(str(token), trade.get("market"))

    async def _balance(self, params: dict[str, Any]) -> Decimal:
        """The funder's balance: the venue reads the address of our signature type."""
        query = params | {"signature_type": self.trading.signature_type}
        raw = await self._get("/balance-allowance", query, auth=True)
        return shares_of(str(parse.dec_field(raw, "balance")))

    async def get_balance(self) -> Decimal:
        return await self._balance({"asset_type": "COLLATERAL"})

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        """Token balances (CONDITIONAL) of ``market_ids``, or of every market this client
        knows (None): two reads per market."""
        if market_ids is None:
            infos = list(self._markets.values())
        else:
            infos = [await self.market_info(m) for m in market_ids if m.venue is self.venue]
        positions = []
        for info in infos:
            kind = info.conditional_asset_type
            yes = await self._balance({"asset_type": kind, "token_id": info.yes_token})
            no = await self._balance({"asset_type": kind, "token_id": info.no_token})
            if yes or no:
                positions.append(
                    Position(market_id=info.market_id, yes_contracts=yes, no_contracts=no)
                )
        return positions

    # -- dead-man switch -----------------------------------------------------------------

    async def send_heartbeat(self) -> str:
        """One heartbeat of the id chain; a stale id is replaced by the venue's."""
        raw = await self._beat(self._heartbeat_id)
        if isinstance(raw, dict) and raw.get("error"):
            # the chain broke (a lost answer): continue it from the id the venue expects
            raw = await self._beat(str(raw.get("heartbeat_id") or ""))
        if isinstance(raw, dict) and raw.get("error"):
            raise VenueError(f"polymarket heartbeat refused: {raw['error']}", status=400)
        self._heartbeat_id = str(parse.field(raw, "heartbeat_id"))
        self.heartbeats_sent += 1
        return self._heartbeat_id

    async def _beat(self, heartbeat_id: str) -> Any:
        body = {"heartbeat_id": heartbeat_id}
        return await self._private("POST", "/v1/heartbeats", body, accept=frozenset({400}))

    async def run_heartbeats(
        self,
        interval: float = 5.0,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Post heartbeats every ``interval`` s until cancelled: if they stop (predmm died),
        the venue cancels all our orders ~10 s later. Started once the first one went
        through. Transient venue trouble is retried at the next beat."""
        await self.send_heartbeat()
        task_status.started()
        while True:
            await trio.sleep(interval)
            try:
                await self.send_heartbeat()
            except VenueError as exc:
                if exc.status in (401, 403):
                    raise

    # -- streaming -----------------------------------------------------------------------

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncGenerator[VenueEvent, None]:
        """Books, trades, our orders and fills (``_stream`` says which event is what).
        Close it when done (``contextlib.aclosing``); ``open_stream`` is the structured
        alternative (an async context manager yielding a channel)."""
        from predmm.platforms.polymarket._stream import stream_events

        return stream_events(self, market_ids)


def _matched_shares(order: Order, answer: Any) -> Decimal:
    """Shares matched at placement: what a BUY took or a SELL gave (the whole order when
    the venue does not say)."""
    raw = answer.get("takingAmount" if order.action is Action.BUY else "makingAmount")
    if raw in (None, ""):
        return order.quantity
    return min(parse.units_or_shares(raw, "matched amount"), order.quantity)


def _rejected(order: Order, reason: str) -> PlaceResult:
    return PlaceResult(
        client_order_id=order.client_order_id, status=OrderStatus.REJECTED, reason=reason
    )


def _result_of(order: Order) -> PlaceResult:
    return PlaceResult(
        client_order_id=order.client_order_id,
        status=order.status,
        venue_order_id=order.venue_order_id,
        filled_quantity=order.filled_quantity,
    )


_sequence = itertools.count(1)


def _new_client_order_id() -> ClientOrderId:
    return ClientOrderId(f"pm-{time.time_ns():x}-{next(_sequence)}")

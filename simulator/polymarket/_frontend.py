"""The Polymarket front end's state over one ``Simulator``: API keys, order metadata,
heartbeats, and the translation of requests into core calls. Synchronous; the routes
in ``_clob`` and ``_ws`` do the I/O.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

import attrs

from predmm.domain import (
    Action,
    MarketId,
    MarketStatus,
    OrderSide,
    TickSpec,
    TimeInForce,
    Venue,
    VenueOrderId,
)
from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.exchange import (
    AccountId,
    CancelReason,
    OrderRecord,
    RejectCode,
    TradeId,
    TradeRecord,
)
from predmm.simulator.polymarket import _auth, _orders, _signers, _wire
from predmm.simulator.polymarket._heartbeat import Heartbeats
from predmm.simulator.polymarket._shapes import BookView, Level, num
from predmm.simulator.polymarket._wire import OrderMeta, Party, SizeUnits, Token, TradeView

if TYPE_CHECKING:
    from predmm.simulator import Simulator

STEP = Decimal("0.01")
GTD_SECURITY_S = 60

MARKET_NOT_READY = "the market is not yet ready to process new orders"
POST_ONLY_CROSS = "invalid post-only order: order crosses book"
POST_ONLY_TYPE = "invalid post-only order: post-only orders are only allowed for GTC and GTD orders"
NOT_ENOUGH_BALANCE = "not enough balance / allowance"
FOK_NOT_FILLED = "order couldn't be fully filled. FOK orders are fully filled or killed."
FAK_NOT_FILLED = (
    "no orders found to match with FAK order. "
    "FAK orders are partially filled or killed if no match is found."
)
INVALID_EXPIRATION = "invalid expiration"
INVALID_TOKEN = "Invalid token id"
_TIF = {
    "GTC": TimeInForce.GTC,
    "GTD": TimeInForce.GTD,
    "FOK": TimeInForce.FOK,
    "FAK": TimeInForce.IOC,
}


@attrs.frozen(kw_only=True)
class PolymarketOptions:
    """Switches of the Polymarket front end (UNCONFIRMED venue behaviour, test knobs).

    ``size_units``: REST order/trade sizes in shares (default) or 6-decimal fixed point.
    ``timestamp_tolerance_s``: how far POLY_TIMESTAMP may be from the simulator's clock
    (None: not checked). ``heartbeat_timeout_s``: the dead-man switch (trio seconds).
    ``page_size``: items per ``/data/orders`` / ``/data/trades`` page.
    ``book_best_first``: book levels best first (the OpenAPI text) instead of the live
    order (bids ascending, asks descending, best last). ``midpoint_key``: ``mid`` (what
    the SDKs parse) or ``mid_price`` (the OpenAPI page).
    ``new_wallet_cash``: dollars of the account opened for a wallet that creates its
    first API key over L1. ``max_batch``: most orders in one ``POST /orders``.
    """

    size_units: SizeUnits = SizeUnits.SHARES
    timestamp_tolerance_s: float | None = _auth.TIMESTAMP_TOLERANCE_S
    heartbeat_timeout_s: float = 10.0
    page_size: int = 100
    new_wallet_cash: Decimal = Decimal("10000")
    max_batch: int = 15
    max_cancel_batch: int = 1000
    chain_id: int = _auth.CHAIN_ID
    book_best_first: bool = False
    midpoint_key: str = "mid"


class Rejected(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@attrs.frozen
class Placed:
    """A successful ``POST /order``."""

    order_hash: str
    record: OrderRecord
    trade_ids: tuple[str, ...]
    making: Decimal
    taking: Decimal

    def to_json(self, units: SizeUnits) -> dict[str, object]:
        matched = bool(self.trade_ids)
        return {
            "success": True,
            "orderID": self.order_hash,
            "status": "matched" if matched else "live",
            "makingAmount": units.fmt(self.making) if matched else "",
            "takingAmount": units.fmt(self.taking) if matched else "",
            "transactionsHashes": [],
            "tradeIDs": list(self.trade_ids),
            "errorMsg": "",
        }


def failure_json(message: str) -> dict[str, object]:
    return {
        "success": False,
        "orderID": "",
        "status": "",
        "makingAmount": "",
        "takingAmount": "",
        "errorMsg": message,
    }


def _step(tick: TickSpec) -> Decimal:
    return tick.step_at(Decimal("0.5"))


def _pseudo_owner(account: AccountId) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(f"owner:{account}".encode()).digest()[:16]))


def _pseudo_address(account: AccountId) -> str:
    return "0x" + hashlib.sha256(f"address:{account}".encode()).hexdigest()[:40]


class FrontEnd:
    """One per Simulator, shared by the CLOB and Gamma apps."""

    def __init__(self, sim: Simulator, options: PolymarketOptions) -> None:
        self.sim = sim
        self.options = options
        self.heartbeats = Heartbeats(timeout=options.heartbeat_timeout_s)
        self._master = hashlib.sha256(f"predmm-sim-polymarket:{sim.seed}".encode()).digest()
        self._created: dict[str, PolymarketKey] = {}  # keys made over L1, by API key
        self._nonce_keys: dict[tuple[str, int], str] = {}
        self._meta: dict[str, OrderMeta] = {}  # by order hash (= core order id)
        self._tokens: dict[str, Token] = {}
        self._neg_risks: dict[MarketId, bool] = {}
        self._protocols: dict[MarketId, int] = {}

    # time -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.sim.clock.now()

    # keys -------------------------------------------------------------------------

    def key(self, api_key: str) -> PolymarketKey | None:
        """The simulator's generated keys (nonce 0 of their wallet) and L1-created ones."""
        return self.sim.credentials.polymarket(api_key) or self._created.get(api_key)

    def keys(self) -> _KeyView:
        return _KeyView(self)

    def create_key(self, address: str, nonce: int) -> PolymarketKey:
        if self._find_key(address, nonce) is not None:
            raise Rejected("Could not create api key")
        known = self._key_of_eoa(address)
        account = known.account_id if known else self._open_wallet(address)
        creds = _auth.derive_creds(self._master, address, nonce)
        key = PolymarketKey(
            api_key=creds.api_key,
            secret=creds.secret,
            passphrase=creds.passphrase,
            private_key="",
            address=address,
            account_id=account,
            signature_type=known.signature_type if known else 0,
            funder=known.funder if known else "",
        )
        self._created[key.api_key] = key
        self._nonce_keys[(address.lower(), nonce)] = key.api_key
        return key

    def derive_key(self, address: str, nonce: int) -> PolymarketKey:
        key = self._find_key(address, nonce)
        if key is None:
            raise Rejected("Could not derive api key!")
        return key

    def api_keys_of(self, address: str) -> list[str]:
        keys = {k for (a, _), k in self._nonce_keys.items() if a == address.lower()}
        generated = self.sim.credentials.polymarket_by_address(address)
        if generated is not None:
            keys.add(generated.api_key)
        return sorted(keys)

    def _find_key(self, address: str, nonce: int) -> PolymarketKey | None:
        api_key = self._nonce_keys.get((address.lower(), nonce))
        if api_key is not None:
            return self.key(api_key)
        return self.sim.credentials.polymarket_by_address(address) if nonce == 0 else None

    def _key_of_eoa(self, address: str) -> PolymarketKey | None:
        """A key of this EOA already (its account and the wallet it trades from)."""
        for api_key in self.api_keys_of(address):
            key = self.key(api_key)
            if key is not None:
                return key
        return None

    def _open_wallet(self, address: str) -> AccountId:
        return self.sim.exchange.open_account(
            Venue.POLYMARKET, f"wallet-{address.lower()}", self.options.new_wallet_cash
        )

    # markets and books --------------------------------------------------------------

    def token(self, token_id: str) -> Token:
        cached = self._tokens.get(token_id)
        if cached is not None:
            return cached
        found = self.sim.exchange.token(token_id) if token_id else None
        if found is None:
            raise Rejected(INVALID_TOKEN)
        market_id, side = found
        spec = self.sim.exchange.market(market_id).spec
        token = _wire.tokens_of(spec)[0 if side is OrderSide.YES else 1]
        self._tokens[token_id] = token  # listings are fixed; only the tick is live
        self._neg_risks[market_id] = bool(spec.polymarket and spec.polymarket.neg_risk)
        return token

    def tick(self, market_id: MarketId) -> Decimal:
        return _step(self.sim.exchange.market(market_id).tick)

    def book_view(self, token: Token) -> BookView:
        ex = self.sim.exchange
        state = ex.market(token.market_id)
        book = ex.book(token.market_id)
        bids = [Level(lv.price, lv.size) for lv in book.bids(token.side)]
        asks = [Level(lv.price, lv.size) for lv in book.asks(token.side)]
        last = state.last_price
        if last is not None and token.side is OrderSide.NO:
            last = 1 - last
        return BookView(
            market=token.condition_id,
            asset_id=token.token_id,
            timestamp_ms=int(self.now().timestamp() * 1000),
            bids=bids,
            asks=asks,
            min_order_size=state.spec.min_order_size,
            tick_size=_step(state.tick),
            neg_risk=self._neg_risk(token.market_id),
            last_trade_price=last,
            best_first=self.options.book_best_first,
        )

    def _neg_risk(self, market_id: MarketId) -> bool:
        known = self._neg_risks.get(market_id)
        if known is None:
            listing = self.sim.exchange.market(market_id).spec.polymarket
            known = self._neg_risks[market_id] = bool(listing and listing.neg_risk)
        return known

    def protocol(self, market_id: MarketId) -> int:
        """1: a market of outcome tokens; 2: a protocol-V2 market (position ids)."""
        known = self._protocols.get(market_id)
        if known is None:
            listing = self.sim.exchange.market(market_id).spec.polymarket
            known = self._protocols[market_id] = listing.protocol if listing else 1
        return known

    def domain(self, market_id: MarketId) -> dict[str, object]:
        """The EIP-712 domain of the exchange that takes this market's orders."""
        return _orders.exchange_domain(
            self._neg_risk(market_id), self.options.chain_id, self.protocol(market_id)
        )

    def clob_market(self, condition_id: str) -> dict[str, object]:
        ex = self.sim.exchange
        mid = MarketId(Venue.POLYMARKET, condition_id)
        if not ex.has_market(mid):
            raise Rejected("market not found", 404)
        state = ex.market(mid)
        yes, no = _wire.tokens_of(state.spec)
        fees = state.spec.fees
        return {
            "c": condition_id,
            "t": [{"t": yes.token_id, "o": yes.outcome}, {"t": no.token_id, "o": no.outcome}],
            "mts": float(self.tick(mid)),
            "mos": float(state.spec.min_order_size),
            "nr": self._neg_risk(mid),
            "mbf": 0,
            "tbf": int(fees.taker * 10000),
            "fd": {"r": float(fees.taker), "e": fees.exponent, "to": True},
            "rfqe": False,
            "itode": False,
            "ibce": False,
            "oas": 0,
            "ao": state.status is MarketStatus.OPEN,
        }

    # orders ------------------------------------------------------------------------

    def place(self, creds: PolymarketKey, body: object, *, post_only_mode: bool) -> Placed:
        req = _orders.parse_order_request(body)
        if req.owner != creds.api_key:
            raise Rejected(_orders.OWNER_MISMATCH)
        token = self.token(req.order.token_id)
        order = req.order
        domain = self.domain(token.market_id)
        order_hash = _orders.order_digest(order, domain)
        _signers.check_order_parties(creds, order, domain)
        if req.post_only and req.order_type not in ("GTC", "GTD"):
            raise Rejected(POST_ONLY_TYPE)
        if post_only_mode and not req.post_only:
            raise PostOnlyMode()
        expiration = self._expiration(req)
        checked = _orders.check_amounts(
            order, req.order_type, self.tick(token.market_id), order_hash
        )
        if order.maker.lower() != creds.wallet.lower():  # a wallet this account does not fund
            raise Rejected(NOT_ENOUGH_BALANCE)
        shares = checked.shares.quantize(STEP, rounding=ROUND_FLOOR)
        meta = OrderMeta(
            order_hash=order_hash,
            owner=creds.api_key,
            maker_address=order.maker,
            token=token,
            side=order.side,
            order_type=req.order_type,
            expiration=order.expiration,
        )
        known = self._meta.setdefault(order_hash, meta)  # events during placement need it
        outcome = self.sim.exchange.place_order(
            creds.account_id,
            token.market_id,
            token.side,
            checked.price,
            shares,
            action=Action.BUY if order.side == "BUY" else Action.SELL,
            time_in_force=_TIF[req.order_type],
            post_only=req.post_only,
            expiration=expiration,
            order_id=VenueOrderId(order_hash),
        )
        if outcome.reject is not None or outcome.order is None:
            if known is meta and outcome.reject is not RejectCode.DUPLICATE_ORDER_ID:
                del self._meta[order_hash]
            message = self._reject_message(outcome.reject, outcome.message, order_hash, shares)
            raise Rejected(message)
        trade_ids = tuple(f.trade_id.value for f in outcome.fills)
        if req.order_type == "FAK" and not trade_ids:
            raise Rejected(FAK_NOT_FILLED)
        got = sum((f.quantity for f in outcome.fills), Decimal(0))
        paid = sum((f.quantity * f.price for f in outcome.fills), Decimal(0))
        making, taking = (paid, got) if order.side == "BUY" else (got, paid)
        return Placed(order_hash, outcome.order, trade_ids, making, taking)

    def _expiration(self, req: _orders.OrderRequest) -> datetime | None:
        exp = req.order.expiration
        if req.order_type != "GTD":
            if exp != 0:
                raise Rejected(INVALID_EXPIRATION)
            return None
        if exp < self.now().timestamp() + GTD_SECURITY_S:
            raise Rejected(INVALID_EXPIRATION)
        return datetime.fromtimestamp(exp, UTC)

    def _reject_message(
        self, code: RejectCode | None, message: str, order_hash: str, shares: Decimal
    ) -> str:
        if code is RejectCode.BELOW_MIN_SIZE:
            minimum = message.rsplit(" ", 1)[-1]
            return f"Size ({num(shares)}) lower than the minimum: {minimum}"
        if code is RejectCode.DUPLICATE_ORDER_ID:
            return f"order {order_hash} is invalid. Duplicated."
        return (
            {
                RejectCode.MARKET_NOT_OPEN: MARKET_NOT_READY,
                RejectCode.INSUFFICIENT_BALANCE: NOT_ENOUGH_BALANCE,
                RejectCode.POST_ONLY_CROSS: POST_ONLY_CROSS,
                RejectCode.FOK_NOT_FILLED: FOK_NOT_FILLED,
                RejectCode.INVALID_EXPIRATION: INVALID_EXPIRATION,
                RejectCode.UNKNOWN_MARKET: INVALID_TOKEN,
                RejectCode.INVALID_PRICE: f"order {order_hash} is invalid. {message}",
            }.get(code, _orders.INVALID_PAYLOAD)
            if code is not None
            else _orders.INVALID_PAYLOAD
        )

    # cancels -----------------------------------------------------------------------

    def cancel_ids(self, creds: PolymarketKey, ids: Iterable[str]) -> dict[str, object]:
        canceled: list[str] = []
        not_canceled: dict[str, str] = {}
        for order_id in dict.fromkeys(ids):
            out = self.sim.exchange.cancel_order(
                VenueOrderId(order_id), account_id=creds.account_id
            )
            if out.cancelled:
                canceled.append(order_id)
            elif out.order is None:
                not_canceled[order_id] = "Order not found"
            elif out.order.filled_quantity >= out.order.quantity:
                not_canceled[order_id] = "Order already matched"
            else:
                not_canceled[order_id] = "Order already canceled"
        return {"canceled": canceled, "not_canceled": not_canceled}

    def cancel_where(
        self,
        account: AccountId,
        market_id: MarketId | None = None,
        side: OrderSide | None = None,
        reason: CancelReason = CancelReason.USER,
    ) -> dict[str, object]:
        gone = self.sim.exchange.cancel_all(account, market_id, side=side, reason=reason)
        return {"canceled": [o.order_id.value for o in gone], "not_canceled": {}}

    def expire_heartbeats(self, trio_now: float) -> None:
        for api_key in self.heartbeats.expired(trio_now):
            key = self.key(api_key)
            if key is not None:
                self.cancel_where(key.account_id, reason=CancelReason.HEARTBEAT)

    # reads -------------------------------------------------------------------------

    def meta(self, record: OrderRecord) -> OrderMeta:
        known = self._meta.get(record.order_id.value)
        if known is not None:
            return known
        spec = self.sim.exchange.market(record.market_id).spec
        yes, no = _wire.tokens_of(spec)
        return OrderMeta(
            order_hash=_order_hash(record.order_id.value),
            owner=_pseudo_owner(record.account_id),
            maker_address=_pseudo_address(record.account_id),
            token=yes if record.side is OrderSide.YES else no,
            side="BUY" if record.action is Action.BUY else "SELL",
            order_type=record.time_in_force.name.replace("IOC", "FAK"),
            expiration=int(record.expiration.timestamp()) if record.expiration else 0,
        )

    def trade_ids_of(self, record: OrderRecord) -> list[str]:
        return [
            f.trade_id.value
            for f in self.sim.exchange.fills(record.account_id, record.market_id)
            if f.order_id == record.order_id
        ]

    def open_order_rows(
        self, creds: PolymarketKey, query: dict[str, str], stale_window_s: float = 0.0
    ) -> list[dict[str, object]]:
        ex = self.sim.exchange
        now = self.now().timestamp()
        rows = []
        for record in ex.orders(creds.account_id):
            live = record.is_resting
            stale = (
                stale_window_s > 0
                and record.cancel_reason is not None
                and now - record.updated_at.timestamp() < stale_window_s
            )
            if not (live or stale):
                continue
            meta = self.meta(record)
            if not _matches(meta, query):
                continue
            row = _wire.open_order_json(
                meta, record, self.trade_ids_of(record), self.options.size_units
            )
            if stale:
                row["status"] = "ORDER_STATUS_LIVE"
            rows.append(row)
        return rows

    def order_row(self, creds: PolymarketKey, order_id: str) -> dict[str, object]:
        record = self.sim.exchange.order(VenueOrderId(order_id))
        if record is None or record.account_id != creds.account_id:
            raise Rejected("order not found", 404)
        return _wire.open_order_json(
            self.meta(record), record, self.trade_ids_of(record), self.options.size_units
        )

    def party(self, record_id: VenueOrderId, account: AccountId, viewer: PolymarketKey) -> Party:
        record = self.sim.exchange.order(record_id)
        assert record is not None, f"trade names unknown order {record_id}"
        meta = self.meta(record)
        mine = account == viewer.account_id
        return Party(
            order_hash=meta.order_hash,
            owner=viewer.api_key if mine else meta.owner,
            maker_address=viewer.wallet if mine else meta.maker_address,
            token=meta.token,
            side=meta.side,
            price=record.price,
        )

    def trade_view(self, trade: TradeRecord, viewer: PolymarketKey) -> TradeView:
        taker = self.party(trade.taker.order_id, trade.taker.account_id, viewer)
        maker = self.party(trade.maker.order_id, trade.maker.account_id, viewer)
        taker = attrs.evolve(taker, price=trade.taker.price)
        maker = attrs.evolve(maker, price=trade.maker.price)
        is_taker = trade.taker.account_id == viewer.account_id
        rate = self.sim.exchange.market(trade.market_id).spec.fees.taker
        return TradeView(
            trade=trade,
            taker=taker,
            maker=maker,
            trader_side="TAKER" if is_taker else "MAKER",
            mine=taker if is_taker else maker,
            fee_rate_bps=str(int(rate * 10000)),
        )

    def trade_rows(self, creds: PolymarketKey, query: dict[str, str]) -> list[dict[str, object]]:
        ex = self.sim.exchange
        seen: dict[TradeId, TradeRecord] = {}
        for fill in ex.fills(creds.account_id):
            trade = ex.trade(fill.trade_id)
            if trade is not None:
                seen.setdefault(trade.trade_id, trade)
        rows = []
        for trade in seen.values():
            view = self.trade_view(trade, creds)
            row = view.rest_json(self.options.size_units)
            if _trade_matches(row, trade, query):
                rows.append(row)
        return rows


class PostOnlyMode(Exception):
    pass


@attrs.frozen
class _KeyView:
    """The ``keys`` mapping ``_auth.verify_l2`` wants, over the credential store."""

    fe: FrontEnd

    def get(self, api_key: str) -> _auth.ApiCreds | None:
        key = self.fe.key(api_key)
        if key is None:
            return None
        return _auth.ApiCreds(key.api_key, key.secret, key.passphrase, key.address)


def _order_hash(order_id: str) -> str:
    if order_id.startswith("0x") and len(order_id) == 66:
        return order_id
    return _wire.pseudo_hash(f"order:{order_id}")


def _matches(meta: OrderMeta, query: dict[str, str]) -> bool:
    return (
        query.get("id") in (None, meta.order_hash)
        and query.get("market") in (None, meta.token.condition_id)
        and query.get("asset_id") in (None, meta.token.token_id)
    )


def _trade_matches(row: dict[str, object], trade: TradeRecord, query: dict[str, str]) -> bool:
    ts = trade.ts.timestamp()
    after, before = query.get("after"), query.get("before")
    return (
        query.get("id") in (None, row["id"])
        and query.get("market") in (None, row["market"])
        and query.get("asset_id") in (None, row["asset_id"])
        and query.get("maker_address") in (None, row["maker_address"])
        and (after is None or ts > float(after))
        and (before is None or ts < float(before))
    )

"""The Kalshi front end's own state, beside the exchange: who signed a request, the
rate-limit buckets, order attributes Kalshi has and the core does not (self-trade
prevention mode, ``cancel_order_on_pause``), maker fill costs and position update times.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from predmm.domain import Action, MarketId, MarketStatus, OrderSide, Venue, VenueOrderId
from predmm.simulator.exchange import (
    AccountId,
    ExchangeEvent,
    FillRecord,
    MarketState,
    OrderFilled,
    OrderRecord,
)
from predmm.simulator.kalshi import auth, errors, serialize, wire
from predmm.simulator.kalshi.ratelimit import TIERS, RateLimiter

if TYPE_CHECKING:
    from predmm.simulator import Simulator

ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class KalshiOptions:
    """Knobs of the Kalshi front end.

    ``tier``: API usage tier of every account (token budgets, notes §7). Default
    ``premier``, the lowest tier a designated market maker has (``POST /api_keys``
    needs Premier or Market Maker); tests of the Basic limits pass ``"basic"``.
    ``rate_limits``: False turns the token buckets off.
    ``wall_clock_ms``: the clock request timestamps are checked against (the client
    signs with its wall clock, not the simulated one).
    ``monotonic``: seconds, refills the token buckets.
    ``ws_buffer``: messages queued per websocket before the connection is dropped.

    Switches for what kalshi-notes.md marks UNCONFIRMED:
    ``post_only_cross``: ``"reject"`` (default; demo answered 400 ``invalid_order``
    "post only cross", and the notes' simulator checklist asks for it) or ``"cancel"``
    (the changelog's description: 201, the order is created already cancelled, reason
    PostOnlyCrossCancel).
    ``legacy_empty_book``: answer ``{"orderbook": {}}`` for a book with no levels (seen
    once on demo) instead of the spec's ``orderbook_fp`` with two empty lists."""

    tier: str = "premier"
    rate_limits: bool = True
    auth_window: auth.TimestampWindow = auth.TimestampWindow()
    wall_clock_ms: Callable[[], int] = attrs.field(default=lambda: int(time.time() * 1000))
    monotonic: Callable[[], float] = time.monotonic
    ws_buffer: int = 10_000
    post_only_cross: str = attrs.field(
        default="reject", validator=attrs.validators.in_(("reject", "cancel"))
    )
    legacy_empty_book: bool = False


@attrs.frozen
class OrderExtras:
    stp: str
    cancel_on_pause: bool


class KalshiFrontEnd:
    """Everything the REST routes and the websocket share."""

    def __init__(self, sim: Simulator, options: KalshiOptions) -> None:
        self.sim = sim
        self.exchange = sim.exchange
        self.options = options
        self.limiter = RateLimiter(TIERS[options.tier], options.monotonic, options.rate_limits)
        self.extras: dict[VenueOrderId, OrderExtras] = {}
        self.maker_cost: dict[VenueOrderId, Decimal] = {}
        self.position_updated: dict[tuple[AccountId, MarketId], datetime] = {}
        # net position (YES - NO) right after the last fill seen: events arrive after a
        # whole placement, when the exchange already shows the position after all fills
        self.net_after_fill: dict[tuple[AccountId, MarketId], Decimal] = {}
        self._keys: dict[str, auth.ApiKey] = {}
        self.actor: tuple[AccountId, str] | None = None
        # orders Kalshi creates already cancelled (post-only cross in "cancel" mode); the
        # exchange never saw them
        self.phantoms: dict[VenueOrderId, OrderRecord] = {}
        self.phantom_cids: set[tuple[AccountId, str]] = set()
        self.exchange.subscribe(self._on_event)

    @contextlib.contextmanager
    def acting(self, account: AccountId, client_order_id: object | None) -> Iterator[None]:
        """While an account's order changes the book: its order-book deltas carry the
        order's ``client_order_id`` to that account's websockets."""
        self.actor = (account, str(client_order_id)) if client_order_id else None
        try:
            yield
        finally:
            self.actor = None

    # time ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.sim.clock.now()

    def now_ms(self) -> int:
        return int(self.sim.clock.timestamp() * 1000)

    # auth ---------------------------------------------------------------------------

    def api_key(self, key_id: str) -> auth.ApiKey | None:
        cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        key = self.sim.credentials.kalshi(key_id)
        if key is None:
            return None
        if self.exchange.account_venue(key.account_id) is not Venue.KALSHI:
            return None
        api_key = auth.ApiKey.from_pem(key_id, key.public_key_pem, str(key.account_id))
        self._keys[key_id] = api_key
        return api_key

    def authenticate(self, headers: Mapping[str, str], method: str, path: str) -> AccountId:
        """The account that signed the request; raises auth.AuthFailure."""
        key = auth.verify_request(
            headers,
            method,
            path,
            _KeyLookup(self),
            self.options.wall_clock_ms(),
            self.options.auth_window,
        )
        return AccountId(key.account)

    # markets ------------------------------------------------------------------------

    def market_state(self, ticker: str) -> MarketState | None:
        if not ticker:
            return None
        mid = MarketId(Venue.KALSHI, ticker)
        return self.exchange.market(mid) if self.exchange.has_market(mid) else None

    def require_market(self, ticker: str) -> MarketState:
        state = self.market_state(ticker)
        if state is None:
            raise errors.not_found()
        return state

    def market_json(self, state: MarketState) -> dict[str, object]:
        return serialize.market(state, self.exchange.book(state.market_id), self.now())

    def event_ticker(self, state: MarketState) -> str:
        listing = state.spec.kalshi
        return listing.event_ticker if listing is not None else state.market_id.symbol

    # orders -------------------------------------------------------------------------

    def own_order(self, account: AccountId, order_id: str) -> OrderRecord | None:
        if not order_id:
            return None
        record = self.exchange.order(VenueOrderId(order_id)) or self.phantoms.get(
            VenueOrderId(order_id)
        )
        if record is None or record.account_id != account:
            return None
        return record

    def all_orders(self, account: AccountId) -> list[OrderRecord]:
        """The account's orders, oldest first (phantoms included)."""
        records = self.exchange.orders(account)
        records += [r for r in self.phantoms.values() if r.account_id == account]
        return sorted(records, key=lambda r: r.created_at)

    def add_phantom(self, record: OrderRecord) -> None:
        self.phantoms[record.order_id] = record
        if record.client_order_id is not None:
            self.phantom_cids.add((record.account_id, str(record.client_order_id)))

    def order_json(self, record: OrderRecord, stale_window_s: float = 0.0) -> dict[str, object]:
        extras = self.extras.get(record.order_id)
        body = serialize.order(
            record,
            stp=extras.stp if extras else None,
            maker_cost=self.maker_cost.get(record.order_id, ZERO),
            cancel_on_pause=extras.cancel_on_pause if extras else False,
        )
        if stale_window_s > 0 and self._recently_cancelled(record, stale_window_s):
            body["status"] = "resting"
            body["remaining_count_fp"] = wire.count(record.remaining)
        return body

    def _recently_cancelled(self, record: OrderRecord, window_s: float) -> bool:
        if serialize.order_status(record.status) != "canceled":
            return False
        return (self.now() - record.updated_at).total_seconds() < window_s

    # portfolio ----------------------------------------------------------------------

    def portfolio_value(self, account: AccountId) -> Decimal:
        """Positions marked at the best bid of the contract held."""
        value = ZERO
        for view in self.exchange.positions(account):
            if view.net == ZERO or not self.exchange.has_market(view.market_id):
                continue
            if self.exchange.market(view.market_id).status is MarketStatus.SETTLED:
                continue
            side = OrderSide.YES if view.net > 0 else OrderSide.NO
            bid = self.exchange.book(view.market_id).best_bid(side) or ZERO
            value += abs(view.net) * bid
        return value

    # events -------------------------------------------------------------------------

    def _on_event(self, event: ExchangeEvent) -> None:
        if not isinstance(event, OrderFilled) or event.order.market_id.venue is not Venue.KALSHI:
            return
        fill = event.fill
        key = (fill.account_id, fill.market_id)
        self.position_updated[key] = fill.ts
        if key not in self.net_after_fill:
            earlier = itertools.takewhile(
                lambda f: f.fill_id != fill.fill_id, self.exchange.fills(*key)
            )
            self.net_after_fill[key] = sum((_signed(f) for f in earlier), ZERO)
        self.net_after_fill[key] += _signed(fill)
        if not fill.is_taker:
            cost = fill.quantity * fill.price
            self.maker_cost[fill.order_id] = self.maker_cost.get(fill.order_id, ZERO) + cost


def _signed(fill: FillRecord) -> Decimal:
    long_yes = (fill.side is OrderSide.YES) == (fill.action is Action.BUY)
    return fill.quantity if long_yes else -fill.quantity


@attrs.frozen
class _KeyLookup:
    """A read-only mapping of key id -> ApiKey over the simulator's credential store."""

    fe: KalshiFrontEnd

    def get(self, key_id: str) -> auth.ApiKey | None:
        return self.fe.api_key(key_id)

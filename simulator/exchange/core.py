"""The exchange's state and the primitives every part of it uses."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from predmm.domain import (
    Action,
    ClientOrderId,
    MarketId,
    MarketStatus,
    OrderBook,
    OrderSide,
    OrderStatus,
    TickSpec,
    Venue,
    VenueOrderId,
)
from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.accounts import Account, Holding
from predmm.simulator.exchange.book import Book, WorkingOrder
from predmm.simulator.exchange.clock import SimClock
from predmm.simulator.exchange.model import (
    COUNT_STEP,
    ONE,
    ZERO,
    AccountId,
    Balance,
    CancelReason,
    FillRecord,
    GroupId,
    MarketSpec,
    MarketState,
    OrderRecord,
    PositionView,
    RejectCode,
    SettlementRecord,
    TradeId,
    TradeRecord,
    TradeStatus,
)

Listener = Callable[[ev.ExchangeEvent], None]
_NEXT_STATUS = {TradeStatus.MATCHED: TradeStatus.MINED, TradeStatus.MINED: TradeStatus.CONFIRMED}
_RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


class _Reject(Exception):
    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@attrs.define(eq=False, slots=True)
class _Market:
    spec: MarketSpec
    status: MarketStatus
    tick: TickSpec
    book: Book
    result: OrderSide | None = None
    settled_at: datetime | None = None
    volume: Decimal = ZERO
    open_interest: Decimal = ZERO  # YES/NO pairs outstanding = dollars in escrow
    last_price: Decimal | None = None


@attrs.frozen
class _Delta:
    """What one fill did to one account (to undo a FAILED Polymarket trade exactly)."""

    account_id: AccountId
    cash: Decimal
    fees: Decimal
    yes: Decimal
    no: Decimal
    cost_yes: Decimal
    cost_no: Decimal
    realized: Decimal


@attrs.define(eq=False, slots=True)
class _Trade:
    record: TradeRecord
    deltas: tuple[_Delta, ...]
    minted: Decimal  # change of open interest


def _state(acct: Account, h: Holding) -> tuple[Decimal, ...]:
    return (acct.cash, acct.fees_paid, h.yes, h.no, h.cost_yes, h.cost_no, h.realized_pnl)


MAX_COUNT = Decimal(10) ** 9


def _is_count(q: object) -> bool:
    """A positive multiple of 0.01 below a billion (Decimal only)."""
    return (
        isinstance(q, Decimal)
        and q.is_finite()
        and ZERO < q < MAX_COUNT
        and q.quantize(COUNT_STEP) == q
    )


class ExchangeCore:
    """One simulated exchange holding the markets and accounts of both venues.

    Every method runs synchronously in the caller's thread (the simulator's trio
    thread); events are delivered to listeners when the mutation is complete."""

    def __init__(self, *, clock: SimClock | None = None, seed: int = 0) -> None:
        self.clock = clock or SimClock()
        self._rng = random.Random(seed)
        self._markets: dict[MarketId, _Market] = {}
        self._tokens: dict[str, tuple[MarketId, OrderSide]] = {}
        self._accounts: dict[AccountId, Account] = {}
        self._orders: dict[VenueOrderId, WorkingOrder] = {}
        self._open: dict[AccountId, dict[VenueOrderId, WorkingOrder]] = {}
        self._by_cid: dict[tuple[AccountId, ClientOrderId], VenueOrderId] = {}
        self._fills: dict[AccountId, list[FillRecord]] = {}
        self._settlements: dict[AccountId, list[SettlementRecord]] = {}
        self._trades: dict[TradeId, _Trade] = {}
        self._trade_order: list[TradeId] = []
        self._market_trades: dict[MarketId, list[TradeId]] = {}
        self._account_orders: dict[AccountId, list[WorkingOrder]] = {}
        self._expiry: list[tuple[datetime, int, VenueOrderId]] = []
        self._expiry_n = 0
        self._groups: dict[GroupId, Any] = {}  # order groups (``groups.GroupsMixin``)
        self._tripping: list[GroupId] = []  # groups past their limit in this mutation
        self._trading_paused: set[Venue] = set()
        self._listeners: list[tuple[Listener, tuple[type, ...] | None]] = []
        self._wanted: dict[type, int] = {}
        self._wants_all = 0
        self._pending: list[ev.ExchangeEvent] = []
        self.fees_collected = ZERO
        self.deposits = ZERO

    # listeners -------------------------------------------------------------------

    def subscribe(
        self, listener: Listener, *, types: tuple[type, ...] | None = None
    ) -> Callable[[], None]:
        """Call ``listener(event)`` for every event (of ``types``, if given) from now on;
        returns a function that unsubscribes. Events nobody wants are never built."""
        entry = (listener, types)
        self._listeners.append(entry)
        self._count(types, +1)

        def unsubscribe() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)
                self._count(types, -1)

        return unsubscribe

    def _count(self, types: tuple[type, ...] | None, by: int) -> None:
        if types is None:
            self._wants_all += by
            return
        for t in types:
            self._wanted[t] = self._wanted.get(t, 0) + by

    def _wants(self, kind: type) -> bool:
        return self._wants_all > 0 or self._wanted.get(kind, 0) > 0

    def _emit(self, event: ev.ExchangeEvent) -> None:
        self._pending.append(event)

    def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            for event in batch:
                for listener, types in tuple(self._listeners):
                    if types is None or isinstance(event, types):
                        listener(event)

    def _now(self) -> datetime:
        return self.clock.now()

    def _new_id(self) -> str:
        """A UUID4-shaped id from the seeded generator."""
        h = f"{self._rng.getrandbits(122):031x}"
        return f"{h[:8]}-{h[8:12]}-4{h[12:15]}-{'89ab'[int(h[15], 16) & 3]}{h[16:19]}-{h[19:31]}"

    # accounts --------------------------------------------------------------------

    def open_account(
        self, venue: Venue, name: str, cash: Decimal = ZERO, *, account_id: AccountId | None = None
    ) -> AccountId:
        """Create an account on ``venue`` holding ``cash`` dollars."""
        aid = account_id or AccountId(f"{venue.value}-{name}-{len(self._accounts) + 1}")
        if aid in self._accounts:
            raise ValueError(f"account {aid} already exists")
        self._accounts[aid] = Account(aid, venue, name)
        self._open[aid] = {}
        self._fills[aid] = []
        if cash:
            self.deposit(aid, cash)
        return aid

    def deposit(self, account_id: AccountId, amount: Decimal) -> Balance:
        """Add (or, negative, withdraw up to the available) cash."""
        acct = self._account(account_id)
        if amount < ZERO and -amount > acct.available:
            raise ValueError(f"cannot withdraw {-amount} from {account_id}: {acct.available} free")
        acct.cash += amount
        acct.deposits += amount
        self.deposits += amount
        if self._wants(ev.AccountChanged):
            self._emit(ev.AccountChanged(account_id=account_id, ts=self._now()))
        self._flush()
        return acct.balance()

    def grant_position(
        self, account_id: AccountId, market_id: MarketId, pairs: Decimal
    ) -> PositionView:
        """Split ``pairs`` dollars of the account's cash into YES+NO pairs (Polymarket's
        ``splitPosition``): gives inventory to sell."""
        acct = self._account(account_id)
        market = self._market(market_id)
        if pairs <= ZERO or pairs > acct.available:
            raise ValueError(f"cannot split {pairs} pairs for {account_id}: {acct.available} free")
        h = acct.holding(market_id)
        acct.cash -= pairs
        half = pairs / 2
        h.add(OrderSide.YES, pairs, half)
        h.add(OrderSide.NO, pairs, pairs - half)
        market.open_interest += pairs
        if self._wants(ev.AccountChanged):
            self._emit(ev.AccountChanged(account_id=account_id, ts=self._now()))
        self._flush()
        return h.view(market_id)

    def _account(self, account_id: AccountId) -> Account:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise KeyError(f"no account {account_id}") from None

    def has_account(self, account_id: AccountId) -> bool:
        return account_id in self._accounts

    def account_venue(self, account_id: AccountId) -> Venue:
        return self._account(account_id).venue

    def accounts(self, venue: Venue | None = None) -> list[AccountId]:
        return [a for a, acct in self._accounts.items() if venue in (None, acct.venue)]

    def balance(self, account_id: AccountId) -> Balance:
        return self._account(account_id).balance()

    def position(self, account_id: AccountId, market_id: MarketId) -> PositionView:
        h = self._account(account_id).holdings.get(market_id) or Holding()
        return h.view(market_id)

    def settlements(
        self, account_id: AccountId, market_id: MarketId | None = None
    ) -> list[SettlementRecord]:
        """What the settlements paid the account (markets it held contracts in), oldest
        first."""
        self._account(account_id)
        return [
            s for s in self._settlements.get(account_id, ()) if market_id in (None, s.market_id)
        ]

    def positions(self, account_id: AccountId) -> list[PositionView]:
        """Every market the account ever traded (settled ones show zero contracts)."""
        acct = self._account(account_id)
        return [h.view(mid) for mid, h in sorted(acct.holdings.items())]

    # markets ---------------------------------------------------------------------

    def list_market(self, spec: MarketSpec, status: MarketStatus = MarketStatus.OPEN) -> None:
        mid = spec.market_id
        if mid in self._markets:
            raise ValueError(f"market {mid} is already listed")
        self._markets[mid] = _Market(spec, status, spec.tick, Book(mid))
        if spec.polymarket is not None:
            self._tokens[spec.polymarket.yes_token_id] = (mid, OrderSide.YES)
            self._tokens[spec.polymarket.no_token_id] = (mid, OrderSide.NO)

    def _market(self, market_id: MarketId) -> _Market:
        try:
            return self._markets[market_id]
        except KeyError:
            raise KeyError(f"no market {market_id}") from None

    def has_market(self, market_id: MarketId) -> bool:
        return market_id in self._markets

    def token(self, token_id: str) -> tuple[MarketId, OrderSide] | None:
        """The market and contract side of a Polymarket token id."""
        return self._tokens.get(token_id)

    def market(self, market_id: MarketId) -> MarketState:
        m = self._market(market_id)
        liquidity = sum((o.remaining * o.book_price for o in m.book.resting()), start=ZERO)
        history = m.spec.history
        return MarketState(
            spec=m.spec,
            status=m.status,
            tick=m.tick,
            result=m.result,
            volume=m.volume + history.volume,
            open_interest=m.open_interest + history.open_interest,
            last_price=m.last_price,
            liquidity=liquidity + history.liquidity,
            book_seq=m.book.seq,
            settled_at=m.settled_at,
        )

    def status(self, market_id: MarketId) -> MarketStatus:
        """The market's status (cheaper than ``market(mid).status``)."""
        return self._market(market_id).status

    def tick(self, market_id: MarketId) -> TickSpec:
        """The market's live tick grid."""
        return self._market(market_id).tick

    def spec(self, market_id: MarketId) -> MarketSpec:
        return self._market(market_id).spec

    def market_ids(self, venue: Venue | None = None) -> list[MarketId]:
        return [mid for mid in self._markets if venue in (None, mid.venue)]

    def markets(self, venue: Venue | None = None) -> list[MarketState]:
        return [self.market(mid) for mid in self.market_ids(venue)]

    def book(self, market_id: MarketId) -> OrderBook:
        """Both bid ladders, best first (``domain.OrderBook``; asks are derived)."""
        return self._market(market_id).book.snapshot()

    def book_seq(self, market_id: MarketId) -> int:
        return self._market(market_id).book.seq

    def level_orders(
        self, market_id: MarketId, side: OrderSide, price: Decimal
    ) -> list[OrderRecord]:
        """The orders queued at one price of one ladder, in time priority."""
        ladder = self._market(market_id).book.ladder(side)
        if price not in ladder.levels:
            return []
        return [o.record() for o in ladder.queue(price)]

    def resting_orders(self, market_id: MarketId) -> list[OrderRecord]:
        """Every order resting on the market's book, both ladders (what a venue's rewards
        sampler scores)."""
        return [o.record() for o in self._market(market_id).book.resting()]

    # orders: reads ---------------------------------------------------------------

    def order(self, order_id: VenueOrderId) -> OrderRecord | None:
        o = self._orders.get(order_id)
        return o.record() if o is not None else None

    def order_by_client_id(
        self, account_id: AccountId, client_order_id: ClientOrderId
    ) -> OrderRecord | None:
        oid = self._by_cid.get((account_id, client_order_id))
        return self.order(oid) if oid is not None else None

    def open_orders(
        self, account_id: AccountId, market_id: MarketId | None = None
    ) -> list[OrderRecord]:
        """Resting orders of the account, oldest first."""
        return [
            o.record()
            for o in self._open.get(account_id, {}).values()
            if market_id in (None, o.market_id)
        ]

    def orders(self, account_id: AccountId, market_id: MarketId | None = None) -> list[OrderRecord]:
        """Every order the account ever placed (accepted ones), oldest first."""
        return [
            o.record()
            for o in self._account_orders.get(account_id, ())
            if market_id in (None, o.market_id)
        ]

    def fills(self, account_id: AccountId, market_id: MarketId | None = None) -> list[FillRecord]:
        """The account's fills, oldest first."""
        return [f for f in self._fills.get(account_id, []) if market_id in (None, f.market_id)]

    def trades(self, market_id: MarketId | None = None) -> list[TradeRecord]:
        """The public tape, oldest first."""
        ids = self._trade_order if market_id is None else self._market_trades.get(market_id, ())
        return [self._trades[t].record for t in ids]

    def trade(self, trade_id: TradeId) -> TradeRecord | None:
        t = self._trades.get(trade_id)
        return t.record if t is not None else None

    # shared primitives ----------------------------------------------------------

    def _reserve(self, market: _Market, acct: Account, order: WorkingOrder) -> None:
        """Hold collateral for the order's remaining size: cash (BUY) or contracts (SELL)."""
        if order.action is Action.SELL:
            new_tokens = order.remaining
            acct.holding(order.market_id).reserve(order.side, new_tokens - order.reserved_tokens)
            order.reserved_tokens = new_tokens
            return
        rem = order.remaining
        fees = market.spec.fees.fee(order.maker_filled + rem, order.price, is_taker=False)
        new_cash = rem * order.price + fees - order.maker_fee_base
        acct.reserved += new_cash - order.reserved_cash
        order.reserved_cash = new_cash

    def _release(self, order: WorkingOrder) -> None:
        acct = self._accounts[order.account_id]
        acct.reserved -= order.reserved_cash
        order.reserved_cash = ZERO
        if order.reserved_tokens:
            acct.holding(order.market_id).reserve(order.side, -order.reserved_tokens)
            order.reserved_tokens = ZERO

    def _level_changed(
        self, market: _Market, side: OrderSide, price: Decimal, size: Decimal, delta: Decimal
    ) -> None:
        market.book.seq += 1
        if self._wants(ev.BookLevelChanged):
            self._emit(
                ev.BookLevelChanged(
                    market_id=market.spec.market_id,
                    side=side,
                    price=price,
                    size=size,
                    delta=delta,
                    seq=market.book.seq,
                    ts=self._now(),
                )
            )

    def _cancel(self, market: _Market, order: WorkingOrder, reason: CancelReason) -> None:
        ladder = market.book.ladder(order.book_side)
        removed = order.remaining
        size = ladder.remove(order, removed)
        self._open[order.account_id].pop(order.order_id, None)
        status = OrderStatus.EXPIRED if reason is CancelReason.EXPIRED else OrderStatus.CANCELLED
        self._close(order, status, reason)
        self._level_changed(market, order.book_side, order.book_price, size, -removed)

    def _close(self, order: WorkingOrder, status: OrderStatus, reason: CancelReason) -> None:
        self._release(order)
        order.status = status
        order.cancel_reason = reason
        order.updated_at = self._now()
        if self._wants(ev.OrderCancelled):
            self._emit(
                ev.OrderCancelled(
                    account_id=order.account_id,
                    order=order.record(),
                    reason=reason,
                    ts=order.updated_at,
                )
            )
        if self._wants(ev.AccountChanged):
            self._emit(ev.AccountChanged(account_id=order.account_id, ts=order.updated_at))

    # order groups (``groups.GroupsMixin`` fills these in) ---------------------------

    def _group_matched(self, order: WorkingOrder, quantity: Decimal, now: datetime) -> None:
        """``order`` matched ``quantity`` contracts (counted in its order group)."""

    def _trip_groups(self) -> None:
        """Trip the order groups that passed their limit during this mutation."""

    # expiry ----------------------------------------------------------------------

    def expire_orders(self) -> list[OrderRecord]:
        """Expire every GTD order whose expiration has passed (also done before each
        placement and cancel)."""
        expired = self._expire_due()
        self._flush()
        return expired

    def _expire_due(self) -> list[OrderRecord]:
        now = self._now()
        out: list[OrderRecord] = []
        while self._expiry and self._expiry[0][0] <= now:
            _, _, oid = heapq.heappop(self._expiry)
            order = self._orders[oid]
            if (
                order.status in _RESTING
                and order.expiration is not None
                and order.expiration <= now
            ):
                self._cancel(self._markets[order.market_id], order, CancelReason.EXPIRED)
                out.append(order.record())
        return out


def _placement(side: OrderSide, action: Action, price: Decimal) -> tuple[OrderSide, Decimal]:
    """The ladder and ladder price where an order rests: BUY side at p rests on side's
    ladder at p; SELL side at p rests on the other ladder at 1 - p."""
    if action is Action.BUY:
        return side, price
    return side.opposite, ONE - price

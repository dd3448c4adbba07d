"""``PaperPlatform``: a venue client that trades on paper against another venue's data.

Markets, books and the public trade tape come from the wrapped data client (Kalshi,
Polymarket or the simulator through either); orders, fills, positions and the balance
live here and never reach the data venue. The fill rules are in ``matching`` (queue
position, trades at or through our price, crosses, taker walks), the money in ``ledger``
and the fees in ``fees``.

Semantics worth knowing:

* The venue is the data venue's (market ids stay ``kalshi:...``), ``paper`` is True and
  ids are prefixed ``paper-<session>-`` (``session``: given, or random), so that the
  fills of a paper run restarted on the same journal never take an earlier run's fill
  ids; a fill cursor of another session reads this session's fills from the start.
  Capabilities are the data venue's (batch sizes, rate limits, fractional counts)
  except: amend and decrease supported, post-only supported, no dead-man switch (paper
  orders die with the process).
* ``restore(holdings, cash_change)`` starts the account from what a journal holds (the
  TradingEngine does this when a paper run continues a paper journal), so a restarted
  paper run reconciles with its own past instead of an empty account.
* Settlement follows the data venue's resolutions: a ``MarketSettled`` on the stream, or
  a resolution ``get_settlements`` reads (what the engine polls), settles the paper
  account's position in that market once (``settle``: its resting orders cancelled, its
  contracts paid out at the venue's payout and held no more) and is passed on with the
  paper account's contract counts, not the data account's. Venue minimum order sizes
  are not enforced.
* Post-only orders that would cross the current book are rejected (like both venues).
  Other limit orders that cross take the visible liquidity first (taker fees), then rest.
  IOC, FOK and MARKET orders take what they can and the rest is cancelled (FOK: all or
  nothing). MARKET orders without a price take the grid's most aggressive price.
* ``amend_order(order, price, quantity)``: ``quantity`` is the new *total* (filled +
  remaining, as Kalshi's amend ``count``). Only a size decrease at the same price keeps
  the queue position; any other amend rejoins the back of the queue at its price. A
  post-only amend that would cross is rejected and the order stays as it was.
  ``decrease_order(order, remaining)`` (Kalshi's decrease) keeps the queue position.
* Resting orders need cash: a bid reserves price x remaining (a sale of contracts held
  reserves nothing for them). An order the free cash cannot cover is rejected with
  ``insufficient balance`` (a guard: the ledger itself is exact, fees included).
* Liquidity we took (taker walks, crosses) is hidden from later books of that level
  until the level shrinks, so the same size never fills us twice.
* ``stream()`` merges the data venue's market events with our ``OrderFilled`` and
  ``OrderUpdated`` events. A market's fills are driven by the first live stream that
  covers it. Use it as ``async with contextlib.aclosing(platform.stream(ids)) as events``.
  The data venue's own account events are dropped. The feed is pumped by a task in
  trio's system nursery, cancelled when the consumer stops.
* Without a live stream for a market, each placement or amend takes a fresh book
  snapshot from the data venue (which also fills crossed resting orders).
* A public trade fills only orders that joined their level before it printed (by the
  venue's time of the print; placing or a reprice joins, a shrink keeps the time): a
  match's prints arriving after the book change we repriced on do not fill the new price.
* A match's book change and its trade print may come in either order: what a book took
  off our queue is credited against the trades of the next ``book_trade_window``
  (``matching``), so one match never moves us up twice.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import trio
from loguru import logger

from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import (
    Action,
    MarketStatus,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    Venue,
)
from predmm.domain.events import (
    BookInvalidated,
    BookUpdated,
    CancelResult,
    FillPage,
    MarketSettled,
    MarketStatusChanged,
    OrderFilled,
    OrderUpdated,
    PlaceResult,
    Position,
    Settlement,
    TickSizeChanged,
    TradePrinted,
    VenueEvent,
)
from predmm.domain.ids import ClientOrderId, FillId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.orders import Fill, Order
from predmm.domain.ticks import TickSpec
from predmm.platforms.paper.fees import FeeFn, fee_for
from predmm.platforms.paper.ledger import Ledger
from predmm.platforms.paper.matching import (
    BookKey,
    Match,
    Resting,
    bid_view,
    crosses,
    level_size,
    merge_taken,
    on_book,
    on_trade,
    order_price,
    walk,
)
from predmm.platforms.venue import VenueClient

ZERO = Decimal(0)
ONE = Decimal(1)
DEFAULT_BALANCE = Decimal("10000")
_CLOSE_TIMEOUT_S = 5.0
DEFAULT_BOOK_TRADE_WINDOW = timedelta(seconds=1)
_MARKET_DATA = (
    BookUpdated,
    TradePrinted,
    BookInvalidated,
    TickSizeChanged,
    MarketStatusChanged,
    MarketSettled,
)
_CLOSED = frozenset({MarketStatus.CLOSED, MarketStatus.SETTLED})


def _utcnow() -> datetime:
    return datetime.now(UTC)


@attrs.frozen
class _PumpFailed:
    error: Exception


@attrs.define(eq=False)
class _Subscriber:
    markets: frozenset[MarketId]
    send: trio.MemorySendChannel[VenueEvent | _PumpFailed]


def _send(sub: _Subscriber, item: VenueEvent | _PumpFailed) -> bool:
    """Hand ``item`` to a stream's consumer; False if the consumer has gone."""
    try:
        sub.send.send_nowait(item)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return False
    return True


async def _aclose_quietly(events: AsyncIterator[VenueEvent]) -> None:
    """Close the data feed (if it can be closed), bounded in time, never raising: this
    runs in a system task, where an exception would end the whole trio run."""
    aclose = getattr(events, "aclose", None)
    if aclose is None:
        return
    with trio.move_on_after(_CLOSE_TIMEOUT_S) as scope:
        scope.shield = True
        try:
            await aclose()
        except Exception as exc:
            logger.debug("paper: closing the data feed failed", error=repr(exc))


class PaperPlatform:
    """A ``VenueClient`` that fills orders locally against ``data``'s market data."""

    paper = True

    def __init__(
        self,
        data: VenueClient,
        *,
        clock: Callable[[], datetime] = _utcnow,
        starting_balance: Decimal = DEFAULT_BALANCE,
        fee: FeeFn | None = None,
        net_pairs: bool | None = None,
        fills_page_size: int = 100,
        book_trade_window: timedelta = DEFAULT_BOOK_TRADE_WINDOW,
        session: str | None = None,
    ) -> None:
        self.data = data
        self.session = session or uuid.uuid4().hex[:8]
        self._prefix = f"paper-{self.session}-"
        self.venue = data.venue
        self.capabilities = attrs.evolve(  # paper orders rest until cancelled: no TTL
            data.capabilities,
            amend=True,
            decrease=True,
            post_only=True,
            dead_man_switch=False,
            order_ttl_s=None,
        )
        self.starting_balance = Decimal(starting_balance)
        self.ledger = Ledger(
            self.starting_balance,
            net_pairs=data.venue is Venue.KALSHI if net_pairs is None else net_pairs,
        )
        self._clock = clock
        self._fee = fee or fee_for(data.venue)
        self._page = fills_page_size
        self._window = book_trade_window
        self._orders: dict[ClientOrderId, Order] = {}
        self._resting: dict[ClientOrderId, Resting] = {}
        self._books: dict[MarketId, OrderBook] = {}
        self._taken: dict[MarketId, dict[BookKey, Decimal]] = {}
        self._ticks: dict[MarketId, TickSpec] = {}
        self._fills: list[Fill] = []
        self._seq = itertools.count(1)
        self._subscribers: list[_Subscriber] = []
        self._live: set[MarketId] = set()
        self._outbox: list[VenueEvent] = []
        self._settled: dict[MarketId, Settlement] = {}  # as the paper account was settled

    def restore(self, holdings: Sequence[Position], cash_change: Decimal) -> None:
        """Start this fresh account from a journal's: ``holdings`` held (pairs netted as
        the venue nets them) and the starting balance changed by ``cash_change``.
        Refused once the account has traded."""
        if self._orders or self._fills:
            raise ValueError(f"paper {self.venue.value}: restore a fresh account only")
        self.ledger.restore(holdings, self.starting_balance + cash_change)

    # market data ------------------------------------------------------------------

    async def get_markets(self, status: str = "open") -> list[Market]:
        markets = await self.data.get_markets(status)
        for market in markets:
            self._ticks[market.market_id] = market.tick
        return markets

    async def get_order_book(self, market_id: MarketId) -> OrderBook:
        return await self.data.get_order_book(market_id)

    def apply_event(self, event: VenueEvent) -> list[VenueEvent]:
        """Feed one data-venue event to the paper venue (the stream does this; a backtest
        may call it directly). Returns our resulting fill and order events."""
        if isinstance(event, BookUpdated):
            self._on_book(event.book)
        elif isinstance(event, TradePrinted):
            resting = self._resting_of(event.market_id)
            now, printed = self._clock(), event.venue_ts
            self._apply_matches(on_trade(resting, event.price, event.size, now, printed=printed))
        elif isinstance(event, TickSizeChanged):
            self._ticks[event.market_id] = event.tick
        elif isinstance(event, MarketStatusChanged):
            self._on_status(event.market)
        elif isinstance(event, BookInvalidated):
            self._books.pop(event.market_id, None)
        return self._flush()

    def _on_book(self, raw: OrderBook) -> None:
        mid = raw.market_id
        self._books[mid] = raw
        taken = merge_taken(self._taken.get(mid, {}), raw)
        resting = self._resting_of(mid)
        matches, new = on_book(resting, raw.without(taken), self._clock(), self._window)
        self._taken[mid] = merge_taken(taken, raw, new)
        self._apply_matches(matches)

    def _on_status(self, market: Market) -> None:
        if market.status in _CLOSED:
            for r in self._resting_of(market.market_id):
                self._cancel(r.order.client_order_id)

    def matching_book(self, market_id: MarketId) -> OrderBook | None:
        """The book the paper venue last saw for ``market_id`` (from a live stream or a
        snapshot), less the liquidity we took; None before any."""
        return self._effective_book(market_id)

    def _effective_book(self, market_id: MarketId) -> OrderBook | None:
        raw = self._books.get(market_id)
        return None if raw is None else raw.without(self._taken.get(market_id, {}))

    async def _book_for(self, market_id: MarketId) -> OrderBook:
        if market_id not in self._live or market_id not in self._books:
            self._on_book(await self.data.get_order_book(market_id))
        book = self._effective_book(market_id)
        assert book is not None
        return book

    def _resting_of(self, market_id: MarketId) -> list[Resting]:
        return [r for r in self._resting.values() if r.order.market_id == market_id]

    # placing ----------------------------------------------------------------------

    async def place_orders(self, orders: Sequence[Order]) -> list[PlaceResult]:
        """Up to ``capabilities.max_batch_create`` orders, each with its client order id;
        an id already placed is reported as that order."""
        limit = self.capabilities.max_batch_create
        if len(orders) > limit:
            raise ValueError(f"{len(orders)} orders exceed max_batch_create {limit}")
        results = [await self._place(order) for order in orders]
        self._flush()
        return results

    async def place_order(
        self,
        market_id: MarketId | str,
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
        """The usage guide's call (the same signature as ``KalshiPlatform``'s): place one
        order, return it as the venue now has it (``status``, ``filled_quantity``). A
        rejected order comes back REJECTED with its ``reason``. MARKET orders are
        immediate-or-cancel at ``price``, or else at the grid's most aggressive price."""
        market = market_id if isinstance(market_id, MarketId) else self._market_id(market_id)
        is_market = order_type is OrderType.MARKET
        if price is None and not is_market:
            raise ValueError(f"a limit order on {market} needs a price")
        cid = client_order_id or f"{self._prefix}c{next(self._seq)}"
        order = Order(
            client_order_id=cid if isinstance(cid, ClientOrderId) else ClientOrderId(cid),
            market_id=market,
            side=side,
            price=self._most_aggressive(market, action) if price is None else Decimal(price),
            quantity=Decimal(quantity),
            action=action,
            order_type=order_type,
            time_in_force=TimeInForce.IOC if is_market else (time_in_force or TimeInForce.GTC),
            post_only=post_only and not is_market,
        )
        await self.place_orders([order])
        return self._orders[order.client_order_id]

    def _most_aggressive(self, market_id: MarketId, action: Action) -> Decimal:
        tick = self._ticks.get(market_id)
        if action is Action.BUY:
            return tick.max_price if tick else ONE
        return tick.min_price if tick else ZERO

    def _market_id(self, text: str) -> MarketId:
        return MarketId.parse(text) if ":" in text else MarketId(self.venue, text)

    async def _place(self, order: Order) -> PlaceResult:
        if order.client_order_id in self._orders:
            return _result(self._orders[order.client_order_id])
        reason = self._invalid(order)
        book = None if reason else await self._book_for(order.market_id)
        if order.client_order_id in self._orders:  # placed while we awaited the book
            return _result(self._orders[order.client_order_id])
        if book is None:
            return self._reject(order, reason)
        return self._execute(order, book)

    def _invalid(self, order: Order) -> str:
        if order.quantity <= 0:
            return f"quantity {order.quantity} must be positive"
        if (
            not self.capabilities.fractional_counts
            and order.quantity != order.quantity.to_integral()
        ):
            return f"quantity {order.quantity}: this venue takes whole contracts only"
        if order.order_type is OrderType.MARKET:
            return ""
        tick = self._ticks.get(order.market_id)
        if not ZERO < order.price < ONE or (tick is not None and not tick.is_on_grid(order.price)):
            grid = tick.describe() if tick else "(0, 1)"
            return f"price {order.price} is not on the grid {grid}"
        return ""

    def _execute(self, order: Order, book: OrderBook) -> PlaceResult:
        side, bid = bid_view(order.side, order.action, order.price)
        crossing = crosses(book, side, bid)
        if crossing and order.post_only and order.order_type is OrderType.LIMIT:
            return self._reject(order, "post-only order would cross the book")
        fills, taken = walk(book, side, bid, order.quantity) if crossing else ([], {})
        if not self._affordable(order, fills, bid):
            return self._reject(order, "insufficient balance")
        if order.time_in_force is TimeInForce.FOK and sum(f.size for f in fills) < order.quantity:
            fills, taken = [], {}
        accepted = attrs.evolve(
            order,
            status=OrderStatus.OPEN,
            filled_quantity=ZERO,
            venue_order_id=VenueOrderId(f"{self._prefix}o{next(self._seq)}"),
            created_at=self._clock(),
            reason="",
        )
        return _result(self._take_then_rest(accepted, book, side, bid, fills, taken))

    def _take_then_rest(
        self,
        order: Order,
        book: OrderBook,
        side: OrderSide,
        bid: Decimal,
        fills: list[Level],
        taken: dict[BookKey, Decimal],
    ) -> Order:
        mid = order.market_id
        raw = self._books.get(mid, book)
        self._taken[mid] = merge_taken(self._taken.get(mid, {}), raw, taken)
        self._orders[order.client_order_id] = order
        for lv in fills:
            order = self._fill(order, lv.size, order_price(order.action, lv.price), taker=True)
        if order.remaining > 0 and _immediate(order):
            return self._cancel(order.client_order_id)
        if order.remaining > 0:
            ahead = level_size(book, side, bid)
            self._resting[order.client_order_id] = Resting(
                order=order,
                side=side,
                price=bid,
                ahead=ahead,
                seq=next(self._seq),
                joined=self._clock(),
            )
        if not fills:
            self._updated(order)
        return order

    def _affordable(self, order: Order, fills: list[Level], bid: Decimal) -> bool:
        taken = sum((f.size for f in fills), ZERO)
        cost = sum((f.price * f.size for f in fills), ZERO)
        if not _immediate(order):
            cost += bid * (order.quantity - taken)
        if order.action is Action.SELL:
            cost -= bid * min(order.quantity, self.ledger.held(order.market_id, order.side))
        return cost <= self.ledger.cash - self._reserved()

    def _reserved(self) -> Decimal:
        total = ZERO
        for r in self._resting.values():
            covered = ZERO
            if r.order.action is Action.SELL:
                covered = self.ledger.held(r.order.market_id, r.order.side)
            total += r.price * max(ZERO, r.order.remaining - covered)
        return total

    def _reject(self, order: Order, reason: str) -> PlaceResult:
        rejected = attrs.evolve(order, status=OrderStatus.REJECTED, reason=reason)
        self._orders[order.client_order_id] = rejected
        return _result(rejected)

    # fills ------------------------------------------------------------------------

    def _apply_matches(self, matches: list[Match]) -> None:
        for m in matches:
            cid = m.resting.order.client_order_id
            order = self._orders[cid]
            if m.quantity > 0:
                price = order_price(order.action, m.price)
                order = self._fill(order, m.quantity, price, taker=False)
            if order.remaining > 0:
                self._resting[cid] = attrs.evolve(m.resting, order=order)
            else:
                self._resting.pop(cid, None)

    def _fill(self, order: Order, quantity: Decimal, price: Decimal, *, taker: bool) -> Order:
        now = self._clock()
        fill = Fill(
            fill_id=FillId(f"{self._prefix}f{len(self._fills) + 1}"),
            market_id=order.market_id,
            side=order.side,
            price=price,
            quantity=quantity,
            action=order.action,
            fee=self._fee(price, quantity, taker),
            is_taker=taker,
            client_order_id=order.client_order_id,
            venue_order_id=order.venue_order_id,
            ts=now,
            received_ts=now,
        )
        self._fills.append(fill)
        self.ledger.apply(fill)
        filled = order.filled_quantity + quantity
        status = OrderStatus.FILLED if filled >= order.quantity else OrderStatus.PARTIALLY_FILLED
        order = attrs.evolve(order, filled_quantity=filled, status=status)
        self._orders[order.client_order_id] = order
        self._emit(OrderFilled(fill=fill), order.market_id)
        self._updated(order)
        return order

    # cancelling and amending --------------------------------------------------------

    async def cancel_orders(self, orders: Sequence[Order]) -> list[CancelResult]:
        limit = self.capabilities.max_batch_cancel
        if len(orders) > limit:
            raise ValueError(f"{len(orders)} cancels exceed max_batch_cancel {limit}")
        results = [self._cancel_result(order.client_order_id) for order in orders]
        self._flush()
        return results

    def _cancel_result(self, cid: ClientOrderId) -> CancelResult:
        resting = self._resting.get(cid)
        if resting is None:
            return CancelResult(client_order_id=cid, cancelled=False, reason="order not resting")
        self._cancel(cid)
        return CancelResult(client_order_id=cid, cancelled=True, reduced_by=resting.order.remaining)

    def _cancel(self, cid: ClientOrderId) -> Order:
        self._resting.pop(cid, None)
        order = attrs.evolve(self._orders[cid], status=OrderStatus.CANCELLED)
        self._orders[cid] = order
        self._updated(order)
        return order

    async def cancel_all(self) -> int:
        cids = list(self._resting)
        for cid in cids:
            self._cancel(cid)
        self._flush()
        return len(cids)

    async def amend_order(self, order: Order, price: Decimal, quantity: Decimal) -> PlaceResult:
        cid = order.client_order_id
        if cid not in self._resting:
            return _amend_refused(self._orders.get(cid, order), "order not resting")
        book = await self._book_for(order.market_id)
        result = self._amend(cid, book, price, quantity)
        self._flush()
        return result

    async def decrease_order(self, order: Order, remaining: Decimal) -> CancelResult:
        """Shrink the resting size to ``remaining`` in place, keeping queue priority."""
        cid = order.client_order_id
        resting = self._resting.get(cid)
        if resting is None or not ZERO <= remaining < resting.order.remaining:
            reason = "order not resting" if resting is None else f"remaining {remaining} invalid"
            return CancelResult(client_order_id=cid, cancelled=False, reason=reason)
        reduced_by = resting.order.remaining - remaining
        if remaining == 0:
            self._cancel(cid)
        else:
            self._shrink(resting, resting.order.quantity - reduced_by)
        self._flush()
        return CancelResult(client_order_id=cid, cancelled=True, reduced_by=reduced_by)

    def _amend(
        self, cid: ClientOrderId, book: OrderBook, price: Decimal, quantity: Decimal
    ) -> PlaceResult:
        r = self._resting.get(cid)
        if r is None:
            return _amend_refused(self._orders[cid], "order not resting")
        current = r.order
        updated = attrs.evolve(current, price=price, quantity=quantity)
        reason = self._invalid(attrs.evolve(updated, quantity=max(quantity, ONE)))
        if quantity < current.filled_quantity:
            reason = f"quantity {quantity} is below the filled {current.filled_quantity}"
        if reason:
            return _amend_refused(current, reason)
        if quantity == current.filled_quantity:
            return _result(self._cancel(cid))
        if price == current.price and quantity <= current.quantity:
            return _result(self._shrink(r, quantity))
        return self._reprice(r, updated, book)

    def _shrink(self, r: Resting, quantity: Decimal) -> Order:
        """A smaller total size, in place: the queue position is kept."""
        updated = attrs.evolve(r.order, quantity=quantity)
        self._resting[updated.client_order_id] = attrs.evolve(r, order=updated)
        self._orders[updated.client_order_id] = updated
        self._updated(updated)
        return updated

    def _reprice(self, r: Resting, updated: Order, book: OrderBook) -> PlaceResult:
        side, bid = bid_view(updated.side, updated.action, updated.price)
        crossing = crosses(book, side, bid)
        if crossing and updated.post_only:
            return _amend_refused(r.order, "post-only amend would cross the book")
        fills, taken = walk(book, side, bid, updated.remaining) if crossing else ([], {})
        del self._resting[r.order.client_order_id]
        if not self._affordable(attrs.evolve(updated, quantity=updated.remaining), fills, bid):
            self._resting[r.order.client_order_id] = r
            return _amend_refused(r.order, "insufficient balance")
        return _result(self._take_then_rest(updated, book, side, bid, fills, taken))

    # reads --------------------------------------------------------------------------

    async def get_open_orders(self, market_id: MarketId | None = None) -> list[Order]:
        return [
            r.order
            for r in self._resting.values()
            if market_id is None or r.order.market_id == market_id
        ]

    async def get_order(self, client_order_id: ClientOrderId, market_id: MarketId) -> Order | None:
        order = self._orders.get(client_order_id)
        return order if order is not None and order.market_id == market_id else None

    async def get_fills(self, cursor: str | None = None) -> FillPage:
        start = self._cursor_index(cursor)
        end = start + self._page
        page = tuple(self._fills[start:end])
        more = end < len(self._fills)
        return FillPage(fills=page, cursor=f"{self.session}:{end}" if more else None)

    def _cursor_index(self, cursor: str | None) -> int:
        """Where ``cursor`` points in this session's fills: a cursor of another session
        (a journal's, from an earlier paper run) points at the start."""
        session, _, index = (cursor or "").rpartition(":")
        return int(index) if session == self.session and index.isdigit() else 0

    async def get_positions(self, market_ids: Sequence[MarketId] | None = None) -> list[Position]:
        return self.ledger.positions()

    async def get_balance(self) -> Decimal:
        return self.ledger.cash

    async def get_settlements(self, market_ids: Sequence[MarketId]) -> list[Settlement]:
        """The data venue's resolutions of ``market_ids``, each settling the paper
        position (once), with the paper account's contract counts."""
        found = await self.data.get_settlements(market_ids)
        settled = [self.settle(s) for s in found]
        self._flush()
        return settled

    def settle(self, settlement: Settlement) -> Settlement:
        """A resolution of the data venue applied to the paper account, once per market:
        what rests there is cancelled, what is held paid out. The settlement with the
        paper account's counts (the same one however often it is told)."""
        market_id = settlement.market_id
        done = self._settled.get(market_id)
        if done is not None:
            return done
        for resting in self._resting_of(market_id):
            self._cancel(resting.order.client_order_id)
        yes, no = self.ledger.settle(market_id, settlement.yes_payout)
        done = self._settled[market_id] = attrs.evolve(
            settlement, yes_contracts=yes, no_contracts=no
        )
        return done

    # the stream ---------------------------------------------------------------------

    def stream(self, market_ids: Sequence[MarketId]) -> AsyncIterator[VenueEvent]:
        return self._stream(tuple(market_ids))

    async def _stream(self, market_ids: tuple[MarketId, ...]) -> AsyncIterator[VenueEvent]:
        # The data feed is pumped by a task of trio's system nursery, not of a nursery
        # in this generator's frame: a generator must not yield inside a nursery (a
        # consumer's aclose would come back as an ExceptionGroup). The task forwards
        # the feed's failure through the channel and is cancelled when we stop.
        send, receive = trio.open_memory_channel[VenueEvent | _PumpFailed](math.inf)
        sub = _Subscriber(frozenset(market_ids), send)
        owned = sub.markets - self._live
        self._live |= owned
        self._subscribers.append(sub)
        pump = trio.CancelScope()
        trio.lowlevel.spawn_system_task(self._pump, market_ids, owned, sub, pump)
        try:
            async with receive:
                async for item in receive:
                    if isinstance(item, _PumpFailed):
                        raise item.error
                    yield item
        finally:
            pump.cancel()
            self._unsubscribe(sub, owned)

    async def _pump(
        self,
        market_ids: tuple[MarketId, ...],
        owned: frozenset[MarketId],
        sub: _Subscriber,
        scope: trio.CancelScope,
    ) -> None:
        with scope:
            events = self.data.stream(market_ids)
            try:
                await self._forward(events, owned, sub)
            except Exception as exc:  # handed to the consumer, which raises it
                _send(sub, _PumpFailed(exc))
            finally:
                self._unsubscribe(sub, owned)
                await _aclose_quietly(events)

    async def _forward(
        self, events: AsyncIterator[VenueEvent], owned: frozenset[MarketId], sub: _Subscriber
    ) -> None:
        async for event in events:
            if not isinstance(event, _MARKET_DATA):
                continue  # the data account's own orders are not ours
            if isinstance(event, MarketSettled):  # ours to settle: our counts go on
                event = attrs.evolve(event, settlement=self.settle(event.settlement))
                self._flush()  # its cancels went to the streams already
            if not _send(sub, event):
                return  # the consumer has gone
            if not isinstance(event, MarketSettled) and _market_of(event) in owned:
                self.apply_event(event)

    def _unsubscribe(self, sub: _Subscriber, owned: frozenset[MarketId]) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)
            self._live -= owned
        sub.send.close()

    def _updated(self, order: Order) -> None:
        assert order.venue_order_id is not None
        self._emit(
            OrderUpdated(
                client_order_id=order.client_order_id,
                venue_order_id=order.venue_order_id,
                market_id=order.market_id,
                status=order.status,
                filled_quantity=order.filled_quantity,
                remaining_quantity=ZERO if order.status.is_terminal else order.remaining,
                venue_ts=self._clock(),
            ),
            order.market_id,
        )

    def _emit(self, event: VenueEvent, market_id: MarketId) -> None:
        self._outbox.append(event)
        for sub in self._subscribers:
            if market_id in sub.markets:
                _send(sub, event)

    def _flush(self) -> list[VenueEvent]:
        out, self._outbox = self._outbox, []
        return out

    async def aclose(self) -> None:
        await self.data.aclose()


def _market_of(event: VenueEvent) -> MarketId:
    if isinstance(event, BookUpdated):
        return event.book.market_id
    if isinstance(event, MarketStatusChanged):
        return event.market.market_id
    assert isinstance(event, TradePrinted | BookInvalidated | TickSizeChanged)
    return event.market_id


def _immediate(order: Order) -> bool:
    return order.order_type is OrderType.MARKET or order.time_in_force in (
        TimeInForce.IOC,
        TimeInForce.FOK,
    )


def _result(order: Order) -> PlaceResult:
    return PlaceResult(
        client_order_id=order.client_order_id,
        status=order.status,
        venue_order_id=order.venue_order_id,
        filled_quantity=order.filled_quantity,
        reason=order.reason,
    )


def _amend_refused(order: Order, reason: str) -> PlaceResult:
    """An amend the paper venue refused: the order itself is unchanged."""
    return attrs.evolve(_result(order), status=OrderStatus.REJECTED, reason=reason)

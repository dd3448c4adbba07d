"""Placement, price-time-priority matching, cancels and amends."""

from __future__ import annotations

import heapq
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain import (
    Action,
    ClientOrderId,
    FillId,
    MarketId,
    MarketStatus,
    OrderSide,
    OrderStatus,
    TimeInForce,
    Venue,
    VenueOrderId,
)
from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.accounts import Account, Holding
from predmm.simulator.exchange.book import Ladder, WorkingOrder
from predmm.simulator.exchange.core import (
    _RESTING,
    ExchangeCore,
    _Delta,
    _is_count,
    _Market,
    _placement,
    _Reject,
    _state,
    _Trade,
)
from predmm.simulator.exchange.model import (
    ONE,
    ZERO,
    AccountId,
    CancelOutcome,
    CancelReason,
    FillRecord,
    GroupId,
    OrderRecord,
    PlaceOutcome,
    RejectCode,
    SelfTradePrevention,
    TradeId,
    TradeRecord,
    TradeStatus,
)


@attrs.frozen(kw_only=True)
class _Request:
    """The arguments of one ``place_order`` call, unchecked."""

    account_id: AccountId
    market_id: MarketId
    side: OrderSide
    price: Decimal
    quantity: Decimal
    action: Action
    tif: TimeInForce
    post_only: bool
    expiration: datetime | None
    cid: ClientOrderId | None
    order_id: VenueOrderId | None
    group_id: GroupId | None = None
    cancel_on_pause: bool = False


class _Keep:
    """``amend_order``'s default expiration: keep the order's."""


KEEP = _Keep()


def _check_count(quantity: Decimal, market: _Market) -> None:
    """A positive multiple of 0.01 and of the market's count step."""
    step = market.spec.count_step
    if not _is_count(quantity) or quantity % step != 0:
        raise _Reject(
            RejectCode.INVALID_QUANTITY,
            f"quantity {quantity} is not a positive multiple of the count step {step}"
            f" of {market.spec.market_id}",
        )


def _check_shape(req: _Request, market: _Market) -> None:
    """Types, market status, the price grid, the count grid and the minimum size."""
    if not isinstance(req.side, OrderSide) or not isinstance(req.action, Action):
        raise _Reject(RejectCode.INVALID_ORDER, f"bad side {req.side!r} or action {req.action!r}")
    if not isinstance(req.tif, TimeInForce):
        raise _Reject(RejectCode.INVALID_ORDER, f"bad time in force {req.tif!r}")
    if req.post_only and req.tif in (TimeInForce.IOC, TimeInForce.FOK):
        raise _Reject(RejectCode.INVALID_ORDER, "post-only orders must be GTC or GTD")
    if market.status is not MarketStatus.OPEN:
        raise _Reject(
            RejectCode.MARKET_NOT_OPEN, f"market {req.market_id} is {market.status.value}"
        )
    price = req.price
    if not isinstance(price, Decimal) or not price.is_finite() or not market.tick.is_on_grid(price):
        grid = market.tick.describe()
        raise _Reject(RejectCode.INVALID_PRICE, f"price {price} is not on the grid {grid}")
    _check_count(req.quantity, market)
    if req.quantity < market.spec.min_order_size:
        raise _Reject(
            RejectCode.BELOW_MIN_SIZE,
            f"size {req.quantity} is below the minimum {market.spec.min_order_size}",
        )


class MatchingMixin(ExchangeCore):
    # orders: placement -----------------------------------------------------------

    def place_order(
        self,
        account_id: AccountId,
        market_id: MarketId,
        side: OrderSide,
        price: Decimal,
        quantity: Decimal,
        *,
        action: Action = Action.BUY,
        time_in_force: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        expiration: datetime | None = None,
        client_order_id: ClientOrderId | None = None,
        order_id: VenueOrderId | None = None,
        stp: SelfTradePrevention = SelfTradePrevention.CANCEL_RESTING,
        group_id: GroupId | None = None,
        cancel_on_pause: bool = False,
    ) -> PlaceOutcome:
        """Place one limit order: match what crosses at the resting prices, then rest
        (GTC/GTD), or cancel the rest (IOC), or do nothing unless all fills (FOK).

        ``price`` is the price of ``side``: BUY YES at 0.40 pays 0.40 per contract;
        SELL YES at 0.40 delivers held YES contracts for at least 0.40 each and rests as
        a NO bid at 0.60. A rejection changes nothing and is returned, not raised.
        ``group_id``: the order group it counts in (``groups``); ``cancel_on_pause``:
        cancelled when trading pauses."""
        self._expire_due()
        req = _Request(
            account_id=account_id,
            market_id=market_id,
            side=side,
            price=price,
            quantity=quantity,
            action=action,
            tif=time_in_force,
            post_only=post_only,
            expiration=expiration,
            cid=client_order_id,
            order_id=order_id,
            group_id=group_id,
            cancel_on_pause=cancel_on_pause,
        )
        try:
            market, acct = self._validate(req)
        except _Reject as rej:
            return PlaceOutcome(order=None, reject=rej.code, message=rej.message)
        order = self._accept(market, acct, req)
        fills = self._take(market, acct, order, stp)
        self._finish_taker(market, acct, order)
        self._trip_groups()
        self._flush()
        return PlaceOutcome(order=order.record(), fills=tuple(fills))

    def _validate(self, req: _Request) -> tuple[_Market, Account]:
        """The market and account of a valid order; raise _Reject otherwise."""
        acct = self._accounts.get(req.account_id)
        if acct is None:
            raise _Reject(RejectCode.UNKNOWN_ACCOUNT, f"no account {req.account_id}")
        market = self._markets.get(req.market_id)
        if market is None:
            raise _Reject(RejectCode.UNKNOWN_MARKET, f"no market {req.market_id}")
        if acct.venue is not req.market_id.venue:
            raise _Reject(RejectCode.WRONG_VENUE, f"{req.account_id} cannot trade {req.market_id}")
        _check_shape(req, market)
        self._check_trading(market)
        self._check_group(req)
        self._check_ids(req, acct)
        self._check_time(req)
        book_side, book_price = _placement(req.side, req.action, req.price)
        if req.post_only and self._crosses(market, book_side, book_price):
            raise _Reject(RejectCode.POST_ONLY_CROSS, f"post-only order at {req.price} crosses")
        self._check_funds(market, acct, req.side, req.action, req.price, req.quantity)
        if req.tif is TimeInForce.FOK:
            fillable = self._fillable(market, req.account_id, book_side, book_price, req.quantity)
            if fillable < req.quantity:
                raise _Reject(
                    RejectCode.FOK_NOT_FILLED, f"FOK order of {req.quantity}: only {fillable}"
                )
        return market, acct

    def _check_trading(self, market: _Market) -> None:
        if market.spec.venue in self._trading_paused:
            raise _Reject(
                RejectCode.TRADING_PAUSED, f"trading is paused on {market.spec.venue.value}"
            )

    def _check_group(self, req: _Request) -> None:
        if req.group_id is None:
            return
        group = self._groups.get(req.group_id)
        if group is None or group.account_id != req.account_id:
            raise _Reject(RejectCode.UNKNOWN_GROUP, f"no order group {req.group_id}")
        if group.triggered:
            raise _Reject(
                RejectCode.GROUP_TRIGGERED,
                f"order group {req.group_id} is triggered: no order until it is reset",
            )

    def _check_ids(self, req: _Request, acct: Account) -> None:
        if req.cid is not None and req.cid in acct.client_order_ids:
            raise _Reject(
                RejectCode.DUPLICATE_CLIENT_ORDER_ID, f"client order id {req.cid} was already used"
            )
        if req.order_id is not None and req.order_id in self._orders:
            raise _Reject(RejectCode.DUPLICATE_ORDER_ID, f"order {req.order_id} already exists")

    def _check_time(self, req: _Request) -> None:
        if req.tif is TimeInForce.GTD and (req.expiration is None or req.expiration <= self._now()):
            raise _Reject(
                RejectCode.INVALID_EXPIRATION,
                f"GTD expiration {req.expiration} is not in the future",
            )

    def _check_funds(
        self,
        market: _Market,
        acct: Account,
        side: OrderSide,
        action: Action,
        price: Decimal,
        quantity: Decimal,
    ) -> None:
        if action is Action.SELL:
            free = acct.holdings.get(market.spec.market_id, Holding()).free(side)
            if free < quantity:
                raise _Reject(
                    RejectCode.INSUFFICIENT_BALANCE,
                    f"selling {quantity} {side.value} but only {free} free",
                )
            return
        fees = market.spec.fees
        if self._crosses(market, side, price):  # BUY rests on its own side's ladder
            fee = fees.worst_taker_fee(quantity, price)
        else:
            fee = fees.fee(quantity, price, is_taker=False)
        need = quantity * price + fee
        if acct.available < need:
            raise _Reject(
                RejectCode.INSUFFICIENT_BALANCE,
                f"order needs {need} but {acct.available} is available",
            )

    @staticmethod
    def _crosses(market: _Market, book_side: OrderSide, book_price: Decimal) -> bool:
        best = market.book.ladder(book_side.opposite).best()
        return best is not None and book_price + best >= ONE

    @staticmethod
    def _fillable(
        market: _Market,
        account_id: AccountId,
        book_side: OrderSide,
        book_price: Decimal,
        want: Decimal,
    ) -> Decimal:
        ladder = market.book.ladder(book_side.opposite)
        total = ZERO
        for p in ladder.prices_best_first():
            if book_price + p < ONE or total >= want:
                break
            total += sum(
                (o.remaining for o in ladder.queue(p) if o.account_id != account_id), start=ZERO
            )
        return total

    def _accept(self, market: _Market, acct: Account, req: _Request) -> WorkingOrder:
        now = self._now()
        book_side, book_price = _placement(req.side, req.action, req.price)
        order = WorkingOrder(
            order_id=req.order_id or VenueOrderId(self._new_id()),
            account_id=acct.account_id,
            market_id=market.spec.market_id,
            side=req.side,
            action=req.action,
            price=req.price,
            quantity=req.quantity,
            time_in_force=req.tif,
            post_only=req.post_only,
            client_order_id=req.cid,
            expiration=req.expiration if req.tif is TimeInForce.GTD else None,
            created_at=now,
            updated_at=now,
            book_side=book_side,
            book_price=book_price,
            group_id=req.group_id,
            cancel_on_pause=req.cancel_on_pause,
        )
        self._orders[order.order_id] = order
        self._account_orders.setdefault(acct.account_id, []).append(order)
        if req.cid is not None:
            acct.client_order_ids.add(req.cid)
            self._by_cid[(acct.account_id, req.cid)] = order.order_id
        if self._wants(ev.OrderAccepted):
            self._emit(ev.OrderAccepted(account_id=acct.account_id, order=order.record(), ts=now))
        return order

    def _take(
        self, market: _Market, acct: Account, taker: WorkingOrder, stp: SelfTradePrevention
    ) -> list[FillRecord]:
        fills: list[FillRecord] = []
        ladder = market.book.ladder(taker.book_side.opposite)
        while taker.remaining > ZERO:
            best = ladder.best()
            if best is None or taker.book_price + best < ONE:
                break
            maker = ladder.front(best)
            if maker.account_id == taker.account_id:
                if stp is SelfTradePrevention.CANCEL_TAKER:
                    taker.cancel_reason = CancelReason.SELF_TRADE
                    break
                self._cancel(market, maker, CancelReason.SELF_TRADE)
                continue
            fills.append(self._match(market, ladder, taker, maker))
        return fills

    def _finish_taker(self, market: _Market, acct: Account, order: WorkingOrder) -> None:
        if order.remaining == ZERO:
            return
        if order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK) or order.cancel_reason:
            reason = order.cancel_reason or CancelReason.IOC_REMAINDER
            self._close(order, OrderStatus.CANCELLED, reason)
            return
        self._rest(market, acct, order)

    def _rest(self, market: _Market, acct: Account, order: WorkingOrder) -> None:
        self._reserve(market, acct, order)
        self._open[acct.account_id][order.order_id] = order
        ladder = market.book.ladder(order.book_side)
        size = ladder.add(order)
        self._level_changed(market, order.book_side, order.book_price, size, order.remaining)
        if order.expiration is not None:
            self._expiry_n += 1
            heapq.heappush(self._expiry, (order.expiration, self._expiry_n, order.order_id))

    @staticmethod
    def _maker_fee(market: _Market, order: WorkingOrder, qty: Decimal) -> Decimal:
        """A per-order accumulator (as Kalshi rounds): the fills of a resting order pay,
        in total, the rounded fee of their total, so partial fills never overpay and the
        reservation always covers what is left."""
        total = market.spec.fees.fee(order.maker_filled + qty, order.price, is_taker=False)
        fee = total - order.maker_fee_base
        order.maker_filled += qty
        order.maker_fee_base = total
        return fee

    # matching --------------------------------------------------------------------

    def _match(
        self, market: _Market, ladder: Ladder, taker: WorkingOrder, maker: WorkingOrder
    ) -> FillRecord:
        now = self._now()
        qty = min(taker.remaining, maker.remaining)
        yes_price = maker.book_price if maker.book_side is OrderSide.YES else ONE - maker.book_price
        trade_id = TradeId(self._new_id())
        t_fill, t_delta = self._settle_fill(market, taker, trade_id, yes_price, qty, True, now)
        m_fill, m_delta = self._settle_fill(market, maker, trade_id, yes_price, qty, False, now)
        buys = (taker.action is Action.BUY) + (maker.action is Action.BUY)
        minted = qty * (buys - 1)
        market.open_interest += minted
        market.volume += qty
        market.last_price = yes_price
        self._net_pairs(market, taker.account_id)
        self._net_pairs(market, maker.account_id)
        self._maker_filled(market, ladder, maker, qty)
        status = (
            TradeStatus.MATCHED if market.spec.venue is Venue.POLYMARKET else TradeStatus.CONFIRMED
        )
        record = TradeRecord(
            trade_id=trade_id,
            market_id=market.spec.market_id,
            yes_price=yes_price,
            quantity=qty,
            taker_side=taker.book_side,
            taker=t_fill,
            maker=m_fill,
            status=status,
            ts=now,
            last_update=now,
        )
        deltas = tuple(d for d in (t_delta, m_delta) if d is not None)
        self._trades[trade_id] = _Trade(record, deltas, minted)
        self._trade_order.append(trade_id)
        self._market_trades.setdefault(record.market_id, []).append(trade_id)
        if self._wants(ev.TradePrinted):
            self._emit(ev.TradePrinted(trade=record, ts=now))
        wants_order = self._wants(ev.OrderFilled) or self._wants(ev.OrderUpdated)
        for order, fill in ((taker, t_fill), (maker, m_fill)):
            rec = order.record() if wants_order else None
            if rec is not None and self._wants(ev.OrderFilled):
                self._emit(
                    ev.OrderFilled(account_id=order.account_id, order=rec, fill=fill, ts=now)
                )
            if rec is not None and self._wants(ev.OrderUpdated):
                self._emit(ev.OrderUpdated(account_id=order.account_id, order=rec, ts=now))
            if self._wants(ev.AccountChanged):
                self._emit(ev.AccountChanged(account_id=order.account_id, ts=now))
        return t_fill

    def _settle_fill(
        self,
        market: _Market,
        order: WorkingOrder,
        trade_id: TradeId,
        yes_price: Decimal,
        qty: Decimal,
        is_taker: bool,
        now: datetime,
    ) -> tuple[FillRecord, _Delta | None]:
        acct = self._accounts[order.account_id]
        h = acct.holding(order.market_id)
        reversible = market.spec.venue is Venue.POLYMARKET  # only those trades can fail
        before = _state(acct, h) if reversible else ()
        price = yes_price if order.side is OrderSide.YES else ONE - yes_price
        fee = (
            market.spec.fees.fee(qty, price, is_taker=True)
            if is_taker
            else self._maker_fee(market, order, qty)
        )
        notional = qty * price
        if order.action is Action.BUY:
            acct.cash -= notional + fee
            h.add(order.side, qty, notional)
        else:
            h.reserve(order.side, -min(qty, order.reserved_tokens))
            order.reserved_tokens -= min(qty, order.reserved_tokens)
            h.remove(order.side, qty, notional)
            acct.cash += notional - fee
        h.realized_pnl -= fee
        h.fees_paid += fee
        h.traded += qty
        h.traded_dollars += notional
        acct.fees_paid += fee
        self.fees_collected += fee
        order.filled += qty
        order.cost += notional
        self._group_matched(order, qty, now)
        if is_taker:
            order.taker_fees += fee
        else:
            order.maker_fees += fee
        order.status = (
            OrderStatus.FILLED if order.remaining == ZERO else OrderStatus.PARTIALLY_FILLED
        )
        order.updated_at = now
        if order.action is Action.BUY and not is_taker:
            self._reserve(market, acct, order)
        delta = None
        if reversible:
            after = _state(acct, h)
            delta = _Delta(order.account_id, *(a - b for a, b in zip(after, before, strict=True)))
        fill = FillRecord(
            fill_id=FillId(self._new_id()),
            trade_id=trade_id,
            account_id=order.account_id,
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            market_id=order.market_id,
            side=order.side,
            action=order.action,
            price=price,
            quantity=qty,
            fee=fee,
            is_taker=is_taker,
            ts=now,
        )
        self._fills[order.account_id].append(fill)
        return fill, delta

    def _net_pairs(self, market: _Market, account_id: AccountId) -> None:
        """Kalshi: a YES and a NO of the same market net into $1 at once."""
        if not market.spec.nets_pairs:
            return
        acct = self._accounts[account_id]
        h = acct.holding(market.spec.market_id)
        pairs = min(h.free(OrderSide.YES), h.free(OrderSide.NO))
        if pairs <= ZERO:
            return
        h.remove(OrderSide.YES, pairs, ZERO)
        h.remove(OrderSide.NO, pairs, pairs)
        acct.cash += pairs
        market.open_interest -= pairs

    def _maker_filled(
        self, market: _Market, ladder: Ladder, maker: WorkingOrder, qty: Decimal
    ) -> None:
        price = maker.book_price
        if maker.remaining == ZERO:
            size = ladder.remove(maker, qty)  # it had ``qty`` left before this fill
            del self._open[maker.account_id][maker.order_id]
            self._release(maker)
        else:
            size = ladder.reduce(maker, qty)
        self._level_changed(market, maker.book_side, price, size, -qty)

    # cancels, amends -------------------------------------------------------------

    def cancel_order(
        self,
        order_id: VenueOrderId,
        *,
        account_id: AccountId | None = None,
        reason: CancelReason = CancelReason.USER,
    ) -> CancelOutcome:
        """Cancel a resting order. Unknown, finished or someone else's order: not cancelled
        (``order`` is None when unknown or someone else's). Allowed while paused."""
        self._expire_due()
        order = self._orders.get(order_id)
        if order is None or (account_id is not None and order.account_id != account_id):
            return CancelOutcome(order=None, cancelled=False, message=f"order {order_id} not found")
        if order.status not in _RESTING:
            return CancelOutcome(
                order=order.record(),
                cancelled=False,
                message=f"order {order_id} is {order.status.value}",
            )
        reduced = order.remaining
        self._cancel(self._markets[order.market_id], order, reason)
        self._flush()
        return CancelOutcome(order=order.record(), cancelled=True, reduced_by=reduced)

    def cancel_all(
        self,
        account_id: AccountId,
        market_id: MarketId | None = None,
        *,
        side: OrderSide | None = None,
        reason: CancelReason = CancelReason.USER,
    ) -> list[OrderRecord]:
        """Cancel every resting order of the account (in one market / of one side)."""
        self._expire_due()
        victims = [
            o
            for o in self._open.get(account_id, {}).values()
            if market_id in (None, o.market_id) and side in (None, o.side)
        ]
        for o in victims:
            self._cancel(self._markets[o.market_id], o, reason)
        self._flush()
        return [o.record() for o in victims]

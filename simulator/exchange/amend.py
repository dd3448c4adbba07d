"""Amending and decreasing resting orders: a new price, size or expiration in place
(queue priority kept by a pure decrease or a new expiration), or re-queued."""

from __future__ import annotations

import heapq
from datetime import datetime
from decimal import Decimal

from predmm.domain import Action, MarketStatus, TimeInForce, VenueOrderId
from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.book import WorkingOrder
from predmm.simulator.exchange.core import _RESTING, _is_count, _Market, _placement, _Reject
from predmm.simulator.exchange.matching import KEEP, MatchingMixin, _check_count, _Keep
from predmm.simulator.exchange.model import (
    ZERO,
    AccountId,
    CancelOutcome,
    CancelReason,
    PlaceOutcome,
    RejectCode,
    SelfTradePrevention,
)


class AmendMixin(MatchingMixin):
    def decrease_order(
        self,
        order_id: VenueOrderId,
        *,
        account_id: AccountId | None = None,
        reduce_by: Decimal | None = None,
        reduce_to: Decimal | None = None,
    ) -> CancelOutcome:
        """Take size off a resting order, keeping its queue place. ``reduce_to`` is the new
        remaining size; reaching zero cancels it."""
        order = self._orders.get(order_id)
        if order is None or (account_id is not None and order.account_id != account_id):
            return CancelOutcome(order=None, cancelled=False, message=f"order {order_id} not found")
        if order.status not in _RESTING:
            return CancelOutcome(
                order=order.record(),
                cancelled=False,
                message=f"order {order_id} is {order.status.value}",
            )
        by = reduce_by if reduce_by is not None else order.remaining - (reduce_to or ZERO)
        step = self._markets[order.market_id].spec.count_step
        if not _is_count(by) or by > order.remaining or by % step != 0:
            return CancelOutcome(
                order=order.record(), cancelled=False, message=f"cannot reduce {order_id} by {by}"
            )
        market = self._markets[order.market_id]
        if by == order.remaining:
            self._cancel(market, order, CancelReason.DECREASED_TO_ZERO)
        else:
            self._shrink(market, order, by)
        self._flush()
        return CancelOutcome(order=order.record(), cancelled=True, reduced_by=by)

    def _shrink(self, market: _Market, order: WorkingOrder, by: Decimal) -> None:
        ladder = market.book.ladder(order.book_side)
        size = ladder.reduce(order, by)
        order.quantity -= by
        order.updated_at = self._now()
        self._reserve(market, self._accounts[order.account_id], order)
        self._level_changed(market, order.book_side, order.book_price, size, -by)
        if self._wants(ev.OrderUpdated):
            self._emit(
                ev.OrderUpdated(
                    account_id=order.account_id, order=order.record(), ts=order.updated_at
                )
            )

    def amend_order(
        self,
        order_id: VenueOrderId,
        *,
        account_id: AccountId | None = None,
        price: Decimal | None = None,
        quantity: Decimal | None = None,
        expiration: datetime | _Keep | None = KEEP,
    ) -> PlaceOutcome:
        """Change price and/or total quantity (filled + remaining) and/or expiration of
        a resting order. A pure size decrease or expiration change keeps queue priority;
        anything else re-queues the order at the back of its new level (and it may match
        like a new order). A post-only order that would cross is rejected and left
        unchanged. ``expiration``: a future time (the order becomes GTD), None (it
        becomes GTC), or left as it is."""
        self._expire_due()
        order = self._orders.get(order_id)
        if order is None or (account_id is not None and order.account_id != account_id):
            return PlaceOutcome(
                order=None, reject=RejectCode.INVALID_ORDER, message=f"order {order_id} not found"
            )
        if order.status not in _RESTING:
            return PlaceOutcome(
                order=order.record(),
                reject=RejectCode.INVALID_ORDER,
                message=f"order {order_id} is {order.status.value}",
            )
        new_price = order.price if price is None else price
        new_qty = order.quantity if quantity is None else quantity
        market = self._markets[order.market_id]
        try:
            self._check_amend(market, order, new_price, new_qty)
            if not isinstance(expiration, _Keep):
                self._expire_at(order, expiration)
        except _Reject as rej:
            return PlaceOutcome(order=order.record(), reject=rej.code, message=rej.message)
        if new_price == order.price and new_qty <= order.quantity:
            if new_qty < order.quantity:
                self._shrink(market, order, order.quantity - new_qty)
            elif not isinstance(expiration, _Keep):
                self._order_updated(order)
            self._flush()
            return PlaceOutcome(order=order.record())
        return self._requeue(market, order, new_price, new_qty)

    def _expire_at(self, order: WorkingOrder, expiration: datetime | None) -> None:
        """A new expiration (None: none) of a resting order."""
        if expiration is not None and expiration <= self._now():
            raise _Reject(
                RejectCode.INVALID_EXPIRATION, f"expiration {expiration} is not in the future"
            )
        order.expiration = expiration
        order.time_in_force = TimeInForce.GTC if expiration is None else TimeInForce.GTD
        order.updated_at = self._now()
        if expiration is not None:
            self._expiry_n += 1
            heapq.heappush(self._expiry, (expiration, self._expiry_n, order.order_id))

    def _order_updated(self, order: WorkingOrder) -> None:
        if self._wants(ev.OrderUpdated):
            self._emit(
                ev.OrderUpdated(
                    account_id=order.account_id, order=order.record(), ts=order.updated_at
                )
            )

    def _check_amend(
        self, market: _Market, order: WorkingOrder, price: Decimal, qty: Decimal
    ) -> None:
        if market.status is not MarketStatus.OPEN:
            raise _Reject(
                RejectCode.MARKET_NOT_OPEN, f"market {order.market_id} is {market.status.value}"
            )
        self._check_trading(market)
        if not isinstance(price, Decimal) or not market.tick.is_on_grid(price):
            raise _Reject(
                RejectCode.INVALID_PRICE,
                f"price {price} is not on the grid {market.tick.describe()}",
            )
        _check_count(qty, market)
        if qty <= order.filled:
            raise _Reject(
                RejectCode.INVALID_QUANTITY, f"quantity {qty} must exceed the filled {order.filled}"
            )
        book_side, book_price = _placement(order.side, order.action, price)
        if order.post_only and self._crosses(market, book_side, book_price):
            raise _Reject(
                RejectCode.POST_ONLY_CROSS, f"post-only amend to {price} crosses the book"
            )
        acct = self._accounts[order.account_id]
        rem = qty - order.filled
        if order.action is Action.SELL:
            free = acct.holding(order.market_id).free(order.side) + order.reserved_tokens
            if free < rem:
                raise _Reject(
                    RejectCode.INSUFFICIENT_BALANCE, f"selling {rem} but only {free} free"
                )
        else:
            need = rem * price + market.spec.fees.worst_taker_fee(rem, price)
            if acct.available + order.reserved_cash < need:
                raise _Reject(RejectCode.INSUFFICIENT_BALANCE, f"amend needs {need}")

    def _requeue(
        self, market: _Market, order: WorkingOrder, price: Decimal, qty: Decimal
    ) -> PlaceOutcome:
        ladder = market.book.ladder(order.book_side)
        removed = order.remaining
        size = ladder.remove(order, removed)
        self._level_changed(market, order.book_side, order.book_price, size, -removed)
        self._open[order.account_id].pop(order.order_id, None)
        self._release(order)
        if price != order.price:
            order.maker_filled = order.maker_fee_base = ZERO  # a new accumulator per price
        order.price, order.quantity = price, qty
        order.book_side, order.book_price = _placement(order.side, order.action, price)
        order.updated_at = self._now()
        if self._wants(ev.OrderUpdated):
            self._emit(
                ev.OrderUpdated(
                    account_id=order.account_id, order=order.record(), ts=order.updated_at
                )
            )
        acct = self._accounts[order.account_id]
        fills = self._take(market, acct, order, SelfTradePrevention.CANCEL_RESTING)
        self._finish_taker(market, acct, order)
        self._trip_groups()
        self._flush()
        return PlaceOutcome(order=order.record(), fills=tuple(fills))

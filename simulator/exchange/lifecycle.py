"""Market lifecycle: pause, resume, close, settlement at $1 per winning contract, tick
changes."""

from __future__ import annotations

from predmm.domain import MarketId, MarketStatus, OrderSide, TickSpec, Venue
from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.core import ExchangeCore, _Market
from predmm.simulator.exchange.model import ZERO, CancelReason, SettlementRecord


class LifecycleMixin(ExchangeCore):
    # lifecycle -------------------------------------------------------------------

    def set_status(self, market_id: MarketId, status: MarketStatus) -> None:
        market = self._market(market_id)
        old = market.status
        if old is status:
            return
        if old is MarketStatus.SETTLED:
            raise ValueError(f"market {market_id} is settled; its status cannot change")
        market.status = status
        if self._wants(ev.MarketStatusChanged):
            self._emit(
                ev.MarketStatusChanged(
                    market_id=market_id, old_status=old, status=status, ts=self._now()
                )
            )

    def pause_market(self, market_id: MarketId) -> None:
        """Stop trading: placements and amends are refused, cancels still work, resting
        orders stay but those placed with ``cancel_on_pause`` (all of them on a Kalshi
        market listed with ``cancel_order_on_pause``)."""
        market = self._market(market_id)
        self.set_status(market_id, MarketStatus.PAUSED)
        kalshi = market.spec.kalshi
        every = kalshi is not None and kalshi.cancel_order_on_pause
        for order in list(market.book.resting()):
            if every or order.cancel_on_pause:
                self._cancel(market, order, CancelReason.PAUSE)
        self._flush()

    def resume_market(self, market_id: MarketId, *, cancel_resting: bool | None = None) -> None:
        """Reopen a paused market. By default Kalshi cancels every resting order on
        reactivation (notes §8); Polymarket keeps them."""
        market = self._market(market_id)
        if cancel_resting is None:
            cancel_resting = market.spec.venue is Venue.KALSHI
        if cancel_resting:
            self._cancel_market(market, CancelReason.MARKET_REACTIVATED)
        self.set_status(market_id, MarketStatus.OPEN)
        self._flush()

    def close_market(self, market_id: MarketId) -> None:
        """Trading ends (close time): resting orders are cancelled; settlement follows."""
        market = self._market(market_id)
        self._cancel_market(market, CancelReason.MARKET_CLOSED)
        self.set_status(market_id, MarketStatus.CLOSED)
        self._flush()

    def settle_market(self, market_id: MarketId, result: OrderSide) -> None:
        """Resolve: every contract of ``result`` pays $1, the other side nothing; all
        positions are paid out and cleared. Resting orders are cancelled first."""
        market = self._market(market_id)
        if market.status is MarketStatus.SETTLED:
            raise ValueError(f"market {market_id} is already settled")
        self._cancel_market(market, CancelReason.MARKET_CLOSED)
        now = self._now()
        for acct in self._accounts.values():
            h = acct.holdings.get(market_id)
            if h is None or (h.yes == ZERO and h.no == ZERO):
                continue
            payout = h.count(result)
            self._settlements.setdefault(acct.account_id, []).append(
                SettlementRecord(
                    account_id=acct.account_id,
                    market_id=market_id,
                    result=result,
                    yes=h.yes,
                    no=h.no,
                    cost_yes=h.cost_yes,
                    cost_no=h.cost_no,
                    payout=payout,
                    ts=now,
                )
            )
            acct.cash += payout
            h.realized_pnl += payout - h.cost_yes - h.cost_no
            h.yes = h.no = h.cost_yes = h.cost_no = ZERO
            h.reserved_yes = h.reserved_no = ZERO
            market.open_interest -= payout
            if self._wants(ev.AccountChanged):
                self._emit(ev.AccountChanged(account_id=acct.account_id, ts=now))
        market.result, market.settled_at = result, now
        self.set_status(market_id, MarketStatus.SETTLED)
        if self._wants(ev.MarketSettled):
            self._emit(ev.MarketSettled(market_id=market_id, result=result, ts=now))
        self._flush()

    def _cancel_market(self, market: _Market, reason: CancelReason) -> None:
        for order in list(market.book.resting()):
            self._cancel(market, order, reason)

    def change_tick(self, market_id: MarketId, tick: TickSpec) -> None:
        """A new price grid (Polymarket ``tick_size_change``, Kalshi
        ``price_level_structure_updated``). Resting orders off the new grid are cancelled."""
        market = self._market(market_id)
        old = market.tick
        market.tick = tick
        for order in list(market.book.resting()):
            if not tick.is_on_grid(order.price):
                self._cancel(market, order, CancelReason.TICK_CHANGE)
        if self._wants(ev.TickSizeChanged):
            self._emit(
                ev.TickSizeChanged(market_id=market_id, old_tick=old, tick=tick, ts=self._now())
            )
        self._flush()

"""Polymarket trade settlement (MATCHED -> MINED -> CONFIRMED, or FAILED) and the audit
of the exchange's invariants."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.accounts import Account
from predmm.simulator.exchange.core import _NEXT_STATUS, ExchangeCore, _Trade
from predmm.simulator.exchange.model import ZERO, TradeId, TradeRecord, TradeStatus


class SettlementMixin(ExchangeCore):
    # Polymarket trade settlement ---------------------------------------------------

    def advance_trade(self, trade_id: TradeId) -> TradeRecord:
        """MATCHED -> MINED -> CONFIRMED. A final trade stays as it is."""
        t = self._trades[trade_id]
        nxt = _NEXT_STATUS.get(t.record.status)
        if nxt is None:
            return t.record
        return self._set_trade_status(t, nxt)

    def fail_trade(self, trade_id: TradeId) -> TradeRecord:
        """The trade failed on chain: undo exactly what it did to both accounts' cash,
        fees and contracts (the orders stay filled). Only MATCHED or MINED trades fail."""
        t = self._trades[trade_id]
        if t.record.status.is_final:
            raise ValueError(f"trade {trade_id} is {t.record.status.value}; it cannot fail")
        market = self._markets[t.record.market_id]
        for d in t.deltas:
            acct = self._accounts[d.account_id]
            h = acct.holding(t.record.market_id)
            acct.cash -= d.cash
            acct.fees_paid -= d.fees
            self.fees_collected -= d.fees
            h.fees_paid -= d.fees
            h.yes -= d.yes
            h.no -= d.no
            h.cost_yes -= d.cost_yes
            h.cost_no -= d.cost_no
            h.realized_pnl -= d.realized
            if self._wants(ev.AccountChanged):
                self._emit(ev.AccountChanged(account_id=d.account_id, ts=self._now()))
        market.open_interest -= t.minted
        return self._set_trade_status(t, TradeStatus.FAILED)

    def _set_trade_status(self, t: _Trade, status: TradeStatus) -> TradeRecord:
        old = t.record.status
        now = self._now()
        t.record = attrs.evolve(t.record, status=status, last_update=now)
        if self._wants(ev.TradeStatusChanged):
            self._emit(ev.TradeStatusChanged(trade=t.record, old_status=old, ts=now))
        self._flush()
        return t.record

    def pending_trades(self) -> list[TradeRecord]:
        """Trades not yet CONFIRMED or FAILED, oldest first."""
        return [
            self._trades[t].record
            for t in self._trade_order
            if not self._trades[t].record.status.is_final
        ]

    # audit -----------------------------------------------------------------------

    def audit(self) -> list[str]:
        """Invariant violations (empty when all is well): money and contracts conserved,
        reservations matching resting orders, no negative cash or contracts."""
        problems: list[str] = []
        cash = sum((a.cash for a in self._accounts.values()), start=ZERO)
        escrow = sum((m.open_interest for m in self._markets.values()), start=ZERO)
        if cash + escrow + self.fees_collected != self.deposits:
            problems.append(
                f"money: cash {cash} + escrow {escrow} + fees {self.fees_collected}"
                f" != deposits {self.deposits}"
            )
        for mid, m in self._markets.items():
            yes = sum(
                (a.holdings[mid].yes for a in self._accounts.values() if mid in a.holdings),
                start=ZERO,
            )
            no = sum(
                (a.holdings[mid].no for a in self._accounts.values() if mid in a.holdings),
                start=ZERO,
            )
            if not yes == no == m.open_interest:
                problems.append(
                    f"contracts of {mid}: yes {yes} no {no} open interest {m.open_interest}"
                )
        for acct in self._accounts.values():
            problems.extend(self._audit_account(acct))
        return problems

    def _audit_account(self, acct: Account) -> Iterable[str]:
        resting = self._open[acct.account_id].values()
        reserved = sum((o.reserved_cash for o in resting), start=ZERO)
        if reserved != acct.reserved:
            yield f"{acct.account_id}: reserved {acct.reserved} != orders' {reserved}"
        if acct.cash < acct.reserved:
            yield f"{acct.account_id}: cash {acct.cash} below its reservation {acct.reserved}"
        for mid, h in acct.holdings.items():
            if min(h.yes, h.no, h.reserved_yes, h.reserved_no) < ZERO:
                yield f"{acct.account_id} {mid}: negative contracts {h}"
            if h.reserved_yes > h.yes or h.reserved_no > h.no:
                yield f"{acct.account_id} {mid}: reserves more than held {h}"

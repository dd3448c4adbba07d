"""Accounts: cash, collateral reserved by resting orders, positions per market."""

from __future__ import annotations

from decimal import Decimal

import attrs

from predmm.domain import ClientOrderId, MarketId, OrderSide, Venue
from predmm.simulator.exchange.model import ZERO, AccountId, Balance, PositionView

MICRO = Decimal("0.000001")


@attrs.define(eq=False, slots=True)
class Holding:
    """An account's contracts of one market and what they cost."""

    yes: Decimal = ZERO
    no: Decimal = ZERO
    reserved_yes: Decimal = ZERO
    reserved_no: Decimal = ZERO
    cost_yes: Decimal = ZERO
    cost_no: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    traded: Decimal = ZERO
    traded_dollars: Decimal = ZERO

    def count(self, side: OrderSide) -> Decimal:
        return self.yes if side is OrderSide.YES else self.no

    def free(self, side: OrderSide) -> Decimal:
        if side is OrderSide.YES:
            return self.yes - self.reserved_yes
        return self.no - self.reserved_no

    def reserve(self, side: OrderSide, amount: Decimal) -> None:
        if side is OrderSide.YES:
            self.reserved_yes += amount
        else:
            self.reserved_no += amount

    def add(self, side: OrderSide, count: Decimal, cost: Decimal) -> None:
        """Get ``count`` more contracts of ``side`` for ``cost``."""
        if side is OrderSide.YES:
            self.yes += count
            self.cost_yes += cost
        else:
            self.no += count
            self.cost_no += cost

    def remove(self, side: OrderSide, count: Decimal, proceeds: Decimal) -> Decimal:
        """Give up ``count`` contracts of ``side`` for ``proceeds``; return the cost basis
        taken off (average cost), and book the realized PnL."""
        held = self.count(side)
        basis_all = self.cost_yes if side is OrderSide.YES else self.cost_no
        basis = basis_all if count >= held else (basis_all * count / held).quantize(MICRO)
        if side is OrderSide.YES:
            self.yes -= count
            self.cost_yes -= basis
        else:
            self.no -= count
            self.cost_no -= basis
        self.realized_pnl += proceeds - basis
        return basis

    def view(self, market_id: MarketId) -> PositionView:
        return PositionView(
            market_id=market_id,
            yes=self.yes,
            no=self.no,
            reserved_yes=self.reserved_yes,
            reserved_no=self.reserved_no,
            cost_yes=self.cost_yes,
            cost_no=self.cost_no,
            realized_pnl=self.realized_pnl,
            fees_paid=self.fees_paid,
            traded=self.traded,
            traded_dollars=self.traded_dollars,
        )


@attrs.define(eq=False, slots=True)
class Account:
    account_id: AccountId
    venue: Venue
    name: str
    cash: Decimal = ZERO
    reserved: Decimal = ZERO
    fees_paid: Decimal = ZERO
    deposits: Decimal = ZERO
    holdings: dict[MarketId, Holding] = attrs.field(factory=dict)
    client_order_ids: set[ClientOrderId] = attrs.field(factory=set)

    @property
    def available(self) -> Decimal:
        return self.cash - self.reserved

    def holding(self, market_id: MarketId) -> Holding:
        found = self.holdings.get(market_id)
        if found is None:
            found = self.holdings[market_id] = Holding()
        return found

    def balance(self) -> Balance:
        return Balance(cash=self.cash, reserved=self.reserved, fees_paid=self.fees_paid)

"""``InventoryTracker``: one market's holdings. The one mutable object of the strategy,
owned by exactly one actor (or one test)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from predmm.domain.enums import Action, OrderSide
from predmm.domain.ids import MarketId

ZERO = Decimal(0)
ONE = Decimal(1)


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@attrs.define(kw_only=True)
class InventoryTracker:
    """YES and NO contracts held in one market with their average prices.

    A YES plus a NO is worth exactly $1 at resolution, so ``matched_pairs`` of them are
    riskless and ``net_position`` (YES - NO) is the directional exposure. ``net_position``
    may be given at construction as a shortcut (the usage guide's tests do).
    """

    market_id: MarketId | str
    yes_contracts: Decimal = attrs.field(default=ZERO, converter=_dec)
    no_contracts: Decimal = attrs.field(default=ZERO, converter=_dec)
    avg_yes_price: Decimal = attrs.field(default=ZERO, converter=_dec)
    avg_no_price: Decimal = attrs.field(default=ZERO, converter=_dec)
    realized_pnl: Decimal = attrs.field(default=ZERO, converter=_dec)
    fees_paid: Decimal = attrs.field(default=ZERO, converter=_dec)
    max_inventory: int = 50
    net_position_init: int | None = attrs.field(default=None, alias="net_position", repr=False)

    def __attrs_post_init__(self) -> None:
        net = self.net_position_init
        if net is not None:
            self.yes_contracts = Decimal(max(net, 0))
            self.no_contracts = Decimal(max(-net, 0))
            self.net_position_init = None

    # derived ------------------------------------------------------------------

    @property
    def net_position(self) -> Decimal:
        return self.yes_contracts - self.no_contracts

    @property
    def skew_ratio(self) -> Decimal:
        return self.net_position / Decimal(self.max_inventory)

    @property
    def matched_pairs(self) -> Decimal:
        return min(self.yes_contracts, self.no_contracts)

    @property
    def locked_profit(self) -> Decimal:
        """What the matched pairs pay at resolution over what they cost (before fees)."""
        return self.matched_pairs * (ONE - self.avg_yes_price - self.avg_no_price)

    def contracts(self, side: OrderSide) -> Decimal:
        return self.yes_contracts if side is OrderSide.YES else self.no_contracts

    def unrealized_pnl(self, yes_mark: Decimal) -> Decimal:
        """Open contracts marked at ``yes_mark`` (NO at 1 - mark)."""
        return self.yes_contracts * (yes_mark - self.avg_yes_price) + self.no_contracts * (
            ONE - yes_mark - self.avg_no_price
        )

    # changes ------------------------------------------------------------------

    def apply_fill(
        self,
        side: OrderSide,
        quantity: Decimal | int,
        price: Decimal,
        action: Action = Action.BUY,
        fee: Decimal = ZERO,
    ) -> None:
        """Add a buy at its price (averaging in) or take off a sell (realizing PnL)."""
        qty, price = _dec(quantity), _dec(price)
        if qty < 0:
            raise ValueError(f"fill quantity must not be negative, got {qty}")
        held, avg = self.contracts(side), self._avg(side)
        if action is Action.BUY:
            total = held + qty
            new_avg = (held * avg + qty * price) / total if total else ZERO
            self._set(side, total, new_avg)
        else:
            if qty > held:
                raise ValueError(
                    f"cannot sell {qty} {side.value} in {self.market_id}: only {held} held"
                )
            self.realized_pnl += qty * (price - avg)
            self._set(side, held - qty, avg if held - qty else ZERO)
        self.fees_paid += _dec(fee)
        self.realized_pnl -= _dec(fee)

    def settle(self, yes_won: bool) -> Decimal:
        """Resolve the market: YES pays 1 if it won, NO pays 1 otherwise. Returns the payout."""
        return self.settle_at(ONE if yes_won else ZERO)

    def settle_at(self, yes_payout: Decimal) -> Decimal:
        """Resolve the market with each YES paying ``yes_payout`` and each NO the rest
        (1 or 0 for a binary result): everything held is paid out and realized, nothing
        is held after. Returns the payout."""
        payout = self.yes_contracts * yes_payout + self.no_contracts * (ONE - yes_payout)
        cost = self.yes_contracts * self.avg_yes_price + self.no_contracts * self.avg_no_price
        self.realized_pnl += payout - cost
        self._set(OrderSide.YES, ZERO, ZERO)
        self._set(OrderSide.NO, ZERO, ZERO)
        return payout

    def _avg(self, side: OrderSide) -> Decimal:
        return self.avg_yes_price if side is OrderSide.YES else self.avg_no_price

    def _set(self, side: OrderSide, contracts: Decimal, avg: Decimal) -> None:
        if side is OrderSide.YES:
            self.yes_contracts, self.avg_yes_price = contracts, avg
        else:
            self.no_contracts, self.avg_no_price = contracts, avg

    def status(self) -> dict[str, Any]:
        """The keys the usage guide prints."""
        return {
            "yes_contracts": self.yes_contracts,
            "no_contracts": self.no_contracts,
            "avg_yes_price": self.avg_yes_price,
            "avg_no_price": self.avg_no_price,
            "net_position": self.net_position,
            "skew_ratio": self.skew_ratio,
            "matched_pairs": self.matched_pairs,
            "locked_profit": self.locked_profit,
            "realized_pnl": self.realized_pnl,
            "fees_paid": self.fees_paid,
        }

"""Cash and positions of the paper account, moved only by fills.

Buying C contracts of a side at P costs ``P x C + fee``. Selling C contracts of a side at
P sells what we hold of it first; the rest is a short sale, which on a binary market is
buying the other side at 1 - P (Kalshi's netting; it costs ``(1 - P)`` per contract).
With ``net_pairs`` (Kalshi: "only net positions are settled") each YES + NO pair held in
one market is closed for its $1 at once; Polymarket keeps both tokens.

Whatever the fills, for each outcome: cash + the contracts that pay in that outcome
equals the starting cash plus each fill's payoff in it less fees (a property test
checks this).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from predmm.domain.enums import Action, OrderSide
from predmm.domain.events import Position
from predmm.domain.ids import MarketId
from predmm.domain.orders import Fill

ZERO = Decimal(0)
ONE = Decimal(1)


class Ledger:
    """Mutable account state, owned by one PaperPlatform (the trio thread only)."""

    def __init__(self, cash: Decimal, *, net_pairs: bool) -> None:
        self.cash = cash
        self.net_pairs = net_pairs
        self._held: dict[MarketId, dict[OrderSide, Decimal]] = {}

    def held(self, market_id: MarketId, side: OrderSide) -> Decimal:
        return self._held.get(market_id, {}).get(side, ZERO)

    def restore(self, holdings: Iterable[Position], cash: Decimal) -> None:
        """Start from ``cash`` and ``holdings`` (a journal's account), pairs netted as a
        fill would net them."""
        self.cash, self._held = cash, {}
        for p in holdings:
            held = {OrderSide.YES: p.yes_contracts, OrderSide.NO: p.no_contracts}
            self._held[p.market_id] = held
            self._net(held)

    def apply(self, fill: Fill) -> None:
        held = self._held.setdefault(fill.market_id, {OrderSide.YES: ZERO, OrderSide.NO: ZERO})
        if fill.action is Action.BUY:
            self.cash -= fill.notional
            held[fill.side] += fill.quantity
        else:
            from_held = min(held[fill.side], fill.quantity)
            short = fill.quantity - from_held
            held[fill.side] -= from_held
            held[fill.side.opposite] += short
            self.cash += fill.notional - short
        self.cash -= fill.fee
        self._net(held)

    def _net(self, held: dict[OrderSide, Decimal]) -> None:
        if self.net_pairs:
            pairs = min(held.values())
            for side in held:
                held[side] -= pairs
            self.cash += pairs

    def settle(self, market_id: MarketId, yes_payout: Decimal) -> tuple[Decimal, Decimal]:
        """The market resolved: what is held of it is paid out (each YES ``yes_payout``,
        each NO the rest) and held no more. The YES and NO contracts it paid."""
        held = self._held.pop(market_id, {})
        yes, no = held.get(OrderSide.YES, ZERO), held.get(OrderSide.NO, ZERO)
        self.cash += yes * yes_payout + no * (ONE - yes_payout)
        return yes, no

    def positions(self) -> list[Position]:
        return [
            Position(market_id=m, yes_contracts=h[OrderSide.YES], no_contracts=h[OrderSide.NO])
            for m, h in sorted(self._held.items())
            if any(h.values())
        ]

"""One execution of the executor, step by step: a signal of a strategy other than the
market maker (an arbitrage basket, a taker order) or a cross-venue hedge. Pure: the
executor actor (``actors.executor``) tells it what happened (``sent``, ``ended``,
``filled``) and does what it answers; no I/O, no clock.

A basket's legs go one at a time, in the signal's order (the thinner leg first): the
first at its size, each other sized to what the first filled (``Send``). When the first
fills nothing, nothing else goes (``Done``). When every leg is in and they filled
unevenly, the legs are balanced (``Balance``: the actor asks
``strategies.leg_risk.resolve_legs`` for the hedge or the unwind with the books of the
moment and hands the plan to ``planned``), at most ``max_rounds`` times; what is still
uneven then is reported ``naked``, never left silently. Once every order has ended, the
execution waits for their fills (``Settle``) and then reports what it bought, what it
paid and, for a basket, what it locks (``Outcome``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal

import attrs

from predmm.domain.enums import Action, OrderSide
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.orders import Fill, Leg, Order, Signal
from predmm.strategies.leg_risk import LegAction, LegRiskPlan

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_ROUNDS = 3


class Phase(enum.Enum):
    LEGS = "legs"  # the legs going out one by one
    BALANCING = "balancing"  # a hedge or unwind of uneven legs in flight
    SETTLING = "settling"  # every order ended: waiting for their fills
    DONE = "done"


@attrs.frozen
class Send:
    """Send these orders (each with the index of the leg it trades)."""

    orders: tuple[tuple[int, Leg], ...]


@attrs.frozen
class Balance:
    """The legs filled unevenly: ask ``resolve_legs`` and hand its plan to ``planned``;
    ``only``: the other action than the last round's, which filled nothing."""

    legs: tuple[Leg, ...]
    held: tuple[Decimal, ...]
    only: LegAction | None = None


@attrs.frozen
class Wait:
    """Nothing to do until the next order ends or fill arrives."""


@attrs.frozen(kw_only=True)
class Outcome:
    """How an execution ended: ``held`` contracts per leg, ``cash`` paid (negative) or
    received, fees included, as the fills say; ``baskets`` whole baskets held (a basket
    of several legs pays $1 whatever happens) and ``naked`` contracts beyond them."""

    reason: str
    held: tuple[Decimal, ...]
    cash: Decimal
    fees: Decimal
    baskets: Decimal
    naked: Decimal

    @property
    def locked(self) -> Decimal:
        """What the whole baskets pay at resolution less everything paid (several legs)."""
        return self.baskets + self.cash


Decision = Send | Balance | Wait | Outcome


def legs_of(signal: Signal) -> tuple[Leg, ...]:
    """A signal's orders: its legs, or the one order it describes."""
    if signal.legs:
        return signal.legs
    return (
        Leg(
            market_id=signal.market_id,
            side=signal.side,
            limit_price=signal.target_price,
            size=signal.size,
            action=signal.action,
            **({"time_in_force": signal.time_in_force} if signal.time_in_force else {}),
        ),
    )


def scaled(legs: Sequence[Leg], size: Decimal) -> tuple[Leg, ...]:
    """``legs`` sized ``size`` each (a smaller basket, when the limits want one)."""
    return tuple(attrs.evolve(leg, size=size) for leg in legs)


class Execution:
    def __init__(
        self, execution_id: str, strategy: str, legs: Sequence[Leg], max_rounds: int = MAX_ROUNDS
    ) -> None:
        if not legs:
            raise ValueError(f"execution {execution_id}: no legs")
        self.execution_id, self.strategy = execution_id, strategy
        self.legs = tuple(legs)
        self.max_rounds = max_rounds
        self.phase = Phase.LEGS
        self.held = [ZERO] * len(self.legs)
        self.next = 0  # the next leg to send
        self.rounds = 0
        self.open: dict[ClientOrderId, tuple[int, Action]] = {}
        self.ended_at: dict[ClientOrderId, Decimal] = {}  # what each ended order filled
        self.fills: dict[ClientOrderId, list[Fill]] = {}
        self.reason = ""
        self.stopped = False  # no more orders: settle once the open ones end
        self.last_plan: LegAction | None = None  # the last round's action
        self.round_filled = ZERO  # what the last round's orders filled

    @property
    def markets(self) -> frozenset[MarketId]:
        return frozenset(leg.market_id for leg in self.legs)

    def start(self) -> Send:
        self.next = 1
        return Send(((0, self.legs[0]),))

    def sent(self, coid: ClientOrderId, index: int, action: Action) -> None:
        self.open[coid] = (index, action)

    def ended(self, coid: ClientOrderId, filled: Decimal) -> Decision:
        """An order of this execution ended, having filled ``filled``."""
        if coid not in self.open:
            return Wait()
        index, action = self.open.pop(coid)
        self.ended_at[coid] = filled
        self.round_filled += filled
        self.held[index] += filled if action is Action.BUY else -filled
        if self.open:
            return Wait()
        return self._next()

    def filled(self, fill: Fill) -> Decision:
        """A fill of one of this execution's orders arrived."""
        coid = fill.client_order_id
        if coid is None or (coid not in self.open and coid not in self.ended_at):
            return Wait()
        self.fills.setdefault(coid, []).append(fill)
        return self._outcome() if self.phase is Phase.SETTLING else Wait()

    def planned(self, plan: LegRiskPlan) -> Decision:
        """The hedge or unwind ``resolve_legs`` made of the uneven legs."""
        self.rounds += 1
        self.last_plan, self.round_filled = plan.action, ZERO
        orders = tuple((self._index(o), o) for o in plan.orders)
        if not orders:
            return self._settle(
                f"uneven and the books take neither hedge nor unwind: {plan.reason}"
            )
        self.phase = Phase.BALANCING
        self.reason = f"{plan.action.value}: {plan.reason}"
        return Send(orders)

    def give_up(self, reason: str) -> Decision:
        """No more orders go (a refusal, a limit): settle what there is."""
        self.stopped, self.reason = True, reason
        return Wait() if self.open else self._settle(reason)

    def fills_overdue(self) -> Outcome:
        """The fills did not all come: the outcome from what did (ended orders' counts)."""
        return self._outcome(force=True)  # type: ignore[return-value]

    # internals ------------------------------------------------------------------------

    def _next(self) -> Decision:
        if self.stopped and self.phase is not Phase.SETTLING:
            return self._settle(self.reason)
        if self.phase is Phase.LEGS:
            if self.held[0] <= 0:
                return self._settle("the first leg filled nothing: nothing else sent")
            if self.next < len(self.legs):
                k, self.next = self.next, self.next + 1
                return Send(((k, attrs.evolve(self.legs[k], size=self.held[0])),))
        if self.phase is Phase.SETTLING:
            return self._outcome()
        if len(set(self.held)) == 1:
            return self._settle(self.reason or "every leg filled")
        if self.rounds >= self.max_rounds:
            return self._settle(f"still uneven after {self.rounds} rounds of hedge or unwind")
        stuck = self.last_plan if self.last_plan and self.round_filled == 0 else None
        other = {LegAction.HEDGE: LegAction.UNWIND, LegAction.UNWIND: LegAction.HEDGE}
        return Balance(self.legs, tuple(self.held), other.get(stuck) if stuck else None)

    def _index(self, order: Leg) -> int:
        for k, leg in enumerate(self.legs):
            if leg.market_id == order.market_id and leg.side is order.side:
                return k
        raise ValueError(f"{order.market_id} {order.side.value} is none of the legs")

    def _settle(self, reason: str) -> Decision:
        self.phase, self.reason = Phase.SETTLING, reason
        return self._outcome()

    def _outcome(self, force: bool = False) -> Decision:
        if not force and (self.open or not self._fills_in()):
            return Wait()
        self.phase = Phase.DONE
        cash = fees = ZERO
        for fills in self.fills.values():
            for fill in fills:
                sign = -1 if fill.action is Action.BUY else 1
                cash += sign * fill.price * fill.quantity - fill.fee
                fees += fill.fee
        basket = len(self.legs) > 1  # one order alone is no basket: nothing naked
        baskets = min(self.held) if basket else ZERO
        naked = sum((h - baskets for h in self.held), ZERO) if basket else ZERO
        return Outcome(
            reason=self.reason,
            held=tuple(self.held),
            cash=cash,
            fees=fees,
            baskets=baskets,
            naked=naked,
        )

    def _fills_in(self) -> bool:
        return all(
            sum((f.quantity for f in self.fills.get(c, ())), ZERO) >= filled
            for c, filled in self.ended_at.items()
        )


def bid_view(side: OrderSide, action: Action, price: Decimal) -> tuple[OrderSide, Decimal]:
    """An order as a bid: buying ``side`` at p bids p for it; selling it at p bids 1 - p
    for the other side."""
    return (side, price) if action is Action.BUY else (side.opposite, ONE - price)


def meets(a: Order, b: Order) -> bool:
    """Whether orders ``a`` and ``b`` (ours both) could trade with each other."""
    if a.market_id != b.market_id or a.client_order_id == b.client_order_id:
        return False
    side_a, bid_a = bid_view(a.side, a.action, a.price)
    side_b, bid_b = bid_view(b.side, b.action, b.price)
    return side_a is not side_b and bid_a + bid_b >= ONE


def describe(leg: Leg) -> str:
    """One order in a line: ``buy 15 NO of polymarket:0x.. at 0.50 FOK``."""
    verb = "buy" if leg.action is Action.BUY else "sell"
    side = "YES" if leg.side is OrderSide.YES else "NO"
    whole = leg.size.to_integral_value()
    size = str(whole) if leg.size == whole else format(leg.size.normalize(), "f")
    return (
        f"{verb} {size} {side} of {leg.market_id} at {leg.limit_price}"
        f" {leg.time_in_force.value.upper()}"
    )


__all__ = [
    "Balance",
    "Decision",
    "Execution",
    "LegAction",
    "Outcome",
    "Phase",
    "Send",
    "Wait",
    "bid_view",
    "describe",
    "legs_of",
    "meets",
    "scaled",
]

"""The maker's worst-case exposure as the venues' own records give it, checked against the
configured limits at every change: a listener on the simulator's exchange (in its
thread), independent of predmm's ``ExposureBook``.

The measure is the one ``config/risk.py`` documents, computed here from scratch: a
market's contracts (held, from the maker's fills on the exchange, at their average cost,
a YES and a NO kept both as predmm keeps them; Kalshi nets such pairs into cash, which
changes no scenario's loss) and its resting orders (each counted where it hurts: a buy
of one side loses its cost if the other side wins, a sell gives up a payout). An event's
scenarios are the simulator's plan (``EventPlan``: its outcomes, which markets list each,
exhaustive or not): "outcome k happens" (its markets resolve YES, every other market of
the event NO) and, when not exhaustive, "none happens". Limits checked: each market's
contracts per side and worst loss, each event's worst loss, each venue's (summed per
event over the venue's markets) and the total (summed per event). A settled market holds
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from predmm.config.risk import RiskConfig
from predmm.domain.enums import Action, MarketStatus, OrderSide, Venue
from predmm.domain.ids import MarketId
from predmm.simulator import Simulator
from predmm.simulator.exchange.events import (
    ExchangeEvent,
    MarketSettled,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderUpdated,
)
from predmm.simulator.exchange.model import AccountId, OrderRecord
from predmm.simulator.plans import EventPlan

ZERO, ONE = Decimal(0), Decimal(1)
# average costs are divided out in Decimal (28 digits): a measure may differ from the
# limit by rounding alone
EPSILON = Decimal("1e-9")


@attrs.define
class Held:
    """One market's contracts held by the maker and what they cost (before fees)."""

    yes: Decimal = ZERO
    no: Decimal = ZERO
    yes_cost: Decimal = ZERO
    no_cost: Decimal = ZERO

    def buy(self, side: OrderSide, qty: Decimal, price: Decimal) -> None:
        if side is OrderSide.YES:
            self.yes, self.yes_cost = self.yes + qty, self.yes_cost + qty * price
        else:
            self.no, self.no_cost = self.no + qty, self.no_cost + qty * price

    def sell(self, side: OrderSide, qty: Decimal, price: Decimal) -> None:
        """Selling more than is held is buying the other side at 1 - price."""
        held = self.yes if side is OrderSide.YES else self.no
        excess = max(ZERO, qty - held)
        if excess:
            self.buy(side.opposite, excess, ONE - price)
        sold = qty - excess
        if not sold:
            return
        if side is OrderSide.YES:
            self.yes_cost -= self.yes_cost * sold / self.yes
            self.yes -= sold
        else:
            self.no_cost -= self.no_cost * sold / self.no
            self.no -= sold


@attrs.frozen
class Loss:
    """A market's loss if it resolves YES and if it resolves NO, and its contracts per
    side (held unpaired plus resting buys)."""

    if_yes: Decimal
    if_no: Decimal
    yes_contracts: Decimal
    no_contracts: Decimal

    @property
    def worst(self) -> Decimal:
        return max(ZERO, self.if_yes, self.if_no)


def market_loss(held: Held, resting: Iterable[OrderRecord]) -> Loss:
    cost = held.yes_cost + held.no_cost
    pairs = min(held.yes, held.no)
    if_yes, if_no = cost - held.yes, cost - held.no
    yes_n, no_n = held.yes - pairs, held.no - pairs
    for order in resting:
        qty, price = order.quantity - order.filled_quantity, order.price
        if order.action is Action.BUY:
            if order.side is OrderSide.YES:
                if_no, yes_n = if_no + qty * price, yes_n + qty
            else:
                if_yes, no_n = if_yes + qty * price, no_n + qty
        elif order.side is OrderSide.YES:
            if_yes += qty * (ONE - price)
        else:
            if_no += qty * (ONE - price)
    return Loss(if_yes, if_no, yes_n, no_n)


def event_loss(plan: EventPlan, losses: dict[MarketId, Loss]) -> Decimal:
    """The worst loss of ``plan``'s markets in ``losses`` over its outcome scenarios."""
    scenarios: list[int | None] = list(range(len(plan.outcomes)))
    if not plan.exhaustive:
        scenarios.append(None)
    worst = ZERO
    for happened in scenarios:
        total = ZERO
        for k, outcome in enumerate(plan.outcomes):
            for market in outcome.markets:
                loss = losses.get(market)
                if loss is not None:
                    total += loss.if_yes if k == happened else loss.if_no
        worst = max(worst, total)
    return worst


@attrs.frozen(kw_only=True)
class Breach:
    limit: str
    where: str
    measure: Decimal
    allowed: Decimal
    at: str  # the world's time


@attrs.frozen(kw_only=True)
class Limits:
    market_contracts: Decimal
    market_loss: Decimal
    event_loss: Decimal
    venue_loss: Decimal
    total_loss: Decimal

    @classmethod
    def of(cls, risk: RiskConfig, max_position_size: int) -> Limits:
        return cls(
            market_contracts=Decimal(min(risk.max_market_contracts, max_position_size)),
            market_loss=risk.max_market_loss,
            event_loss=risk.max_event_loss,
            venue_loss=risk.max_venue_loss,
            total_loss=risk.max_total_loss,
        )


class ExposureWatch:
    """Listens to the exchange for the maker's orders, fills and settlements, and checks
    the limits after every change of one of its markets. ``samples`` counts the checks,
    ``breaches`` what passed a limit, ``margin`` the least room any limit had left (in
    dollars or contracts) and ``tightest`` which limit that was."""

    def __init__(self, sim: Simulator, accounts: Iterable[AccountId], limits: Limits) -> None:
        self.sim, self.limits = sim, limits
        self.accounts = frozenset(accounts)
        self.plans = {m: plan for plan in sim.universe.events for m in plan.markets}
        self.held: dict[MarketId, Held] = {}
        self.losses: dict[MarketId, Loss] = {}
        self.event_losses: dict[str, Decimal] = {}
        self.venue_losses: dict[tuple[str, Venue], Decimal] = {}
        self.samples = 0
        self.breaches: list[Breach] = []
        self.margin: Decimal | None = None
        self.tightest = ""
        kinds = (OrderAccepted, OrderUpdated, OrderCancelled, OrderFilled, MarketSettled)
        self.unsubscribe = sim.exchange.subscribe(self._on_event, types=kinds)

    def _on_event(self, event: ExchangeEvent) -> None:
        if isinstance(event, MarketSettled):
            self.held.pop(event.market_id, None)
            self._check(event.market_id)
            return
        assert isinstance(event, OrderAccepted | OrderUpdated | OrderCancelled | OrderFilled)
        if event.account_id not in self.accounts:
            return
        if isinstance(event, OrderFilled):
            fill = event.fill
            held = self.held.setdefault(fill.market_id, Held())
            if fill.action is Action.BUY:
                held.buy(fill.side, fill.quantity, fill.price)
            else:
                held.sell(fill.side, fill.quantity, fill.price)
        self._check(event.order.market_id)

    def _live(self, market_id: MarketId) -> bool:
        ex = self.sim.exchange
        return ex.has_market(market_id) and ex.status(market_id) is not MarketStatus.SETTLED

    def _check(self, market_id: MarketId) -> None:
        plan = self.plans.get(market_id)
        if plan is None:
            return
        self.samples += 1
        for market in plan.markets:
            if not self._live(market):
                self.losses[market] = market_loss(Held(), ())
                continue
            resting = [o for a in self.accounts for o in self.sim.exchange.open_orders(a, market)]
            self.losses[market] = market_loss(self.held.get(market, Held()), resting)
        key = str(plan.event_id)
        self.event_losses[key] = event_loss(plan, self.losses)
        for venue in Venue:
            mine = {m: self.losses[m] for m in plan.markets if m.venue is venue}
            self.venue_losses[(key, venue)] = event_loss(plan, mine)
        self._limits(plan)

    def _limits(self, plan: EventPlan) -> None:
        lim = self.limits
        checks: list[tuple[str, str, Decimal, Decimal]] = []
        for market in plan.markets:
            loss = self.losses[market]
            side = max(loss.yes_contracts, loss.no_contracts)
            checks.append(("market contracts", str(market), side, lim.market_contracts))
            checks.append(("market loss", str(market), loss.worst, lim.market_loss))
        key = str(plan.event_id)
        checks.append(("event loss", key, self.event_losses[key], lim.event_loss))
        for venue in Venue:
            total = sum((v for (_, w), v in self.venue_losses.items() if w is venue), ZERO)
            checks.append(("venue loss", venue.value, total, lim.venue_loss))
        total = sum(self.event_losses.values(), ZERO)
        checks.append(("total loss", "all", total, lim.total_loss))
        for name, where, measure, allowed in checks:
            room = allowed - measure
            if self.margin is None or room < self.margin:
                self.margin, self.tightest = room, f"{name} {where}"
            if measure > allowed + EPSILON:
                at = f"{self.sim.clock.now():%Y-%m-%d %H:%M:%S}"
                self.breaches.append(
                    Breach(limit=name, where=where, measure=measure, allowed=allowed, at=at)
                )

"""Seeded, deterministic market flow, driven only by ``advance(dt_seconds)``.

Each outcome of a real-world event has a hidden fair value: a random walk in log-odds
with news jumps at Poisson times; the mutually exclusive outcomes of one event share one
unit of probability (their values are scaled to sum to at most 1, to exactly 1 when the
event is exhaustive). Each market on an outcome sees its value plus a small
venue-specific offset (linked markets are correlated, not identical). Agents, one set
per venue:

* liquidity providers refresh a two-sided, two-level quote around the market's fair
  value every ``lp_refresh_s``;
* noise takers arrive as a Poisson process and take liquidity with IOC orders (on
  Polymarket they sometimes sell tokens they hold);
* informed traders learn each jump ``informed_lead_s`` before it happens and trade
  ahead of it, picking off stale quotes;
* Polymarket markets whose fair value nears 0 or 1 get a finer tick (0.01 -> 0.001);
* the resolution schedule closes and settles every market of an event at its time: the
  outcome that happens (perhaps none) is drawn from the fair values then, its markets
  settle YES on every venue and every other market of the event NO.

All randomness comes from one ``random.Random(seed)`` consumed in a fixed order, and
agents act at the simulated instants their schedule gives, so the same seed and the
same sequence of ``advance`` calls give the same day.
"""

from __future__ import annotations

import math
import random
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain import (
    Action,
    EventId,
    MarketId,
    MarketStatus,
    OrderSide,
    TickSpec,
    TimeInForce,
    Venue,
)
from predmm.simulator.exchange import AccountId, Exchange
from predmm.simulator.plans import EventPlan, Universe

FLOW_CASH = Decimal("10000000")
_CENT = Decimal("0.01")


@attrs.frozen(kw_only=True)
class FlowConfig:
    step_s: float = 1.0  # the finest time step of the walk
    volatility_per_h: float = 0.25  # log-odds standard deviation per hour
    jumps_per_h: float = 0.5
    jump_sigma: float = 0.6  # log-odds
    venue_offset_sigma: float = 0.08  # log-odds, per market, mean-reverting
    lp_refresh_s: float = 5.0
    lp_half_spread: Decimal = Decimal("0.02")
    lp_size: tuple[int, int] = (20, 120)
    noise_rate_per_min: float = 4.0
    noise_size: tuple[int, int] = (1, 25)
    noise_sell_probability: float = 0.3
    informed_lead_s: float = 20.0
    informed_size: tuple[int, int] = (20, 80)
    informed_edge: Decimal = Decimal("0.01")
    fine_tick_edge: float = 0.04  # Polymarket ticks go 0.01 -> 0.001 beyond this


@attrs.define(eq=False)
class _Event:
    """One outcome of an event (a yes/no question is an event of one)."""

    plan: EventPlan
    markets: tuple[MarketId, ...]
    logit: float
    resolves_at: datetime
    next_jump_at: float  # seconds since the flow's start
    pending_jump: float  # the size of the next jump, drawn ahead (informed know it)
    informed_done: bool = False
    resolved: bool = False
    siblings: list[_Event] = attrs.field(factory=list)  # the event's outcomes, this one too

    def chance(self, jump: float = 0.0) -> float:
        """The fair probability that this outcome happens (after a jump of ``jump``)."""
        own = _sigmoid(self.logit + jump)
        if len(self.siblings) < 2:
            return own
        total = own + sum(_sigmoid(e.logit) for e in self.siblings if e is not self)
        if self.plan.exhaustive or total > 1.0:
            return own / total
        return own


@attrs.define(eq=False)
class _Agents:
    lp: AccountId
    noise: AccountId
    informed: AccountId


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class Flow:
    def __init__(
        self, exchange: Exchange, universe: Universe, *, seed: int, config: FlowConfig | None = None
    ) -> None:
        self.exchange = exchange
        self.config = config or FlowConfig()
        self._rng = random.Random(f"flow:{seed}")
        self._start = exchange.clock.now()
        self._elapsed = 0.0
        self._agents = {
            venue: _Agents(
                *(
                    exchange.open_account(venue, f"flow-{role}", FLOW_CASH)
                    for role in ("lp", "noise", "informed")
                )
            )
            for venue in (Venue.KALSHI, Venue.POLYMARKET)
        }
        self._events = [e for plan in universe.events for e in self._new_events(plan)]
        self._event_of = {mid: e for e in self._events for mid in e.markets}
        self._offsets = dict.fromkeys(self._event_of, 0.0)
        self._next_lp = dict.fromkeys(self._event_of, 0.0)
        self._lp_targets: dict[MarketId, tuple[tuple[OrderSide, Decimal | None], ...]] = {}
        self._lp_quoted_at: dict[MarketId, float] = {}
        self._next_noise = {mid: self._exp_gap() for mid in self._event_of}
        # markets of the universe the exchange lists later (``Simulator`` lists each at
        # its open time): their agents start when they are listed
        self._unlisted = {mid for mid in self._event_of if not exchange.has_market(mid)}
        self._open_books()

    def _open_books(self) -> None:
        """Markets open with the liquidity providers' quotes resting (a market maker that
        starts at once sees two-sided books, as on an established venue)."""
        for mid, event in self._event_of.items():
            if not event.resolved and self._open(mid):
                self._provide(mid)

    def _open(self, mid: MarketId) -> bool:
        return mid not in self._unlisted and self.exchange.status(mid) is MarketStatus.OPEN

    def _listed(self) -> None:
        """Markets listed since the last step: their first noise trade is drawn from now
        (not from the flow's start: no backlog of trades at once)."""
        for mid in sorted((m for m in self._unlisted if self.exchange.has_market(m)), key=str):
            self._unlisted.discard(mid)
            self._next_noise[mid] = self._elapsed + self._exp_gap()

    def _new_events(self, plan: EventPlan) -> list[_Event]:
        events = [
            _Event(
                plan=plan,
                markets=outcome.markets,
                logit=_logit(outcome.fair),
                resolves_at=self._start + plan.resolves_after,
                next_jump_at=self._rng.expovariate(self.config.jumps_per_h / 3600.0),
                pending_jump=self._rng.gauss(0.0, self.config.jump_sigma),
            )
            for outcome in plan.outcomes
        ]
        for event in events:
            event.siblings = events
        return events

    def _exp_gap(self) -> float:
        return self._rng.expovariate(self.config.noise_rate_per_min / 60.0)

    # reading ------------------------------------------------------------------------

    def fair_value(self, market_id: MarketId) -> float:
        """The hidden fair probability of YES in ``market_id`` (for tests and tools)."""
        event = self._event_of[market_id]
        return _sigmoid(_logit(event.chance()) + self._offsets[market_id])

    def event_fair_value(self, event_id: EventId) -> float:
        """The fair probability of the event's first outcome (a question's YES)."""
        return next(e.chance() for e in self._events if e.plan.event_id == event_id)

    # stepping -----------------------------------------------------------------------

    def advance(self, dt_seconds: float) -> None:
        """Run the agents over the last ``dt_seconds`` of simulated time (the caller
        has already moved the exchange's clock)."""
        end = self._elapsed + dt_seconds
        while self._elapsed < end - 1e-9:
            h = min(self.config.step_s, end - self._elapsed)
            self._elapsed += h
            self._step(h)

    def _step(self, h: float) -> None:
        for event in self._events:
            if not event.resolved:
                self._walk(event, h)
        if self._unlisted:
            self._listed()
        for mid, event in self._event_of.items():
            if event.resolved or not self._open(mid):
                continue
            if self._elapsed >= self._next_lp[mid]:
                self._next_lp[mid] = self._elapsed + self.config.lp_refresh_s
                self._retick(mid)
                self._provide(mid)
            while self._next_noise[mid] <= self._elapsed:
                self._next_noise[mid] += self._exp_gap()
                self._noise(mid)
        now = self.exchange.clock.now()
        for event in self._events:
            if not event.resolved and now >= event.resolves_at:
                self._resolve(event)

    def _walk(self, event: _Event, h: float) -> None:
        cfg = self.config
        event.logit += self._rng.gauss(0.0, cfg.volatility_per_h * math.sqrt(h / 3600.0))
        for mid in event.markets:
            off = self._offsets[mid]
            self._offsets[mid] = off * 0.99 + self._rng.gauss(0.0, cfg.venue_offset_sigma * 0.14)
        if not event.informed_done and self._elapsed >= event.next_jump_at - cfg.informed_lead_s:
            event.informed_done = True
            for mid in event.markets:
                if mid not in self._unlisted:
                    self._informed(mid, event)
        if self._elapsed >= event.next_jump_at:
            event.logit = max(-6.0, min(6.0, event.logit + event.pending_jump))
            event.next_jump_at += self._rng.expovariate(cfg.jumps_per_h / 3600.0)
            event.pending_jump = self._rng.gauss(0.0, cfg.jump_sigma)
            event.informed_done = False

    # agents -------------------------------------------------------------------------

    def _retick(self, mid: MarketId) -> None:
        """Polymarket makes a market's tick finer near 0 and 1 (``tick_size_change``)."""
        if mid.venue is not Venue.POLYMARKET:
            return
        tick = self.exchange.tick(mid)
        fair = self.fair_value(mid)
        edge = fair < self.config.fine_tick_edge or fair > 1 - self.config.fine_tick_edge
        if edge and tick.step_at(Decimal("0.5")) == _CENT:
            self.exchange.change_tick(mid, TickSpec.polymarket("0.001"))

    def _provide(self, mid: MarketId) -> None:
        """Re-quote two levels a side when the quote moved, or every minute."""
        agents = self._agents[mid.venue]
        tick = self.exchange.tick(mid)
        fair = Decimal(str(round(self.fair_value(mid), 4)))
        half = self.config.lp_half_spread
        targets = tuple(
            (side, tick.round_bid(base - (half + level * 2 * half)))
            for level in (0, 1)
            for side, base in ((OrderSide.YES, fair), (OrderSide.NO, Decimal(1) - fair))
        )
        stale = self._elapsed - self._lp_quoted_at.get(mid, -1e9) >= 60.0
        if targets == self._lp_targets.get(mid) and not stale:
            return
        self._lp_targets[mid] = targets
        self._lp_quoted_at[mid] = self._elapsed
        self.exchange.cancel_all(agents.lp, mid)
        for side, price in targets:
            if price is not None:
                size = Decimal(self._rng.randint(*self.config.lp_size))
                self.exchange.place_order(agents.lp, mid, side, price, size, post_only=True)

    def _noise(self, mid: MarketId) -> None:
        agents = self._agents[mid.venue]
        market = self.exchange.spec(mid)
        tick = self.exchange.tick(mid)
        size = self._noise_size(market.count_step)
        fair = self.fair_value(mid)
        side = OrderSide.YES if self._rng.random() < fair else OrderSide.NO
        if (
            mid.venue is Venue.POLYMARKET
            and self._rng.random() < self.config.noise_sell_probability
        ):
            held = self.exchange.position(agents.noise, mid)
            sell_side = (
                OrderSide.YES
                if held.yes - held.reserved_yes >= held.no - held.reserved_no
                else OrderSide.NO
            )
            free = (
                (held.yes - held.reserved_yes)
                if sell_side is OrderSide.YES
                else (held.no - held.reserved_no)
            )
            size = min(size, free)
            if size >= market.min_order_size:
                price = tick.min_price
                self.exchange.place_order(
                    agents.noise,
                    mid,
                    sell_side,
                    price,
                    size,
                    action=Action.SELL,
                    time_in_force=TimeInForce.IOC,
                )
                return
            size = Decimal(self._rng.randint(*self.config.noise_size))
        size = max(size, market.min_order_size)
        side_fair = fair if side is OrderSide.YES else 1.0 - fair
        limit = tick.round_bid(Decimal(str(round(side_fair + 0.06, 4))))
        if limit is not None:
            self.exchange.place_order(
                agents.noise, mid, side, limit, size, time_in_force=TimeInForce.IOC
            )

    def _noise_size(self, step: Decimal) -> Decimal:
        """A noise trade's size: whole contracts, or on a market of fractional contracts
        hundredths of one (a noise trader there buys 3.47 as well as 3)."""
        low, high = self.config.noise_size
        if step >= 1:
            return Decimal(self._rng.randint(low, high))
        return Decimal(self._rng.randint(low * 100, high * 100)) * step

    def _informed(self, mid: MarketId, event: _Event) -> None:
        agents = self._agents[mid.venue]
        tick = self.exchange.tick(mid)
        after = _sigmoid(_logit(event.chance(event.pending_jump)) + self._offsets[mid])
        side = OrderSide.YES if event.pending_jump > 0 else OrderSide.NO
        target = after if side is OrderSide.YES else 1.0 - after
        limit = tick.round_bid(Decimal(str(round(target, 4))) - self.config.informed_edge)
        if limit is None:
            return
        min_size = self.exchange.spec(mid).min_order_size
        size = max(Decimal(self._rng.randint(*self.config.informed_size)), min_size)
        self.exchange.place_order(
            agents.informed, mid, side, limit, size, time_in_force=TimeInForce.IOC
        )

    def _resolve(self, event: _Event) -> None:
        """Draw which of the event's outcomes happens (perhaps none), and settle them all."""
        outcomes = event.siblings or [event]
        draw, happened = self._rng.random(), None
        for outcome in outcomes:
            draw -= outcome.chance()
            if draw < 0:
                happened = outcome
                break
        if happened is None and event.plan.exhaustive:
            happened = outcomes[-1]  # the chances sum to 1: only rounding gets here
        for outcome in outcomes:
            outcome.resolved = True
            result = OrderSide.YES if outcome is happened else OrderSide.NO
            for mid in outcome.markets:
                self._settle(mid, result)

    def _settle(self, mid: MarketId, result: OrderSide) -> None:
        status = self.exchange.status(mid)
        if status is MarketStatus.SETTLED:
            return
        if status is not MarketStatus.CLOSED:
            self.exchange.close_market(mid)
        self.exchange.settle_market(mid, result)

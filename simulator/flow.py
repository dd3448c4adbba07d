"""Seeded, deterministic market flow, driven only by ``advance(dt_seconds)``.

Each outcome of a real-world event has a hidden fair value: a random walk in log-odds
with news jumps at Poisson times; the mutually exclusive outcomes of one event share one
unit of probability (their values are scaled to sum to at most 1, to exactly 1 when the
event is exhaustive). Each market on an outcome sees its value plus a small
venue-specific offset (linked markets are correlated, not identical). The traders, one
set of accounts per venue, act in each market on its outcome's fair value and come in two
profiles (``FlowConfig.profile``; ``simulator.traders``):

* ``calibrated`` (the default): as hard as the real venues. The fair value moves more
  (0.8 log-odds per square-root hour, six small news jumps an hour). Liquidity providers
  do not see it: they quote around their own estimate, which learns it with a lag
  (``lp_learn_s``) and moves with the signed flow that trades (``impact``), three levels a
  side, the best ``lp_width`` apart at mid and narrower toward 0 and 1 (a tick or two in
  the tails); informed traders take whatever the book offers ``informed_edge`` beyond the
  fair value as they know it (after the next jump, once it is ``informed_lead_s`` away);
  noise takers choose their side from a noisy view of the fair value against the mid
  (``noise_signal_sigma``), so they too lean the way the price is about to go. A maker
  resting at the touch is filled most when the price is about to move through it: its
  five-minute markouts are negative, as on the real venues (``bench/calibration.py``).
* ``easy``: the flow before that calibration, kept for comparison (``FlowConfig.easy()``,
  the same day as before for the same seed): liquidity providers quote around the fair
  value itself, noise takers are uninformed, and only the traders ahead of a news jump
  know anything; any quoting near the mid earns there.

In both, informed traders learn each jump ``informed_lead_s`` before it happens and
trade ahead of it; Polymarket markets whose fair value nears 0 or 1 get a finer tick
(0.01 -> 0.001); the resolution schedule closes and settles every market of an event at
its time: the outcome that happens (perhaps none) is drawn from the fair values then, its
markets settle YES on every venue and every other market of the event NO.
Per-market differences (how busy, how informed, how wide, how deep) come from the
universe (``Universe.flow_of``, read by the calibrated profile).

All randomness comes from one ``random.Random(seed)`` consumed in a fixed order, and
agents act at the simulated instants their schedule gives, so the same seed and the
same sequence of ``advance`` calls give the same day.
"""

from __future__ import annotations

import math
import random
from datetime import datetime
from decimal import Decimal
from typing import Literal

import attrs

from predmm.domain import EventId, MarketId, MarketStatus, OrderSide, TickSpec, Venue
from predmm.simulator.exchange import AccountId, Exchange
from predmm.simulator.plans import EventPlan, Universe

FLOW_CASH = Decimal("10000000")
_CENT = Decimal("0.01")
PROFILES = ("calibrated", "easy")


@attrs.frozen(kw_only=True)
class FlowConfig:
    """The flow's parameters. ``FlowConfig()`` is the calibrated profile,
    ``FlowConfig.easy()`` the one before it; fields marked (calibrated) are read by the
    calibrated profile only."""

    profile: Literal["calibrated", "easy"] = "calibrated"
    step_s: float = 1.0  # the finest time step of the walk
    volatility_per_h: float = 0.8  # log-odds standard deviation per hour
    jumps_per_h: float = 6.0
    jump_sigma: float = 0.15  # log-odds
    venue_offset_sigma: float = 0.08  # log-odds, per market, mean-reverting
    lp_refresh_s: float = 2.0
    lp_half_spread: Decimal = Decimal("0.02")  # (easy) around the fair value
    lp_size: tuple[int, int] = (20, 120)  # the deeper levels' sizes
    lp_touch_size: tuple[int, int] = (10, 60)  # (calibrated) the best level's
    lp_width: float = 0.02  # (calibrated) the quoted spread at mid, dollars
    lp_tail_width: float = 0.09  # (calibrated) p(1-p) below which the spread narrows
    lp_learn_s: float = 120.0  # (calibrated) how fast the providers learn the fair value
    impact: float = 0.002  # (calibrated) log-odds the estimate moves per contract taken
    noise_rate_per_min: float = 4.0
    noise_size: tuple[int, int] = (1, 25)
    noise_sell_probability: float = 0.3  # Polymarket: sell tokens held instead of buying
    noise_signal_sigma: float = 0.05  # (calibrated) log-odds error of the noise's view
    noise_reach: Decimal = Decimal("0.01")  # (calibrated) how far past the touch they take
    informed_rate_per_min: float = 4.0  # (calibrated) per market, continuous
    informed_lead_s: float = 20.0
    informed_size: tuple[int, int] = (20, 80)
    informed_edge: Decimal = Decimal("0.01")
    fine_tick_edge: float = 0.04  # Polymarket ticks go 0.01 -> 0.001 beyond this

    def __attrs_post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"flow profile {self.profile!r}: expected one of {PROFILES}")

    @classmethod
    def easy(cls, **changes: object) -> FlowConfig:
        """The flow as it was before the calibration (seeded traders that leave money on
        the table for any maker near the mid), with ``changes``."""
        base = cls(
            profile="easy",
            volatility_per_h=0.25,
            jumps_per_h=0.5,
            jump_sigma=0.6,
            lp_refresh_s=5.0,
        )
        return attrs.evolve(base, **changes)  # type: ignore[arg-type]

    @classmethod
    def named(cls, profile: str, **changes: object) -> FlowConfig:
        if profile == "easy":
            return cls.easy(**changes)
        if profile == "calibrated":
            return attrs.evolve(cls(), **changes)  # type: ignore[arg-type]
        raise ValueError(f"flow profile {profile!r}: expected one of {PROFILES}")


@attrs.define(eq=False)
class FlowEvent:
    """One outcome of an event (a yes/no question is an event of one)."""

    plan: EventPlan
    markets: tuple[MarketId, ...]
    logit: float
    resolves_at: datetime
    next_jump_at: float  # seconds since the flow's start
    pending_jump: float  # the size of the next jump, drawn ahead (informed know it)
    informed_done: bool = False
    resolved: bool = False
    siblings: list[FlowEvent] = attrs.field(factory=list)  # the event's outcomes, this one too

    def chance(self, jump: float = 0.0) -> float:
        """The fair probability that this outcome happens (after a jump of ``jump``)."""
        own = sigmoid(self.logit + jump)
        if len(self.siblings) < 2:
            return own
        total = own + sum(sigmoid(e.logit) for e in self.siblings if e is not self)
        if self.plan.exhaustive or total > 1.0:
            return own / total
        return own


@attrs.define(eq=False)
class FlowAccounts:
    lp: AccountId
    noise: AccountId
    informed: AccountId


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class Flow:
    def __init__(
        self, exchange: Exchange, universe: Universe, *, seed: int, config: FlowConfig | None = None
    ) -> None:
        from predmm.simulator.traders import traders_for

        self.exchange = exchange
        self.universe = universe
        self.config = config or FlowConfig()
        self.rng = random.Random(f"flow:{seed}")
        self._start = exchange.clock.now()
        self.elapsed = 0.0
        self.accounts = {
            venue: FlowAccounts(
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
        # markets of the universe the exchange lists later (``Simulator`` lists each at
        # its open time): their traders start when they are listed
        self._unlisted = {mid for mid in self._event_of if not exchange.has_market(mid)}
        self.traders = traders_for(self)
        self._open_books()

    def _open_books(self) -> None:
        """Markets open with the liquidity providers' quotes resting (a market maker that
        starts at once sees two-sided books, as on an established venue)."""
        for mid, event in self._event_of.items():
            if not event.resolved and self._open(mid):
                self.traders.open(mid)

    def _open(self, mid: MarketId) -> bool:
        return mid not in self._unlisted and self.exchange.status(mid) is MarketStatus.OPEN

    def _listed(self) -> None:
        """Markets listed since the last step: their traders start from now (no backlog
        of trades at once, the providers' view from the fair value of now)."""
        for mid in sorted((m for m in self._unlisted if self.exchange.has_market(m)), key=str):
            self._unlisted.discard(mid)
            self.traders.listed(mid)

    def _new_events(self, plan: EventPlan) -> list[FlowEvent]:
        events = [
            FlowEvent(
                plan=plan,
                markets=outcome.markets,
                logit=logit(outcome.fair),
                resolves_at=self._start + plan.resolves_after,
                next_jump_at=self.rng.expovariate(self.config.jumps_per_h / 3600.0),
                pending_jump=self.rng.gauss(0.0, self.config.jump_sigma),
            )
            for outcome in plan.outcomes
        ]
        for event in events:
            event.siblings = events
        return events

    @property
    def market_ids(self) -> list[MarketId]:
        return list(self._event_of)

    # reading ------------------------------------------------------------------------

    def fair_value(self, market_id: MarketId) -> float:
        """The hidden fair probability of YES in ``market_id`` (for tests and tools)."""
        return sigmoid(self.fair_logit(market_id))

    def fair_logit(self, market_id: MarketId) -> float:
        """The market's fair value in log-odds: its outcome's chance, plus its offset."""
        return logit(self._event_of[market_id].chance()) + self._offsets[market_id]

    def informed_logit(self, market_id: MarketId) -> float:
        """What the informed know: the fair value, after the next jump once it is less
        than ``informed_lead_s`` away."""
        event = self._event_of[market_id]
        ahead = self.elapsed >= event.next_jump_at - self.config.informed_lead_s
        jump = event.pending_jump if ahead else 0.0
        jump = max(-6.0, min(6.0, event.logit + jump)) - event.logit
        return logit(event.chance(jump)) + self._offsets[market_id]

    def event_fair_value(self, event_id: EventId) -> float:
        """The fair probability of the event's first outcome (a question's YES)."""
        return next(e.chance() for e in self._events if e.plan.event_id == event_id)

    # stepping -----------------------------------------------------------------------

    def advance(self, dt_seconds: float) -> None:
        """Run the agents over the last ``dt_seconds`` of simulated time (the caller
        has already moved the exchange's clock)."""
        end = self.elapsed + dt_seconds
        while self.elapsed < end - 1e-9:
            h = min(self.config.step_s, end - self.elapsed)
            self.elapsed += h
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
            self.traders.act(mid, h)
        now = self.exchange.clock.now()
        for event in self._events:
            if not event.resolved and now >= event.resolves_at:
                self._resolve(event)

    def _walk(self, event: FlowEvent, h: float) -> None:
        cfg = self.config
        event.logit += self.rng.gauss(0.0, cfg.volatility_per_h * math.sqrt(h / 3600.0))
        for mid in event.markets:
            off = self._offsets[mid]
            self._offsets[mid] = off * 0.99 + self.rng.gauss(0.0, cfg.venue_offset_sigma * 0.14)
        if not event.informed_done and self.elapsed >= event.next_jump_at - cfg.informed_lead_s:
            event.informed_done = True
            for mid in event.markets:
                if mid in self._unlisted:
                    continue
                after = sigmoid(logit(event.chance(event.pending_jump)) + self._offsets[mid])
                self.traders.ahead_of_jump(mid, after, up=event.pending_jump > 0)
        if self.elapsed >= event.next_jump_at:
            event.logit = max(-6.0, min(6.0, event.logit + event.pending_jump))
            event.next_jump_at += self.rng.expovariate(cfg.jumps_per_h / 3600.0)
            event.pending_jump = self.rng.gauss(0.0, cfg.jump_sigma)
            event.informed_done = False

    def retick(self, mid: MarketId) -> None:
        """Polymarket makes a market's tick finer near 0 and 1 (``tick_size_change``)."""
        if mid.venue is not Venue.POLYMARKET:
            return
        tick = self.exchange.tick(mid)
        fair = self.fair_value(mid)
        edge = fair < self.config.fine_tick_edge or fair > 1 - self.config.fine_tick_edge
        if edge and tick.step_at(Decimal("0.5")) == _CENT:
            self.exchange.change_tick(mid, TickSpec.polymarket("0.001"))

    def _resolve(self, event: FlowEvent) -> None:
        """Draw which of the event's outcomes happens (perhaps none), and settle them all."""
        outcomes = event.siblings or [event]
        draw, happened = self.rng.random(), None
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

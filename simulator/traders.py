"""The flow's traders: liquidity providers, noise takers and informed traders, in the two
profiles of ``simulator.flow`` (``calibrated``, the default, and ``easy``).

``Flow`` owns the hidden fair values, the schedule of news and resolutions; a ``Traders``
object owns what the agents do in each open market every step (``act``), what the
liquidity providers show when a market opens (``open``), and what the informed do when
they learn of a jump ahead of time (``ahead_of_jump``). Every random draw comes from the
flow's one generator, in a fixed order.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from predmm.domain import Action, MarketId, OrderSide, TimeInForce, Venue
from predmm.simulator.exchange.events import TradePrinted
from predmm.simulator.flow import logit, sigmoid

if TYPE_CHECKING:
    from predmm.simulator.flow import Flow

ONE = Decimal(1)
Targets = tuple[tuple[OrderSide, Decimal | None, int], ...]  # side, price, level


class Traders(Protocol):
    def open(self, mid: MarketId) -> None: ...
    def listed(self, mid: MarketId) -> None: ...
    def act(self, mid: MarketId, h: float) -> None: ...
    def ahead_of_jump(self, mid: MarketId, after: float, *, up: bool) -> None: ...


def traders_for(flow: Flow) -> Traders:
    if flow.config.profile == "easy":
        return EasyTraders(flow)
    return CalibratedTraders(flow)


def _dec(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))


class _Base:
    """What both profiles share: the liquidity providers' refresh schedule and the
    traders ahead of a jump."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.ex = flow.exchange
        self.cfg = flow.config
        self.rng = flow.rng
        self.next_lp = dict.fromkeys(flow.market_ids, 0.0)
        self.lp_targets: dict[MarketId, Targets] = {}
        self.lp_quoted_at: dict[MarketId, float] = {}

    def requote(self, mid: MarketId, targets: Targets, sizes: tuple[int, int] | None) -> None:
        """Re-quote when the quote moved, or every minute (new sizes)."""
        stale = self.flow.elapsed - self.lp_quoted_at.get(mid, -1e9) >= 60.0
        if targets == self.lp_targets.get(mid) and not stale:
            return
        self.lp_targets[mid] = targets
        self.lp_quoted_at[mid] = self.flow.elapsed
        lp = self.flow.accounts[mid.venue].lp
        self.ex.cancel_all(lp, mid)
        for side, price, level in targets:
            if price is not None:
                low, high = self.cfg.lp_size if level or sizes is None else sizes
                size = Decimal(self.rng.randint(low, high))
                self.ex.place_order(lp, mid, side, price, size, post_only=True)

    def ahead_of_jump(self, mid: MarketId, after: float, *, up: bool) -> None:
        """Buy the side the jump favours, up to its fair value after the jump less an edge."""
        informed = self.flow.accounts[mid.venue].informed
        tick = self.ex.tick(mid)
        side = OrderSide.YES if up else OrderSide.NO
        target = after if side is OrderSide.YES else 1.0 - after
        limit = tick.round_bid(_dec(target) - self.cfg.informed_edge)
        if limit is None:
            return
        min_size = self.ex.spec(mid).min_order_size
        size = max(Decimal(self.rng.randint(*self.cfg.informed_size)), min_size)
        self.ex.place_order(informed, mid, side, limit, size, time_in_force=TimeInForce.IOC)

    def noise_size(self, mid: MarketId) -> Decimal:
        """A noise trade's size: whole contracts, or on a market of fractional contracts
        hundredths of one (a noise trader there buys 3.47 as well as 3)."""
        low, high = self.cfg.noise_size
        step = self.ex.spec(mid).count_step
        if step >= 1:
            return Decimal(self.rng.randint(low, high))
        return Decimal(self.rng.randint(low * 100, high * 100)) * step

    def gap(self, rate_per_min: float) -> float:
        return self.rng.expovariate(rate_per_min / 60.0) if rate_per_min > 0 else math.inf

    def sell_held(self, mid: MarketId, side: OrderSide, size: Decimal, limit: Decimal) -> bool:
        """Polymarket: sell up to ``size`` of ``side`` the noise account holds, IOC at
        ``limit`` or better; False when it holds too little to sell."""
        noise = self.flow.accounts[mid.venue].noise
        held = self.ex.position(noise, mid)
        free = held.yes - held.reserved_yes if side is OrderSide.YES else held.no - held.reserved_no
        size = min(size, free)
        if size < self.ex.spec(mid).min_order_size:
            return False
        self.ex.place_order(
            noise, mid, side, limit, size, action=Action.SELL, time_in_force=TimeInForce.IOC
        )
        return True


class EasyTraders(_Base):
    """The flow before the calibration: providers quote two levels around the fair value
    itself, noise takers buy YES with the fair value's probability and are otherwise
    uninformed."""

    def __init__(self, flow: Flow) -> None:
        super().__init__(flow)
        self.next_noise = {mid: self.gap(self.cfg.noise_rate_per_min) for mid in flow.market_ids}

    def open(self, mid: MarketId) -> None:
        self._provide(mid)

    def listed(self, mid: MarketId) -> None:
        """A market listed after the flow's start: its first noise trade is drawn from
        now (not from the flow's start: no backlog of trades at once)."""
        self.next_noise[mid] = self.flow.elapsed + self.gap(self.cfg.noise_rate_per_min)

    def act(self, mid: MarketId, h: float) -> None:
        elapsed = self.flow.elapsed
        if elapsed >= self.next_lp[mid]:
            self.next_lp[mid] = elapsed + self.cfg.lp_refresh_s
            self.flow.retick(mid)
            self._provide(mid)
        while self.next_noise[mid] <= elapsed:
            self.next_noise[mid] += self.gap(self.cfg.noise_rate_per_min)
            self._noise(mid)

    def _provide(self, mid: MarketId) -> None:
        tick = self.ex.tick(mid)
        fair = _dec(self.flow.fair_value(mid))
        half = self.cfg.lp_half_spread
        targets = tuple(
            (side, tick.round_bid(base - (half + level * 2 * half)), level)
            for level in (0, 1)
            for side, base in ((OrderSide.YES, fair), (OrderSide.NO, ONE - fair))
        )
        self.requote(mid, targets, None)

    def _noise(self, mid: MarketId) -> None:
        market = self.ex.spec(mid)
        tick = self.ex.tick(mid)
        size = self.noise_size(mid)
        fair = self.flow.fair_value(mid)
        side = OrderSide.YES if self.rng.random() < fair else OrderSide.NO
        if mid.venue is Venue.POLYMARKET and self.rng.random() < self.cfg.noise_sell_probability:
            noise = self.flow.accounts[mid.venue].noise
            held = self.ex.position(noise, mid)
            yes_free, no_free = held.yes - held.reserved_yes, held.no - held.reserved_no
            sell_side = OrderSide.YES if yes_free >= no_free else OrderSide.NO
            if self.sell_held(mid, sell_side, size, tick.min_price):
                return
            size = Decimal(self.rng.randint(*self.cfg.noise_size))
        size = max(size, market.min_order_size)
        side_fair = fair if side is OrderSide.YES else 1.0 - fair
        limit = tick.round_bid(_dec(side_fair + 0.06))
        if limit is not None:
            noise = self.flow.accounts[mid.venue].noise
            self.ex.place_order(noise, mid, side, limit, size, time_in_force=TimeInForce.IOC)


class CalibratedTraders(_Base):
    """Providers who learn the fair value from time and trades; informed takers; noise
    takers with a noisy view of the fair value. See ``simulator.flow``."""

    def __init__(self, flow: Flow) -> None:
        super().__init__(flow)
        self.mf = {mid: flow.universe.flow_of(mid) for mid in flow.market_ids}
        self.estimate = {mid: flow.fair_logit(mid) for mid in flow.market_ids}
        self.taken: dict[MarketId, float] = dict.fromkeys(flow.market_ids, 0.0)
        self.next_noise = {
            mid: self.gap(self.cfg.noise_rate_per_min * self.mf[mid].activity)
            for mid in flow.market_ids
        }
        self.next_informed = {
            mid: self.gap(self.cfg.informed_rate_per_min * self.mf[mid].toxicity)
            for mid in flow.market_ids
        }
        self.ex.subscribe(self._on_trade, types=(TradePrinted,))

    def _on_trade(self, event: object) -> None:
        assert isinstance(event, TradePrinted)
        trade = event.trade
        if trade.market_id in self.taken:
            signed = float(trade.quantity)
            self.taken[trade.market_id] += signed if trade.taker_side is OrderSide.YES else -signed

    def open(self, mid: MarketId) -> None:
        self._provide(mid)

    def listed(self, mid: MarketId) -> None:
        """A market listed after the flow's start: its providers start from the fair
        value of now, its takers' first arrivals are drawn from now."""
        mf, elapsed = self.mf[mid], self.flow.elapsed
        self.estimate[mid] = self.flow.fair_logit(mid)
        self.taken[mid] = 0.0
        self.next_noise[mid] = elapsed + self.gap(self.cfg.noise_rate_per_min * mf.activity)
        self.next_informed[mid] = elapsed + self.gap(self.cfg.informed_rate_per_min * mf.toxicity)

    def act(self, mid: MarketId, h: float) -> None:
        self._learn(mid, h)
        elapsed = self.flow.elapsed
        if elapsed >= self.next_lp[mid]:
            self.next_lp[mid] = elapsed + self.cfg.lp_refresh_s
            self.flow.retick(mid)
            self._provide(mid)
        mf = self.mf[mid]
        while self.next_noise[mid] <= elapsed:
            self.next_noise[mid] += self.gap(self.cfg.noise_rate_per_min * mf.activity)
            self._noise(mid)
        while self.next_informed[mid] <= elapsed:
            self.next_informed[mid] += self.gap(self.cfg.informed_rate_per_min * mf.toxicity)
            self._informed(mid)

    def _learn(self, mid: MarketId, h: float) -> None:
        """The providers' estimate: toward the fair value with time constant
        ``lp_learn_s``, and with the flow that took liquidity since the last step."""
        est = self.estimate[mid]
        est += (1.0 - math.exp(-h / self.cfg.lp_learn_s)) * (self.flow.fair_logit(mid) - est)
        est += self.cfg.impact * self.taken[mid]
        self.taken[mid] = 0.0
        self.estimate[mid] = max(-7.0, min(7.0, est))

    def _provide(self, mid: MarketId) -> None:
        """The best level ``width`` apart around the estimate, on the grid; two deeper
        levels a width further each."""
        tick = self.ex.tick(mid)
        p = sigmoid(self.estimate[mid])
        shape = min(1.0, p * (1.0 - p) / self.cfg.lp_tail_width)
        width = self.cfg.lp_width * self.mf[mid].width * shape
        step = float(tick.step_at(_dec(p)))
        n = max(1, round(width / step))
        bid = tick.round_bid(_dec(p - (n - 1) * step / 2.0))
        ask = tick.round_ask(bid + Decimal(n) * Decimal(str(step))) if bid is not None else None
        if bid is None or ask is None or ask >= ONE:
            return
        gap = Decimal(n) * Decimal(str(step))
        targets: Targets = tuple(
            (side, tick.round_bid(base - level * gap), level)
            for level in (0, 1, 2)
            for side, base in ((OrderSide.YES, bid), (OrderSide.NO, ONE - ask))
        )
        touch = self.cfg.lp_touch_size
        depth = self.mf[mid].depth
        self.requote(mid, targets, (max(1, round(touch[0] * depth)), round(touch[1] * depth)))

    def _touch(self, mid: MarketId) -> tuple[Decimal | None, Decimal | None]:
        book = self.ex.book(mid)
        return book.best_bid(), book.best_ask()

    def _noise(self, mid: MarketId) -> None:
        """A taker whose side comes from a noisy view of the fair value against the mid;
        takes the touch and at most ``noise_reach`` past it."""
        bid, ask = self._touch(mid)
        size = self.noise_size(mid)
        view = self.flow.fair_logit(mid) + self.rng.gauss(0.0, self.cfg.noise_signal_sigma)
        if bid is None or ask is None:
            return
        mid_logit = logit(float(bid + ask) / 2.0)
        buy_yes = view > mid_logit
        tick = self.ex.tick(mid)
        reach = self.cfg.noise_reach
        if mid.venue is Venue.POLYMARKET and self.rng.random() < self.cfg.noise_sell_probability:
            side = OrderSide.NO if buy_yes else OrderSide.YES  # sell the token it thinks dear
            limit = tick.round_ask((bid if side is OrderSide.YES else ONE - ask) - reach)
            if limit is not None and self.sell_held(mid, side, size, limit):
                return
        side = OrderSide.YES if buy_yes else OrderSide.NO
        limit = tick.round_bid((ask if buy_yes else ONE - bid) + reach)
        size = max(size, self.ex.spec(mid).min_order_size)
        if limit is not None:
            noise = self.flow.accounts[mid.venue].noise
            self.ex.place_order(noise, mid, side, limit, size, time_in_force=TimeInForce.IOC)

    def _informed(self, mid: MarketId) -> None:
        """Takes what the book offers at least ``informed_edge`` better than the fair
        value, if anything."""
        bid, ask = self._touch(mid)
        fair = _dec(sigmoid(self.flow.informed_logit(mid)))
        edge = self.cfg.informed_edge
        if ask is not None and fair - ask >= edge:
            side, limit = OrderSide.YES, fair - edge
        elif bid is not None and bid - fair >= edge:
            side, limit = OrderSide.NO, ONE - fair - edge
        else:
            return
        price = self.ex.tick(mid).round_bid(limit)
        size = max(
            Decimal(self.rng.randint(*self.cfg.informed_size)), self.ex.spec(mid).min_order_size
        )
        if price is not None:
            informed = self.flow.accounts[mid.venue].informed
            self.ex.place_order(informed, mid, side, price, size, time_in_force=TimeInForce.IOC)

"""The deterministic backtest: the simulator's matching core and seeded flow, one market
maker account per venue, and a ``Policy`` deciding its quotes. No threads, no clock
reads: time moves only by ``Simulator.advance``, so one seed gives one day.

Per market it mirrors the daemon's MarketActor: on each decision it reads the book,
asks the strategy for the YES and NO bids (from the book less our own orders), diffs
them against its live orders (keep what is unchanged; amend where the venue can, Kalshi;
else cancel and replace, Polymarket), applies the guards (quote age, price move, volume
spike) and sends exits as IOC orders. Orders go straight to the exchange; write tokens
are counted as the venues charge them (``Capabilities.order_tokens`` per create or
amend, ``cancel_tokens`` per cancel). With ``BacktestConfig.arbitrage`` the arbitrageur
runs beside the market maker after each round of decisions (``backtest.arbitrage``):
its fills are its own, and the risk limits count both strategies' holdings.

Rewards are their own lines (``backtest.rewards``): the liquidity rewards estimated with the
daemon's estimator on our resting quotes once a minute, the maker rebates of our maker
fills, and what the simulator itself paid (at each UTC midnight, ``simulator.rewards``) or
has accrued for the day so far; the PnL is trading only (reward payments left out of the
cash).
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.backtest.arbitrage import ArbitrageRunner
from predmm.backtest.metrics import BacktestResult, max_drawdown, sharpe
from predmm.backtest.policy import Policy
from predmm.backtest.rewards import RewardTally, SampleClock, rewards_of
from predmm.backtest.risk import RiskCheck, limits_for, market_exposure
from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.risk import RiskConfig
from predmm.domain.book import OrderBook
from predmm.domain.enums import Action, MarketStatus, OrderSide, TimeInForce, Venue
from predmm.domain.ids import ClientOrderId, MarketId, VenueOrderId
from predmm.domain.market import Market
from predmm.domain.risk import Terms
from predmm.platforms.kalshi.endpoints import capabilities_for
from predmm.platforms.polymarket import CAPABILITIES as POLYMARKET_CAPABILITIES
from predmm.platforms.venue import Capabilities
from predmm.simulator import Simulator
from predmm.simulator.exchange import AccountId
from predmm.simulator.exchange.events import ExchangeEvent, MarketSettled, OrderFilled
from predmm.simulator.exchange.model import FillRecord, MarketState, PlaceOutcome
from predmm.simulator.flow import FlowConfig
from predmm.simulator.universe import default_universe
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.mm_metrics import MarketMakingStats, combine
from predmm.strategies.quoting import Quote, VolumeMeter, price_moved, quote_expired
from predmm.strategies.rewards import leaves_band

ZERO = Decimal(0)
ONE = Decimal(1)
TIMER_S = 5.0  # a market with no news is looked at this often (the actor's Tick)
DEFAULT_START = datetime.fromisoformat("2026-11-02T14:00:00+00:00")
CAPABILITIES: dict[Venue, Capabilities] = {
    Venue.KALSHI: capabilities_for("basic"),
    Venue.POLYMARKET: POLYMARKET_CAPABILITIES,
}


@attrs.frozen(kw_only=True)
class BacktestConfig:
    seed: int = 1
    duration_s: float = 24 * 3600 + 120  # every default-universe event resolves by 24 h
    step_s: float = 1.0  # simulated time per advance
    decide_every_s: float = 1.0  # how often each market is looked at (a book update)
    select_every_s: float = 60.0  # how often market selection is rerun (the supervisor)
    sample_every_s: float = 60.0  # the PnL path's sampling interval
    rewards_every_s: float = 60.0  # the rewards estimate's sampling: a random second a minute
    maker_cash: Decimal = Decimal(10000)
    risk: RiskConfig = attrs.field(factory=RiskConfig)  # for policies with ``limits``
    start: datetime = DEFAULT_START
    time_scale: float = 1.0  # events resolve 8-24 h x time_scale after the start
    record_orders: bool = False  # keep every order sent (tests)
    flow: FlowConfig | None = None  # the simulator's traders (None: the calibrated flow)
    arbitrage: ArbitrageConfig | None = None  # the arbitrageur beside the market maker


@attrs.frozen
class SentOrder:
    """One order request as sent (tests check the grid and post-only)."""

    ts: float
    market_id: MarketId
    side: OrderSide
    price: Decimal
    quantity: Decimal
    on_grid: bool
    post_only: bool
    kind: str  # "place", "amend" or "exit"


@attrs.define
class _Live:
    order_id: VenueOrderId
    side: OrderSide
    price: Decimal
    quantity: Decimal  # total (filled + remaining)
    filled: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled


@attrs.define
class _MarketState:
    """The driver's per-market state: what a MarketActor holds."""

    market_id: MarketId
    account: AccountId
    inventory: InventoryTracker
    stats: MarketMakingStats = attrs.field(factory=MarketMakingStats)
    live: dict[OrderSide, _Live] = attrs.field(factory=dict)
    stale: bool = True
    quoted_fair: Decimal | None = None
    quoted_at: datetime | None = None
    volume: VolumeMeter | None = None
    last_volume: Decimal | None = None
    last_seq: int = -1
    paused_until: float = -1.0
    looked_at: float = -1e9
    mark: Decimal | None = None
    settled: OrderSide | None = None
    rewards: RewardTally = attrs.field(factory=RewardTally)


class Backtest:
    """One strategy over one seeded simulated day. ``run()`` returns the figures."""

    def __init__(self, policy: Policy, config: BacktestConfig | None = None) -> None:
        self.policy, self.cfg = policy, config or BacktestConfig()
        universe = default_universe(self.cfg.start, time_scale=self.cfg.time_scale, history=True)
        self.universe = universe
        self.sim = Simulator(
            seed=self.cfg.seed,
            flow=True,
            universe=universe,
            maker_cash=self.cfg.maker_cash,
            flow_config=self.cfg.flow,
            start=self.cfg.start,
        )
        self.ex = self.sim.exchange
        maker = self.sim.maker
        self.accounts = {
            Venue.KALSHI: maker.kalshi_account,
            Venue.POLYMARKET: maker.polymarket_account,
        }
        self.markets = {
            spec.market_id: _MarketState(
                market_id=spec.market_id,
                account=self.accounts[spec.market_id.venue],
                inventory=InventoryTracker(
                    market_id=spec.market_id, max_inventory=policy.config.max_inventory
                ),
            )
            for spec in universe.specs
        }
        self.selected: set[MarketId] = set()
        self.risk = (
            RiskCheck(
                limits=limits_for(self.cfg.risk, policy.config.max_position_size),
                links=universe.links(),
                groups=universe.venue_groups(),
            )
            if policy.limits
            else None
        )
        self.risk_refusals = 0
        self.elapsed = 0.0
        self.tokens = ZERO
        self.requests: dict[Venue, Counter[str]] = {v: Counter() for v in self.accounts}
        self.reject_codes: Counter[str] = Counter()
        self.fills = self.exit_fills = 0
        self.fees = ZERO
        self.sent: list[SentOrder] = []
        self.equity: list[Decimal] = []
        self._seq = itertools.count(1)
        self._events: list[ExchangeEvent] = []
        self._exits: set[VenueOrderId] = set()
        self._reward_clock = SampleClock(self.cfg.seed, self.cfg.rewards_every_s)
        self.ex.subscribe(self._events.append, types=(OrderFilled, MarketSettled))
        arb = self.cfg.arbitrage
        self.arb = ArbitrageRunner(self, arb) if arb is not None else None

    # the loop -----------------------------------------------------------------------

    def run(self) -> BacktestResult:
        cfg = self.cfg
        steps = round(cfg.duration_s / cfg.step_s)
        decide = max(1, round(cfg.decide_every_s / cfg.step_s))
        select = max(1, round(cfg.select_every_s / cfg.step_s))
        sample = max(1, round(cfg.sample_every_s / cfg.step_s))
        self.equity.append(self.pnl())
        for i in range(1, steps + 1):
            self.sim.advance(cfg.step_s)
            self.elapsed = i * cfg.step_s
            self._drain()
            if self._reward_clock.due(self.elapsed):  # as the venue: before we react
                self._sample_rewards()
            if i % select == 0 or i == 1:
                self._select()
            if i % decide == 0:
                self._decide_all()
                if self.arb is not None:
                    self.arb.step()
            if i % sample == 0:
                self.equity.append(self.pnl())
        self._drain()
        return self._result()

    def _sample_rewards(self) -> None:
        """The daemon's estimate of the liquidity rewards of our resting quotes (the
        book as the venue has it: ours in it)."""
        for ms in self._states():
            rewards = rewards_of(self.ex.spec(ms.market_id))
            if rewards is None or self.ex.status(ms.market_id) is not MarketStatus.OPEN:
                continue
            ours = [(q.side, q.price, q.remaining) for q in ms.live.values()]
            book = self.ex.book(ms.market_id)
            ms.rewards.sample(rewards, book, ours, self.sim.now(), self.cfg.rewards_every_s)

    def _drain(self) -> None:
        """Fills and settlements that happened since the last look, in order."""
        events, self._events[:] = list(self._events), []
        for event in events:
            if isinstance(event, OrderFilled):
                if event.account_id in self.accounts.values():
                    self._on_fill(event.fill)
            elif isinstance(event, MarketSettled) and event.market_id in self.markets:
                self._on_settled(event)

    # market selection and decisions ----------------------------------------------------

    def _select(self) -> None:
        views = [self._view(ms) for ms in self._states()]
        chosen = self.policy.select([v for v in views if v is not None])
        self.selected = {v.market_id for v in chosen}

    def _states(self) -> list[_MarketState]:
        return [ms for ms in self.markets.values() if ms.settled is None]

    def _decide_all(self) -> None:
        for ms in self._states():
            self._refresh_live(ms)
            if self.ex.status(ms.market_id) is not MarketStatus.OPEN:
                self._forget_closed(ms)
            elif not self._idle(ms):
                ms.looked_at = self.elapsed
                self._decide(ms, self.ex.market(ms.market_id))

    def _idle(self, ms: _MarketState) -> bool:
        """Nothing the strategy reads has changed: no book update, no fill, no finished
        order, quotes still young, and a timer look (exits, time to close) not yet due
        (the MarketActor's unchanged-inputs shortcut and its timer)."""
        if ms.stale or self.ex.book_seq(ms.market_id) != ms.last_seq:
            return False
        age = self.policy.config.max_quote_age_seconds if self.policy.guards else TIMER_S
        return self.elapsed - ms.looked_at < min(age, TIMER_S)

    def _decide(self, ms: _MarketState, state: MarketState) -> None:
        book = self.ex.book(ms.market_id)
        mid = book.mid()
        if mid is not None:
            ms.mark = mid
            ms.stats.on_mid(self.elapsed, mid)
        self._volume_guard(ms, state)
        view = self._market(state, book)
        if self.policy.exits and self._exit(ms, view):
            self._refresh_live(ms)  # an exit may have taken (or cancelled) our own quote
            book = self.ex.book(ms.market_id)
            view = self._market(state, book)
        own = {(q.side, q.price): q.remaining for q in ms.live.values()}
        paused = self.policy.guards and self.elapsed < ms.paused_until
        if ms.market_id not in self.selected or paused:
            desired, fair = {}, None
        else:
            d = self.policy.desired(view, book.without(own), ms.inventory)
            desired, fair = d.quotes, d.fair
        live = {side: (q.price, q.remaining) for side, q in ms.live.items()}
        left = leaves_band(desired, live, view, self.policy.config, book.without(own))
        if self._needs_requote(ms, desired, fair) or left:
            self._apply(ms, view, desired)
            ms.stale = False
            ms.quoted_fair, ms.quoted_at = fair, self.sim.now()
        ms.stats.on_quote_state(self.elapsed, len(ms.live) == 2)

    def _volume_guard(self, ms: _MarketState, state: MarketState) -> None:
        """A book update delivers the volume traded since the last one (as the feed)."""
        if state.book_seq == ms.last_seq:
            return
        ms.last_seq = state.book_seq
        traded = ZERO if ms.last_volume is None else state.volume - ms.last_volume
        ms.last_volume = state.volume
        cfg = self.policy.config
        if ms.volume is None:
            ms.volume = VolumeMeter(
                window_s=cfg.volume_spike_window_seconds,
                lookback_s=cfg.volume_spike_lookback_seconds,
            )
        ms.volume.add(self.elapsed, traded)
        if (
            self.policy.guards
            and self.elapsed >= ms.paused_until
            and ms.volume.spike(self.elapsed, cfg.volume_spike_multiple)
        ):
            ms.paused_until = self.elapsed + cfg.max_quote_age_seconds

    def _needs_requote(
        self, ms: _MarketState, desired: dict[OrderSide, Quote], fair: Decimal | None
    ) -> bool:
        if not self.policy.guards:
            return any(not _same(ms.live.get(s), desired.get(s)) for s in OrderSide)
        cfg = self.policy.config
        if quote_expired(ms.quoted_at, self.sim.now(), cfg.max_quote_age_seconds):
            ms.stale = True
        if ms.stale or set(desired) != set(ms.live):
            return True
        return fair is not None and price_moved(
            ms.quoted_fair, fair, cfg.price_change_requote_threshold
        )

    # orders -------------------------------------------------------------------------

    def _apply(self, ms: _MarketState, view: Market, desired: dict[OrderSide, Quote]) -> None:
        """Keep, amend (where the venue can) or cancel and replace each side. Cancels
        go first (as the PlatformActor sends them); a side whose new price would cross
        our other side's resting quote goes after that side has moved."""
        amend = CAPABILITIES[ms.market_id.venue].amend
        changed = [s for s in OrderSide if not _same(ms.live.get(s), desired.get(s))]
        for side in changed:
            have = ms.live.get(side)
            if have is not None and (side not in desired or not amend):
                self._cancel(ms, have)
        changed.sort(key=lambda s: _crosses(desired.get(s), ms.live.get(s.opposite)))
        for side in changed:
            want, have = desired.get(side), ms.live.get(side)
            if want is not None and have is not None:
                self._amend(ms, view, have, want)
            elif want is not None:
                self._place(ms, view, want)

    def _place(self, ms: _MarketState, view: Market, quote: Quote) -> None:
        if quote.size < self.ex.spec(ms.market_id).min_order_size:
            return  # the venue would refuse it: not sent
        if self._refused(ms, quote):
            return
        outcome = self._send(ms, view, quote, post_only=True, tif=TimeInForce.GTC)
        order = outcome.order if outcome is not None else None
        if order is not None and not order.status.is_terminal:
            ms.live[quote.side] = _Live(
                order.order_id, quote.side, quote.price, quote.size, order.filled_quantity
            )

    def _send(
        self, ms: _MarketState, view: Market, quote: Quote, *, post_only: bool, tif: TimeInForce
    ) -> PlaceOutcome | None:
        caps = CAPABILITIES[ms.market_id.venue]
        self.tokens += caps.order_tokens
        self.requests[ms.market_id.venue]["create"] += 1
        self._record(ms, view, quote, "place" if post_only else "exit", post_only)
        if post_only:
            ms.stats.on_quote(quote.size)
        outcome = self.ex.place_order(
            ms.account,
            ms.market_id,
            quote.side,
            quote.price,
            quote.size,
            time_in_force=tif,
            post_only=post_only,
            client_order_id=ClientOrderId(f"bt-{next(self._seq)}"),
        )
        if not outcome.accepted or outcome.order is None:
            self.reject_codes[f"place:{outcome.reject}"] += 1
            return None
        self._drain()
        return outcome

    def _amend(self, ms: _MarketState, view: Market, have: _Live, want: Quote) -> None:
        if self._refused(ms, want, replacing=have):
            self._cancel(ms, have)
            return
        caps = CAPABILITIES[ms.market_id.venue]
        self.tokens += caps.order_tokens
        self.requests[ms.market_id.venue]["amend"] += 1
        total = have.filled + want.size
        self._record(ms, view, Quote(want.side, want.price, want.size), "amend", True)
        ms.stats.on_quote(want.size)
        outcome = self.ex.amend_order(
            have.order_id,
            account_id=ms.account,
            price=want.price,
            quantity=total,
        )
        if not outcome.accepted or outcome.order is None:
            self.reject_codes[f"amend:{outcome.reject}"] += 1
            self._cancel(ms, have)
            ms.stale = True
            return
        have.price, have.quantity = want.price, total
        self._drain()

    def _cancel(self, ms: _MarketState, have: _Live) -> None:
        self.tokens += CAPABILITIES[ms.market_id.venue].cancel_tokens
        self.requests[ms.market_id.venue]["cancel"] += 1
        self.ex.cancel_order(have.order_id, account_id=ms.account)
        ms.live.pop(have.side, None)
        self._drain()

    def _exit(self, ms: _MarketState, view: Market) -> bool:
        """Send the strategy's exit, if any, as an IOC order; True when one was sent."""
        signal = self.policy.exit(view, ms.inventory)
        if signal is None:
            return False
        price = view.tick.round_ask(signal.target_price)
        size = signal.size.quantize(Decimal("0.01"))
        if price is None or size < self.ex.spec(ms.market_id).min_order_size:
            return False
        if self._refused(ms, Quote(signal.side, price, size)):
            return False
        outcome = self._send(
            ms, view, Quote(signal.side, price, size), post_only=False, tif=TimeInForce.IOC
        )
        if outcome is not None and outcome.order is not None:
            self._exits.add(outcome.order.order_id)
            self._drain()
        ms.stale = True
        return True

    def _refused(self, ms: _MarketState, quote: Quote, replacing: _Live | None = None) -> bool:
        """The PortfolioActor's reservation: refused when the order would pass a limit."""
        if self.risk is None:
            return False
        terms = Terms(side=quote.side, action=Action.BUY, price=quote.price, quantity=quote.size)
        return self.refuses(ms.market_id, terms, replacing)

    def refuses(self, market_id: MarketId, terms: Terms, replacing: _Live | None = None) -> bool:
        """The PortfolioActor's check of ``terms`` against what both strategies hold and
        the maker's quotes (but ``replacing``); counted when refused."""
        if self.risk is None:
            return False
        held = self.arb.held if self.arb is not None else {}
        exposures = {}
        for m in self._states():
            quotes = (_terms(q) for q in m.live.values() if q is not replacing)
            exposure = market_exposure(m.inventory, quotes)
            if m.market_id in held:
                exposure = exposure + market_exposure(held[m.market_id], ())
            exposures[m.market_id] = exposure
        if self.risk.refusal(market_id, terms, exposures) is None:
            return False
        self.risk_refusals += 1
        return True

    # the arbitrageur's hooks (``backtest.arbitrage``) ---------------------------------------

    def drain(self) -> None:
        self._drain()

    def count_order(self, market_id: MarketId) -> None:
        """A taker order sent: its write tokens and request."""
        self.tokens += CAPABILITIES[market_id.venue].order_tokens
        self.requests[market_id.venue]["create"] += 1

    def cancel_quote(self, ms: _MarketState, live: _Live) -> None:
        """A quote of the maker's pulled out of a taker order's way."""
        self._cancel(ms, live)
        ms.stale = True

    def view_of(self, market_id: MarketId) -> Market | None:
        return self._view(self.markets[market_id])

    def _record(
        self, ms: _MarketState, view: Market, quote: Quote, kind: str, post_only: bool
    ) -> None:
        if self.cfg.record_orders:
            tick = self.ex.tick(ms.market_id)
            self.sent.append(
                SentOrder(
                    self.elapsed,
                    ms.market_id,
                    quote.side,
                    quote.price,
                    quote.size,
                    tick.is_on_grid(quote.price),
                    post_only,
                    kind,
                )
            )

    def _refresh_live(self, ms: _MarketState) -> None:
        """Drop quotes the venue finished (filled, expired, cancelled by it)."""
        for side, live in list(ms.live.items()):
            order = self.ex.order(live.order_id)
            if order is None or order.status.is_terminal:
                del ms.live[side]
                ms.stale = True
            else:
                live.filled = order.filled_quantity

    def _forget_closed(self, ms: _MarketState) -> None:
        for live in list(ms.live.values()):
            self._cancel(ms, live)

    # fills and settlement -------------------------------------------------------------

    def _on_fill(self, fill: FillRecord) -> None:
        if self.arb is not None and fill.order_id in self.arb.orders:
            self.fills += 1
            self.fees += fill.fee
            self.arb.on_fill(fill)  # the arbitrageur's: not the maker's inventory
            return
        ms = self.markets[fill.market_id]
        ms.inventory.apply_fill(fill.side, fill.quantity, fill.price, fill.action, fill.fee)
        self.fills += 1
        self.fees += fill.fee
        ms.stale = True
        if fill.order_id in self._exits:
            self.exit_fills += 1
            return
        if not fill.is_taker:
            ms.rewards.maker_fill(
                rewards_of(self.ex.spec(fill.market_id)), fill.price, fill.quantity
            )
        ts = fill.ts.timestamp() - self.cfg.start.timestamp()
        ms.stats.on_fill(ts, fill.side, fill.action, fill.price, fill.quantity, ms.mark)

    def _on_settled(self, event: MarketSettled) -> None:
        ms = self.markets[event.market_id]
        ms.inventory.settle(event.result is OrderSide.YES)
        ms.settled, ms.live = event.result, {}
        if self.arb is not None:
            self.arb.settled(event.market_id, event.result is OrderSide.YES)
        ms.mark = ONE if event.result is OrderSide.YES else ZERO

    # views and figures ----------------------------------------------------------------

    def _view(self, ms: _MarketState) -> Market | None:
        state = self.ex.market(ms.market_id)
        if state.status is not MarketStatus.OPEN:
            return None
        return self._market(state, self.ex.book(ms.market_id))

    def _market(self, state: MarketState, book: OrderBook) -> Market:
        spec = state.spec
        return Market(
            market_id=spec.market_id,
            title=spec.title,
            status=state.status,
            event_id=spec.event_id,
            tick=state.tick,
            liquidity=state.liquidity,
            volume=state.volume,
            best_yes_bid=book.best_bid(),
            best_yes_ask=book.best_ask(),
            last_price=state.last_price,
            close_time=spec.close_time,
            as_of=self.sim.now(),
            min_order_size=spec.min_order_size,
            rewards=rewards_of(spec),
        )

    def paid(self) -> Decimal:
        """What the simulator paid the maker in rewards and rebates (days ended)."""
        ours = set(self.accounts.values())
        return sum((p.paid for p in self.sim.rewards.payments if p.account_id in ours), ZERO)

    def accrued(self) -> Decimal:
        """The liquidity rewards the simulator has accrued to the maker today (not paid)."""
        account = self.accounts[Venue.POLYMARKET]
        return sum(self.sim.rewards.accrued(account, self.sim.now().date()).values(), ZERO)

    def pnl(self) -> Decimal:
        """The exchange's view: cash of both maker accounts less what they started with
        (and less the rewards the venue paid: their own line), plus every position marked
        at its market's last book mid."""
        cash = sum((self.ex.balance(a).cash for a in self.accounts.values()), ZERO)
        cash -= self.paid()
        value = ZERO
        for account in self.accounts.values():
            for pos in self.ex.positions(account):
                mark = self.markets[pos.market_id].mark
                if mark is not None:
                    value += pos.yes * mark + pos.no * (ONE - mark)
        return cash + value - self.cfg.maker_cash * len(self.accounts)

    def tracked_pnl(self) -> Decimal:
        """The strategy's own view: its inventory trackers, realized plus unrealized."""
        total = ZERO
        for ms in self.markets.values():
            total += ms.inventory.realized_pnl
            if ms.mark is not None:
                total += ms.inventory.unrealized_pnl(ms.mark)
        return total

    @property
    def rejects(self) -> int:
        return sum(self.reject_codes.values())

    def _count(self, kind: str) -> int:
        return sum(c[kind] for c in self.requests.values())

    def _result(self) -> BacktestResult:
        return BacktestResult(
            strategy=self.policy.name,
            seed=self.cfg.seed,
            duration_s=self.elapsed,
            pnl=self.pnl(),
            realized_pnl=sum((m.inventory.realized_pnl for m in self.markets.values()), ZERO),
            sharpe=sharpe(self.equity, self.cfg.sample_every_s),
            max_drawdown=max_drawdown(self.equity),
            stats=combine(m.stats.snapshot(self.elapsed) for m in self.markets.values()),
            write_tokens=self.tokens,
            orders=self._count("create"),
            cancels=self._count("cancel"),
            amends=self._count("amend"),
            rejects=self.rejects,
            reject_codes=dict(self.reject_codes),
            risk_refusals=self.risk_refusals,
            exit_fills=self.exit_fills,
            fills=self.fills,
            fees=self.fees,
            equity=tuple(self.equity),
            sample_interval_s=self.cfg.sample_every_s,
            rewards=sum((m.rewards.liquidity for m in self.markets.values()), ZERO),
            rebates=sum((m.rewards.rebates for m in self.markets.values()), ZERO),
            rewards_paid=self.paid(),
            rewards_accrued=self.accrued(),
            arbitrage=self.arb.figures() if self.arb is not None else {},
        )


def _terms(live: _Live) -> Terms:
    return Terms(side=live.side, action=Action.BUY, price=live.price, quantity=live.remaining)


def _crosses(want: Quote | None, other: _Live | None) -> bool:
    """A bid at ``want`` would meet our resting bid on the other side."""
    return want is not None and other is not None and want.price + other.price >= ONE


def _same(have: _Live | None, want: Quote | None) -> bool:
    if have is None or want is None:
        return have is None and want is None
    return have.price == want.price and have.remaining == want.size


def run_backtest(policy: Policy, config: BacktestConfig | None = None) -> BacktestResult:
    return Backtest(policy, config).run()

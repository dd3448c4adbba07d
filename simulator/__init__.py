"""A local exchange that speaks Kalshi's and Polymarket's wire APIs on 127.0.0.1.

``Simulator`` bundles the matching core (``simulator.exchange.Exchange``), the simulated
clock, the seeded market flow, the fault plan, the accounts with their generated
credentials and the listing metadata. ``simulator.server`` serves it over HTTP and
websockets; ``simulator.testing.running_simulator`` starts it inside a trio run.
See ``simulator/API.md``.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import attrs
from loguru import logger

from predmm.domain import MarketId, MarketStatus, Venue
from predmm.simulator.credentials import (
    CredentialStore,
    KalshiKey,
    PolymarketKey,
    generate_kalshi_key,
    generate_polymarket_key,
)
from predmm.simulator.exchange import (
    AccountId,
    Exchange,
    SimClock,
    TradeId,
    TradePrinted,
    TradeStatus,
)
from predmm.simulator.exchange.clock import DEFAULT_START
from predmm.simulator.exchange.events import ExchangeEvent
from predmm.simulator.exchange.model import MarketSpec
from predmm.simulator.faults import Faults
from predmm.simulator.flow import Flow, FlowConfig
from predmm.simulator.plans import OutcomeLink
from predmm.simulator.rewards import RewardsDesk
from predmm.simulator.tally import RequestTally
from predmm.simulator.universe import Universe, default_universe

__all__ = ["Deferred", "Simulator", "Trader"]


@attrs.frozen(kw_only=True)
class Trader:
    """One participant: an account on each venue and the credentials of both."""

    name: str
    kalshi_account: AccountId
    polymarket_account: AccountId
    kalshi_key: KalshiKey
    polymarket_key: PolymarketKey


@attrs.define(eq=False)
class Deferred:
    """Work the simulator does later on its own (``Simulator.defer``): a request a venue
    processes after its client gave up. ``result`` is the work's once ``done``."""

    at: float  # simulated Unix seconds
    work: Callable[[], object]
    done: bool = False
    result: object = None


class Simulator:
    """The whole simulated world, driven by ``advance(seconds)`` (no wall clock inside).

    ``flow=False`` lists the markets with empty books and no other traders; tests and the
    daemon then see only their own orders. ``maker`` is the market maker's Trader
    (``maker_cash`` dollars on each venue). A market of the universe is listed when its
    open time comes (``simulator.rolling`` lists new ones as old ones resolve). ``rewards``
    pays the makers' liquidity rewards and rebates (``simulator.rewards``;
    ``rewards_sample_s``: its sampling period).

    ``time_scale``: how many simulated seconds pass per second of wall time when served
    (``simulator.server.run_clock``): a world k times as fast, whose request-timestamp
    windows are k times as wide in simulated seconds (the network's delays are wall
    time); its clients read its time from ``simulator.credentials.write_world_clock``."""

    def __init__(
        self,
        *,
        seed: int = 1,
        flow: bool = True,
        faults: Faults | None = None,
        start: datetime = DEFAULT_START,
        universe: Universe | None = None,
        maker_cash: Decimal = Decimal("10000"),
        flow_config: FlowConfig | None = None,
        mine_after_s: float = 2.0,
        confirm_after_s: float = 4.0,
        time_scale: float = 1.0,
        rewards_sample_s: float = 60.0,
    ) -> None:
        self.seed = seed
        self.clock = SimClock(start)
        self.exchange = Exchange(clock=self.clock, seed=seed)
        self.faults = faults or Faults(seed)
        self.faults.bind_clock(self.clock.timestamp)
        self.credentials = CredentialStore()
        self.requests = RequestTally()  # what the served front ends were asked
        self.universe = universe or default_universe(start)
        self.mine_after_s = mine_after_s
        self.confirm_after_s = confirm_after_s
        self._pending_trades: deque[TradeId] = deque()
        self._deferred: list[tuple[float, int, Deferred]] = []
        self._deferred_seq = itertools.count()
        self._paused_by_plan: set[MarketId] = set()
        self.time_scale = time_scale
        self._unlisted: list[MarketSpec] = []  # by open time: listed when it comes
        for spec in self.universe.specs:
            if spec.open_time is not None and spec.open_time > start:
                self._unlisted.append(spec)
            else:
                self.exchange.list_market(spec, MarketStatus.OPEN)
        self._unlisted.sort(key=lambda spec: spec.open_time or start)
        self.exchange.subscribe(self._on_event, types=(TradePrinted,))
        # samples the makers' quotes (once a minute, as the venue) and pays at UTC midnight
        self.rewards = RewardsDesk(self.exchange, seed=seed, sample_s=rewards_sample_s)
        self.maker = self.create_trader("mm", cash=maker_cash)
        self.flow = (
            Flow(self.exchange, self.universe, seed=seed, config=flow_config) if flow else None
        )

    # participants -----------------------------------------------------------------

    def create_trader(
        self,
        name: str,
        *,
        cash: Decimal = Decimal("10000"),
        polymarket_signature_type: int = 0,
        polymarket_funder: str | None = None,
        polymarket_private_key: str | None = None,
    ) -> Trader:
        """Open an account on each venue with ``cash`` dollars, and generate credentials.
        On Polymarket the money sits in the wallet of ``polymarket_signature_type`` (0:
        the EOA itself; 1-3: a proxy, Safe or deposit wallet of the EOA, at
        ``polymarket_funder`` or an address the simulator associates with the EOA)."""
        kalshi = self.exchange.open_account(Venue.KALSHI, name, cash)
        poly = self.exchange.open_account(Venue.POLYMARKET, name, cash)
        poly_key = generate_polymarket_key(
            poly,
            signature_type=polymarket_signature_type,
            funder=polymarket_funder,
            private_key=polymarket_private_key,
        )
        return Trader(
            name=name,
            kalshi_account=kalshi,
            polymarket_account=poly,
            kalshi_key=self.credentials.add_kalshi(generate_kalshi_key(kalshi)),
            polymarket_key=self.credentials.add_polymarket(poly_key),
        )

    def kalshi_account(self, key_id: str) -> AccountId | None:
        key = self.credentials.kalshi(key_id)
        return key.account_id if key is not None else None

    def polymarket_account(self, api_key: str) -> AccountId | None:
        key = self.credentials.polymarket(api_key)
        return key.account_id if key is not None else None

    # listing ------------------------------------------------------------------------

    def links(self) -> tuple[OutcomeLink, ...]:
        """The outcomes listed on more than one venue, with their markets."""
        return self.universe.links()

    def now(self) -> datetime:
        return self.clock.now()

    # time ---------------------------------------------------------------------------

    def defer(self, delay_s: float, work: Callable[[], object]) -> Deferred:
        """Do ``work`` once simulated time has moved ``delay_s`` seconds on (in
        ``advance``, in the order deferred): a venue processing a request late."""
        item = Deferred(at=self.clock.timestamp() + delay_s, work=work)
        heapq.heappush(self._deferred, (item.at, next(self._deferred_seq), item))
        return item

    def advance(self, seconds: float) -> None:
        """Move simulated time: scheduled pauses, deferred work, GTD expiry, the flow's
        agents and resolutions, Polymarket trades' MATCHED -> MINED -> CONFIRMED
        progress, and the rewards' samples and payments (``simulator.rewards``)."""
        self.clock.advance(seconds)
        self._list_due()
        self._apply_pauses()
        self._run_deferred()
        self.exchange.expire_orders()
        if self.flow is not None:
            self.flow.advance(seconds)
        self._progress_trades()
        self.rewards.advance()

    def _list_due(self) -> None:
        """List the universe's markets whose open time has come."""
        now = self.clock.now()
        while self._unlisted and (self._unlisted[0].open_time or now) <= now:
            self.exchange.list_market(self._unlisted.pop(0), MarketStatus.OPEN)

    def _run_deferred(self) -> None:
        now = self.clock.timestamp()
        while self._deferred and self._deferred[0][0] <= now:
            _, _, item = heapq.heappop(self._deferred)
            try:
                item.result = item.work()
            except Exception as exc:  # a venue's own failure: the clock goes on
                logger.exception("simulator: deferred work failed")
                item.result = exc
            item.done = True

    def _apply_pauses(self) -> None:
        for venue in Venue:
            paused = self.faults.in_trading_pause(venue)
            if paused != self.exchange.trading_paused(venue):
                if paused:
                    self.exchange.pause_trading(venue)
                else:
                    self.exchange.resume_trading(venue)
        now = self.clock.timestamp()
        for pause in self.faults.pauses:
            mid = pause.market_id
            status = self.exchange.status(mid)
            inside = pause.start <= now < pause.end
            if inside and status is MarketStatus.OPEN and mid not in self._paused_by_plan:
                self._paused_by_plan.add(mid)
                self.exchange.pause_market(mid)
            elif not inside and mid in self._paused_by_plan and now >= pause.end:
                self._paused_by_plan.discard(mid)
                if status is MarketStatus.PAUSED:
                    self.exchange.resume_market(mid)

    def _on_event(self, event: ExchangeEvent) -> None:
        if isinstance(event, TradePrinted) and event.trade.status is TradeStatus.MATCHED:
            self._pending_trades.append(event.trade.trade_id)

    def _progress_trades(self) -> None:
        now = self.clock.now()
        keep: deque[TradeId] = deque()
        while self._pending_trades:
            tid = self._pending_trades.popleft()
            trade = self.exchange.trade(tid)
            if trade is None or trade.status.is_final:
                continue
            age = (now - trade.ts).total_seconds()
            if trade.status is TradeStatus.MATCHED and age >= self.mine_after_s:
                trade = self.exchange.advance_trade(tid)
            if trade.status is TradeStatus.MINED and age >= self.confirm_after_s:
                trade = self.exchange.advance_trade(tid)
            if not trade.status.is_final:
                keep.append(tid)
        self._pending_trades = keep

"""The replay engine: one source's events, in time order, through a ``Decider``, the
portfolio's limit checks, the latency and a fill model. No threads, no clock: time is the
events' time, so one input gives one result.

Per event: commands whose latency has passed reach the venue first (against the book of
that moment); then the event updates its market (the book, the tape, the status) and the
fill model judges our resting orders against it; then the market's decider is asked, only
when something it reads may have changed: the best two levels of either side (with their
sizes for a microprice fair value), a fill, an order that ended, the status, or its timer
(``timer_ms``, the MarketActor's tick). A book change deeper than that builds nothing.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from decimal import Decimal

import attrs

from predmm.backtest import events as ev
from predmm.backtest.decision import (
    Amend,
    Cancel,
    Command,
    Decider,
    EndNote,
    FillNote,
    Gate,
    LiveOrder,
    MarketInput,
    News,
    OrderNote,
    Place,
)
from predmm.backtest.engine_state import Mkt
from predmm.backtest.fills import FillModel, TradeThrough, Working, crossing, ioc_fills
from predmm.backtest.portfolio import Portfolio
from predmm.backtest.results import HORIZONS, FillRecord, MarketResult, RunResult
from predmm.backtest.rewards import SampleClock
from predmm.backtest.risk import RiskCheck, limits_for, market_exposure
from predmm.config.risk import RiskConfig
from predmm.domain.enums import Action, MarketStatus
from predmm.domain.ids import MarketId
from predmm.domain.outcomes import VenueGroup
from predmm.domain.risk import Terms
from predmm.strategies.mm_metrics import combine

ZERO = Decimal(0)
ONE = Decimal(1)


@attrs.frozen(kw_only=True)
class ReplayConfig:
    fill_model: FillModel
    latency_ms: int = 0
    risk: RiskConfig = attrs.field(factory=RiskConfig)
    timer_ms: int = 1_000  # a market is looked at in each such window at least (the tick)
    select_every_ms: int = 60_000  # market selection (the MarketSupervisor)
    max_samples: int = 5_000  # the PnL path: every minute, or coarser to stay under this
    # nothing is decided before this time (ms since the epoch): the books fill in, then
    # every market is looked at once, as the daemon's markets start on the books of then
    trade_from_ms: int | None = None


class Replay:
    """One decider over one source. ``run()`` returns a ``RunResult``."""

    calm_skips = True  # a book as at a last look that decided nothing skips the look

    def __init__(
        self,
        source: ev.Source,
        decider: Decider,
        config: ReplayConfig,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.source, self.decider, self.cfg = source, decider, config
        self.model = config.fill_model
        # a book fills an order only through its price (``TradeThrough``): looked at first
        self.through = type(config.fill_model) is TradeThrough
        self.sized = source.fills_from_books
        self.mkts = [Mkt(info, decider.market(info)) for info in source.markets]
        self.reserves = decider.reserves  # it reserves its orders through the portfolio
        limits = limits_for(config.risk, decider.max_position_size)
        self.portfolio = (
            Portfolio(limits, _groups(self.mkts)) if decider.limits and self.reserves else None
        )
        self.risk = (
            RiskCheck(limits=limits, groups=_groups(self.mkts))
            if decider.limits and not self.reserves
            else None
        )
        self.progress = progress
        self.pending: list[tuple[int, int, int, Command, int]] = []  # due, seq, mkt, cmd, oid
        self.seq = itertools.count()
        self.oids = itertools.count(1)
        self.now = 0
        self.selected: set[MarketId] = set()
        self.next_select = 0
        self.counts = {"orders": 0, "cancels": 0, "rejects": 0, "refusals": 0, "events": 0}
        self.samples: list[int] = []
        self.fill_log: list[FillRecord] = []
        self.sample_ms = 60_000
        self.next_sample: int | None = None
        self.reward_clock = SampleClock(0)  # liquidity-rewards samples: once a minute of data
        self.waiting = config.trade_from_ms is not None  # before trade_from_ms

    # the loop -----------------------------------------------------------------------

    def run(self) -> RunResult:
        began = time.perf_counter()
        for batch in self.source.batches():
            self._batch(batch)
            if self.progress is not None:
                self.progress(len(batch))
        self._finish()
        return self._result(time.perf_counter() - began)

    def _batch(self, b: ev.EventBatch) -> None:
        kinds, markets, stamps = b.kind, b.market, b.ts
        yes_px, yes_sz, no_px, no_sz = b.yes_px, b.yes_sz, b.no_px, b.no_sz
        mkts, rewards, book_kind = self.mkts, self.reward_clock, ev.BOOK
        timer = self.cfg.timer_ms
        for i in range(len(stamps)):
            same = False  # a book whose best prices are those of the market's last book
            ts = stamps[i]
            if self.next_sample is None:
                self._start(ts)
            self.now = ts
            if self.pending and self.pending[0][0] <= ts:
                self._due(ts)
            if ts >= self.next_sample:  # type: ignore[operator]
                self._sample(ts)
            if ts / 1000 >= rewards.next_s and rewards.due(ts / 1000):
                self._sample_rewards(ts)
            m, kind = mkts[markets[i]], kinds[i]
            if kind == book_kind or kind == ev.DELTA:
                if not m.has_book:  # a market with its first book: selection looks again
                    self.next_select = ts
                ladders = (yes_px[i], yes_sz[i], no_px[i], no_sz[i])
                m.set_book(ladders, delta=kind == ev.DELTA)  # type: ignore[arg-type]
                yes, no = m.book[0], m.book[2]
                if m.orders and (
                    not self.through
                    or (no and no[0] > m.through_yes)
                    or (yes and yes[0] > m.through_no)
                ):
                    self._book_fills(m)
                if yes and no:
                    same = (yes[0], no[0]) == m.top
                    if not same:  # a new mid
                        m.on_mark(ts)
            elif kind == ev.TRADE:
                self._trade(m, b.price[i], b.size[i], b.aux[i])
            else:
                self._market_event(m, kind, b.price[i], b.aux[i])
            if self.waiting:
                self._wait(ts)
                continue
            if ts >= self.next_select:
                self._select(ts)
            calm = same and m.calm and not m.sized and not m.dirty and self.calm_skips
            if calm and timer and ts // timer == m.window:
                continue  # as at the last look, which decided nothing (``_maybe_decide``)
            self._maybe_decide(m, ts)
        self.counts["events"] += len(stamps)

    def _wait(self, ts: int) -> None:
        """Before ``trade_from_ms`` nothing is decided; at it, every market is looked at
        on the books of then."""
        assert self.cfg.trade_from_ms is not None
        if ts < self.cfg.trade_from_ms:
            return
        self.waiting = False
        self._select(ts)
        for m in self.mkts:
            self._maybe_decide(m, ts)

    def _start(self, ts: int) -> None:
        span = self.source_span(ts)
        minutes = max(1, -(-span // (self.cfg.max_samples * 60_000)))
        self.sample_ms = minutes * 60_000
        self.next_sample = ts
        self.next_select = ts

    def source_span(self, first: int) -> int:
        span = getattr(self.source, "span_ms", None)
        return int(span) if span is not None else 24 * 3_600_000

    # market events --------------------------------------------------------------------

    def _market_event(self, m: Mkt, kind: int, price: float, aux: int) -> None:
        if kind == ev.STATUS:
            m.status = ev.STATUSES[aux]
            m.dirty = True
            if m.status is not MarketStatus.OPEN:
                self._cancel_all(m)
        elif kind == ev.SETTLE:
            self._settle(m, price)
        elif kind == ev.TICK:
            m.set_tick(price)
        elif kind == ev.INVALID:
            m.invalidate()

    def _settle(self, m: Mkt, price: float) -> None:
        self._cancel_all(m)
        m.status = MarketStatus.SETTLED
        if price in (0.0, 1.0):
            m.inventory.settle(price == 1.0)
            m.mark = ev.dec(price)
        else:
            m.mark = ev.dec(price)  # marked at the last price: the outcome is unknown
        m.ended = True
        m.stats.on_mid(_s(self.now) + HORIZONS[-1], m.last_mid or m.mark)

    def _cancel_all(self, m: Mkt) -> None:
        for order in list(m.orders.values()):
            self._remove(m, order)

    # fills ----------------------------------------------------------------------------

    def _book_fills(self, m: Mkt) -> None:
        if not m.orders or not self.sized:
            return
        for order in list(m.orders.values()):
            if order.live:
                got = self.model.on_book(order, m.book)
                if got > 0:
                    self._fill(m, order, got, order.price, taker=False)

    def _trade(self, m: Mkt, price: float, size: float, taker: int) -> None:
        m.on_trade(price, size)
        for order in list(m.orders.values()):
            if order.live:
                got = self.model.on_trade(order, price, size, taker)
                if got > 0:
                    self._fill(m, order, got, order.price, taker=False)

    def _fill(self, m: Mkt, order: Working, qty: Decimal, price: Decimal, *, taker: bool) -> None:
        fee = m.info.fees.fee(qty, price, is_taker=taker)
        m.inventory.apply_fill(order.side, qty, price, Action.BUY, fee)
        order.filled += qty
        self.fill_log.append(
            FillRecord(
                ts=self.now,
                market=str(m.info.market_id),
                side=order.side.value,
                price=price,
                quantity=qty,
                fee=fee,
                taker=taker,
            )
        )
        m.fills += 1
        m.fees += fee
        if not taker:
            m.rewards.maker_fill(m.info.rewards, price, qty)
        m.dirty = True
        if self.reserves:
            m.news.append(
                FillNote(
                    tag=order.tag, side=order.side, price=price, quantity=qty, fee=fee, taker=taker
                )
            )
            if self.portfolio is not None:
                self.portfolio.filled(m, order.tag, qty)
        if order.post_only:
            m.stats.on_fill(_s(self.now), order.side, Action.BUY, price, qty, m.last_mid)
        else:
            m.exit_fills += 1
        if order.remaining <= 0:
            self._remove(m, order)

    def _remove(self, m: Mkt, order: Working, *, rejected: bool = False) -> None:
        if m.orders.pop(order.oid, None) is not None:
            m.resting_changed()
            m.dirty = True
            if self.reserves:
                end = EndNote(
                    tag=order.tag, filled=order.filled, rejected=rejected, live=order.live
                )
                m.news.append(end)
                if self.portfolio is not None:
                    self.portfolio.closed(order.tag, order.filled)

    # decisions ------------------------------------------------------------------------

    def _select(self, ts: int) -> None:
        views = [m.view(ts) for m in self.mkts if m.quotable]
        self.selected = self.decider.select(views)
        self.next_select = ts + self.cfg.select_every_ms

    def _maybe_decide(self, m: Mkt, ts: int) -> None:
        if m.ended or not m.has_book:
            return
        chosen = m.info.market_id in self.selected
        if not chosen and not m.orders and m.inventory.net_position == 0:
            return
        key = m.key(m.sized)
        timer = self.cfg.timer_ms  # the first event of each window is looked at (0: all)
        window = ts // timer if timer > 0 else m.window + 1
        if not m.dirty and window == m.window and key == m.seen_key:
            m.calm = True
            return  # what it reads is as it was at the last decision, or at the last look
        book_changed = key != m.decided_key
        if not m.dirty:
            if not book_changed and window == m.window:
                m.seen_key, m.calm = key, True
                return  # nothing it reads changed
            if not m.traded_since and m.unchanged_by(m.book, ts, chosen):
                m.window, m.seen_key, m.calm = window, key, True
                return  # nothing it decides can change, the tick's neither
        m.decided_key, m.seen_key, m.window, m.dirty, m.calm = key, key, window, False, False
        if self.reserves:  # it keeps its own orders: ``live`` is not built for it
            orders, news, gate = self._kept(m)
            live: tuple[LiveOrder, ...] = ()
        else:
            orders, news, gate = (), (), None
            live = tuple(
                LiveOrder(order_id=o.oid, side=o.side, price=o.price, remaining=o.remaining)
                for o in m.orders.values()
                if o.post_only and o.oid not in m.cancelling
            )
        now = ev.to_datetime(ts)
        inp = MarketInput(
            listing=m.listing(now),
            status=m.status,
            tick=m.tick,
            book=m.order_book(),
            inventory=m.inventory,
            live=live,
            traded=m.take_traded(),
            selected=chosen,
            now=now,
            orders=orders,
            news=news,
            gate=gate,
            book_changed=book_changed,
        )
        m.decisions += 1
        for command in m.decider.decide(inp):
            self._send(m, command)
        if self.cfg.latency_ms == 0 and self.pending:
            self._due(ts)

    def _kept(self, m: Mkt) -> tuple[tuple[OrderNote, ...], tuple[News, ...], Gate | None]:
        """What a decider that keeps its own orders reads besides: every order of ours,
        the news of them since it last decided, and the portfolio's gate."""
        orders = tuple(
            OrderNote(
                order_id=o.oid,
                tag=o.tag,
                price=o.price,
                quantity=o.quantity,
                filled=o.filled,
                live=o.live,
            )
            for o in m.orders.values()
        )
        news, m.news = tuple(m.news), []
        gate = self.portfolio.gate(m) if self.portfolio is not None else None
        return orders, news, gate

    def _send(self, m: Mkt, command: Command) -> None:
        oid = 0
        if isinstance(command, Place):
            if self._refused(m, command.side, command.price, command.size, None):
                return
            oid = next(self.oids)
            order = Working(
                oid,
                command.side,
                command.price,
                command.size,
                post_only=not command.ioc,
                tag=command.tag,
            )
            m.orders[oid] = order
            self.counts["orders"] += 1
            if not command.ioc:
                m.stats.on_quote(command.size)
        elif isinstance(command, Cancel):
            m.cancelling.add(command.order_id)
            self.counts["cancels"] += 1
        elif isinstance(command, Amend):
            old = m.orders.get(command.order_id)
            if old is None:
                return
            if self._refused(m, old.side, command.price, command.size, old):
                self._send(m, Cancel(order_id=old.oid))
                return
            m.stats.on_quote(command.size)
        due = self.now + self.cfg.latency_ms
        heapq.heappush(self.pending, (due, next(self.seq), self.mkts.index(m), command, oid))

    def _refused(
        self, m: Mkt, side: object, price: Decimal, size: Decimal, old: Working | None
    ) -> bool:
        if self.risk is None:
            return False
        exposures = {
            x.info.market_id: market_exposure(
                x.inventory, (_terms(o) for o in x.orders.values() if o is not old and o.post_only)
            )
            for x in self.mkts
            if x.orders or x.inventory.yes_contracts or x.inventory.no_contracts
        }
        terms = Terms(side=side, action=Action.BUY, price=price, quantity=size)  # type: ignore[arg-type]
        if self.risk.refusal(m.info.market_id, terms, exposures) is None:
            return False
        self.counts["refusals"] += 1
        return True

    # the venue, latency later ---------------------------------------------------------

    def _due(self, ts: int) -> None:
        while self.pending and self.pending[0][0] <= ts:
            _, _, index, command, oid = heapq.heappop(self.pending)
            m = self.mkts[index]
            if isinstance(command, Place):
                self._arrive(m, m.orders.get(oid))
            elif isinstance(command, Cancel):
                m.cancelling.discard(command.order_id)
                order = m.orders.get(command.order_id)
                if order is not None:
                    self._remove(m, order)
            else:
                self._amended(m, command)

    def _arrive(self, m: Mkt, order: Working | None) -> None:
        if order is None:
            return
        if m.status is not MarketStatus.OPEN or not m.has_book:
            self._reject(m, order)
        elif not order.post_only:
            for price, qty in ioc_fills(order, m.book, self.sized):
                self._fill(m, order, qty, price, taker=True)
            self._remove(m, order)
        elif crossing(order, m.book, inclusive=True) > 0:
            self._reject(m, order)  # post-only: it would take, the venue refuses it
        else:
            order.live = True
            m.resting_changed()
            self.model.on_live(order, m.book, self.sized)

    def _reject(self, m: Mkt, order: Working) -> None:
        self.counts["rejects"] += 1
        self._remove(m, order, rejected=True)

    def _amended(self, m: Mkt, command: Amend) -> None:
        order = m.orders.get(command.order_id)
        if order is None:
            if self.portfolio is not None and command.tag:
                self.portfolio.amended(command.tag, False, command.price, command.size)
            return
        moved = command.price != order.price
        order.quantity = order.filled + command.size
        if self.portfolio is not None:
            self.portfolio.amended(order.tag, True, command.price, order.quantity)
        if moved:  # a new price: the back of the new level's queue
            order.moved(command.price)
            m.resting_changed()
            self._arrive(m, order)
        if not m.acks_wait():  # else the core learns of it at its next decision
            m.dirty = True

    # figures --------------------------------------------------------------------------

    def _sample(self, ts: int) -> None:
        assert self.next_sample is not None
        while self.next_sample <= ts:
            self.samples.append(self.next_sample)
            for m in self.mkts:
                if m.traded_any:
                    m.sample(len(self.samples))
            self.next_sample += self.sample_ms

    def _sample_rewards(self, ts: int) -> None:
        """A rewards sample of every market at ``ts`` (the book before its event: the
        book since the last update). A gap of minutes in the data counts as one sample."""
        for m in self.mkts:
            m.sample_rewards(ts)

    def _finish(self) -> None:
        for m in self.mkts:
            self._cancel_all(m)
            mark = m.last_mid or m.mark
            if mark is not None:
                m.stats.on_mid(_s(self.now) + HORIZONS[-1] + 1, mark)
        if self.next_sample is not None:
            self.samples.append(self.now)
            for m in self.mkts:
                if m.traded_any:
                    m.sample(len(self.samples))

    def _result(self, wall: float) -> RunResult:
        refused = self.counts["refusals"]  # the portfolio's refusals count too
        if self.portfolio is not None:
            refused += self.portfolio.refused
        results = tuple(m.result(len(self.samples), self.sample_ms / 1000) for m in self.mkts)
        equity = tuple(
            sum((r.equity[i] for r in results if r.equity), ZERO) for i in range(len(self.samples))
        )
        return RunResult(
            strategy=self.decider.name,
            source=self.source.name,
            fill_model=describe(self.model, self.cfg.latency_ms),
            events=self.counts["events"],
            wall_s=wall,
            pnl=sum((r.pnl for r in results), ZERO),
            rewards=sum((r.rewards for r in results), ZERO),
            rebates=sum((r.rebates for r in results), ZERO),
            fills=sum(r.fills for r in results),
            fees=sum((r.fees for r in results), ZERO),
            orders=self.counts["orders"],
            cancels=self.counts["cancels"],
            rejects=self.counts["rejects"],
            risk_refusals=refused,
            stats=combine(r.stats for r in results),
            equity=equity,
            times_ms=tuple(self.samples),
            sample_s=self.sample_ms / 1000,
            markets=results,
            notes=tuple(self.source.notes),
            fill_log=tuple(self.fill_log),
        )


def describe(model: FillModel, latency_ms: int) -> str:
    params = ""
    if model.name == "queue":
        params = f"(trade_share={model.trade_share:g}, power={model.power:g})"  # type: ignore[attr-defined]
    return f"{model.name}{params}, latency {latency_ms} ms"


def _terms(order: Working) -> Terms:
    return Terms(side=order.side, action=Action.BUY, price=order.price, quantity=order.remaining)


def _s(ms: int) -> float:
    return ms / 1000.0


__all__ = ["MarketResult", "Replay", "ReplayConfig", "describe"]


def _groups(mkts: list[Mkt]) -> dict[MarketId, VenueGroup]:
    """The recorded markets' events as venue groups. The data say only which markets share
    an event (a Kalshi event ticker: strikes of one release), not that its outcomes
    exclude each other: such an event's worst case is the sum of its markets' (never
    less than the truth; ``domain.outcomes``)."""
    return {
        m.info.market_id: VenueGroup(
            venue=m.info.market_id.venue, group_id=str(m.info.event_id), exclusive=False
        )
        for m in mkts
        if m.info.event_id is not None
    }

"""The strategy's ``Decider``: the MarketActor's own decision core
(``strategies.maker.MarketCore``), one per market, fed what a MarketActor is fed.

Per decision the engine's input becomes the core's events, as a MarketActor receives
them: the venue's acknowledgements of our orders (``OrdersChanged``), the book
(``DataReady``, when what the core reads of it may have changed, or something traded),
the fills and ends of our orders since the last decision, in order (``FillReceived``,
``OrdersChanged``), the selection's verdict (``SetWanted``), the listing
(``MarketChanged``: status and tick; liquidity and volume as of the last selection, like
the daemon's scan) and the timer (``Tick``, at the first decision in each second). The
core's reservations go to the engine's portfolio (``backtest.portfolio``: the
PortfolioActor's ``ExposureBook`` and answer); what it submits becomes the engine's
commands. The venue's book shows our resting orders beside everybody else's: the data
has everybody else's only, so ours are added (``own_in_data``: the data shows them
already, a recording of this strategy's own live run).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.backtest.decision import (
    Amend,
    Cancel,
    Command,
    EndNote,
    FillNote,
    MarketInput,
    OrderNote,
    Place,
    coid_of,
)
from predmm.backtest.events import Ladders, MarketInfo, to_datetime
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import OrderSide, OrderStatus, OrderType, Venue
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.market import Market, MarketView
from predmm.domain.orders import Fill, Order
from predmm.strategies.life import Phase, phase
from predmm.strategies.maker import MarketCore
from predmm.strategies.maker.band import Band, band
from predmm.strategies.maker.requests import Amendment, Granted
from predmm.strategies.maker.trace import Tracer
from predmm.strategies.maker.view import LiveView, OwnSizes
from predmm.strategies.quoting import quote_expired
from predmm.strategies.venues import select_per_venue

ZERO = Decimal(0)
AMENDS = {Venue.KALSHI: True, Venue.POLYMARKET: False, Venue.PAPER: False}
TICK_S = 1  # the daemon's tick_interval, seconds


@attrs.define
class CoreDecider:
    """The daemon's strategy with ``config``, market by market."""

    config: MarketMakingConfig
    name: str = "strategy"
    limits: bool = True  # the PortfolioActor's limits apply
    own_in_data: bool = False
    tracer: Tracer | None = None
    skip: bool = True  # updates inside the core's band are not shown to it (``band``)
    scans: int = 0  # selections so far: a market's listing is refreshed after each

    @property
    def reserves(self) -> bool:
        return True

    @property
    def max_position_size(self) -> int:
        return self.config.max_position_size

    def market(self, info: MarketInfo) -> CoreMarket:
        return CoreMarket(self, info)

    def select(self, markets: list[Market]) -> set[MarketId]:
        """As the daemon's scan: ``max_markets`` and the filters on each venue."""
        self.scans += 1
        configs = {m.market_id.venue: self.config for m in markets}
        return {m.market_id for m in select_per_venue(list[MarketView](markets), configs)[0]}


class CoreMarket:
    def __init__(self, owner: CoreDecider, info: MarketInfo) -> None:
        self.owner, self.info = owner, info
        self.core: MarketCore | None = None
        self.gate: object = None
        self.ids: dict[ClientOrderId, int] = {}  # the engine's order ids of ours
        self.scan = -1
        self.ticked = -1  # the second of the last tick
        self.band: Band | None = None  # the core's band since its last decision
        self.young_until = 0  # ms: before it, neither the quotes' age nor the exit window

    @property
    def sized(self) -> bool:
        """The sizes at the touch count (any fair value but the mid: ``MarketCore.sized``)."""
        return self.owner.config.fair_value_method != "mid"

    def decide(self, inp: MarketInput) -> list[Command]:
        now = inp.now
        mono = now.timestamp()
        core = self.core or self._start(inp)
        self.gate = inp.gate
        self._acks(core, inp, now, mono)
        if inp.book_changed or inp.traded:
            book, less = self._venue_book(inp)
            core.on_data(book, inp.traded, now, mono, less=less)
        self._news(core, inp, now, mono)
        if inp.selected != core.wanted:
            core.changed(now, mono, wanted=inp.selected)
        if self._listing_changed(core.market, inp):
            core.changed(now, mono, market=inp.market)
        second = int(mono // TICK_S)  # the daemon's tick: once in each second
        if second != self.ticked:
            self.ticked = second
            core.on_tick(now, mono)
        core.notes.clear()
        out = self._commands(core)
        self.band = _UNKNOWN  # worked out when an update asks (``unchanged_by``)
        return out

    def unchanged_by(self, book: Ladders, ts: int, selected: bool) -> bool:
        """Whether ``book`` (the data's ladders) at ``ts`` leaves the last decision as it
        is: its fair value is inside the core's ``Band`` and, when the daemon's tick is
        due, the tick changes nothing either (``_idle_tick``: then it counts as done)."""
        yp, ys, np_, ns = book
        if not yp or not np_:
            return False
        if self.band is _UNKNOWN:
            core, owner = self.core, self.owner
            quiet = core is not None and owner.skip and not owner.own_in_data
            self.band = band(core) if core is not None and quiet else None
            if self.band is not None:
                assert core is not None
                self.young_until = _young_until(core)
        if self.band is None or not self.band.holds(yp[0], ys[0], np_[0], ns[0]):
            return False
        second = ts // 1000
        if second != self.ticked:
            if not self._idle_tick(ts, selected):
                return False
            self.ticked = second
        return True

    def acks_wait(self) -> bool:
        """Whether the venue's acknowledgement of an order (live, amended) can wait for
        the core's next decision: the core only notes it (``MarketCore.on_orders`` acts
        on an ack only for a waiting exit or a stale quote after a refusal or a removal).
        Only where updates are skipped at all (``skip``, not ``own_in_data``)."""
        core = self.core
        if core is None or not self.owner.skip or self.owner.own_in_data or core.exit_waits:
            return False
        return not (core.stale and (core.refused or core.requote_now))

    def _idle_tick(self, ts: int, selected: bool) -> bool:
        """Whether the daemon's tick at ``ts`` changes nothing, the core being quiet (its
        ``Band`` holds): its quotes are not past their age, no order waits on a refusal,
        the market is still in its quoting time, and neither the selection nor the
        listing changed since the core last saw them."""
        core = self.core
        assert core is not None
        if core.refused or selected != core.wanted or self.scan != self.owner.scans:
            return False
        if ts < self.young_until:  # before the quotes' age and the exit window: idle
            return True
        now = to_datetime(ts)
        if quote_expired(core.quoted_at, now, core.config.max_quote_age_seconds):
            return False
        view = LiveView(core.market, None, None, now)
        return phase(view, core.config, wanted=core.wanted) is Phase.QUOTING

    # events ---------------------------------------------------------------------------

    def _start(self, inp: MarketInput) -> MarketCore:
        self.scan = self.owner.scans
        self.core = MarketCore(
            market=inp.market,
            config=self.owner.config,
            gate=self._reserve,
            amend=AMENDS[self.info.market_id.venue],
            prefix=f"bt-{self.info.market_id.symbol[-12:]}-",
            wanted=inp.selected,
            tracer=self.owner.tracer,
        )
        return self.core

    def _reserve(
        self, requests: tuple[ReserveRequest, ...], mark: Decimal | None
    ) -> Sequence[Granted]:
        if self.gate is None:  # no limits: everything is granted
            return tuple(_Granted(r.client_order_id, True) for r in requests)
        return self.gate(requests, mark)  # type: ignore[operator,no-any-return]

    def _acks(self, core: MarketCore, inp: MarketInput, now: datetime, mono: float) -> None:
        """What the venue says of the orders it holds (accepted, partly filled): first,
        so that the book is read with our orders as they are."""
        ids: dict[ClientOrderId, int] = {}
        acks: list[Order] = []
        live = core.live
        for note in inp.orders:
            if note.tag:
                coid = coid_of(note.tag)
                ids[coid] = note.order_id
                ack = _ack(live.get(coid), note)
                if ack is not None:
                    acks.append(ack)
        self.ids = ids
        # an order that rested and ended since: its ack came before its end (and fills)
        for news in inp.news:
            if isinstance(news, EndNote) and news.live:
                order = live.get(coid_of(news.tag))
                if order is not None and order.status in _UNACKED:
                    acks.append(_rested(order))
        if acks:
            core.on_orders(acks, now, mono)

    def _news(self, core: MarketCore, inp: MarketInput, now: datetime, mono: float) -> None:
        """Fills and ends since the last decision, in order, on the book of now."""
        for note in inp.news:
            if isinstance(note, FillNote):
                core.on_fill(self._fill(note), now, mono)
            elif isinstance(note, EndNote):
                order = core.live.get(coid_of(note.tag))
                if order is not None:
                    core.on_orders([_ended(order, note)], now, mono)

    def _fill(self, note: FillNote) -> Fill:
        return Fill(
            fill_id=FillId(note.tag),
            market_id=self.info.market_id,
            side=note.side,
            price=note.price,
            quantity=note.quantity,
            fee=note.fee,
            is_taker=note.taker,
            client_order_id=coid_of(note.tag),
        )

    def _listing_changed(self, have: Market, inp: MarketInput) -> bool:
        """The status or the tick changed, or a selection ran since the listing was
        taken (the daemon's scan refreshes liquidity and volume)."""
        if have.status is not inp.status or have.tick != inp.tick:
            return True
        if self.scan != self.owner.scans:
            self.scan = self.owner.scans
            new = inp.market
            return have.liquidity != new.liquidity or have.volume != new.volume
        return False

    def _venue_book(self, inp: MarketInput) -> tuple[OrderBook, tuple[OwnSizes, OrderBook]]:
        """The book as the venue shows it: the data's, and our resting orders; with the
        sizes of ours in it and the data's book (everybody else's)."""
        data = inp.book
        if self.owner.own_in_data or self.core is None:
            return data, ({}, data)
        ours: dict[tuple[OrderSide, Decimal], Decimal] = {}
        for note in inp.orders:
            if not note.live:
                continue
            order = self.core.live.get(coid_of(note.tag))
            if order is not None and order.order_type is not OrderType.MARKET:
                key = (order.side, note.price)
                ours[key] = ours.get(key, ZERO) + note.quantity - note.filled
        if not ours:
            return data, (ours, data)
        yes = _with(data.yes_bids, ours, OrderSide.YES)
        no = _with(data.no_bids, ours, OrderSide.NO)
        return OrderBook(data.market_id, yes, no), (ours, data)

    # commands -------------------------------------------------------------------------

    def _commands(self, core: MarketCore) -> list[Command]:
        out: list[Command] = []
        for sub in core.take():
            out.extend(Cancel(order_id=self.ids[c]) for c in sub.cancels if c in self.ids)
            for a in sub.amends:
                order = core.live.get(a.client_order_id)
                if a.client_order_id in self.ids and order is not None:
                    out.append(_amend(self.ids[a.client_order_id], a, order))
            out.extend(_place(o) for o in sub.places)
        return out


def _with(
    levels: tuple[Level, ...], ours: dict[tuple[OrderSide, Decimal], Decimal], side: OrderSide
) -> tuple[Level, ...]:
    """``levels`` (best first) with our sizes on ``side`` added at their prices, still
    best first (so the book takes them as they are)."""
    mine = {price: size for (s, price), size in ours.items() if s is side and size > 0}
    if not mine:
        return levels
    out = []
    for level in levels:
        size = mine.pop(level.price, None)
        out.append(level if size is None else Level(level.price, level.size + size))
    out += [Level(price, size) for price, size in mine.items()]
    out.sort(key=_price, reverse=True)
    return tuple(out)


def _price(level: Level) -> Decimal:
    return level.price


def _amend(oid: int, a: Amendment, order: Order) -> Amend:
    size = a.quantity - order.filled_quantity  # the engine's amend gives the rest
    return Amend(order_id=oid, price=a.price, size=size, tag=str(a.client_order_id))


def _place(o: Order) -> Place:
    ioc = o.order_type is OrderType.MARKET
    return Place(side=o.side, price=o.price, size=o.quantity, ioc=ioc, tag=str(o.client_order_id))


_UNACKED = (OrderStatus.PENDING, OrderStatus.SUBMITTED)
_UNKNOWN = Band(0.0, -1.0, sized=False)  # not worked out yet


@attrs.frozen
class _Granted:
    client_order_id: ClientOrderId
    granted: bool


def _ack(order: Order | None, note: OrderNote) -> Order | None:
    """``order`` with the venue's news (accepted, partly filled), when there is any: its
    price and size stay what we asked (an amend on its way is not undone)."""
    if order is None:
        return None
    status = OrderStatus.SUBMITTED
    if note.live:
        status = OrderStatus.PARTIALLY_FILLED if note.filled > 0 else OrderStatus.OPEN
    if status is order.status and note.filled == order.filled_quantity:
        return None
    return attrs.evolve(order, status=status, filled_quantity=note.filled)


def _young_until(core: MarketCore) -> int:
    """A time (ms) before which a quiet core's quotes are younger than
    ``max_quote_age_seconds`` and the market is short of its exit window: a tick there
    finds nothing to do. A millisecond early on each count, never late (the exact rule,
    ``quote_expired`` and ``phase``, is asked from then on)."""
    config = core.config
    assert core.quoted_at is not None
    quoted = math.floor(core.quoted_at.timestamp() * 1000) - 1
    until = quoted + int(config.max_quote_age_seconds * 1000) - 1
    close = core.market.close_time
    if close is not None:
        window = math.ceil(config.exit_window_hours * 3_600_000)
        until = min(until, math.floor(close.timestamp() * 1000) - 1 - window - 1)
    return until


def _rested(order: Order) -> Order:
    """``order`` as the venue's ack of it said: resting, nothing filled yet that the core
    has not counted (its fills and its end follow as news)."""
    return attrs.evolve(order, status=OrderStatus.OPEN)


def _ended(order: Order, note: EndNote) -> Order:
    if note.rejected:
        status = OrderStatus.REJECTED
    elif note.filled >= order.quantity:
        status = OrderStatus.FILLED
    else:
        status = OrderStatus.CANCELLED
    return attrs.evolve(order, status=status, filled_quantity=note.filled)


__all__ = ["CoreDecider", "CoreMarket"]

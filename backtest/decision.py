"""The decision interface of the replay: market state in, order commands out.

The engine (``backtest.engine``) owns the data, the orders, the fills and the money; a
``Decider`` owns what a market maker decides. Per market it gets a ``MarketDecider`` and
hands it a ``MarketInput`` whenever something it reads may have changed (a new best two
levels of the book, a fill, an order that ended, a status change, or its timer); it
answers with commands (``Place``, ``Amend``, ``Cancel``). The engine then applies the
portfolio's limit checks to each new order (``backtest.risk``: ``domain.risk``'s
arithmetic, as the PortfolioActor), delays it by the latency, and lets the fill model
judge it. Every ``select_every_ms`` the decider also picks the markets it quotes
(``select``: the MarketSupervisor's ``scan_markets``).

The strategy's ``Decider`` is ``backtest.maker.CoreDecider``: the MarketActor's own
decision core (``strategies.maker.MarketCore``), fed the orders, fills and reservations
a MarketActor is fed (``orders``, ``news``, ``gate``). ``PolicyDecider`` drives the
naive fixed-spread baseline (``backtest.policy``) to compare with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import attrs

from predmm.backtest.events import MarketInfo
from predmm.backtest.policy import Policy
from predmm.domain.book import OrderBook
from predmm.domain.enums import MarketStatus, OrderSide, Venue
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId, MarketId
from predmm.domain.market import Market
from predmm.domain.ticks import TickSpec
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.quoting import Quote, VolumeMeter, price_moved, quote_expired

ONE = Decimal(1)
AMENDS = {Venue.KALSHI: True, Venue.POLYMARKET: False, Venue.PAPER: False}


@attrs.frozen(kw_only=True)
class LiveOrder:
    """One of our orders the venue holds or will hold (a cancel sent ends it here)."""

    order_id: int
    side: OrderSide
    price: Decimal
    remaining: Decimal


@attrs.frozen(kw_only=True)
class OrderNote:
    """One order of ours the venue holds or will hold, as it stands (any kind, a cancel
    on its way included), by the ``tag`` its ``Place`` gave it."""

    order_id: int
    tag: str
    price: Decimal
    quantity: Decimal  # the total: filled plus resting
    filled: Decimal
    live: bool  # reached the venue


@attrs.frozen(kw_only=True)
class FillNote:
    """A fill of one of our orders, as the venue reports it."""

    tag: str
    side: OrderSide
    price: Decimal
    quantity: Decimal
    fee: Decimal
    taker: bool


@attrs.frozen(kw_only=True)
class EndNote:
    """One of our orders ended (filled, cancelled, rejected, or an exit done)."""

    tag: str
    filled: Decimal
    rejected: bool = False
    live: bool = False  # it had reached the venue and rested (an ack was due before)


News = FillNote | EndNote


# the portfolio's answer to a market's reservations (``strategies.maker``'s gate)
Gate = Callable[[tuple[ReserveRequest, ...], Decimal | None], Any]


@attrs.frozen(kw_only=True)
class MarketInput:
    """What a market's decision reads, as of ``market.as_of``."""

    # the snapshot (status, tick, best bid/ask, close time, liquidity), made when read
    # (``market``): a decision that compares only the status and the tick builds none
    listing: Callable[[], Market] = attrs.field(eq=False, repr=False)
    status: MarketStatus
    tick: TickSpec
    book: OrderBook  # everybody else's orders (the daemon's ``book.without(own)``)
    inventory: InventoryTracker  # read only
    live: tuple[LiveOrder, ...]  # empty for a decider that ``reserves`` (it reads ``orders``)
    traded: Decimal  # contracts printed since the last input (the volume-spike guard)
    selected: bool  # picked by the last ``select``: quote it, or only exit and cancel
    now: datetime
    # for a decider that keeps its own orders (``reserves``): every order of ours, what
    # happened to them since the last input, in order, and the portfolio's reservations
    orders: tuple[OrderNote, ...] = ()
    news: tuple[News, ...] = ()
    gate: Gate | None = None
    book_changed: bool = True  # what it reads of the book may have changed
    _market: Market | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @property
    def market(self) -> Market:
        made = self._market
        if made is None:
            made = self.listing()
            object.__setattr__(self, "_market", made)
        return made


@attrs.frozen(kw_only=True)
class Place:
    side: OrderSide
    price: Decimal
    size: Decimal
    ioc: bool = False  # False: a post-only resting bid; True: a marketable exit
    tag: str = ""  # the decider's name for the order (its client order id)


@attrs.frozen(kw_only=True)
class Amend:
    order_id: int
    price: Decimal
    size: Decimal  # the new remaining size
    tag: str = ""


@attrs.frozen(kw_only=True)
class Cancel:
    order_id: int


Command = Place | Amend | Cancel


class MarketDecider(Protocol):
    @property
    def sized(self) -> bool:
        """Whether book sizes matter (a microprice): else only the best two prices."""
        ...

    def decide(self, inp: MarketInput) -> Sequence[Command]: ...


class Decider(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def limits(self) -> bool:
        """The portfolio's limits apply to its orders."""
        ...

    @property
    def max_position_size(self) -> int: ...

    @property
    def reserves(self) -> bool:
        """Its orders are reserved through ``MarketInput.gate`` before they are sent (as
        the MarketActor does), not checked by the engine after."""
        ...

    def market(self, info: MarketInfo) -> MarketDecider: ...

    def select(self, markets: list[Market]) -> set[MarketId]: ...


@attrs.frozen
class PolicyDecider:
    """A ``backtest.policy.Policy`` (the strategy, or the fixed-spread baseline) as a
    ``Decider``."""

    policy: Policy

    @property
    def name(self) -> str:
        return self.policy.name

    @property
    def limits(self) -> bool:
        return self.policy.limits

    @property
    def max_position_size(self) -> int:
        return self.policy.config.max_position_size

    @property
    def reserves(self) -> bool:
        return False

    def market(self, info: MarketInfo) -> MarketDecider:
        return PolicyMarket(self.policy)

    def select(self, markets: list[Market]) -> set[MarketId]:
        return {m.market_id for m in self.policy.select(list(markets))}


@attrs.define
class PolicyMarket:
    """One market's decisions, as the MarketActor makes them (``backtest.driver`` does
    the same against the simulator): the volume guard, exits, the strategy's bids, the
    requote guards (quote age, fair-value move), then the diff against the live orders."""

    policy: Policy
    quoted_fair: Decimal | None = None
    quoted_at: datetime | None = None
    paused_until: datetime | None = None
    known: frozenset[tuple[int, Decimal]] = frozenset()
    volume: VolumeMeter | None = None
    t0: datetime | None = None

    @property
    def sized(self) -> bool:
        return self.policy.config.fair_value_method == "microprice"

    def decide(self, inp: MarketInput) -> list[Command]:
        out: list[Command] = []
        self._volume_guard(inp)
        if self.policy.exits:
            out.extend(self._exit(inp))
        paused = (
            self.policy.guards and self.paused_until is not None and inp.now < self.paused_until
        )
        if not inp.selected or paused or not inp.market.is_open:
            desired, fair = {}, None
        else:
            d = self.policy.desired(inp.market, inp.book, inp.inventory)
            desired, fair = d.quotes, d.fair
        live = {o.side: o for o in inp.live}
        if self._needs_requote(inp, live, desired, fair):
            out.extend(diff(live, desired, AMENDS[inp.market.market_id.venue]))
            self.quoted_fair, self.quoted_at = fair, inp.now
        self.known = frozenset((o.order_id, o.remaining) for o in inp.live)
        return out

    def _volume_guard(self, inp: MarketInput) -> None:
        cfg = self.policy.config
        if self.volume is None:
            self.t0 = inp.now
            self.volume = VolumeMeter(
                window_s=cfg.volume_spike_window_seconds,
                lookback_s=cfg.volume_spike_lookback_seconds,
            )
        assert self.t0 is not None
        now_s = (inp.now - self.t0).total_seconds()
        self.volume.add(now_s, inp.traded)
        not_paused = self.paused_until is None or inp.now >= self.paused_until
        if (
            self.policy.guards
            and not_paused
            and self.volume.spike(now_s, cfg.volume_spike_multiple)
        ):
            self.paused_until = inp.now + timedelta(seconds=cfg.max_quote_age_seconds)

    def _exit(self, inp: MarketInput) -> list[Command]:
        signal = self.policy.exit(inp.market, inp.inventory)
        if signal is None:
            return []
        price = inp.market.tick.round_ask(signal.target_price)
        size = signal.size.quantize(Decimal("0.01"))
        if price is None or size < inp.market.min_order_size:
            return []
        self.quoted_at = None  # requote after an exit (the driver's ``stale``)
        return [Place(side=signal.side, price=price, size=size, ioc=True)]

    def _needs_requote(
        self,
        inp: MarketInput,
        live: dict[OrderSide, LiveOrder],
        desired: dict[OrderSide, Quote],
        fair: Decimal | None,
    ) -> bool:
        if not self.policy.guards:
            return any(not same(live.get(s), desired.get(s)) for s in OrderSide)
        cfg = self.policy.config
        changed = frozenset((o.order_id, o.remaining) for o in inp.live) != self.known
        if changed or quote_expired(self.quoted_at, inp.now, cfg.max_quote_age_seconds):
            return True
        if set(desired) != set(live):
            return True
        return fair is not None and price_moved(
            self.quoted_fair, fair, cfg.price_change_requote_threshold
        )


def diff(
    live: dict[OrderSide, LiveOrder], desired: dict[OrderSide, Quote], amend: bool
) -> list[Command]:
    """Keep what is unchanged; amend where the venue can (Kalshi), else cancel and
    replace (Polymarket). Cancels first; a side whose new price would meet our other
    side's resting bid goes after that side has moved."""
    changed = [s for s in OrderSide if not same(live.get(s), desired.get(s))]
    out: list[Command] = []
    for side in changed:
        have = live.get(side)
        if have is not None and (side not in desired or not amend):
            out.append(Cancel(order_id=have.order_id))
    changed.sort(key=lambda s: _crosses(desired.get(s), live.get(s.opposite)))
    for side in changed:
        want, have = desired.get(side), live.get(side)
        if want is not None and have is not None and amend:
            out.append(Amend(order_id=have.order_id, price=want.price, size=want.size))
        elif want is not None:
            out.append(Place(side=side, price=want.price, size=want.size))
    return out


def same(have: LiveOrder | None, want: Quote | None) -> bool:
    if have is None or want is None:
        return have is None and want is None
    return have.price == want.price and have.remaining == want.size


def _crosses(want: Quote | None, other: LiveOrder | None) -> bool:
    return want is not None and other is not None and want.price + other.price >= ONE


_COIDS: dict[str, ClientOrderId] = {}


def coid_of(tag: str) -> ClientOrderId:
    """The client order id an order's tag names, cached (one is looked up per order of
    ours at every decision)."""
    out = _COIDS.get(tag)
    if out is None:
        out = ClientOrderId(tag)
        if len(_COIDS) > 100_000:
            _COIDS.clear()
        _COIDS[tag] = out
    return out

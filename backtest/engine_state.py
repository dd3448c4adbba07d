"""One market's state in the replay: its book (as the data shows it: our orders are not in
it), our orders, inventory, marks and figures. Owned by ``backtest.engine.Replay``."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial

from predmm.backtest import events as ev
from predmm.backtest.decision import MarketDecider, News
from predmm.backtest.fills import EMPTY, Ladders, Working
from predmm.backtest.results import HORIZONS, MarketResult
from predmm.backtest.rewards import RewardTally
from predmm.domain.book import Level, OrderBook
from predmm.domain.enums import MarketStatus, OrderSide
from predmm.domain.market import Market
from predmm.domain.ticks import TickSpec
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.mm_metrics import MarketMakingStats

ZERO = Decimal(0)
ONE = Decimal(1)
DEPTH = 5  # levels of each side the decision's book carries (the strategy reads the top)


class Mkt:
    def __init__(self, info: ev.MarketInfo, decider: MarketDecider) -> None:
        self.info, self.decider = info, decider
        # whether a book leaves the decision as it is (a decider's band), else never
        self.unchanged_by = getattr(decider, "unchanged_by", _never)
        self.sized = decider.sized  # book sizes count (of a config: fixed for the run)
        # whether the venue's ack of an order can wait for the next decision, else never
        self.acks_wait = getattr(decider, "acks_wait", _no)
        self.inventory = InventoryTracker(market_id=info.market_id)
        self.tick: TickSpec = info.tick
        self.status = MarketStatus.OPEN
        self.book: Ladders = EMPTY
        self.has_book = False
        self.version = 0
        self.orders: dict[int, Working] = {}
        self.through_yes = self.through_no = math.inf  # (``resting_changed``)
        self.cancelling: set[int] = set()
        self.news: list[News] = []  # fills and ends since the last decision (``_kept``)
        self.stats = MarketMakingStats(horizons=HORIZONS)
        self.fills = self.exit_fills = self.decisions = 0
        self.fees = ZERO
        self.dirty = True
        self.decided_key: object = None
        # the book's key when last looked at: that of the last decision, or of a book
        # that left the decision as it was (the decider's band: nothing since decided)
        self.seen_key: object = None
        # the last look at it decided nothing, on a book whose key is ``seen_key`` (a book
        # of the same best prices, in the same window, decides nothing either)
        self.calm = False
        self.window = -1  # the timer window of the last decision
        self._mark: Decimal | None = None
        self._mark_is_mid = False  # the mark follows the mid (set by ``on_mark``)
        self._mid: tuple[tuple[float, float], Decimal] | None = None  # (of top, the mid)
        self.last_price: Decimal | None = None
        self.volume = self.notional = self.traded_since = 0.0
        self.ended = False
        self.equity: list[Decimal] = []
        self.net: list[Decimal] = []
        self.top: tuple[float, float] | None = None  # the best bids the mid is of
        self._book_cache: tuple[int, OrderBook] | None = None
        self.rewards = RewardTally()
        close = info.close_ms
        self.close_time = ev.to_datetime(close) if close is not None else None

    # the data -------------------------------------------------------------------------

    def set_book(self, ladders: Ladders, *, delta: bool) -> None:
        if delta and self.has_book:
            ladders = merge_delta(self.book, ladders)
        self.book, self.has_book = ladders, True
        self.version += 1

    def resting_changed(self) -> None:
        """An order of ours started or stopped resting at the venue, or moved: the
        lowest opposite bids that trade through one of them (``through_yes``: a NO bid
        above it reaches a YES order of ours; ``through_no`` the other way)."""
        yes = no = math.inf
        for order in self.orders.values():
            if order.live:
                if order.side is OrderSide.YES:
                    yes = min(yes, order.opp_limit)
                else:
                    no = min(no, order.opp_limit)
        self.through_yes, self.through_no = yes, no

    def set_tick(self, step: float) -> None:
        self.tick = TickSpec.uniform(ev.dec(step))
        self.dirty = True

    def invalidate(self) -> None:
        self.book, self.has_book = EMPTY, False
        self.version += 1

    def on_trade(self, price: float, size: float) -> None:
        self.volume += size
        self.notional += price * size
        self.traded_since += size
        self.last_price = ev.dec(price)
        if self.mark is None or not self.book[0] or not self.book[2]:
            self.mark = self.last_price

    def on_mark(self, ts: int) -> None:
        """A new book: the mid (fair value) for marks and markouts, when two-sided."""
        yes, no = self.book[0], self.book[2]
        if not yes or not no:
            return
        top = (yes[0], no[0])
        if top != self.top:
            due = self.stats.due(ts / 1000.0)  # markouts due before now: at the mid then
            old = self.last_mid if due else None
            self.top, self._mark_is_mid = top, True
            if due:
                if old is not None:
                    self.stats.on_mid(ts / 1000.0 - 0.0005, old)
                self.stats.on_mid(ts / 1000.0, self.last_mid)  # type: ignore[arg-type]

    @property
    def last_mid(self) -> Decimal | None:
        """The mid of the last two-sided book (worked out when asked: most books are
        not marked at all)."""
        top = self.top
        if top is None:
            return None
        mid = self._mid
        if mid is None or mid[0] is not top:
            mid = self._mid = (top, (ev.dec(top[0]) + ONE - ev.dec(top[1])) / 2)
        return mid[1]

    @property
    def mark(self) -> Decimal | None:
        """What a contract is worth now: the last mid, or the last price or outcome."""
        return self.last_mid if self._mark_is_mid else self._mark

    @mark.setter
    def mark(self, value: Decimal | None) -> None:
        self._mark, self._mark_is_mid = value, False

    def take_traded(self) -> Decimal:
        out, self.traded_since = self.traded_since, 0.0
        return Decimal(repr(round(out, 2))) if out else ZERO

    # what decisions read ----------------------------------------------------------------

    @property
    def quotable(self) -> bool:
        return self.has_book and not self.ended and self.status is MarketStatus.OPEN

    @property
    def traded_any(self) -> bool:
        return self.fills > 0

    def key(self, sized: bool) -> tuple[object, ...]:
        """What a decision reads of the book: the best level of each side, its price (and
        its size for a microprice). Equal keys: the same decision. The data holds
        everybody else's orders only, so this is the daemon's ``Watch`` rule (the best
        level not only ours) without the levels that are only ours."""
        yp, ys, np_, ns = self.book
        if sized:
            return (self.status, yp[:1], ys[:1], np_[:1], ns[:1])
        return (self.status, yp[:1], np_[:1])

    def view(self, ts: int) -> Market:
        return self.snapshot(ts)

    def snapshot(self, ts: int, now: datetime | None = None) -> Market:
        """The listing at ``ts`` (``now``: the same time as a datetime, when known)."""
        return self.listing(now if now is not None else ev.to_datetime(ts))()

    def listing(self, now: datetime) -> Callable[[], Market]:
        """The listing as of ``now``, made when called: what it is made of is taken now
        (a decision that does not read it costs nothing)."""
        traded = (self.volume, self.notional, self.last_price)
        return partial(_listing, self, self.status, self.tick, self.book, traded, now)

    def sample_rewards(self, ts: int) -> None:
        """One sample of the liquidity rewards our resting quotes earn: the book as the
        venue sees it is the data's with our live orders in it."""
        rewards = self.info.rewards
        if rewards is None or not rewards.pays_liquidity or not self.quotable:
            return
        ours = [(o.side, o.price, o.remaining) for o in self.orders.values() if o.live]
        data = self.order_book()
        book = OrderBook(
            self.info.market_id,
            data.yes_bids + tuple(Level(p, s) for side, p, s in ours if side is OrderSide.YES),
            data.no_bids + tuple(Level(p, s) for side, p, s in ours if side is OrderSide.NO),
        )
        self.rewards.sample(rewards, book, ours, ev.to_datetime(ts))

    def order_book(self) -> OrderBook:
        cached = self._book_cache
        if cached is not None and cached[0] == self.version:
            return cached[1]
        yp, ys, np_, ns = self.book
        book = OrderBook(
            self.info.market_id,
            tuple(map(_level, yp[:DEPTH], ys[:DEPTH])),
            tuple(map(_level, np_[:DEPTH], ns[:DEPTH])),
        )
        self._book_cache = (self.version, book)
        return book

    # figures --------------------------------------------------------------------------

    def pnl(self) -> Decimal:
        inv = self.inventory
        mark = self.last_mid if not self.ended and self.last_mid is not None else self.mark
        if mark is None:
            return inv.realized_pnl
        return inv.realized_pnl + inv.unrealized_pnl(mark)

    def sample(self, count: int) -> None:
        """The ``count``-th sample (1-based): markets that started trading late are padded
        with the zero PnL they had."""
        while len(self.equity) < count - 1:
            self.equity.append(ZERO)
            self.net.append(ZERO)
        self.equity.append(self.pnl())
        self.net.append(self.inventory.net_position)

    def result(self, samples: int, sample_s: float) -> MarketResult:
        if self.fills:
            while len(self.equity) < samples:
                self.sample(len(self.equity) + 1)
        return MarketResult(
            market=str(self.info.market_id),
            title=self.info.title,
            pnl=self.pnl(),
            fills=self.fills,
            exit_fills=self.exit_fills,
            fees=self.fees,
            stats=self.stats.snapshot(),
            equity=tuple(self.equity),
            net=tuple(self.net),
            settlement=self.info.settle_note,
            sample_s=sample_s,
            rewards=self.rewards.liquidity,
            rebates=self.rewards.rebates,
            rewards_in_band=self.rewards.in_band_share,
        )


def _listing(
    m: Mkt,
    status: MarketStatus,
    tick: TickSpec,
    book: Ladders,
    traded: tuple[float, float, Decimal | None],
    now: datetime,
) -> Market:
    """``m``'s listing made of these (``traded``: its volume, notional and last price;
    its info and close time do not change)."""
    (volume, notional, last_price), info, yes, no = traded, m.info, book[0], book[2]
    if info.liquidity is not None:
        liquidity = info.liquidity
    elif info.liquidity_from_trades:
        liquidity = Decimal(int(notional))
    else:
        dollars = sum(p * s for p, s in zip(book[0], book[1], strict=False))
        dollars += sum(p * s for p, s in zip(book[2], book[3], strict=False))
        liquidity = Decimal(int(dollars)) + info.listed_liquidity
    return Market(
        market_id=info.market_id,
        title=info.title,
        status=status,
        event_id=info.event_id,
        tick=tick,
        liquidity=liquidity,
        volume=Decimal(int(volume)),
        best_yes_bid=ev.dec(yes[0]) if yes else None,
        best_yes_ask=ONE - ev.dec(no[0]) if no else None,
        last_price=last_price,
        close_time=m.close_time,
        as_of=now,
        min_order_size=info.min_order_size,
        rewards=info.rewards,
    )


def _never(book: Ladders, ts: int, selected: bool) -> bool:
    return False


def _no() -> bool:
    return False


def _size(s: float) -> Decimal:
    return Decimal(repr(s)) if s > 0 else Decimal("0.01")


_LEVELS: dict[tuple[float, float], Level] = {}


def _level(price: float, size: float) -> Level:
    """The data's level as the decision's book shows it, cached: a book has few distinct
    (price, size) pairs, and a ``Level`` is immutable."""
    out = _LEVELS.get((price, size))
    if out is None:
        out = Level(ev.dec(price), _size(size))
        if len(_LEVELS) < 200_000:
            _LEVELS[(price, size)] = out
    return out


def merge_delta(book: Ladders, delta: Ladders) -> Ladders:
    """``book`` with the changed levels of ``delta`` (size 0: the level is gone)."""
    out: list[list[float]] = []
    for side in (0, 2):
        levels = dict(zip(book[side], book[side + 1], strict=False))
        for p, s in zip(delta[side], delta[side + 1], strict=False):
            if s > 0:
                levels[p] = s
            else:
                levels.pop(p, None)
        prices = sorted(levels, reverse=True)
        out.extend((prices, [levels[p] for p in prices]))
    return out[0], out[1], out[2], out[3]

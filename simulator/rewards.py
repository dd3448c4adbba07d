"""The venue paying its makers: Polymarket's liquidity rewards and maker rebates, sampled
and paid as the venue documents them, for the markets listed with ``LiquidityRewards``.

Liquidity rewards (docs.polymarket.com, Liquidity Rewards): once a minute, at a random
second of it, every account's resting orders on a rewarded market are scored: an order of
at least ``min_size`` shares at s cents from the size-cutoff-adjusted midpoint scores
((v - s) / v)^2 a share when s < v (``max_spread_cents``); its bids on YES and asks on NO
make Q_one, the other two Q_two; Q_min = max(min(Q_one, Q_two), max(Q_one, Q_two) / 3)
when the midpoint is in [0.10, 0.90], else min(Q_one, Q_two). Each sample carries a
1,440th of the day's ``daily_rate``, shared by Q_min (a sample nobody scores pays nobody).
The adjusted midpoint is halfway between the prices at which ``min_size`` shares can be
sold and bought (the plain midpoint when a side is thinner): the venue does not publish
its rule.

Maker rebates (docs: Maker Rebates Program): ``rebate_rate`` of a market's taker fees of
the day (trades CONFIRMED that day) is shared by its makers in proportion to the taker fee
their maker fills would have paid.

At each UTC midnight the day's rewards and rebates are paid into the accounts (a deposit
from the venue), each program's total of at least $1 an account (smaller ones are not
paid, as on the venue), rounded down to $0.000001. ``samples`` and ``payments`` are the
venue's records. This module keeps its own arithmetic: it is the venue, not the client.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal

import attrs

from predmm.domain import Level, MarketId, MarketStatus, OrderBook, OrderSide, Venue
from predmm.simulator.exchange import AccountId, Exchange, OrderRecord, TradeStatus
from predmm.simulator.exchange import events as ev
from predmm.simulator.exchange.model import LiquidityRewards

ZERO = Decimal(0)
ONE = Decimal(1)
CENTS = Decimal(100)
SCALE = Decimal(3)  # c: single-sided liquidity scores a third
LOW, HIGH = Decimal("0.10"), Decimal("0.90")
MIN_PAYOUT = Decimal(1)
MICRO = Decimal("0.000001")
SAMPLE_S = 60.0
SAMPLES_PER_DAY = Decimal(1440)


@attrs.frozen(kw_only=True)
class AccountScore:
    """One account resting an order of at least the minimum size in one sample: its side
    scores, Q_min, its share of the sample, whether it rested such an order on both
    sides (``two_sided``) and inside the band on both (``in_band``)."""

    account_id: AccountId
    q_one: Decimal
    q_two: Decimal
    q_min: Decimal
    share: Decimal
    in_band: bool
    two_sided: bool = False


@attrs.frozen(kw_only=True)
class RewardSample:
    market_id: MarketId
    at: float  # Unix seconds
    midpoint: Decimal
    accounts: tuple[AccountScore, ...]

    def of(self, account_id: AccountId) -> AccountScore | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)


@attrs.frozen(kw_only=True)
class RewardPayment:
    """What one account earned on one market on one UTC day, and whether it was paid
    (its program's total that day reached $1)."""

    day: date
    account_id: AccountId
    market_id: MarketId
    liquidity: Decimal
    rebates: Decimal
    paid_liquidity: bool
    paid_rebates: bool

    @property
    def paid(self) -> Decimal:
        return (self.liquidity if self.paid_liquidity else ZERO) + (
            self.rebates if self.paid_rebates else ZERO
        )


def _distance(order: OrderRecord, mid: Decimal) -> Decimal:
    """Cents from the midpoint, in YES terms (a NO-ladder bid at q is a YES ask at 1 - q)."""
    price = order.book_price
    return (mid - price if order.book_side is OrderSide.YES else ONE - price - mid) * CENTS


def _score(order: OrderRecord, mid: Decimal, rewards: LiquidityRewards) -> Decimal:
    remaining = order.quantity - order.filled_quantity
    v, s = rewards.max_spread_cents, _distance(order, mid)
    if remaining < rewards.min_size or s < 0 or s >= v:
        return ZERO
    return ((v - s) / v) ** 2 * remaining


def _walk(levels: Iterable[Level], size: Decimal) -> Decimal | None:
    """The price at which ``size`` is reached from the best level."""
    total = ZERO
    for level in levels:
        total += level.size
        if total >= size:
            return level.price
    return None


def adjusted_midpoint(book: OrderBook, min_size: Decimal) -> Decimal | None:
    if not book.yes_bids or not book.no_bids:
        return None
    bid, no_bid = _walk(book.yes_bids, min_size), _walk(book.no_bids, min_size)
    if bid is None or no_bid is None:
        return (book.yes_bids[0].price + ONE - book.no_bids[0].price) / 2
    return (bid + ONE - no_bid) / 2


def q_min(q_one: Decimal, q_two: Decimal, mid: Decimal) -> Decimal:
    if LOW <= mid <= HIGH:
        return max(min(q_one, q_two), max(q_one, q_two) / SCALE)
    return min(q_one, q_two)


class RewardsDesk:
    """Samples, accrues and pays; ``advance()`` after the clock moved (``Simulator.advance``
    calls it). Seeded: the same seed samples at the same seconds."""

    def __init__(self, exchange: Exchange, *, seed: int, sample_s: float = SAMPLE_S) -> None:
        self.exchange = exchange
        self.sample_s = sample_s
        self._rng = random.Random(f"rewards:{seed}")
        self._day = exchange.clock.now().date()
        self._next: dict[MarketId, float] = {}
        self._liquidity: dict[tuple[date, MarketId, AccountId], Decimal] = defaultdict(Decimal)
        self._fee_equivalent: dict[tuple[date, MarketId, AccountId], Decimal] = defaultdict(Decimal)
        self._taker_fees: dict[tuple[date, MarketId], Decimal] = defaultdict(Decimal)
        self.samples: list[RewardSample] = []
        self.payments: list[RewardPayment] = []
        for mid in exchange.market_ids(Venue.POLYMARKET):
            if self._rewards(mid) is not None:
                self._next[mid] = self._first_sample()
        exchange.subscribe(self._on_trade, types=(ev.TradePrinted, ev.TradeStatusChanged))

    def _rewards(self, market_id: MarketId) -> LiquidityRewards | None:
        listing = self.exchange.spec(market_id).polymarket
        return listing.rewards if listing is not None else None

    def _slot_time(self, slot: int) -> float:
        return slot * self.sample_s + self._rng.random() * self.sample_s

    def _first_sample(self) -> float:
        now = self.exchange.clock.timestamp()
        slot = int(now // self.sample_s)
        at = self._slot_time(slot)
        return at if at > now else self._slot_time(slot + 1)

    # time -----------------------------------------------------------------------------

    def advance(self) -> None:
        """Take the samples now due, then pay every day that has ended."""
        now = self.exchange.clock.timestamp()
        for mid, due in list(self._next.items()):
            while due <= now:
                self._sample(mid, due)
                due = self._slot_time(int(due // self.sample_s) + 1)
            self._next[mid] = due
        today = self.exchange.clock.now().date()
        if today != self._day:
            self.pay(self._day)
            self._day = today

    # sampling -------------------------------------------------------------------------

    def _sample(self, market_id: MarketId, at: float) -> None:
        rewards = self._rewards(market_id)
        if rewards is None or rewards.daily_rate <= ZERO:
            return
        if self.exchange.status(market_id) is not MarketStatus.OPEN:
            return
        mid = adjusted_midpoint(self.exchange.book(market_id), rewards.min_size)
        if mid is None:
            return
        q: dict[AccountId, list[Decimal]] = {}  # every account resting the minimum size
        band: dict[AccountId, set[OrderSide]] = defaultdict(set)
        sides: dict[AccountId, set[OrderSide]] = defaultdict(set)
        for order in self.exchange.resting_orders(market_id):
            if order.quantity - order.filled_quantity < rewards.min_size:
                continue
            sides[order.account_id].add(order.book_side)
            sums = q.setdefault(order.account_id, [ZERO, ZERO])
            score = _score(order, mid, rewards)
            if score > ZERO:
                sums[0 if order.book_side is OrderSide.YES else 1] += score
                band[order.account_id].add(order.book_side)
        mins = {a: q_min(one, two, mid) for a, (one, two) in q.items()}
        total = sum(mins.values(), ZERO)
        scores = tuple(
            AccountScore(
                account_id=a,
                q_one=q[a][0],
                q_two=q[a][1],
                q_min=m,
                share=m / total if total > ZERO else ZERO,
                in_band=len(band[a]) == 2,
                two_sided=len(sides[a]) == 2,
            )
            for a, m in sorted(mins.items())
        )
        self.samples.append(RewardSample(market_id=market_id, at=at, midpoint=mid, accounts=scores))
        day = self._date(at)
        part = rewards.daily_rate * Decimal(repr(self.sample_s)) / (SAMPLES_PER_DAY * 60)
        for s in scores:
            if s.share > ZERO:
                self._liquidity[(day, market_id, s.account_id)] += part * s.share

    def _date(self, at: float) -> date:
        return datetime.fromtimestamp(at, tz=UTC).date()

    # rebates --------------------------------------------------------------------------

    def _on_trade(self, event: ev.ExchangeEvent) -> None:
        trade = event.trade  # type: ignore[union-attr]
        if trade.status is not TradeStatus.CONFIRMED:
            return
        if trade.market_id.venue is not Venue.POLYMARKET:
            return
        rewards = self._rewards(trade.market_id)
        if rewards is None or rewards.rebate_rate <= ZERO:
            return
        day, maker = trade.ts.date(), trade.maker
        self._taker_fees[(day, trade.market_id)] += trade.taker.fee
        fees = self.exchange.spec(trade.market_id).fees
        equivalent = fees.fee(maker.quantity, maker.price, is_taker=True)
        self._fee_equivalent[(day, trade.market_id, maker.account_id)] += equivalent

    # paying ---------------------------------------------------------------------------

    def accrued(self, account_id: AccountId, day: date) -> dict[MarketId, Decimal]:
        """The liquidity rewards the account has earned so far on ``day``, per market."""
        return {
            mid: amount
            for (d, mid, a), amount in self._liquidity.items()
            if d == day and a == account_id
        }

    def pay(self, day: date) -> list[RewardPayment]:
        """Pay ``day``'s liquidity rewards and rebates (once: the day's tallies go)."""
        rows = self._rows(day)
        liquidity_total: dict[AccountId, Decimal] = defaultdict(Decimal)
        rebate_total: dict[AccountId, Decimal] = defaultdict(Decimal)
        for _, account, liquidity, rebates in rows:
            liquidity_total[account] += liquidity
            rebate_total[account] += rebates
        paid: list[RewardPayment] = []
        for mid, account, liquidity, rebates in rows:
            payment = RewardPayment(
                day=day,
                account_id=account,
                market_id=mid,
                liquidity=liquidity,
                rebates=rebates,
                paid_liquidity=liquidity_total[account] >= MIN_PAYOUT,
                paid_rebates=rebate_total[account] >= MIN_PAYOUT,
            )
            if payment.paid > ZERO:
                self.exchange.deposit(account, payment.paid)
            paid.append(payment)
        self.payments.extend(paid)
        return paid

    def _rows(self, day: date) -> list[tuple[MarketId, AccountId, Decimal, Decimal]]:
        """Each (market, account) of ``day``: liquidity rewards and rebates, rounded down
        to $0.000001; the day's tallies are dropped."""
        liquidity = {(m, a): v for (d, m, a), v in self._liquidity.items() if d == day}
        equivalents = {(m, a): v for (d, m, a), v in self._fee_equivalent.items() if d == day}
        pools = {m: v for (d, m), v in self._taker_fees.items() if d == day}
        self._liquidity = defaultdict(
            Decimal, {k: v for k, v in self._liquidity.items() if k[0] != day}
        )
        self._fee_equivalent = defaultdict(
            Decimal, {k: v for k, v in self._fee_equivalent.items() if k[0] != day}
        )
        self._taker_fees = defaultdict(
            Decimal, {k: v for k, v in self._taker_fees.items() if k[0] != day}
        )
        rebates: dict[tuple[MarketId, AccountId], Decimal] = {}
        for (m, a), fe in equivalents.items():
            total = sum((v for (m2, _), v in equivalents.items() if m2 == m), ZERO)
            rewards = self._rewards(m)
            if total > ZERO and rewards is not None:
                rebates[(m, a)] = rewards.rebate_rate * pools.get(m, ZERO) * fe / total
        keys = sorted(set(liquidity) | set(rebates))
        return [
            (m, a, _down(liquidity.get((m, a), ZERO)), _down(rebates.get((m, a), ZERO)))
            for m, a in keys
        ]


def _down(amount: Decimal) -> Decimal:
    return amount.quantize(MICRO, rounding=ROUND_FLOOR)


__all__ = [
    "AccountScore",
    "RewardPayment",
    "RewardSample",
    "RewardsDesk",
    "adjusted_midpoint",
    "q_min",
]

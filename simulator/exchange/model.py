"""Values of the simulated exchange: ids, codes, listings and the records it hands out.

Records handed to callers and carried by events are frozen snapshots; the exchange's
own working state (resting orders, accounts) is mutable and never leaves the package.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain import (
    Action,
    ClientOrderId,
    EventId,
    FillId,
    MarketId,
    MarketStatus,
    OrderSide,
    OrderStatus,
    TickSpec,
    TimeInForce,
    Venue,
    VenueOrderId,
)
from predmm.simulator.exchange.fees import FeeSpec

ZERO = Decimal(0)
ONE = Decimal(1)
COUNT_STEP = Decimal("0.01")  # quantities are multiples of 0.01 (Kalshi fractional counts)


@attrs.frozen(order=True)
class AccountId:
    """One account on one venue of the simulated exchange."""

    value: str

    def __str__(self) -> str:
        return self.value


@attrs.frozen(order=True)
class TradeId:
    """One match between a taker order and one resting (maker) order."""

    value: str

    def __str__(self) -> str:
        return self.value


@attrs.frozen(order=True)
class GroupId:
    """One order group (Kalshi ``order_group_id``): orders cancelled together when the
    contracts they fill in a rolling window pass the group's limit."""

    value: str

    def __str__(self) -> str:
        return self.value


GROUP_WINDOW_S = 15.0  # Kalshi's rolling window of an order group's matched contracts


class RejectCode(enum.Enum):
    """Why ``place_order`` refused an order (front ends map these to venue error codes)."""

    UNKNOWN_MARKET = "unknown_market"
    UNKNOWN_ACCOUNT = "unknown_account"
    WRONG_VENUE = "wrong_venue"  # the account is not on the market's venue
    MARKET_NOT_OPEN = "market_not_open"  # paused, closed, settled or unopened
    INVALID_PRICE = "invalid_price"  # off the market's tick grid (Kalshi invalid_price)
    INVALID_QUANTITY = "invalid_quantity"  # <= 0 or not a multiple of 0.01
    BELOW_MIN_SIZE = "below_min_size"  # Polymarket min_order_size
    INSUFFICIENT_BALANCE = "insufficient_balance"  # cash (BUY) or tokens (SELL)
    POST_ONLY_CROSS = "post_only_cross"
    FOK_NOT_FILLED = "fok_not_filled"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"  # unique forever per account
    DUPLICATE_ORDER_ID = "duplicate_order_id"  # Polymarket: the same order hash twice
    INVALID_EXPIRATION = "invalid_expiration"  # GTD without or with a past expiration
    INVALID_ORDER = "invalid_order"  # anything else malformed
    UNKNOWN_GROUP = "unknown_group"  # no such order group of the account
    GROUP_TRIGGERED = "group_triggered"  # the order group tripped: nothing until its reset
    TRADING_PAUSED = "trading_paused"  # the venue paused trading (placements and amends)


class CancelReason(enum.Enum):
    USER = "user"  # asked by the account (REST cancel, cancel-all, ...)
    IOC_REMAINDER = "ioc_remainder"  # IOC/FAK rest that could not fill
    SELF_TRADE = "self_trade"  # self-trade prevention removed it
    EXPIRED = "expired"  # GTD expiration passed (status EXPIRED)
    MARKET_CLOSED = "market_closed"  # close or settlement
    MARKET_REACTIVATED = "market_reactivated"  # Kalshi: reactivation after a pause
    PAUSE = "pause"  # Kalshi cancel_order_on_pause
    GROUP_TRIGGERED = "group_triggered"  # its order group tripped (or was triggered)
    GROUP_DELETED = "group_deleted"  # its order group was deleted
    TICK_CHANGE = "tick_change"  # price no longer on the new grid
    HEARTBEAT = "heartbeat"  # Polymarket dead-man switch (front end asks)
    DECREASED_TO_ZERO = "decreased_to_zero"


class TradeStatus(enum.Enum):
    """Polymarket's on-chain settlement of a match. Kalshi trades are CONFIRMED at once."""

    MATCHED = "MATCHED"
    MINED = "MINED"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        return self in (TradeStatus.CONFIRMED, TradeStatus.FAILED)


class SelfTradePrevention(enum.Enum):
    """What happens when a taker would match a resting order of its own account.

    The default, CANCEL_RESTING, cancels the resting order and lets the taker go on
    matching (Kalshi's ``maker`` mode). CANCEL_TAKER stops the taker there and cancels
    its remainder (Kalshi's ``taker_at_cross``)."""

    CANCEL_RESTING = "cancel_resting"
    CANCEL_TAKER = "cancel_taker"


@attrs.frozen(kw_only=True)
class LiquidityRewards:
    """What a Polymarket market pays its makers (``simulator.rewards`` pays it): resting
    orders of at least ``min_size`` shares within ``max_spread_cents`` of the adjusted
    midpoint share ``daily_rate`` dollars a day by score; ``rebate_rate`` of the day's
    taker fees goes back to the makers, by the taker fee their fills would have paid.
    Served as Gamma's ``rewardsMinSize``, ``rewardsMaxSpread``, ``clobRewards`` and
    ``feeSchedule.rebateRate``, and the CLOB market's ``rewards``."""

    min_size: Decimal
    max_spread_cents: Decimal
    daily_rate: Decimal
    rebate_rate: Decimal = ZERO
    program_id: str = "1"  # clobRewards[].id


@attrs.frozen(kw_only=True)
class KalshiIncentive:
    """One Kalshi incentive program of a market, as GET /incentive_programs lists it
    (the simulator lists it; it does not pay it)."""

    program_id: str
    kind: str  # "liquidity", "volume", ...
    description: str
    start: datetime
    end: datetime
    period_reward_centicents: int
    paid_out: bool = False
    discount_factor_bps: int | None = None
    target_size: Decimal | None = None
    max_reward_per_account_centicents: int | None = None


@attrs.frozen(kw_only=True)
class KalshiListing:
    """Kalshi metadata of a market (the ticker is the MarketId's symbol)."""

    event_ticker: str
    series_ticker: str
    mutually_exclusive: bool = False  # the event's: at most one of its markets resolves YES
    event_title: str = ""  # the event's (GET /events); the market's title when empty
    fee_type: str = "quadratic"  # or quadratic_with_maker_fees
    fee_multiplier: Decimal = ONE
    subtitle: str = ""
    yes_sub_title: str = "Yes"
    no_sub_title: str = "No"
    category: str = ""
    cancel_order_on_pause: bool = False  # every order of the market cancelled on a pause
    fractional_trading: bool = False  # counts in steps of 0.01 (``MarketSpec.count_step``)
    incentives: tuple[KalshiIncentive, ...] = ()


@attrs.frozen(kw_only=True)
class PolymarketListing:
    """Polymarket metadata (the condition id is the MarketId's symbol)."""

    question: str
    slug: str
    yes_token_id: str  # decimal string, uint256
    no_token_id: str
    event_id: str = ""  # Gamma's event (every Gamma market has one; "": none served)
    event_title: str = ""
    neg_risk: bool = False  # one outcome of a neg-risk event: at most one resolves YES
    neg_risk_market_id: str = ""  # the neg-risk event's id (negRiskMarketID)
    neg_risk_augmented: bool = False  # outcomes may be added later (then not exhaustive)
    category: str = ""
    outcomes: tuple[str, str] = ("Yes", "No")
    # 1: outcome tokens (clobTokenIds), orders on the CTF Exchange V2; 2: a protocol-V2
    # market (Gamma ``version: "v2"``), outcome position ids, orders on Exchange V3
    protocol: int = 1
    rewards: LiquidityRewards | None = None


@attrs.frozen(kw_only=True)
class MarketHistory:
    """What a market traded before the simulated day began, with traders outside the
    simulation: added to the volume, open interest and liquidity the venues report, so
    that listed markets look like the established markets the strategy's filters
    (``min_liquidity``) are written for. Accounts and conservation do not see it."""

    volume: Decimal = Decimal(0)
    open_interest: Decimal = Decimal(0)
    liquidity: Decimal = Decimal(0)


@attrs.frozen(kw_only=True)
class MarketSpec:
    """What is listed: fixed facts of one market (its live state is ``MarketState``)."""

    market_id: MarketId
    title: str
    tick: TickSpec
    fees: FeeSpec
    event_id: EventId | None = None  # the real-world question; shared by linked markets
    open_time: datetime | None = None
    close_time: datetime | None = None
    min_order_size: Decimal = COUNT_STEP
    # every quantity is a multiple of it: 0.01 where fractional contracts trade (Kalshi
    # markets that enable it, Polymarket sizes), 1 on whole-contract Kalshi markets
    count_step: Decimal = COUNT_STEP
    kalshi: KalshiListing | None = None
    polymarket: PolymarketListing | None = None
    history: MarketHistory = attrs.field(factory=MarketHistory)

    @property
    def venue(self) -> Venue:
        return self.market_id.venue

    @property
    def nets_pairs(self) -> bool:
        """Kalshi nets YES against NO in one market at once (a pair pays $1 back);
        Polymarket keeps both tokens until they are merged or redeemed."""
        return self.venue is Venue.KALSHI


@attrs.frozen(kw_only=True)
class MarketState:
    """A market as it is now."""

    spec: MarketSpec
    status: MarketStatus
    tick: TickSpec  # may differ from spec.tick after a tick size change
    result: OrderSide | None  # the winning side once settled
    volume: Decimal  # contracts traded
    open_interest: Decimal  # YES/NO pairs outstanding
    last_price: Decimal | None  # YES price of the last trade
    liquidity: Decimal  # dollars resting on the book
    book_seq: int  # sequence number of the last book change
    settled_at: datetime | None = None  # when it was settled

    @property
    def market_id(self) -> MarketId:
        return self.spec.market_id


@attrs.frozen(kw_only=True)
class OrderRecord:
    """One order as the exchange holds it.

    ``price`` is the price of ``side`` (what the order pays per contract for BUY, or
    receives for SELL). ``book_side``/``book_price`` say where it rests: a BUY YES at p
    and a SELL NO at 1 - p both rest on the YES ladder at p."""

    order_id: VenueOrderId
    account_id: AccountId
    market_id: MarketId
    side: OrderSide
    action: Action
    price: Decimal
    quantity: Decimal
    filled_quantity: Decimal
    status: OrderStatus  # OPEN, PARTIALLY_FILLED, FILLED, CANCELLED, EXPIRED
    time_in_force: TimeInForce
    post_only: bool
    client_order_id: ClientOrderId | None
    expiration: datetime | None
    created_at: datetime
    updated_at: datetime
    book_side: OrderSide
    book_price: Decimal
    cancel_reason: CancelReason | None = None
    maker_fees: Decimal = ZERO
    taker_fees: Decimal = ZERO
    cost: Decimal = ZERO  # cash paid (BUY) or received (SELL) for filled_quantity, before fees
    group_id: GroupId | None = None  # its order group, if placed into one
    cancel_on_pause: bool = False  # cancelled when trading pauses (Kalshi's flag)

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity

    @property
    def is_resting(self) -> bool:
        return self.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


@attrs.frozen(kw_only=True)
class GroupRecord:
    """One order group as the exchange holds it: its limit of matched contracts over the
    rolling ``GROUP_WINDOW_S``, whether it tripped (nothing more is accepted into it until
    it is reset), the contracts matched in the window now, and its resting orders."""

    group_id: GroupId
    account_id: AccountId
    limit: Decimal
    triggered: bool
    matched: Decimal
    orders: tuple[VenueOrderId, ...]
    created_at: datetime


@attrs.frozen(kw_only=True)
class FillRecord:
    """One account's side of one trade."""

    fill_id: FillId
    trade_id: TradeId
    account_id: AccountId
    order_id: VenueOrderId
    client_order_id: ClientOrderId | None
    market_id: MarketId
    side: OrderSide
    action: Action
    price: Decimal  # price of ``side`` for this account
    quantity: Decimal
    fee: Decimal
    is_taker: bool
    ts: datetime

    @property
    def yes_price(self) -> Decimal:
        return self.price if self.side is OrderSide.YES else ONE - self.price


@attrs.frozen(kw_only=True)
class TradeRecord:
    """One match: a taker order against one resting order, at the resting price."""

    trade_id: TradeId
    market_id: MarketId
    yes_price: Decimal  # price of YES in this trade
    quantity: Decimal
    taker_side: OrderSide  # the contract the taker got long (BUY YES / SELL NO -> YES)
    taker: FillRecord
    maker: FillRecord
    status: TradeStatus
    ts: datetime
    last_update: datetime

    @property
    def no_price(self) -> Decimal:
        return ONE - self.yes_price


@attrs.frozen(kw_only=True)
class Balance:
    cash: Decimal  # everything the account has in cash
    reserved: Decimal  # collateral held by resting BUY orders
    fees_paid: Decimal

    @property
    def available(self) -> Decimal:
        return self.cash - self.reserved


@attrs.frozen(kw_only=True)
class PositionView:
    """Holdings of one account in one market.

    Token view (Polymarket): ``yes`` and ``no`` contracts held, each >= 0.
    Net view (Kalshi): ``net`` = yes - no (Kalshi nets at once, so one of them is 0)."""

    market_id: MarketId
    yes: Decimal
    no: Decimal
    reserved_yes: Decimal  # held back by resting SELL YES orders
    reserved_no: Decimal
    cost_yes: Decimal  # what the held YES contracts cost (exposure)
    cost_no: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    traded: Decimal  # contracts bought or sold, all time
    traded_dollars: Decimal

    @property
    def net(self) -> Decimal:
        return self.yes - self.no

    @property
    def exposure(self) -> Decimal:
        return self.cost_yes + self.cost_no


@attrs.frozen(kw_only=True)
class SettlementRecord:
    """What a market's settlement paid one account: the contracts it held and what they
    cost, the payout ($1 per contract of ``result``) and when."""

    account_id: AccountId
    market_id: MarketId
    result: OrderSide
    yes: Decimal
    no: Decimal
    cost_yes: Decimal
    cost_no: Decimal
    payout: Decimal
    ts: datetime


@attrs.frozen(kw_only=True)
class PlaceOutcome:
    """What ``place_order`` did. ``order`` is None only for a rejection."""

    order: OrderRecord | None
    fills: tuple[FillRecord, ...] = ()  # the taker's fills, in order
    reject: RejectCode | None = None
    message: str = ""

    @property
    def accepted(self) -> bool:
        return self.reject is None


@attrs.frozen(kw_only=True)
class CancelOutcome:
    """``order`` is the order after the cancel; None when the exchange did not know it
    (or it belongs to another account). ``reduced_by`` is the size taken off the book."""

    order: OrderRecord | None
    cancelled: bool
    reduced_by: Decimal = ZERO
    message: str = ""

"""The JournalActor's messages: the ``Record…`` values that everyone tells it (one per
write, each written whole), the ``Record`` union of them, and ``Flush``, the one message
that is asked, answered with a ``FlushResult``. Frozen attrs values, keyword-only; each
``Record…`` carries ``at``, when it happened (None: the journal's clock at write time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import attrs

from predmm.domain.enums import OrderStatus, TradingState, Venue
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId, VenueOrderId
from predmm.domain.market import Rewards
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.strategies.day_loss import DayBaseline
from predmm.strategies.fills import SettledPosition
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.reward_score import RewardSample


@attrs.frozen(kw_only=True)
class RecordRun:
    run_id: str
    config_digest: str
    mode: str  # "sim", "paper", "live", ...
    pid: int
    at: datetime | None = None  # started at


@attrs.frozen(kw_only=True)
class RecordRunEnd:
    run_id: str
    reason: str = ""
    at: datetime | None = None  # stopped at


@attrs.frozen(kw_only=True)
class RecordOrder:
    """The order as it is now (inserted or replaced by client order id), with the event
    that made it so (None: a plain snapshot)."""

    order: Order
    event: OrderEvent | None = None
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordOrders:
    """``RecordOrder`` for each change, in order, in one write: what one message to the
    PlatformActor changed."""

    changes: tuple[tuple[Order, OrderEvent | None], ...]
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordIntents:
    """Orders about to be sent (write-ahead): committed before ``then(True)`` is called
    (in the journal's thread; ``then(False)``: they could not be written). Each carries
    the venue's id when its client knows it before sending (Polymarket: the hash)."""

    orders: tuple[Order, ...]
    then: Callable[[bool], None]
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordOrderEvent:
    """An event of a journaled order and its status after it."""

    client_order_id: ClientOrderId
    event: OrderEvent
    status: OrderStatus
    filled_quantity: Decimal | None = None  # None: unchanged
    venue_order_id: VenueOrderId | None = None
    reason: str = ""
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordCorrection:
    """A correction a reconciliation made to an order during a run: the order as it is
    after it, and ``what`` was wrong and was done (an order event ``correction``)."""

    order: Order
    what: str
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordFill:
    """One fill; journaled once per (venue, fill id). ``cursor``: the venue's fill cursor
    after it, saved in the same transaction."""

    fill: Fill
    cursor: str | None = None
    at: datetime | None = None  # received at, when the fill has no received_ts


@attrs.frozen(kw_only=True)
class RecordFillPage:
    """A page of fills fetched from the venue and the cursor after it, in one
    transaction: the cursor is never durable without every fill of its page. Fills
    journaled already are counted as duplicates."""

    venue: Venue
    fills: tuple[Fill, ...]
    cursor: str | None = None
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordFillReversal:
    """A provisional fill failed (Polymarket FAILED trade): it stops counting."""

    fill: Fill
    reason: str = ""
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordPosition:
    """A market's position snapshot as its owner sees it, with its event link."""

    market_id: MarketId
    yes_contracts: Decimal
    no_contracts: Decimal
    avg_yes_price: Decimal
    avg_no_price: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    event_id: EventId | None = None
    at: datetime | None = None

    @classmethod
    def of(
        cls,
        tracker: InventoryTracker,
        *,
        market_id: MarketId,
        event_id: EventId | None = None,
        at: datetime | None = None,
    ) -> RecordPosition:
        return cls(
            market_id=market_id,
            yes_contracts=tracker.yes_contracts,
            no_contracts=tracker.no_contracts,
            avg_yes_price=tracker.avg_yes_price,
            avg_no_price=tracker.avg_no_price,
            realized_pnl=tracker.realized_pnl,
            fees_paid=tracker.fees_paid,
            event_id=event_id,
            at=at,
        )


@attrs.frozen(kw_only=True)
class RecordRestart:
    market_id: MarketId
    reason: str
    attempt: int = 0
    quarantined: bool = False
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordTradingState:
    state: TradingState
    reason: str = ""
    at: datetime | None = None
    operator: str = ""  # who changed it by hand (``predmm halt``, ``resume``, ``cancel-all``)


@attrs.frozen(kw_only=True)
class RecordSettlement:
    """A market resolved: the venue's settlement and the position it settled (the
    contracts, what they paid, the PnL realized). Journaled once per market."""

    settled: SettledPosition
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordDayBaseline:
    """The day's baseline (replaces one of the same day)."""

    baseline: DayBaseline
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordCursor:
    venue: Venue
    cursor: str
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class MarketInfo:
    """What the operator's reports show of a market: the venue's title, its event on the
    venue, the real-world event it is linked to across venues (``[[risk.event_links]]``),
    its smallest tick and its close time."""

    market_id: MarketId
    title: str = ""
    event_id: EventId | None = None
    linked_event: EventId | None = None
    tick: Decimal | None = None
    close_time: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordMarkets:
    """Markets as the venues list them (inserted or replaced by market id)."""

    markets: tuple[MarketInfo, ...]
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordMarks:
    """Each market's YES mark (the fair value the daemon quotes around) at ``at``."""

    marks: tuple[tuple[MarketId, Decimal], ...]
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordFillMarks:
    """The YES mark of a fill's market ``horizon`` seconds after the fill (0: at it)."""

    marks: tuple[tuple[Venue, FillId, float, Decimal], ...]
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordBalance:
    """A venue's cash at the ``moment`` ("start" or "end") of a run; None: not read."""

    run_id: str
    venue: Venue
    moment: str
    cash: Decimal | None
    note: str = ""
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordRunInfo:
    """What a run trades with: the strategy, where the settings came from and the
    settings themselves (a settings file's text, without secrets)."""

    run_id: str
    strategy: str
    source: str
    settings: str
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordSupervision:
    """What the engine's watch over its core actors did (``supervisors.core``): kept as
    the component's latest event, with a count (``actors.journal.notes``)."""

    component: str  # "journal", "portfolio", "platform kalshi"
    event: str  # "failed", "restarted", "halted"
    reason: str = ""
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordVenueWorld:
    """The venue world that ``venue``'s records belong to (``supervisors.worlds``)."""

    venue: Venue
    identity: str
    description: str
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class RecordRewardSample:
    """One sample of the rewards our quotes earn in a market (``strategies.reward_score``),
    added to its day's row once per sampling ``slot``, with the market's terms."""

    market_id: MarketId
    rewards: Rewards
    sample: RewardSample
    slot: int
    at: datetime | None = None


@attrs.frozen(kw_only=True)
class Flush:
    """Asked: answered with a ``FlushResult`` once everything told before it is
    committed and fsynced."""


@attrs.frozen(kw_only=True)
class FlushResult:
    records: int  # messages written since the actor started
    duplicates: int  # fills that were journaled already (each counted once)
    commits: int


@attrs.frozen(kw_only=True)
class RecordExecutionStep:
    """One step of an execution of the executor (its ``step`` and what it did)."""

    execution_id: str
    strategy: str
    step: str
    detail: str = ""
    at: datetime | None = None


Record = (
    RecordRun
    | RecordRunEnd
    | RecordOrder
    | RecordOrders
    | RecordIntents
    | RecordOrderEvent
    | RecordCorrection
    | RecordFill
    | RecordFillPage
    | RecordFillReversal
    | RecordPosition
    | RecordRestart
    | RecordTradingState
    | RecordSettlement
    | RecordDayBaseline
    | RecordCursor
    | RecordMarkets
    | RecordMarks
    | RecordFillMarks
    | RecordBalance
    | RecordRunInfo
    | RecordSupervision
    | RecordVenueWorld
    | RecordRewardSample
    | RecordExecutionStep
)

"""The matching core of the simulator: one ``Exchange`` holding markets, accounts, books.

Public API (stable; changes are additive, see ``simulator/API.md``)
====================================================================

Construction and time
---------------------
``Exchange(*, clock: SimClock | None = None, seed: int = 0)``
    ``clock.now()`` stamps every record and event; ids (orders, trades, fills) are
    UUID4 strings drawn from ``random.Random(seed)``, so a seeded day is reproducible.
``SimClock(start)``: ``now() -> datetime``, ``timestamp() -> float``, ``advance(s)``, ``set(dt)``.

Accounts (one per venue; money never moves between venues)
----------------------------------------------------------
``open_account(venue, name, cash=0, *, account_id=None) -> AccountId``
``deposit(account_id, amount) -> Balance``
``grant_position(account_id, market_id, pairs) -> PositionView``  (split cash into YES+NO)
``balance(account_id) -> Balance(cash, reserved, fees_paid; .available)``
``position(account_id, market_id) -> PositionView`` / ``positions(account_id)``
    Token view: ``yes``, ``no`` (>= 0), ``reserved_yes/no`` (held by resting SELLs).
    Net view (Kalshi): ``net = yes - no``. Kalshi accounts net YES against NO at once
    (a pair pays $1 back to cash), so one of ``yes``/``no`` is always 0 there.
    ``cost_yes/no`` (exposure), ``realized_pnl``, ``fees_paid``, ``traded``, ``traded_dollars``.
Credentials are not the exchange's business: ``simulator.Simulator.credentials``
(``CredentialStore``) maps a Kalshi key id / Polymarket API key / signer address to
the ``AccountId``: ``sim.kalshi_account(key_id)``, ``sim.polymarket_account(api_key)``.

Markets
-------
``list_market(spec: MarketSpec, status=OPEN)``; ``market(mid) -> MarketState``;
``markets(venue=None)``; ``market_ids(venue=None)``; ``has_market(mid)``;
``token(token_id) -> (MarketId, OrderSide) | None`` (Polymarket token ids);
``book(mid) -> domain.OrderBook`` (YES bids and NO bids, best first; ``asks(side)``
derived); ``book_seq(mid)``; ``level_orders(mid, side, price)``.
``MarketSpec`` carries the listing: tick (``domain.TickSpec``), ``FeeSpec``, event id,
open/close time, ``min_order_size``, and ``kalshi: KalshiListing`` (event/series ticker,
fee_type, ...) or ``polymarket: PolymarketListing`` (question, slug, YES/NO token ids,
neg_risk, ...). ``MarketState.tick`` is the live tick (it can change).

Orders
------
``place_order(account_id, market_id, side, price, quantity, *, action=BUY,
time_in_force=GTC, post_only=False, expiration=None, client_order_id=None,
order_id=None, stp=SelfTradePrevention.CANCEL_RESTING) -> PlaceOutcome``
    ``price`` is the price of ``side`` (Decimal on the market's live grid, else
    ``RejectCode.INVALID_PRICE``); ``quantity`` a positive multiple of 0.01.
    BUY side at p rests on side's ladder at p (collateral: p per contract plus the
    worst-case fee, reserved). SELL side at p (Polymarket token sale) needs free held
    contracts of ``side``; it rests on the other ladder at 1 - p and delivers the
    contracts instead of posting collateral. A YES-ladder order at y crosses a NO-ladder
    order at n when y + n >= 1; the taker fills at the resting price, in price-time
    priority. IOC cancels the rest; FOK fills completely or is rejected
    (``FOK_NOT_FILLED``) with nothing changed; GTD needs a future ``expiration`` and
    expires (status EXPIRED) when the clock passes it; ``post_only`` that would cross is
    rejected (``POST_ONLY_CROSS``). Self-trade prevention: by default the RESTING order
    of the same account is cancelled (reason SELF_TRADE) and the taker goes on;
    ``CANCEL_TAKER`` stops the taker instead. ``client_order_id`` is unique forever per
    account (``DUPLICATE_CLIENT_ORDER_ID``); ``order_id`` lets Polymarket use its order
    hash (``DUPLICATE_ORDER_ID`` if reused). Rejections are returned, never raised, and
    change nothing. ``PlaceOutcome(order, fills, reject, message; .accepted)``.
``cancel_order(order_id, *, account_id=None, reason=USER) -> CancelOutcome``
    (works while paused; unknown or someone else's: ``order=None, cancelled=False``;
    already finished: ``cancelled=False`` with the order).
``cancel_all(account_id, market_id=None, *, side=None, reason=USER) -> list[OrderRecord]``
``amend_order(order_id, *, account_id=None, price=None, quantity=None) -> PlaceOutcome``
    (``quantity`` = new total size; a pure decrease keeps priority, else re-queued)
``decrease_order(order_id, *, account_id=None, reduce_by=None, reduce_to=None) -> CancelOutcome``
``expire_orders() -> list[OrderRecord]``
``place_order(..., group_id=None, cancel_on_pause=False)``: an order of an order group
    (``create_group(account_id, limit) -> GroupRecord``; ``UNKNOWN_GROUP`` for another's
    or none; ``GROUP_TRIGGERED`` while the group is tripped), cancelled when trading
    pauses (``cancel_on_pause``). ``amend_order(..., expiration=...)`` sets (None: removes)
    the expiration; with the same price and size it keeps the queue place. Quantities
    are multiples of the market's ``MarketSpec.count_step`` (``INVALID_QUANTITY``).
Order groups (``groups``): ``group(group_id)``, ``groups(account_id)``,
``trigger_group``, ``reset_group``, ``set_group_limit``, ``delete_group``: the group trips
when its orders match more than ``limit`` contracts in a rolling 15 s (its resting
orders cancelled, reason GROUP_TRIGGERED; event ``OrderGroupChanged``).
Trading pauses: ``pause_trading(venue)`` (placements and amends refused,
``TRADING_PAUSED``; cancels allowed; ``cancel_on_pause`` orders cancelled),
``resume_trading(venue)``, ``trading_paused(venue)``.
Reads: ``order(order_id)``, ``order_by_client_id(account_id, cid)``,
``open_orders(account_id, market_id=None)``, ``orders(account_id, market_id=None)``,
``fills(account_id, market_id=None)``, ``trades(market_id=None)``, ``trade(trade_id)``,
``pending_trades()``.

Fees (``FeeSpec``, per market)
------------------------------
Kalshi taker ``0.07·C·P·(1-P)`` ceiled to $0.000001; maker ``0.0175·C·P·(1-P)`` only when
the listing's fee_type is ``quadratic_with_maker_fees``. Polymarket taker
``C·rate·(P(1-P))^e`` rounded half-up to $0.000001; makers free. P is the price of the
contract the account traded. Fees leave the account's cash (taker SELL: from proceeds)
and are kept in ``Exchange.fees_collected``.

Lifecycle and settlement
------------------------
``pause_market(mid)`` (placements/amends refused, cancels allowed, orders stay);
``resume_market(mid, *, cancel_resting=None)`` (Kalshi default: reactivation cancels all
resting orders; Polymarket keeps them); ``close_market(mid)`` (resting cancelled);
``settle_market(mid, result: OrderSide)`` ($1 per winning contract, positions cleared;
``settlements(account, mid=None)`` lists what each settlement paid the account, and the
market's state keeps ``result`` and ``settled_at``);
``set_status(mid, status)``; ``change_tick(mid, tick)`` (orders off the new grid are
cancelled, reason TICK_CHANGE).
Trades: Kalshi trades are CONFIRMED at once; Polymarket trades start MATCHED.
``advance_trade(trade_id)`` (MATCHED -> MINED -> CONFIRMED), ``fail_trade(trade_id)``
(FAILED: both accounts' cash, fees and contracts restored exactly; the orders stay
filled; a buyer who already sold the contracts may go short).
``Simulator.advance`` moves MATCHED trades on by itself (``mine_after_s``/``confirm_after_s``).

Events (frozen attrs; ``subscribe(listener) -> unsubscribe``)
-------------------------------------------------------------
Delivered synchronously, in order, after each mutation completes (a listener may read
the exchange; it must not mutate it or block). Per account: ``OrderAccepted``,
``OrderUpdated`` (partial/full fill, amend, decrease), ``OrderCancelled`` (with
``CancelReason``; EXPIRED status for GTD), ``OrderFilled`` (with ``FillRecord``),
``AccountChanged``. Public: ``TradePrinted``, ``TradeStatusChanged``,
``BookLevelChanged(market_id, side, price, size, delta, seq)`` (``side`` = ladder, the
price in that side's terms, ``size`` the new aggregate, ``seq`` per market from 1 with
no gaps), ``MarketStatusChanged``, ``TickSizeChanged``, ``MarketSettled``.

Invariants: ``audit() -> list[str]`` (empty when money and contracts are conserved:
sum of cash + open interest + fees collected == deposits; YES == NO == open interest
per market; reservations match resting orders; no negative cash or contracts).
"""

from predmm.simulator.exchange.clock import SimClock
from predmm.simulator.exchange.engine import Exchange, Listener
from predmm.simulator.exchange.events import (
    AccountChanged,
    BookLevelChanged,
    ExchangeEvent,
    MarketSettled,
    MarketStatusChanged,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderGroupChanged,
    OrderUpdated,
    TickSizeChanged,
    TradePrinted,
    TradeStatusChanged,
)
from predmm.simulator.exchange.fees import FeeSpec, exact_fee, kalshi_fee, polymarket_fee
from predmm.simulator.exchange.model import (
    AccountId,
    Balance,
    CancelOutcome,
    CancelReason,
    FillRecord,
    GroupId,
    GroupRecord,
    KalshiIncentive,
    KalshiListing,
    LiquidityRewards,
    MarketSpec,
    MarketState,
    OrderRecord,
    PlaceOutcome,
    PolymarketListing,
    PositionView,
    RejectCode,
    SelfTradePrevention,
    TradeId,
    TradeRecord,
    TradeStatus,
)

__all__ = [
    "AccountChanged",
    "AccountId",
    "Balance",
    "BookLevelChanged",
    "CancelOutcome",
    "CancelReason",
    "Exchange",
    "ExchangeEvent",
    "FeeSpec",
    "FillRecord",
    "GroupId",
    "GroupRecord",
    "KalshiIncentive",
    "KalshiListing",
    "LiquidityRewards",
    "Listener",
    "MarketSettled",
    "MarketSpec",
    "MarketState",
    "MarketStatusChanged",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFilled",
    "OrderGroupChanged",
    "OrderRecord",
    "OrderUpdated",
    "PlaceOutcome",
    "PolymarketListing",
    "PositionView",
    "RejectCode",
    "SelfTradePrevention",
    "SimClock",
    "TickSizeChanged",
    "TradeId",
    "TradePrinted",
    "TradeRecord",
    "TradeStatus",
    "TradeStatusChanged",
    "exact_fee",
    "kalshi_fee",
    "polymarket_fee",
]

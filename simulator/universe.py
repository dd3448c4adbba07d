"""The default universe: Kalshi tickers and Polymarket conditions, some of them the same
real-world question on both venues (linked by an ``EventId``, resolving together)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain import EventId, MarketId, TickSpec, Venue
from predmm.simulator.exchange.fees import FeeSpec
from predmm.simulator.exchange.model import (
    KalshiListing,
    MarketHistory,
    MarketSpec,
    PolymarketListing,
)

TAPERED_DECI_CENT = (
    {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
    {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
    {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
)


@attrs.frozen(kw_only=True)
class EventPlan:
    """One real-world question: its fair value starts at ``fair`` and it resolves
    ``resolves_after`` the start of the day, on every venue that lists it."""

    event_id: EventId
    title: str
    fair: float
    resolves_after: timedelta
    markets: tuple[MarketId, ...]


@attrs.frozen(kw_only=True)
class Universe:
    specs: tuple[MarketSpec, ...]
    events: tuple[EventPlan, ...]

    def links(self) -> dict[EventId, tuple[MarketId, ...]]:
        """Events listed on more than one venue, with their markets."""
        return {e.event_id: e.markets for e in self.events if len(e.markets) > 1}

    def spec(self, market_id: MarketId) -> MarketSpec:
        for s in self.specs:
            if s.market_id == market_id:
                return s
        raise KeyError(f"no market {market_id} in the universe")


def _hex(text: str) -> str:
    return "0x" + hashlib.sha256(text.encode()).hexdigest()


def listed_history(key: str) -> MarketHistory:
    """A deterministic past for a listed market: $8k-$40k of liquidity, 10k-60k
    contracts of open interest, 40k-240k traded (the ranges of established markets)."""
    h = int.from_bytes(hashlib.sha256(f"history:{key}".encode()).digest()[:8], "big")
    return MarketHistory(
        liquidity=Decimal(8000 + h % 32000),
        open_interest=Decimal(10000 + (h >> 16) % 50000),
        volume=Decimal(40000 + (h >> 32) % 200000),
    )


def _token(text: str) -> str:
    return str(int.from_bytes(hashlib.sha256(text.encode()).digest(), "big"))


def v2_condition(slug: str, *, neg_risk: bool = False) -> str:
    """A protocol-V2 market id: the module byte (0x01 binary, 0x02 neg-risk), 30 bytes
    with the 8 bytes the position-id layout reserves left zero, and a zero outcome byte.
    Its outcomes' position ids are this number with the last byte 0 (YES) or 1 (NO)."""
    h = hashlib.sha256(f"condition-v2:{slug}".encode()).digest()
    module = b"\x02" if neg_risk else b"\x01"
    return "0x" + (module + h[:18] + bytes(8) + h[18:22] + b"\x00").hex()


def kalshi_spec(
    ticker: str,
    title: str,
    *,
    event: EventId,
    start: datetime,
    close: datetime,
    series: str,
    fee_type: str = "quadratic",
    tick: TickSpec | None = None,
    category: str = "",
    history: MarketHistory | None = None,
) -> MarketSpec:
    return MarketSpec(
        market_id=MarketId(Venue.KALSHI, ticker),
        history=history or MarketHistory(),
        title=title,
        tick=tick or TickSpec.uniform(Decimal("0.01")),
        fees=FeeSpec.kalshi(fee_type),
        event_id=event,
        open_time=start,
        close_time=close,
        kalshi=KalshiListing(
            event_ticker=ticker.rsplit("-", 1)[0],
            series_ticker=series,
            fee_type=fee_type,
            category=category,
        ),
    )


def polymarket_spec(
    slug: str,
    question: str,
    *,
    event: EventId,
    start: datetime,
    close: datetime,
    tick: str = "0.01",
    fee_rate: str = "0",
    category: str = "",
    history: MarketHistory | None = None,
    protocol: int = 1,
    neg_risk: bool = False,
) -> MarketSpec:
    """A Polymarket market: ``protocol`` 1 lists outcome tokens (orders on the CTF
    Exchange V2), 2 a protocol-V2 market whose outcomes are position ids (Exchange V3)."""
    if protocol == 2:
        condition = v2_condition(slug, neg_risk=neg_risk)
        yes, no = str(int(condition, 16)), str(int(condition, 16) + 1)
    else:
        condition = _hex(f"condition:{slug}")
        yes, no = _token(f"token:{slug}:yes"), _token(f"token:{slug}:no")
    return MarketSpec(
        market_id=MarketId(Venue.POLYMARKET, condition),
        history=history or MarketHistory(),
        title=question,
        tick=TickSpec.polymarket(tick),
        fees=FeeSpec.polymarket(Decimal(fee_rate)),
        event_id=event,
        open_time=start,
        close_time=close,
        min_order_size=Decimal(5),
        polymarket=PolymarketListing(
            question=question,
            slug=slug,
            yes_token_id=yes,
            no_token_id=no,
            category=category,
            neg_risk=neg_risk,
            protocol=protocol,
        ),
    )


_EVENTS = (
    # event id, title, fair, hours to resolution, kalshi (ticker, series, fee type, tick),
    # polymarket (slug, tick, fee rate)
    (
        "FED-2026-12",
        "Will the Fed cut rates at its December 2026 meeting?",
        0.62,
        20,
        ("KXFEDDECISION-26DEC-C25", "KXFEDDECISION", "quadratic_with_maker_fees", None),
        ("fed-cut-december-2026", "0.01", "0.04"),
    ),
    (
        "BTC-100K-2026",
        "Will Bitcoin close above $100,000 on November 30, 2026?",
        0.41,
        16,
        ("KXBTCMAX-26NOV30-T100000", "KXBTCMAX", "quadratic", "tapered"),
        ("bitcoin-above-100k-nov-30-2026", "0.001", "0.07"),
    ),
    (
        "NYC-MAYOR-POLL",
        "Will the NYC mayor's approval be above 50% in the December poll?",
        0.33,
        12,
        ("KXNYCAPPROVAL-26DEC-T50", "KXNYCAPPROVAL", "quadratic", None),
        ("nyc-mayor-approval-above-50-december", "0.01", "0.04"),
    ),
    (
        "NBA-LAL-BOS",
        "Will the Lakers beat the Celtics tonight?",
        0.47,
        8,
        ("KXNBAGAME-26NOV02LALBOS-LAL", "KXNBAGAME", "quadratic_with_maker_fees", None),
        None,
    ),
    (
        "NYC-HIGH-60",
        "Will the high temperature in NYC be above 60F tomorrow?",
        0.55,
        10,
        ("KXHIGHNY-26NOV03-T60", "KXHIGHNY", "quadratic", "tapered"),
        None,
    ),
    (
        "ETH-5K-2026",
        "Will Ethereum reach $5,000 by December 31, 2026?",
        0.18,
        24,
        None,
        ("ethereum-5000-by-december-31-2026", "0.001", "0.07"),
    ),
    (
        "UCL-FINAL-2027",
        "Will an English club win the 2027 Champions League?",
        0.44,
        22,
        None,
        ("english-club-wins-champions-league-2027", "0.01", "0.03"),
    ),
    (  # a protocol-V2 market: position ids, orders on Exchange V3
        "GDP-Q4-2026",
        "Will US real GDP grow faster than 2% in Q4 2026?",
        0.52,
        18,
        None,
        ("us-gdp-growth-above-2-q4-2026", "0.01", "0.04", 2),
    ),
)


def default_universe(
    start: datetime, *, time_scale: float = 1.0, history: bool = False
) -> Universe:
    """Five Kalshi tickers and six Polymarket conditions (one of them a protocol-V2
    market); three questions are on both. Events resolve 8 to 24 hours after ``start``,
    times ``time_scale``."""
    specs: list[MarketSpec] = []
    events: list[EventPlan] = []
    for eid, title, fair, hours, kal, poly in _EVENTS:
        event = EventId(eid)
        after = timedelta(hours=hours * time_scale)
        close = start + after
        ids: list[MarketId] = []
        if kal is not None:
            ticker, series, fee_type, tick = kal
            spec = kalshi_spec(
                ticker,
                title,
                event=event,
                start=start,
                close=close,
                series=series,
                fee_type=fee_type,
                tick=TickSpec.from_price_ranges(TAPERED_DECI_CENT) if tick == "tapered" else None,
                history=listed_history(ticker) if history else None,
            )
            specs.append(spec)
            ids.append(spec.market_id)
        if poly is not None:
            slug, tick_size, fee_rate, *rest = poly
            spec = polymarket_spec(
                slug,
                title,
                event=event,
                start=start,
                close=close,
                tick=tick_size,
                fee_rate=fee_rate,
                history=listed_history(slug) if history else None,
                protocol=rest[0] if rest else 1,
            )
            specs.append(spec)
            ids.append(spec.market_id)
        events.append(
            EventPlan(
                event_id=event, title=title, fair=fair, resolves_after=after, markets=tuple(ids)
            )
        )
    return Universe(specs=tuple(specs), events=tuple(events))

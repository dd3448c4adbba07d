"""The default universe: Kalshi tickers and Polymarket conditions, some of them the same
real-world question on both venues (linked by an ``EventId``, resolving together)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
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
class MarketFlow:
    """How one market's simulated traders differ from the flow's defaults (read by the
    calibrated profile of ``simulator.flow``): each a multiplier of the flow's setting."""

    activity: float = 1.0  # the noise takers' arrival rate
    toxicity: float = 1.0  # the informed traders' arrival rate
    width: float = 1.0  # the liquidity providers' quoted spread
    depth: float = 1.0  # the liquidity providers' size at the best level


@attrs.frozen(kw_only=True)
class Universe:
    specs: tuple[MarketSpec, ...]
    events: tuple[EventPlan, ...]
    flow: Mapping[MarketId, MarketFlow] = attrs.field(factory=dict, hash=False)

    def flow_of(self, market_id: MarketId) -> MarketFlow:
        """The market's flow parameters (the defaults for a market not listed)."""
        return self.flow.get(market_id, _DEFAULT_FLOW)

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
) -> MarketSpec:
    return MarketSpec(
        market_id=MarketId(Venue.POLYMARKET, _hex(f"condition:{slug}")),
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
            yes_token_id=_token(f"token:{slug}:yes"),
            no_token_id=_token(f"token:{slug}:no"),
            category=category,
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
)


def default_universe(
    start: datetime, *, time_scale: float = 1.0, history: bool = False
) -> Universe:
    """Five Kalshi tickers and five Polymarket conditions; three questions are on both.
    Events resolve 8 to 24 hours after ``start``, times ``time_scale``."""
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
            slug, tick_size, fee_rate = poly
            spec = polymarket_spec(
                slug,
                title,
                event=event,
                start=start,
                close=close,
                tick=tick_size,
                fee_rate=fee_rate,
                history=listed_history(slug) if history else None,
            )
            specs.append(spec)
            ids.append(spec.market_id)
        events.append(
            EventPlan(
                event_id=event, title=title, fair=fair, resolves_after=after, markets=tuple(ids)
            )
        )
    return Universe(specs=tuple(specs), events=tuple(events), flow=market_flow(specs))


_DEFAULT_FLOW = MarketFlow()

# Per-market flow, by Kalshi ticker or Polymarket slug (a market not listed gets the
# defaults): crypto and macro markets are busy, deep and the most informed (Becker 2026:
# the makers' edge is smallest in finance); a game in play is busy and informed; niche
# questions (a poll, the weather, a season-long future) are thinner, wider and less
# informed, where makers earn most.
_CRYPTO = MarketFlow(activity=1.5, toxicity=2.0, depth=1.5)
_MACRO = MarketFlow(activity=1.5, toxicity=1.5, width=0.75, depth=2.0)
_GAME = MarketFlow(activity=1.5, toxicity=1.5)
_NICHE = MarketFlow(activity=0.6, toxicity=0.5, width=1.5, depth=0.7)
MARKET_FLOW: dict[str, MarketFlow] = {
    "KXFEDDECISION-26DEC-C25": _MACRO,
    "fed-cut-december-2026": _MACRO,
    "KXBTCMAX-26NOV30-T100000": _CRYPTO,
    "bitcoin-above-100k-nov-30-2026": _CRYPTO,
    "KXNYCAPPROVAL-26DEC-T50": _NICHE,
    "nyc-mayor-approval-above-50-december": _NICHE,
    "KXNBAGAME-26NOV02LALBOS-LAL": _GAME,
    "KXHIGHNY-26NOV03-T60": MarketFlow(activity=0.7, toxicity=0.7, width=1.25),
    "ethereum-5000-by-december-31-2026": _CRYPTO,
    "english-club-wins-champions-league-2027": MarketFlow(activity=0.8, toxicity=0.7, width=1.25),
}


def market_flow(specs: list[MarketSpec]) -> dict[MarketId, MarketFlow]:
    """``MARKET_FLOW`` for the markets of ``specs``."""
    out: dict[MarketId, MarketFlow] = {}
    for spec in specs:
        key = spec.polymarket.slug if spec.polymarket is not None else spec.market_id.symbol
        if key in MARKET_FLOW:
            out[spec.market_id] = MARKET_FLOW[key]
    return out

"""The default universe: Kalshi tickers and Polymarket conditions, some of them the same
real-world question on both venues (linked by an ``EventId``, resolving together), and
events of several mutually exclusive outcomes: a Kalshi event of three markets
(``mutually_exclusive``), one of them linked to a Polymarket market, and a Polymarket
neg-risk event of three (exhaustive: exactly one resolves YES)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain import EventId, MarketId, TickSpec
from predmm.simulator.exchange.model import MarketHistory, MarketSpec
from predmm.simulator.plans import (
    EventPlan,
    MarketFlow,
    OutcomeLink,
    OutcomePlan,
    Universe,
    kalshi_spec,
    listed_history,
    polymarket_spec,
)

__all__ = [
    "MARKET_FLOW",
    "EventPlan",
    "MarketFlow",
    "OutcomeLink",
    "OutcomePlan",
    "Universe",
    "default_universe",
    "kalshi_spec",
    "listed_history",
    "market_flow",
    "polymarket_spec",
]

TAPERED_DECI_CENT = (
    {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
    {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
    {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
)


_EVENTS = (
    # event id, title, fair, hours to resolution, kalshi (ticker, series, fee type, tick),
    # polymarket (slug, tick, fee rate)
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

# The Fed's December decision on Kalshi: one event of three mutually exclusive markets
# (a 50 bp cut is none of them); the 25 bp cut is also a Polymarket market, linked.
FED = EventId("FED-2026-12")
FED_TITLE = "Fed decision at the December 2026 meeting"
FED_HOURS = 20
FED_OUTCOMES = (
    # outcome, fair, Kalshi ticker, its question, the Polymarket slug of the same question
    ("Cut 25 bp", 0.62, "KXFEDDECISION-26DEC-C25", "cut rates by 25 bp", "fed-cut-december-2026"),
    ("Hold", 0.3, "KXFEDDECISION-26DEC-H0", "hold rates", None),
    ("Hike 25 bp", 0.05, "KXFEDDECISION-26DEC-H25", "hike rates by 25 bp", None),
)

# A football match on Polymarket: a neg-risk event of three markets, exactly one of which
# resolves YES.
MATCH = EventId("EPL-ARS-CHE-2026-11-08")
MATCH_TITLE = "Arsenal vs. Chelsea (November 8, 2026)"
MATCH_HOURS = 14
MATCH_OUTCOMES = (
    ("Arsenal", 0.46, "epl-ars-che-2026-11-08-ars", "Will Arsenal beat Chelsea on November 8?"),
    ("Draw", 0.27, "epl-ars-che-2026-11-08-draw", "Will Arsenal vs. Chelsea end in a draw?"),
    ("Chelsea", 0.27, "epl-ars-che-2026-11-08-che", "Will Chelsea beat Arsenal on November 8?"),
)


def _liquid(key: str, rank: int) -> MarketHistory:
    """An established past with more liquidity ($41k-$47k) than any other listed market's:
    the exclusive events' markets are quoted first."""
    return attrs.evolve(listed_history(key), liquidity=Decimal(47000 - 1000 * rank))


def default_universe(
    start: datetime, *, time_scale: float = 1.0, history: bool = False
) -> Universe:
    """Seven Kalshi tickers and nine Polymarket conditions (one of them a protocol-V2
    market): three questions are on both venues; a Kalshi event of three exclusive
    outcomes (one of them also on Polymarket) and a Polymarket neg-risk event of three.
    Events resolve 8 to 24 hours after ``start``, times ``time_scale``. With ``history``
    the markets look established; the exclusive events' markets are then the most liquid."""
    specs: list[MarketSpec] = []
    events: list[EventPlan] = []
    fed, fed_specs = _fed(start, time_scale, history)
    specs += fed_specs
    events.append(fed)
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
        outcome = OutcomePlan(name="Yes", fair=fair, markets=tuple(ids))
        events.append(
            EventPlan(event_id=event, title=title, resolves_after=after, outcomes=(outcome,))
        )
    match, match_specs = _match(start, time_scale, history)
    specs += match_specs
    return Universe(specs=tuple(specs), events=(*events, match), flow=market_flow(specs))


def _fed(start: datetime, time_scale: float, history: bool) -> tuple[EventPlan, list[MarketSpec]]:
    after = timedelta(hours=FED_HOURS * time_scale)
    specs: list[MarketSpec] = []
    outcomes: list[OutcomePlan] = []
    for rank, (name, fair, ticker, what, slug) in enumerate(FED_OUTCOMES):
        title = f"Will the Fed {what} at its December 2026 meeting?"
        spec = kalshi_spec(
            ticker,
            title,
            event=FED,
            start=start,
            close=start + after,
            series="KXFEDDECISION",
            fee_type="quadratic_with_maker_fees",
            history=_liquid(ticker, 2 * rank) if history else None,
            mutually_exclusive=True,
            event_title=FED_TITLE,
        )
        specs.append(spec)
        ids = [spec.market_id]
        if slug is not None:
            linked = polymarket_spec(
                slug,
                title,
                event=FED,
                start=start,
                close=start + after,
                tick="0.01",
                fee_rate="0.04",
                history=_liquid(slug, 1) if history else None,
            )
            specs.append(linked)
            ids.append(linked.market_id)
        outcomes.append(OutcomePlan(name=name, fair=fair, markets=tuple(ids)))
    plan = EventPlan(event_id=FED, title=FED_TITLE, resolves_after=after, outcomes=tuple(outcomes))
    return plan, specs


def _match(start: datetime, time_scale: float, history: bool) -> tuple[EventPlan, list[MarketSpec]]:
    after = timedelta(hours=MATCH_HOURS * time_scale)
    specs: list[MarketSpec] = []
    outcomes: list[OutcomePlan] = []
    for i, (name, fair, slug, question) in enumerate(MATCH_OUTCOMES):
        spec = polymarket_spec(
            slug,
            question,
            event=MATCH,
            start=start,
            close=start + after,
            fee_rate="0.03",
            history=_liquid(slug, 3 + i) if history else None,
            gamma_event=str(MATCH),
            event_title=MATCH_TITLE,
            neg_risk=True,
        )
        specs.append(spec)
        outcomes.append(OutcomePlan(name=name, fair=fair, markets=(spec.market_id,)))
    plan = EventPlan(
        event_id=MATCH,
        title=MATCH_TITLE,
        resolves_after=after,
        outcomes=tuple(outcomes),
        exhaustive=True,
    )
    return plan, specs


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
    **{ticker: _MACRO for _, _, ticker, _, _ in FED_OUTCOMES},
    "fed-cut-december-2026": _MACRO,
    "us-gdp-growth-above-2-q4-2026": _MACRO,
    "KXBTCMAX-26NOV30-T100000": _CRYPTO,
    "bitcoin-above-100k-nov-30-2026": _CRYPTO,
    "KXNYCAPPROVAL-26DEC-T50": _NICHE,
    "nyc-mayor-approval-above-50-december": _NICHE,
    "KXNBAGAME-26NOV02LALBOS-LAL": _GAME,
    **{slug: _GAME for _, _, slug, _ in MATCH_OUTCOMES},
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

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
from predmm.simulator.exchange.model import (
    KalshiIncentive,
    LiquidityRewards,
    MarketHistory,
    MarketSpec,
)
from predmm.simulator.plans import (
    EventPlan,
    OutcomeLink,
    OutcomePlan,
    Universe,
    kalshi_spec,
    listed_history,
    polymarket_spec,
)

__all__ = [
    "EventPlan",
    "OutcomeLink",
    "OutcomePlan",
    "Universe",
    "default_universe",
    "kalshi_spec",
    "listed_history",
    "polymarket_spec",
]

TAPERED_DECI_CENT = (
    {"start": "0.0000", "end": "0.1000", "step": "0.0010"},
    {"start": "0.1000", "end": "0.9000", "step": "0.0100"},
    {"start": "0.9000", "end": "1.0000", "step": "0.0010"},
)


_EVENTS = (
    # event id, title, fair, hours to resolution, kalshi (ticker, series, fee type, tick,
    # and "fractional" for a market of fractional contracts), polymarket (slug, tick, fee
    # rate, and 2 for a protocol-V2 market)
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
    (  # a Kalshi market that trades fractional contracts (counts in steps of 0.01)
        "CPI-NOV-2026",
        "Will US CPI rise more than 0.3% in November 2026?",
        0.36,
        15,
        ("KXCPI-26NOV-T0.3", "KXCPI", "quadratic", None, "fractional"),
        None,
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

# What some Polymarket markets pay their makers (by slug): liquidity rewards (min size in
# shares, max spread in cents, dollars a day) and maker rebates (the share of taker fees).
REWARDS = {
    "bitcoin-above-100k-nov-30-2026": LiquidityRewards(
        min_size=Decimal(20),
        max_spread_cents=Decimal("3.5"),
        daily_rate=Decimal(500),
        rebate_rate=Decimal("0.2"),
        program_id="7101",
    ),
    "nyc-mayor-approval-above-50-december": LiquidityRewards(
        min_size=Decimal(25),
        max_spread_cents=Decimal(3),
        daily_rate=Decimal(200),
        rebate_rate=Decimal("0.25"),
        program_id="7102",
    ),
    "fed-cut-december-2026": LiquidityRewards(
        min_size=Decimal(20),
        max_spread_cents=Decimal("4.5"),
        daily_rate=Decimal(300),
        rebate_rate=Decimal("0.25"),
        program_id="7103",
    ),
    "ethereum-5000-by-december-31-2026": LiquidityRewards(
        min_size=Decimal(0),
        max_spread_cents=Decimal(0),
        daily_rate=Decimal(0),
        rebate_rate=Decimal("0.2"),
        program_id="7104",
    ),
}


def kalshi_incentives(ticker: str, start: datetime) -> tuple[KalshiIncentive, ...]:
    """Kalshi's incentive programs of some markets: a liquidity program on the Fed's 25 bp
    cut ($500 over the week, discount factor 0.5, target 1,000 contracts a side) and a
    volume program on the Lakers game ($250)."""
    week = (start - timedelta(days=1), start + timedelta(days=6))
    if ticker == "KXFEDDECISION-26DEC-C25":
        return (
            KalshiIncentive(
                program_id="lip-fed-c25",
                kind="liquidity",
                description="Liquidity incentive: Fed December decision, 25 bp cut",
                start=week[0],
                end=week[1],
                period_reward_centicents=5_000_000,
                discount_factor_bps=5_000,
                target_size=Decimal(1000),
                max_reward_per_account_centicents=1_000_000,
            ),
        )
    if ticker == "KXNBAGAME-26NOV02LALBOS-LAL":
        return (
            KalshiIncentive(
                program_id="vip-nba-lal",
                kind="volume",
                description="Volume incentive: Lakers at Celtics",
                start=week[0],
                end=week[1],
                period_reward_centicents=2_500_000,
            ),
        )
    return ()


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
    """Eight Kalshi tickers (one of them trading fractional contracts) and nine
    Polymarket conditions (one of them a protocol-V2 market): three questions are on both
    venues; a Kalshi event of three exclusive outcomes (one of them also on Polymarket)
    and a Polymarket neg-risk event of three.
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
            ticker, series, fee_type, tick, *kind = kal
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
                incentives=kalshi_incentives(ticker, start),
                fractional=kind == ["fractional"],
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
                rewards=REWARDS.get(slug),
            )
            specs.append(spec)
            ids.append(spec.market_id)
        outcome = OutcomePlan(name="Yes", fair=fair, markets=tuple(ids))
        events.append(
            EventPlan(event_id=event, title=title, resolves_after=after, outcomes=(outcome,))
        )
    match, match_specs = _match(start, time_scale, history)
    return Universe(specs=tuple(specs + match_specs), events=(*events, match))


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
            incentives=kalshi_incentives(ticker, start),
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
                rewards=REWARDS.get(slug),
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

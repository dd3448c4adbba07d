"""The default universe: Kalshi tickers and Polymarket conditions, some of them the same
real-world question on both venues (linked by an ``EventId``, resolving together), and
events of several mutually exclusive outcomes: a Kalshi event of three markets
(``mutually_exclusive``), one of them linked to a Polymarket market, and a Polymarket
neg-risk event of three (exhaustive: exactly one resolves YES)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

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
    "TEMPLATES",
    "EventPlan",
    "Listing",
    "MarketFlow",
    "OutcomeLink",
    "OutcomePlan",
    "Template",
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


_RELISTED_CODE = re.compile(r"R[0-9]+$")  # a later listing's ticker: its code's suffix
_RELISTED_SLUG = re.compile(r"-r[0-9]+$")  # a later listing's slug: its suffix


@attrs.frozen(kw_only=True)
class Listing:
    """One listing of an event template: its markets open at ``listed`` and the event
    resolves ``hours`` x ``time_scale`` later; ``origin`` is the universe's start (the
    flow's). Listing ``n`` 0 has the default universe's ids; a later one renames its
    tickers, slugs and event (``R<n>``), a new event of the same kind."""

    origin: datetime
    listed: datetime
    time_scale: float = 1.0
    history: bool = False
    n: int = 0

    def after(self, hours: float) -> timedelta:
        """From ``origin`` to the event's resolution."""
        return self.close(hours) - self.origin

    def close(self, hours: float) -> datetime:
        return self.listed + timedelta(hours=hours * self.time_scale)

    def ticker(self, ticker: str) -> str:
        if not self.n:
            return ticker
        series, code, *rest = ticker.split("-")
        return "-".join((series, f"{code}R{self.n}", *rest))

    def slug(self, slug: str) -> str:
        return f"{slug}-r{self.n}" if self.n else slug

    @staticmethod
    def first_ticker(ticker: str) -> str:
        """The ticker of listing 0 that ``ticker`` (of any listing) renames."""
        parts = ticker.split("-")
        if len(parts) < 2:
            return ticker
        series, code, *rest = parts
        return "-".join((series, _RELISTED_CODE.sub("", code), *rest))

    @staticmethod
    def first_slug(slug: str) -> str:
        """The slug of listing 0 that ``slug`` (of any listing) renames."""
        return _RELISTED_SLUG.sub("", slug)

    def event(self, event_id: EventId | str) -> EventId:
        name = str(event_id)
        return EventId(f"{name}-R{self.n}" if self.n else name)


Built = tuple[EventPlan, list[MarketSpec]]


@attrs.frozen
class Template:
    """An event of the default universe, listable again and again (``rolling``)."""

    hours: float  # from listing to resolution, before the time scale
    build: Callable[[Listing], Built]


def default_universe(
    start: datetime, *, time_scale: float = 1.0, history: bool = False
) -> Universe:
    """Eight Kalshi tickers (one of them trading fractional contracts) and nine
    Polymarket conditions (one of them a protocol-V2 market): three questions are on both
    venues; a Kalshi event of three exclusive outcomes (one of them also on Polymarket)
    and a Polymarket neg-risk event of three.
    Events resolve 8 to 24 hours after ``start``, times ``time_scale``. With ``history``
    the markets look established; the exclusive events' markets are then the most liquid."""
    listing = Listing(origin=start, listed=start, time_scale=time_scale, history=history)
    built = [template.build(listing) for template in TEMPLATES]
    specs = [spec for _, specs in built for spec in specs]
    return Universe(
        specs=tuple(specs),
        events=tuple(plan for plan, _ in built),
        flow=market_flow(specs),
    )


def _question(row: tuple[Any, ...], listing: Listing) -> Built:
    eid, title, fair, hours, kal, poly = row
    event = listing.event(eid)
    start, close = listing.listed, listing.close(hours)
    specs: list[MarketSpec] = []
    if kal is not None:
        ticker, series, fee_type, tick, *kind = kal
        ticker = listing.ticker(ticker)
        specs.append(
            kalshi_spec(
                ticker,
                title,
                event=event,
                start=start,
                close=close,
                series=series,
                fee_type=fee_type,
                tick=TickSpec.from_price_ranges(TAPERED_DECI_CENT) if tick == "tapered" else None,
                history=listed_history(ticker) if listing.history else None,
                incentives=kalshi_incentives(ticker, start),
                fractional=kind == ["fractional"],
            )
        )
    if poly is not None:
        slug, tick_size, fee_rate, *rest = poly
        slug = listing.slug(slug)
        specs.append(
            polymarket_spec(
                slug,
                title,
                event=event,
                start=start,
                close=close,
                tick=tick_size,
                fee_rate=fee_rate,
                history=listed_history(slug) if listing.history else None,
                protocol=rest[0] if rest else 1,
                rewards=REWARDS.get(slug),
            )
        )
    outcome = OutcomePlan(name="Yes", fair=fair, markets=tuple(s.market_id for s in specs))
    plan = EventPlan(
        event_id=event, title=title, resolves_after=listing.after(hours), outcomes=(outcome,)
    )
    return plan, specs


def _fed(listing: Listing) -> Built:
    fed = listing.event(FED)
    start, close = listing.listed, listing.close(FED_HOURS)
    specs: list[MarketSpec] = []
    outcomes: list[OutcomePlan] = []
    for rank, (name, fair, ticker, what, slug) in enumerate(FED_OUTCOMES):
        title = f"Will the Fed {what} at its December 2026 meeting?"
        ticker = listing.ticker(ticker)
        spec = kalshi_spec(
            ticker,
            title,
            event=fed,
            start=start,
            close=close,
            series="KXFEDDECISION",
            fee_type="quadratic_with_maker_fees",
            history=_liquid(ticker, 2 * rank) if listing.history else None,
            mutually_exclusive=True,
            event_title=FED_TITLE,
            incentives=kalshi_incentives(ticker, start),
        )
        specs.append(spec)
        ids = [spec.market_id]
        if slug is not None:
            slug = listing.slug(slug)
            linked = polymarket_spec(
                slug,
                title,
                event=fed,
                start=start,
                close=close,
                tick="0.01",
                fee_rate="0.04",
                history=_liquid(slug, 1) if listing.history else None,
                rewards=REWARDS.get(slug),
            )
            specs.append(linked)
            ids.append(linked.market_id)
        outcomes.append(OutcomePlan(name=name, fair=fair, markets=tuple(ids)))
    plan = EventPlan(
        event_id=fed,
        title=FED_TITLE,
        resolves_after=listing.after(FED_HOURS),
        outcomes=tuple(outcomes),
    )
    return plan, specs


def _match(listing: Listing) -> Built:
    match = listing.event(MATCH)
    specs: list[MarketSpec] = []
    outcomes: list[OutcomePlan] = []
    for i, (name, fair, slug, question) in enumerate(MATCH_OUTCOMES):
        slug = listing.slug(slug)
        spec = polymarket_spec(
            slug,
            question,
            event=match,
            start=listing.listed,
            close=listing.close(MATCH_HOURS),
            fee_rate="0.03",
            history=_liquid(slug, 3 + i) if listing.history else None,
            gamma_event=str(match),
            event_title=MATCH_TITLE,
            neg_risk=True,
        )
        specs.append(spec)
        outcomes.append(OutcomePlan(name=name, fair=fair, markets=(spec.market_id,)))
    plan = EventPlan(
        event_id=match,
        title=MATCH_TITLE,
        resolves_after=listing.after(MATCH_HOURS),
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
    "KXCPI-26NOV-T0.3": _MACRO,
    "KXHIGHNY-26NOV03-T60": MarketFlow(activity=0.7, toxicity=0.7, width=1.25),
    "ethereum-5000-by-december-31-2026": _CRYPTO,
    "english-club-wins-champions-league-2027": MarketFlow(activity=0.8, toxicity=0.7, width=1.25),
}


def market_flow(specs: list[MarketSpec]) -> dict[MarketId, MarketFlow]:
    """``MARKET_FLOW`` for the markets of ``specs``, a later listing of a template's
    market (``R<n>``) as its first."""
    out: dict[MarketId, MarketFlow] = {}
    for spec in specs:
        poly = spec.polymarket
        key = (
            Listing.first_slug(poly.slug)
            if poly is not None
            else Listing.first_ticker(spec.market_id.symbol)
        )
        flow = MARKET_FLOW.get(key)
        if flow is not None:
            out[spec.market_id] = flow
    return out


# every event of the default universe, in its order: the Fed's, the questions, the match
TEMPLATES: tuple[Template, ...] = (
    Template(FED_HOURS, _fed),
    *(Template(row[3], functools.partial(_question, row)) for row in _EVENTS),
    Template(MATCH_HOURS, _match),
)

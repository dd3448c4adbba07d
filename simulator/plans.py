"""What a simulated universe is: its markets as the venues list them (``MarketSpec``,
built by ``kalshi_spec`` and ``polymarket_spec``) and its real-world events
(``EventPlan``: mutually exclusive outcomes, each listed by one market or several linked
ones), which the flow prices and resolves, and how busy, informed, wide and deep each
market's simulated traders are (``MarketFlow``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from predmm.domain import EventId, MarketId, TickSpec, Venue
from predmm.domain.fees import KALSHI_TAKER, TakerFees, TakerRate
from predmm.domain.outcomes import VenueGroup
from predmm.simulator.exchange.fees import FeeSpec
from predmm.simulator.exchange.model import (
    COUNT_STEP,
    KalshiIncentive,
    KalshiListing,
    LiquidityRewards,
    MarketHistory,
    MarketSpec,
    PolymarketListing,
)


@attrs.frozen(kw_only=True)
class OutcomePlan:
    """One outcome of an event: its fair probability at the start, and its markets (the
    same question on each venue that lists it)."""

    name: str
    fair: float
    markets: tuple[MarketId, ...]


@attrs.frozen(kw_only=True)
class EventPlan:
    """One real-world event: its outcomes, mutually exclusive (exactly one happens when
    ``exhaustive``, else perhaps none), resolving ``resolves_after`` the start of the day
    on every venue. A yes/no question is one outcome: it happens (YES) or not."""

    event_id: EventId
    title: str
    resolves_after: timedelta
    outcomes: tuple[OutcomePlan, ...]
    exhaustive: bool = False

    @property
    def markets(self) -> tuple[MarketId, ...]:
        return tuple(m for o in self.outcomes for m in o.markets)

    @property
    def fair(self) -> float:
        """The first outcome's fair probability at the start (a question's YES)."""
        return self.outcomes[0].fair


@attrs.frozen(kw_only=True)
class OutcomeLink:
    """Markets on several venues that are one outcome (a ``[[risk.event_links]]``
    entry); ``outcome`` names it when its event has others."""

    event_id: EventId
    outcome: str | None
    markets: tuple[MarketId, ...]


@attrs.frozen(kw_only=True)
class MarketFlow:
    """How one market's simulated traders differ from the flow's defaults (read by the
    calibrated profile of ``simulator.flow``): each a multiplier of the flow's setting."""

    activity: float = 1.0  # the noise takers' arrival rate
    toxicity: float = 1.0  # the informed traders' arrival rate
    width: float = 1.0  # the liquidity providers' quoted spread
    depth: float = 1.0  # the liquidity providers' size at the best level


_DEFAULT_FLOW = MarketFlow()


@attrs.frozen(kw_only=True)
class Universe:
    specs: tuple[MarketSpec, ...]
    events: tuple[EventPlan, ...]
    flow: Mapping[MarketId, MarketFlow] = attrs.field(factory=dict, hash=False)

    def flow_of(self, market_id: MarketId) -> MarketFlow:
        """The market's flow parameters (the defaults for a market not listed)."""
        return self.flow.get(market_id, _DEFAULT_FLOW)

    def links(self) -> tuple[OutcomeLink, ...]:
        """The outcomes listed on more than one venue, with their markets."""
        return tuple(
            OutcomeLink(
                event_id=e.event_id,
                outcome=o.name if len(e.outcomes) > 1 else None,
                markets=o.markets,
            )
            for e in self.events
            for o in e.outcomes
            if len(o.markets) > 1
        )

    def spec(self, market_id: MarketId) -> MarketSpec:
        for s in self.specs:
            if s.market_id == market_id:
                return s
        raise KeyError(f"no market {market_id} in the universe")

    def taker_fees(self) -> TakerFees:
        """The taker fees its markets charge, as ``domain.fees`` counts them (the
        Polymarket rates; the Kalshi series whose multiplier is not 1)."""
        per_market: dict[MarketId, TakerRate] = {}
        for spec in self.specs:
            fees = spec.fees
            if spec.market_id.venue is Venue.POLYMARKET:
                per_market[spec.market_id] = TakerRate(fees.taker, fees.exponent, ceil=False)
            elif fees.taker != KALSHI_TAKER.coefficient:
                per_market[spec.market_id] = TakerRate(fees.taker, fees.exponent)
        return TakerFees(per_market=per_market)

    def venue_groups(self) -> dict[MarketId, VenueGroup]:
        """What each venue says of its markets' events, as the adapters read it."""
        return {s.market_id: group for s in self.specs if (group := self._group(s)) is not None}

    def _group(self, spec: MarketSpec) -> VenueGroup | None:
        if spec.kalshi is not None:
            k = spec.kalshi
            return VenueGroup(
                venue=Venue.KALSHI, group_id=k.event_ticker, exclusive=k.mutually_exclusive
            )
        p = spec.polymarket
        if p is None or not p.event_id:
            return None
        if not p.neg_risk:
            return VenueGroup(venue=Venue.POLYMARKET, group_id=p.event_id, exclusive=False)
        members = tuple(
            s.market_id for s in self.specs if s.polymarket and s.polymarket.event_id == p.event_id
        )
        exhaustive = not p.neg_risk_augmented
        return VenueGroup(
            venue=Venue.POLYMARKET,
            group_id=p.event_id,
            exhaustive=exhaustive,
            markets=members if exhaustive else (),
        )


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
    mutually_exclusive: bool = False,
    event_title: str = "",
    incentives: tuple[KalshiIncentive, ...] = (),
    fractional: bool = False,
) -> MarketSpec:
    """A Kalshi market; ``fractional``: it trades fractional contracts (counts in steps
    of 0.01), else whole contracts only."""
    return MarketSpec(
        market_id=MarketId(Venue.KALSHI, ticker),
        count_step=COUNT_STEP if fractional else Decimal(1),
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
            mutually_exclusive=mutually_exclusive,
            event_title=event_title,
            fee_type=fee_type,
            category=category,
            incentives=incentives,
            fractional_trading=fractional,
        ),
    )


def gamma_event_id(key: str) -> str:
    """A Gamma event id (a decimal string) for the event ``key`` names."""
    return str(10000 + int.from_bytes(hashlib.sha256(f"gamma:{key}".encode()).digest()[:4]) % 90000)


def v2_condition(slug: str, *, neg_risk: bool = False) -> str:
    """A protocol-V2 market id: the module byte (0x01 binary, 0x02 neg-risk), 30 bytes
    with the 8 bytes the position-id layout reserves left zero, and a zero outcome byte.
    Its outcomes' position ids are this number with the last byte 0 (YES) or 1 (NO)."""
    h = hashlib.sha256(f"condition-v2:{slug}".encode()).digest()
    module = b"\x02" if neg_risk else b"\x01"
    return "0x" + (module + h[:18] + bytes(8) + h[18:22] + b"\x00").hex()


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
    gamma_event: str | None = None,
    event_title: str = "",
    neg_risk: bool = False,
    protocol: int = 1,
    rewards: LiquidityRewards | None = None,
) -> MarketSpec:
    """One Polymarket condition; ``gamma_event`` names its Gamma event (default: its own,
    of one market), a neg-risk event when ``neg_risk``. ``protocol`` 1 lists outcome
    tokens (orders on the CTF Exchange V2), 2 a protocol-V2 market whose outcomes are
    position ids (Exchange V3). ``rewards``: what it pays its makers."""
    group = gamma_event or slug
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
            event_id=gamma_event_id(group),
            event_title=event_title or question,
            neg_risk=neg_risk,
            neg_risk_market_id=_hex(f"neg-risk:{group}") if neg_risk else "",
            category=category,
            protocol=protocol,
            rewards=rewards,
        ),
    )

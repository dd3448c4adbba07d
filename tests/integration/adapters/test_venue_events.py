"""What each adapter learns of a market's event from the venue's real fields, served by
the simulator on 127.0.0.1: Kalshi's ``mutually_exclusive`` (GET /events), Polymarket's
``negRisk`` / ``negRiskMarketID`` and the event's ``negRiskAugmented`` (Gamma), and the
neg-risk event's markets (Gamma GET /events/{id})."""

from __future__ import annotations

from collections.abc import AsyncIterator

import attrs
import pytest

from predmm.domain import EventId, Market, MarketId, Venue
from predmm.domain.outcomes import VenueGroup, venue_group
from predmm.simulator.exchange.model import MarketSpec
from predmm.simulator.testing import RunningSimulator, running_simulator, wall_clock_start
from predmm.simulator.universe import MATCH_OUTCOMES, default_universe
from tests.integration.adapters.test_kalshi_platform import client as kalshi_client
from tests.integration.adapters.test_polymarket_platform import _platform as poly_client

FED = "KXFEDDECISION-26DEC"


@pytest.fixture
async def running() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(seed=3, flow=False) as r:
        yield r


def _by_id(markets: list[Market]) -> dict[str, Market]:
    return {m.market_id.symbol: m for m in markets}


async def test_kalshi_markets_of_a_mutually_exclusive_event_are_exclusive(
    running: RunningSimulator,
) -> None:
    platform = kalshi_client(running)
    try:
        markets = _by_id(await platform.get_markets(status="open"))
        fed = [m for s, m in markets.items() if s.startswith(FED)]
        assert sorted(m.market_id.symbol for m in fed) == [f"{FED}-C25", f"{FED}-H0", f"{FED}-H25"]
        assert {(m.event_id, m.exclusive, m.exhaustive) for m in fed} == {
            (EventId(FED), True, False)  # at most one resolves YES: Kalshi says no more
        }
        btc = markets["KXBTCMAX-26NOV30-T100000"]
        assert (btc.event_id, btc.exclusive) == (EventId("KXBTCMAX-26NOV30"), False)
        one = await platform.get_market(MarketId(Venue.KALSHI, f"{FED}-H0"))
        assert venue_group(one) == VenueGroup(venue=Venue.KALSHI, group_id=FED)
    finally:
        await platform.aclose()


async def test_polymarket_neg_risk_markets_are_one_exhaustive_event(
    running: RunningSimulator,
) -> None:
    platform = poly_client(running)
    try:
        markets = await platform.get_markets(status="open")
        match = [m for m in markets if m.exclusive]
        assert len(match) == len(MATCH_OUTCOMES) == 3
        members = tuple(sorted(m.market_id for m in match))
        for market in match:
            assert market.exhaustive
            assert tuple(sorted(market.event_markets)) == members
        [event] = {m.event_id for m in match}
        assert event is not None
        single = [m for m in markets if not m.exclusive]
        assert single
        assert all(m.event_id is not None and not m.exhaustive for m in single)
        again = await platform.get_market(match[1].market_id)
        assert venue_group(again) == venue_group(match[1])
    finally:
        await platform.aclose()


def _augmented(spec: MarketSpec) -> MarketSpec:
    listing = spec.polymarket
    if listing is None or not listing.neg_risk:
        return spec
    return attrs.evolve(spec, polymarket=attrs.evolve(listing, neg_risk_augmented=True))


async def test_an_augmented_neg_risk_event_is_exclusive_but_not_exhaustive() -> None:
    """Outcomes may be added to an augmented event later: its markets are not all known."""
    start = wall_clock_start()
    base = default_universe(start)
    universe = attrs.evolve(base, specs=tuple(_augmented(s) for s in base.specs))
    async with running_simulator(seed=3, start=start, universe=universe) as running:
        platform = poly_client(running)
        try:
            match = [m for m in await platform.get_markets(status="open") if m.exclusive]
            assert len(match) == 3
            assert not any(m.exhaustive or m.event_markets for m in match)
        finally:
            await platform.aclose()

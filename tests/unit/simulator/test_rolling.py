"""Days of markets: a rolling universe lists every event of the default universe again an
hour after its last listing resolved; the simulator lists each market when its open time
comes and the flow trades it from then on; a world faster than the wall clock advances by
its time scale."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import trio

from predmm.domain import MarketId, MarketStatus
from predmm.simulator import Simulator
from predmm.simulator.exchange.clock import DEFAULT_START
from predmm.simulator.exchange.model import OrderRecord
from predmm.simulator.flow import FlowConfig
from predmm.simulator.plans import MarketFlow, Universe
from predmm.simulator.rolling import resolutions, rolling_universe
from predmm.simulator.server import run_clock
from predmm.simulator.universe import TEMPLATES, Listing, default_universe

START = DEFAULT_START
HOUR = timedelta(hours=1)


def test_each_event_is_listed_again_an_hour_after_its_last_listing_resolved() -> None:
    universe = rolling_universe(START, days=3)
    first = default_universe(START, history=True)
    assert set(first.specs) <= set(universe.specs)  # the first listing: the default one
    ids = [s.market_id for s in universe.specs]
    assert len(ids) == len(set(ids))
    events = [e.event_id for e in universe.events]
    assert len(events) == len(set(events))
    for template in TEMPLATES:
        life = timedelta(hours=template.hours)
        opens = sorted({s.open_time for s in universe.specs if s.close_time - s.open_time == life})
        assert opens[0] == START
        assert all(b - a == life + timedelta(hours=1) for a, b in itertools.pairwise(opens))
        assert opens[-1] < START + timedelta(days=3)
    # linked markets stay linked in every listing: each listing's links are its own
    linked = [m for link in universe.links() for m in link.markets]
    assert len(linked) == len(set(linked)) > 2 * len(first.links())
    when = [t for t, _ in resolutions(universe, START)]
    assert when == sorted(when)
    within = [t for t in when if t <= START + timedelta(days=3)]
    gaps = [b - a for a, b in itertools.pairwise(within)]
    assert max(gaps) <= timedelta(hours=4)  # something resolves every few hours


def test_a_market_is_listed_when_its_open_time_comes_and_traded_from_then() -> None:
    now = default_universe(START)  # listed at once
    plan, specs = TEMPLATES[1].build(Listing(origin=START, listed=START + HOUR, n=1))
    universe = Universe(specs=(*now.specs, *specs), events=(*now.events, plan))
    later = specs[0]
    sim = Simulator(seed=3, universe=universe, flow_config=FlowConfig(step_s=60.0))
    while sim.now() < later.open_time:
        assert not sim.exchange.has_market(later.market_id)
        sim.advance(300)
    assert sim.exchange.status(later.market_id) is MarketStatus.OPEN
    # its traders start at its listing (in the last step of 5 minutes): about 4 noise
    # orders a minute, not the hour's worth (about 240) since the flow began
    assert 0 < len(_noise_orders(sim, later.market_id)) < 60
    assert all(t.ts >= later.open_time for t in sim.exchange.trades(later.market_id))
    for _ in range(6):
        sim.advance(300)
    assert len(_noise_orders(sim, later.market_id)) > 60


def _noise_orders(sim: Simulator, market_id: MarketId) -> list[OrderRecord]:
    ex = sim.exchange
    noise = [a for a in ex.accounts(market_id.venue) if "flow-noise" in a.value]
    return [o for a in noise for o in ex.orders(a, market_id)]


def test_the_default_universe_is_listed_at_once_and_traded_as_before() -> None:
    sim = Simulator(seed=3, universe=default_universe(START))
    assert len(sim.exchange.market_ids()) == len(default_universe(START).specs)


@pytest.mark.parametrize("scale", [1.0, 500.0])
async def test_a_served_world_advances_by_its_time_scale(
    scale: float, autojump_clock: trio.testing.MockClock
) -> None:
    sim = Simulator(seed=1, flow=False, time_scale=scale)
    with trio.move_on_after(10.1):  # 40 steps of 0.25 s
        await run_clock(sim, step_s=0.25)
    assert sim.now() - START == timedelta(seconds=10 * scale)


def test_a_market_listed_again_trades_with_its_first_listings_flow() -> None:
    """``MARKET_FLOW`` (how busy, informed, wide and deep each market is) holds for every
    listing of a template's markets, not only the first: a relisted crypto market stays
    busy and informed, a relisted poll thin and wide."""
    universe = rolling_universe(START, days=3)
    first = default_universe(START)
    assert {first.flow_of(s.market_id) for s in first.specs} != {MarketFlow()}
    for template in TEMPLATES:
        _, firsts = template.build(Listing(origin=START, listed=START))
        for n in (1, 2):
            _, agains = template.build(Listing(origin=START, listed=START, n=n))
            for was, again in zip(firsts, agains, strict=True):
                assert again.market_id != was.market_id
                assert universe.flow_of(again.market_id) == first.flow_of(was.market_id), (
                    again.market_id
                )

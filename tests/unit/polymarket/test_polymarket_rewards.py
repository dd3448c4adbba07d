"""A Polymarket market's liquidity rewards and maker rebates, read from Gamma and from the
CLOB (``platforms.polymarket._rewards``), and from the simulator's Gamma through the
platform: errors name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from predmm.domain import Venue, VenueProtocolError
from predmm.domain.market import Rewards
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.platforms.polymarket._parse import loads
from predmm.platforms.polymarket._rewards import rewards_from_clob, rewards_from_gamma
from predmm.simulator import Simulator
from predmm.simulator.polymarket import PolymarketOptions, create_gamma_app
from predmm.simulator.universe import REWARDS

D = Decimal
NOW = datetime(2026, 11, 2, 14, tzinfo=UTC)
COND = "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af"


def _row(**kw: Any) -> Any:
    """A Gamma market's reward fields as the venue sends them (JSON numbers)."""
    row = {
        "conditionId": COND,
        "rewardsMinSize": 50,
        "rewardsMaxSpread": 3.5,
        "clobRewards": [
            {
                "id": "44",
                "conditionId": COND,
                "assetAddress": "0x2791bca1f2de4661ed88a30c99a7a9449aa84174",
                "rewardsAmount": 0,
                "rewardsDailyRate": 150,
                "startDate": "2026-10-01",
                "endDate": "2500-12-31",
            },
            {"id": "45", "rewardsDailyRate": 25.5, "startDate": "2026-11-03"},  # not yet
        ],
        "feeSchedule": {"exponent": 1, "rate": 0.07, "takerOnly": True, "rebateRate": 0.2},
    }
    return loads(json.dumps(row | kw))


def test_gamma_rewards_and_rebates() -> None:
    rewards = rewards_from_gamma(_row(), NOW)
    assert rewards == Rewards(
        min_size=D(50),
        max_spread=D("0.035"),  # 3.5 cents
        daily_rate=D(150),  # the second program starts tomorrow
        rebate_share=D("0.2"),
        fee_rate=D("0.07"),
        fee_exponent=1,
    )
    tomorrow = rewards_from_gamma(_row(), datetime(2026, 11, 3, tzinfo=UTC))
    assert tomorrow is not None
    assert tomorrow.daily_rate == D("175.5")
    assert rewards.pays_liquidity
    # a maker fill of 100 at 0.40 would have paid 100 x 0.07 x 0.24 = 1.68 as a taker
    assert rewards.rebate(D("0.40"), D(100)) == D("0.336")


def test_a_market_paying_nothing_has_no_rewards() -> None:
    bare = {"conditionId": COND, "rewardsMinSize": 0, "rewardsMaxSpread": 0, "clobRewards": []}
    assert rewards_from_gamma(loads(json.dumps(bare)), NOW) is None
    assert rewards_from_gamma({"conditionId": COND}, NOW) is None
    rebates = rewards_from_gamma(_row(rewardsMinSize=0, rewardsMaxSpread=0, clobRewards=[]), NOW)
    assert rebates is not None
    assert not rebates.pays_liquidity
    assert rebates.rebate_share == D("0.2")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rewardsMaxSpread": "wide"}, "rewardsMaxSpread"),
        ({"rewardsMinSize": -5}, "rewardsMinSize"),
        ({"clobRewards": {"id": 1}}, "clobRewards"),
        ({"clobRewards": [{"id": "1"}]}, "clobRewards\\[0\\]"),
        ({"clobRewards": [{"rewardsDailyRate": True}]}, "rewardsDailyRate"),
        ({"clobRewards": [{"rewardsDailyRate": 1, "startDate": "soon"}]}, "startDate"),
        ({"feeSchedule": {"rebateRate": 2}}, "rebate_share"),
        ({"feeSchedule": {"exponent": 1.5}}, "exponent"),
    ],
)
def test_bad_reward_fields_are_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(VenueProtocolError, match=f"market {COND}: .*{field}"):
        rewards_from_gamma(_row(**change), NOW)


def test_clob_market_rewards() -> None:
    clob = {
        "condition_id": COND,
        "rewards": {
            "rates": [{"asset_address": "0x2791", "rewards_daily_rate": 80}],
            "min_size": 100,
            "max_spread": 4.5,
        },
    }
    assert rewards_from_clob(loads(json.dumps(clob))) == Rewards(
        min_size=D(100), max_spread=D("0.045"), daily_rate=D(80)
    )
    none = {"condition_id": COND, "rewards": {"rates": None, "min_size": 0, "max_spread": 0}}
    assert rewards_from_clob(loads(json.dumps(none))) is None
    bad = {"condition_id": COND, "rewards": {"rates": [{"rewards_daily_rate": "x"}]}}
    with pytest.raises(VenueProtocolError, match=r"rewards.rates\[0\].rewards_daily_rate"):
        rewards_from_clob(loads(json.dumps(bad)))


async def test_the_platform_reads_the_simulators_rewarded_markets() -> None:
    """The adapter reads Gamma's rewards fields as the simulator serves them: the three
    rewarded markets with their min size, band and pool, a rebates-only market, and the
    rest without rewards."""
    sim = Simulator(seed=1, flow=False, start=NOW)
    app = create_gamma_app(sim, PolymarketOptions())
    platform = PolymarketPlatform(
        private_key="0x" + "11" * 32,
        api_key="k",
        api_secret="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        api_passphrase="p",
        clob_url="http://clob.test",
        gamma_url="http://gamma.test",
        clock=lambda: NOW.timestamp(),
        http=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
    )
    try:
        markets = await platform.get_markets(status="open")
    finally:
        await platform.aclose()
    by_slug = {
        s.polymarket.slug: s.market_id
        for s in sim.universe.specs
        if s.polymarket is not None and s.market_id.venue is Venue.POLYMARKET
    }
    read = {m.market_id: m.rewards for m in markets}
    for slug, listed in REWARDS.items():
        rewards = read[by_slug[slug]]
        assert rewards is not None, slug
        assert rewards.min_size == listed.min_size
        assert rewards.max_spread == listed.max_spread_cents / 100
        assert rewards.daily_rate == listed.daily_rate
        assert rewards.rebate_share == listed.rebate_rate
    unrewarded = [mid for slug, mid in by_slug.items() if slug not in REWARDS]
    assert unrewarded
    assert all(read[mid] is None for mid in unrewarded)

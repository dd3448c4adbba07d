"""Kalshi's incentive programs: parsed from GET /incentive_programs (errors name the
program and the field), read by ``KalshiPlatform`` from the simulator, and attached to the
markets it lists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from predmm.domain import MarketId, Venue, VenueProtocolError
from predmm.platforms.kalshi import KalshiPlatform
from predmm.platforms.kalshi.http import RetryPolicy
from predmm.platforms.kalshi.incentives import incentive_from_kalshi
from predmm.simulator import Simulator
from predmm.simulator.kalshi import KalshiOptions, create_kalshi_app

D = Decimal
START = datetime(2026, 11, 2, 14, tzinfo=UTC)
FED = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-C25")
NBA = MarketId(Venue.KALSHI, "KXNBAGAME-26NOV02LALBOS-LAL")


def _program(**kw: Any) -> dict[str, Any]:
    body = {
        "id": "p-1",
        "market_id": "0b2c4a9e-6f1d-4b5e-8c3a-1d2e3f4a5b6c",
        "market_ticker": "KXFEDDECISION-26DEC-C25",
        "incentive_type": "liquidity",
        "incentive_description": "Liquidity incentive",
        "start_date": "2026-11-01T14:00:00Z",
        "end_date": "2026-11-08T14:00:00Z",
        "period_reward": 5_000_000,
        "paid_out": False,
        "discount_factor_bps": 5000,
        "target_size_fp": "1000.00",
        "max_reward_per_account": 1_000_000,
    }
    return body | kw


def test_a_liquidity_program_in_dollars_and_fractions() -> None:
    program = incentive_from_kalshi(_program())
    assert program.market_id == FED
    assert program.kind == "liquidity"
    assert program.period_reward == D(500)  # 5,000,000 centi-cents
    assert program.max_reward_per_account == D(100)
    assert program.discount_factor == D("0.5")  # 5,000 bps
    assert program.target_size == D(1000)
    assert program.start == datetime(2026, 11, 1, 14, tzinfo=UTC)
    assert program.active(START)
    assert not program.active(START + timedelta(days=7))


def test_the_optional_rules_may_be_absent_or_null() -> None:
    program = incentive_from_kalshi(
        _program(
            incentive_type="volume",
            discount_factor_bps=None,
            target_size_fp=None,
            max_reward_per_account=None,
        )
    )
    assert (program.discount_factor, program.target_size, program.max_reward_per_account) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"incentive_type": "maker"}, "incentive_type"),
        ({"period_reward": "500"}, "period_reward"),
        ({"period_reward": -1}, "period_reward"),
        ({"paid_out": "no"}, "paid_out"),
        ({"discount_factor_bps": 0.5}, "discount_factor_bps"),
        ({"target_size_fp": "lots"}, "target_size_fp"),
        ({"start_date": "soon"}, "start_date"),
        ({"end_date": None}, "end_date"),
    ],
)
def test_bad_fields_are_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(VenueProtocolError, match=f"Kalshi incentive program p-1: .*{field}"):
        incentive_from_kalshi(_program(**change))
    with pytest.raises(VenueProtocolError, match="market_ticker"):
        incentive_from_kalshi({k: v for k, v in _program().items() if k != "market_ticker"})


@pytest.fixture
async def platform() -> AsyncIterator[KalshiPlatform]:
    sim = Simulator(seed=1, flow=False, start=START)
    options = KalshiOptions(tier="prestige", wall_clock_ms=lambda: int(START.timestamp() * 1000))
    app = create_kalshi_app(sim, options)
    client = KalshiPlatform(
        api_key=sim.maker.kalshi_key.key_id,
        api_secret=sim.maker.kalshi_key.private_key_pem,
        base_url="http://kalshi.test/trade-api/v2",
        retry=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0),
        clock=lambda: START,
        page_limit=2,
        transport=httpx.ASGITransport(app=app),
    )
    yield client
    await client.aclose()


async def test_the_platform_reads_the_programs_the_simulator_lists(
    platform: KalshiPlatform,
) -> None:
    programs = await platform.get_incentive_programs(status="all")
    assert {(p.market_id, p.kind) for p in programs} == {(FED, "liquidity"), (NBA, "volume")}
    liquidity = await platform.get_incentive_programs(kind="liquidity")
    assert [p.program_id for p in liquidity] == ["lip-fed-c25"]
    assert liquidity[0].period_reward == D(500)
    assert liquidity[0].target_size == D(1000)
    assert await platform.get_incentive_programs(status="paid_out") == []


async def test_listed_markets_carry_their_active_programs(platform: KalshiPlatform) -> None:
    markets = {m.market_id: m for m in await platform.get_markets(status="open")}
    assert [p.program_id for p in markets[FED].incentives] == ["lip-fed-c25"]
    assert [p.kind for p in markets[NBA].incentives] == ["volume"]
    others = [m for mid, m in markets.items() if mid not in (FED, NBA)]
    assert others
    assert all(m.incentives == () for m in others)
    assert all(m.rewards is None for m in markets.values())

"""The backtests select the markets to quote as the daemon's scan does
(``supervisors.markets``: ``strategies.venues.select_per_venue``): ``max_markets`` and
the filters apply on each venue, not across them. Selecting ten markets in all where the
daemon quotes ten on each venue, a replay of the daemon's own recording decides nothing
on the markets it left out (the parity test's linked markets)."""

from __future__ import annotations

from predmm.backtest.maker import CoreDecider
from predmm.backtest.policy import StrategyPolicy
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.domain.market import Market
from predmm.domain.testing import create_test_market
from predmm.strategies.venues import select_per_venue

CONFIG = MarketMakingConfig(max_markets=3)


def listed() -> list[Market]:
    """Five Kalshi markets, all more liquid than the four Polymarket ones."""
    kalshi = [
        create_test_market(market_id=MarketId(Venue.KALSHI, f"K{i}"), liquidity=90_000 + i)
        for i in range(5)
    ]
    poly = [
        create_test_market(market_id=MarketId(Venue.POLYMARKET, f"P{i}"), liquidity=20_000 + i)
        for i in range(4)
    ]
    return [m.freeze() for m in kalshi + poly]


def test_the_backtests_select_max_markets_on_each_venue_as_the_daemon() -> None:
    markets = listed()
    daemon, _ = select_per_venue(markets, dict.fromkeys(Venue, CONFIG))
    expected = {m.market_id for m in daemon}
    assert {m.symbol for m in expected} == {"K4", "K3", "K2", "P3", "P2", "P1"}
    assert CoreDecider(config=CONFIG).select(markets) == expected
    policy = StrategyPolicy(name="s", config=CONFIG)
    assert {m.market_id for m in policy.select(list(markets))} == expected

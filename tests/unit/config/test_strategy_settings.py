"""The settings file's strategies: a venue's own values of any ``[strategy]`` key
(``[strategy.venues.polymarket] base_spread = 0.045``), the ``[arbitrage]`` table, and
the errors naming the key; assigning to a frozen config says to use ``attrs.evolve``."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.config.settings import Settings, load_settings, settings_from_dict
from predmm.domain import ConfigError, TimeInForce, Venue

PATTERN_3 = """
[strategy]
max_markets = 8
base_spread = 0.04

[strategy.venues.polymarket]
base_spread = 0.045          # slightly wider for blockchain

[arbitrage]
min_edge = "0.02"
within_market_venues = ["polymarket"]
first_leg = "fok"
"""


def test_a_venue_overrides_some_strategy_keys_and_keeps_the_rest(tmp_path):
    path = tmp_path / "predmm.toml"
    path.write_text(PATTERN_3)
    s = load_settings(path)
    assert s.strategy.base_spread == Decimal("0.04")
    poly = s.strategy_venues[Venue.POLYMARKET]
    assert (poly.base_spread, poly.max_markets) == (Decimal("0.045"), 8)
    assert set(s.strategy_venues) == {Venue.POLYMARKET}  # Kalshi keeps [strategy]
    assert s.arbitrage == ArbitrageConfig(
        min_edge=Decimal("0.02"),
        within_market_venues=frozenset({Venue.POLYMARKET}),
        first_leg=TimeInForce.FOK,
    )
    assert settings_from_dict({}).arbitrage is None  # no [arbitrage]: no arbitrageur


def test_a_venue_override_lands_over_the_preset_too():
    s = settings_from_dict(
        {"preset": "conservative", "strategy": {"venues": {"kalshi": {"quote_size": 4}}}}
    )
    assert s.strategy_venues[Venue.KALSHI].quote_size == 4
    assert s.strategy_venues[Venue.KALSHI].max_inventory == s.strategy.max_inventory == 30


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"strategy": {"venues": {"kraken": {}}}},
            r"f\.toml \[strategy\.venues\.kraken\]: unknown venue 'kraken'; expected kalshi,"
            r" polymarket$",
        ),
        (
            {"strategy": {"venues": {"polymarket": {"base_spred": 0.045}}}},
            r"\[strategy\.venues\.polymarket\]: unknown key 'base_spred'",
        ),
        (
            {"strategy": {"venues": {"polymarket": {"base_spread": "wide"}}}},
            r"\[strategy\.venues\.polymarket\]: key 'base_spread' has a bad value 'wide'",
        ),
        (
            {"strategy": {"venues": {"kalshi": {"base_spread": 0.5}}}},
            r"\[strategy\.venues\.kalshi\]: spreads must satisfy",
        ),
        (
            {"strategy": {"venues": {"kalshi": {"paper_mode": True}}}},
            r"\[strategy\.venues\.kalshi\]: key 'paper_mode' .* set paper_mode in \[strategy\]",
        ),
        ({"strategy": {"venues": {"kalshi": 3}}}, r"\[strategy\.venues\.kalshi\]: must be a table"),
        ({"strategy": {"venues": 3}}, r"\[strategy\.venues\] must be a table"),
        ({"arbitrage": {"min_egde": 1}}, r"\[arbitrage\]: unknown key 'min_egde'"),
        ({"arbitrage": {"first_leg": "gtc"}}, r"key 'first_leg' has a bad value 'gtc'"),
        ({"arbitrage": {"min_edge": "-1"}}, r"\[arbitrage\]: min_edge = -1"),
        (
            {"arbitrage": {"within_market_venues": ["kraken"]}},
            r"key 'within_market_venues' has a bad value \['kraken'\]",
        ),
        ({"arbitrage": {"cross_venue": "yes"}}, r"key 'cross_venue' has a bad value 'yes'"),
    ],
)
def test_bad_strategy_settings_name_the_key(data, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_dict(data, "f.toml")


@pytest.mark.parametrize("config", [MarketMakingConfig(), ArbitrageConfig(), RiskConfig()])
def test_assigning_to_a_frozen_config_names_attrs_evolve(config):
    name = attrs.fields(type(config))[0].name
    with pytest.raises(AttributeError, match=rf"attrs\.evolve\(config, {name}="):
        setattr(config, name, getattr(config, name))
    with pytest.raises(attrs.exceptions.FrozenInstanceError, match="is frozen"):
        config.paper_mode = True  # the usage guide's line; refused with the way to do it
    assert attrs.evolve(MarketMakingConfig(), paper_mode=True).paper_mode


def test_a_reload_applies_each_venues_own_values_and_leaves_the_arbitrageur_as_it_runs():
    from predmm.cli.control.reload import plan_reload

    def read(base: str, poly: str, edge: str) -> Settings:
        strategy = {"base_spread": base, "venues": {"polymarket": {"base_spread": poly}}}
        return settings_from_dict({"strategy": strategy, "arbitrage": {"min_edge": edge}}, "f")

    running = read("0.04", "0.045", "0.01")
    plan = plan_reload(running, read("0.05", "0.06", "0.02"))
    assert plan.settings.strategy.base_spread == Decimal("0.05")
    assert plan.settings.strategy_venues[Venue.POLYMARKET].base_spread == Decimal("0.06")
    assert "[strategy.venues.polymarket] base_spread: 0.045 -> 0.06" in plan.applied
    assert plan.settings.arbitrage == running.arbitrage  # the executor runs on as it started
    assert [r for r in plan.restart if r.startswith("[arbitrage]")] == [
        "[arbitrage] (the arbitrageur's settings)"
    ]

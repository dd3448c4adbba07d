import tomllib
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from predmm.config import (
    PRESET_NAMES,
    MarketMakingConfig,
    dump_config,
    load_config,
    load_preset,
    structure_config,
)
from predmm.config.loader import PRESETS_DIR
from predmm.domain import ConfigError

D = Decimal


def test_defaults_are_the_ones_the_guide_implies():
    c = MarketMakingConfig()
    assert (c.base_spread, c.min_spread) == (D("0.04"), D("0.02"))
    assert (c.quote_size, c.inventory_skew_threshold, c.rebalance_threshold) == (10, 10, 20)
    assert c.skew_price_adjustment_per_10 == D("0.01")
    assert (c.max_quote_age_seconds, c.price_change_requote_threshold) == (30, D("0.02"))
    assert c.volume_spike_multiple == D("3.0")
    assert c.paper_mode is False


GUIDE_PRESETS = {
    "conservative": {
        "min_spread": D("0.03"),
        "base_spread": D("0.06"),
        "max_spread": D("0.15"),
        "max_inventory": 30,
        "inventory_skew_threshold": 8,
        "rebalance_threshold": 15,
        "quote_size": 5,
        "max_position_size": 50,
        "max_markets": 5,
        "min_liquidity": D("10000"),
        "max_time_to_resolution_hours": 72,
    },
    "aggressive": {
        "min_spread": D("0.015"),
        "base_spread": D("0.03"),
        "max_spread": D("0.08"),
        "max_inventory": 75,
        "inventory_skew_threshold": 15,
        "rebalance_threshold": 30,
        "quote_size": 20,
        "max_position_size": 150,
        "max_markets": 15,
        "min_liquidity": D("3000"),
        "max_time_to_resolution_hours": 168,
    },
    "hft": {
        "min_spread": D("0.01"),
        "base_spread": D("0.02"),
        "max_quote_age_seconds": 5,
        "price_change_requote_threshold": D("0.01"),
        "quote_size": 3,
        "max_markets": 25,
        "max_inventory": 20,
        "inventory_skew_threshold": 5,
    },
}


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_presets_hold_exactly_the_guides_values(name):
    preset = load_preset(name)
    assert preset == MarketMakingConfig(**GUIDE_PRESETS[name])
    text = (PRESETS_DIR / f"{name}.toml").read_text()
    assert set(tomllib.loads(text)) == set(GUIDE_PRESETS[name])


def test_unknown_preset_names_the_choices():
    with pytest.raises(ConfigError, match=r"unknown preset 'yolo'.*conservative, aggressive, hft"):
        load_preset("yolo")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("base_spread = -0.01", r"base_spread = -0.01: must be between 0 and 1"),
        ("bogus = 3", r"unknown key 'bogus' \(value 3\)"),
        ('quote_size = "ten"', r"key 'quote_size' has a bad value 'ten'"),
        ("quote_size = 2.5", r"key 'quote_size' has a bad value 2.5"),
        ("quote_size = 0", r"quote_size = 0: must be greater than 0"),
        ("paper_mode = 1", r"key 'paper_mode' has a bad value 1"),
        ('base_spread = "abc"', r"key 'base_spread' has a bad value 'abc'"),
        ("base_spread = true", r"key 'base_spread' has a bad value True"),
        ('base_spread = "NaN"', r"key 'base_spread' has a bad value 'NaN'"),
        ('fair_value_method = "vwap"', r"key 'fair_value_method' has a bad value 'vwap'"),
        ("max_spread = 0.03", r"min_spread <= base_spread <= max_spread"),
        ("rebalance_threshold = 5", r"inventory_skew_threshold = 10 must not exceed"),
        ("max_inventory = 500", r"max_inventory = 500 must not exceed max_position_size = 100"),
        ("exit_window_hours = 7", r"exit_window_hours = 7.0 must not exceed near_close_hours"),
        ("exit_aggressive_hours = 3", r"exit_aggressive_hours = 3.0 must not exceed exit_window"),
        ("max_markets = 0", r"max_markets = 0: must be greater than 0"),
        ("min_liquidity = -5", r"min_liquidity = -5: must not be negative"),
        ("inventory_spread_multiplier = 0.5", r"must be at least 1"),
        ("base_spread = ", r"not valid TOML"),
    ],
)
def test_bad_config_names_file_key_and_value(tmp_path, toml, message):
    path = tmp_path / "mm.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_missing_file_and_non_table():
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config("/nonexistent/mm.toml")
    with pytest.raises(ConfigError, match="expected a table"):
        structure_config([1, 2], "x")  # type: ignore[arg-type]


def test_floats_enter_as_their_decimal_text():
    assert structure_config({"base_spread": 0.05}).base_spread == D("0.05")
    assert MarketMakingConfig(base_spread=0.05).base_spread == D("0.05")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a number"):
        MarketMakingConfig(base_spread=[1])  # type: ignore[arg-type]


def test_config_is_frozen_and_evolves():
    c = MarketMakingConfig()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        c.base_spread = D("0.03")  # type: ignore[misc]
    assert attrs.evolve(c, paper_mode=True).paper_mode is True


spreads = st.decimals(min_value=D("0.001"), max_value=D("0.5"), places=3)


@st.composite
def configs(draw):
    lo, mid, hi = sorted(draw(st.lists(spreads, min_size=3, max_size=3)))
    skew = draw(st.integers(1, 30))
    rebalance = draw(st.integers(skew, 60))
    inventory = draw(st.integers(rebalance, 120))
    return MarketMakingConfig(
        min_spread=lo,
        base_spread=mid,
        max_spread=hi,
        inventory_skew_threshold=skew,
        rebalance_threshold=rebalance,
        max_inventory=inventory,
        max_position_size=draw(st.integers(inventory, 300)),
        quote_size=draw(st.integers(1, inventory)),
        max_time_to_resolution_hours=draw(st.floats(1, 1000, allow_nan=False)),
        fair_value_method=draw(st.sampled_from(["mid", "microprice"])),
        paper_mode=draw(st.booleans()),
    )


@given(configs())
def test_toml_round_trip(config):
    assert structure_config(tomllib.loads(dump_config(config))) == config

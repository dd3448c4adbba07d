"""Settings: ``MarketMakingConfig``, TOML loading and the bundled presets."""

from config.loader import (
    PRESET_NAMES,
    config_to_dict,
    dump_config,
    load_config,
    load_preset,
    structure_config,
)
from config.market_making import MarketMakingConfig

__all__ = [
    "PRESET_NAMES",
    "MarketMakingConfig",
    "config_to_dict",
    "dump_config",
    "load_config",
    "load_preset",
    "structure_config",
]

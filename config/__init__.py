"""Settings: ``MarketMakingConfig``, TOML loading and the bundled presets."""

from predmm.config.loader import (
    PRESET_NAMES,
    config_to_dict,
    dump_config,
    load_config,
    load_preset,
    structure_config,
)
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import EventLink, RiskConfig, risk_config_from_dict

__all__ = [
    "PRESET_NAMES",
    "EventLink",
    "MarketMakingConfig",
    "RiskConfig",
    "config_to_dict",
    "dump_config",
    "load_config",
    "load_preset",
    "risk_config_from_dict",
    "structure_config",
]

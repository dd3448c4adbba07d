"""Reading ``MarketMakingConfig`` from TOML, and the bundled presets.

Every error names the file, the key and the value; nothing is half-loaded.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import attrs
import cattrs
import tomli_w

from predmm.config.market_making import MarketMakingConfig, to_decimal
from predmm.domain.errors import ConfigError

PRESETS_DIR = Path(__file__).with_name("presets")
PRESET_NAMES = ("conservative", "aggressive", "hft")

_converter = cattrs.Converter()


def _structure_decimal(value: Any, _: type) -> Decimal:
    return to_decimal(value)


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


_converter.register_structure_hook(Decimal, _structure_decimal)
_converter.register_structure_hook(int, _structure_int)
_converter.register_structure_hook(float, _structure_float)
_converter.register_structure_hook(bool, _structure_bool)
_converter.register_structure_hook(str, _structure_str)
attrs.resolve_types(MarketMakingConfig)


def structure_config(
    data: dict[str, Any], source: str = "<config>", base: MarketMakingConfig | None = None
) -> MarketMakingConfig:
    """Build a config from plain data (parsed TOML), over ``base`` (the defaults when
    None); errors name ``source``, key and value."""
    values = attrs.asdict(base, recurse=False) if base is not None else {}
    values.update(structure_values(data, source))
    try:
        return MarketMakingConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def structure_values(data: dict[str, Any], source: str = "<config>") -> dict[str, Any]:
    """Check every key and value type of ``data``; the typed values by key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a table of settings, got {data!r}")
    known = {f.name: f for f in attrs.fields(MarketMakingConfig)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key {key!r} (value {value!r})")
        values[key] = _structure_value(source, known[key], value)
    return values


def _structure_value(source: str, field: attrs.Attribute[Any], value: Any) -> Any:
    try:
        return structure_value(field, value)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def structure_value(field: attrs.Attribute[Any], value: Any) -> Any:
    """``value`` as the type of ``field`` (a MarketMakingConfig field); a wrong type
    raises ``ConfigError`` naming the key and the value."""
    try:
        choices = get_args(field.type)
        if choices and value not in choices:
            raise TypeError(f"expected one of {', '.join(map(repr, choices))}, got {value!r}")
        target: Any = str if choices else field.type
        return _converter.structure(value, target)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"key {field.name!r} has a bad value {value!r}: {exc}") from None


def load_config(path: str | Path) -> MarketMakingConfig:
    """Read a TOML file of MarketMakingConfig keys (see config/presets/ for examples)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return structure_config(data, str(path))


def load_preset(name: str) -> MarketMakingConfig:
    if name not in PRESET_NAMES:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESET_NAMES)}")
    return load_config(PRESETS_DIR / f"{name}.toml")


def config_to_dict(config: MarketMakingConfig) -> dict[str, Any]:
    """Plain TOML-ready data: Decimals as strings so nothing is lost to floats."""
    out: dict[str, Any] = {}
    for field in attrs.fields(MarketMakingConfig):
        value = getattr(config, field.name)
        out[field.name] = str(value) if isinstance(value, Decimal) else value
    return out


def dump_config(config: MarketMakingConfig) -> str:
    return tomli_w.dumps(config_to_dict(config))

"""The daemon's settings file: strategy, risk, venues and the daemon itself.

```toml
preset = "conservative"          # optional: start from a preset

[strategy]                       # MarketMakingConfig keys, over the preset
base_spread = "0.05"
[strategy.venues.polymarket]     # a venue's own values of any [strategy] key
base_spread = "0.055"

[arbitrage]                      # ArbitrageConfig keys: runs the arbitrageur too
min_edge = "0.01"

[risk]                           # RiskConfig keys
max_event_loss = "150"
[[risk.event_links]]             # one outcome, listed on both venues
event_id = "FED-DEC"             # its real-world event
outcome = "cut 25"               # needed when another link names the same event_id
markets = ["kalshi:KXFEDDECISION-26DEC-C25", "polymarket:0xabc..."]

[kalshi]                         # omit a venue to not trade it
base_url = "demo"                # "production", "demo" or a URL ending in /trade-api/v2
key_id_env = "KALSHI_KEY_ID"
private_key_file = "~/.config/predmm/kalshi.pem"   # or private_key_env = "KALSHI_PRIVATE_KEY"

[polymarket]
private_key_env = "POLY_PRIVATE_KEY"
api_key_env = "POLY_API_KEY"
api_secret_env = "POLY_API_SECRET"
api_passphrase_env = "POLY_API_PASSPHRASE"
signature_type = 0               # 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271
# funder = "0x..."               # types 1-3: the proxy, Safe or deposit wallet address

[daemon]
journal = "predmm.sqlite3"
metrics_port = 9464              # 0: no metrics endpoint
```

Secrets are never written in the file itself: a venue section names the environment
variables (``*_env``) or key files (``*_file``) that hold them, and ``resolve_secrets``
reads them when the daemon starts.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from eth_utils.address import is_checksum_address, to_checksum_address

from predmm.config.arbitrage import ArbitrageConfig, arbitrage_config_from_dict
from predmm.config.loader import load_preset, structure_config
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig, risk_config_from_dict
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError

KALSHI_URLS = {
    "production": "https://external-api.kalshi.com/trade-api/v2",
    "demo": "https://demo-api.kalshi.co/trade-api/v2",
}
POLYMARKET_CLOB = "https://clob.polymarket.com"
POLYMARKET_GAMMA = "https://gamma-api.polymarket.com"
POLYMARKET_WS = "wss://ws-subscriptions-clob.polymarket.com/ws"
# Polymarket's order signature types: who signs and whose money trades
SIGNATURE_TYPES = {0: "EOA", 1: "POLY_PROXY", 2: "POLY_GNOSIS_SAFE", 3: "POLY_1271"}
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")


@attrs.frozen(kw_only=True)
class SecretRef:
    """Where a secret lives: an environment variable or a file (never the value)."""

    env: str | None = None
    file: Path | None = None

    def resolve(self, what: str, environ: Mapping[str, str]) -> str:
        if self.env is not None:
            value = environ.get(self.env)
            if not value:
                raise ConfigError(f"{what}: environment variable {self.env} is not set")
            return value
        if self.file is not None:
            try:
                return self.file.expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"{what}: cannot read {self.file}: {exc.strerror}") from None
        raise ConfigError(f"{what}: give {what}_env or {what}_file")


@attrs.frozen(kw_only=True)
class KalshiSettings:
    base_url: str
    key_id: SecretRef
    private_key: SecretRef


@attrs.frozen(kw_only=True)
class PolymarketSettings:
    clob_url: str
    gamma_url: str
    ws_url: str
    private_key: SecretRef
    api_key: SecretRef
    api_secret: SecretRef
    api_passphrase: SecretRef
    signature_type: int = 0  # SIGNATURE_TYPES
    funder: str | None = None  # checksummed; types 1-3: the proxy, Safe or deposit wallet


@attrs.frozen(kw_only=True)
class DaemonSettings:
    journal: Path = Path("predmm.sqlite3")
    metrics_port: int = 0
    log_file: Path | None = None


@attrs.frozen(kw_only=True)
class Settings:
    strategy: MarketMakingConfig = attrs.field(factory=MarketMakingConfig)
    # a venue's market maker where ``[strategy.venues.<venue>]`` changes some keys
    strategy_venues: Mapping[Venue, MarketMakingConfig] = attrs.field(factory=dict)
    arbitrage: ArbitrageConfig | None = None  # ``[arbitrage]``: the arbitrageur runs too
    risk: RiskConfig = attrs.field(factory=RiskConfig)
    kalshi: KalshiSettings | None = None
    polymarket: PolymarketSettings | None = None
    daemon: DaemonSettings = attrs.field(factory=DaemonSettings)
    preset: str | None = None


_TOP = {"preset", "strategy", "arbitrage", "risk", "kalshi", "polymarket", "daemon"}


def is_settings_file(path: str | Path) -> bool:
    """Whether ``path`` looks like the daemon's settings (a top-level table of its own)
    rather than a flat strategy file; unreadable files answer False (the loader then
    reports them)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return any(key in _TOP for key in data)


def load_settings(path: str | Path, *, preset: str | None = None) -> Settings:
    """Read the daemon's TOML; ``preset`` (from the command line) overrides the file's."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return settings_from_dict(data, str(path), preset=preset)


def settings_from_dict(
    data: dict[str, Any], source: str = "<config>", *, preset: str | None = None
) -> Settings:
    for key, value in data.items():
        if key not in _TOP:
            raise ConfigError(
                f"{source}: unknown key {key!r} (value {value!r}); "
                f"expected one of {', '.join(sorted(_TOP))}"
            )
    preset = preset or _opt_str(data, "preset", source)
    table = data.get("strategy", {})
    strategy = _strategy(table, preset, source)
    arbitrage = data.get("arbitrage")
    risk_data = _table(data, "risk", source)
    return Settings(
        strategy=strategy,
        strategy_venues=_strategy_venues(table, strategy, source),
        arbitrage=None
        if arbitrage is None
        else arbitrage_config_from_dict(arbitrage, f"{source} [arbitrage]"),
        risk=risk_config_from_dict(risk_data, f"{source} [risk]"),
        kalshi=_kalshi(data["kalshi"], source) if "kalshi" in data else None,
        polymarket=_polymarket(data["polymarket"], source) if "polymarket" in data else None,
        daemon=_daemon(_table(data, "daemon", source), source),
        preset=preset,
    )


def _strategy(table: Any, preset: str | None, source: str) -> MarketMakingConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [strategy] must be a table, got {table!r}")
    base = load_preset(preset) if preset is not None else None
    where = f"{source} [strategy]" + (f" over preset {preset}" if preset else "")
    return structure_config({k: v for k, v in table.items() if k != "venues"}, where, base)


def _strategy_venues(
    table: dict[str, Any], base: MarketMakingConfig, source: str
) -> dict[Venue, MarketMakingConfig]:
    """``[strategy.venues.<venue>]``: each venue's changes over ``[strategy]``."""
    venues = table.get("venues", {})
    if not isinstance(venues, dict):
        raise ConfigError(f"{source}: [strategy.venues] must be a table, got {venues!r}")
    names = {v.value: v for v in Venue if v is not Venue.PAPER}
    out: dict[Venue, MarketMakingConfig] = {}
    for name, changes in venues.items():
        where = f"{source} [strategy.venues.{name}]"
        if name not in names:
            raise ConfigError(f"{where}: unknown venue {name!r}; expected {', '.join(names)}")
        if not isinstance(changes, dict):
            raise ConfigError(f"{where}: must be a table of [strategy] keys, got {changes!r}")
        for key in ("paper_mode", "venues"):
            if key in changes:
                raise ConfigError(
                    f"{where}: key {key!r} (value {changes[key]!r}) is not a venue's:"
                    " set paper_mode in [strategy]"
                )
        out[names[name]] = structure_config(changes, where, base)
    return out


def _table(data: Mapping[str, Any], key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{key}] must be a table, got {value!r}")
    return value


def _opt_str(data: Mapping[str, Any], key: str, source: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{source}: key {key!r} has a bad value {value!r}: expected a string")
    return value


class _Section:
    """Reads one venue/daemon table, remembering which keys were used."""

    def __init__(self, table: Any, name: str, source: str) -> None:
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{name}] must be a table, got {table!r}")
        self.table, self.where, self.used = table, f"{source} [{name}]", set[str]()

    def text(self, key: str, default: str | None = None) -> str | None:
        self.used.add(key)
        value = self.table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                f"{self.where}: key {key!r} has a bad value {value!r}: expected a string"
            )
        return value

    def secret(self, name: str) -> SecretRef:
        env, file = self.text(f"{name}_env"), self.text(f"{name}_file")
        if name in self.table:
            raise ConfigError(
                f"{self.where}: key {name!r}: secrets never go in the file; "
                f"use {name}_env (an environment variable) or {name}_file"
            )
        if (env is None) == (file is None):
            raise ConfigError(f"{self.where}: give exactly one of {name}_env or {name}_file")
        return SecretRef(env=env, file=Path(file) if file else None)

    def done(self) -> None:
        extra = set(self.table) - self.used
        if extra:
            key = sorted(extra)[0]
            raise ConfigError(f"{self.where}: unknown key {key!r} (value {self.table[key]!r})")


def _kalshi(table: Any, source: str) -> KalshiSettings:
    s = _Section(table, "kalshi", source)
    url = s.text("base_url", "demo") or "demo"
    settings = KalshiSettings(
        base_url=KALSHI_URLS.get(url, url),
        key_id=s.secret("key_id"),
        private_key=s.secret("private_key"),
    )
    if not settings.base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ConfigError(f"{s.where}: base_url = {url!r}: use production, demo or an https URL")
    s.done()
    return settings


def _signature_type(s: _Section) -> int:
    s.used.add("signature_type")
    value = s.table.get("signature_type", 0)
    if isinstance(value, str):
        names = {name: n for n, name in SIGNATURE_TYPES.items()}
        value = names.get(value.strip().upper(), value)
    if isinstance(value, bool) or value not in SIGNATURE_TYPES:
        kinds = ", ".join(f"{n} ({name})" for n, name in SIGNATURE_TYPES.items())
        raise ConfigError(
            f"{s.where}: key 'signature_type' has a bad value {s.table['signature_type']!r}: "
            f"expected one of {kinds}, or the name"
        )
    return int(value)


def _is_address(raw: str) -> bool:
    """0x and 40 hex digits, all lower case or with a valid EIP-55 checksum."""
    if not _ADDRESS.match(raw):
        return False
    return raw[2:] == raw[2:].lower() or bool(is_checksum_address(raw))


def _funder(s: _Section, kind: int) -> str | None:
    raw = s.text("funder")
    named = f"signature_type {kind} ({SIGNATURE_TYPES[kind]})"
    if kind == 0:
        if raw is not None:
            raise ConfigError(
                f"{s.where}: key 'funder' = {raw!r} with {named}: an EOA trades from the "
                "key's own address; remove funder, or set signature_type to 1, 2 or 3"
            )
        return None
    if raw is None:
        raise ConfigError(
            f"{s.where}: key 'funder' is required with {named}: the address of the proxy, "
            "Safe or deposit wallet that holds the money"
        )
    if not _is_address(raw):
        raise ConfigError(
            f"{s.where}: key 'funder' has a bad value {raw!r}: expected a 0x address of 40 "
            "hex digits, checksummed (EIP-55) or in lower case"
        )
    return str(to_checksum_address(raw))


def _polymarket(table: Any, source: str) -> PolymarketSettings:
    s = _Section(table, "polymarket", source)
    kind = _signature_type(s)
    settings = PolymarketSettings(
        clob_url=s.text("clob_url", POLYMARKET_CLOB) or POLYMARKET_CLOB,
        gamma_url=s.text("gamma_url", POLYMARKET_GAMMA) or POLYMARKET_GAMMA,
        ws_url=s.text("ws_url", POLYMARKET_WS) or POLYMARKET_WS,
        private_key=s.secret("private_key"),
        api_key=s.secret("api_key"),
        api_secret=s.secret("api_secret"),
        api_passphrase=s.secret("api_passphrase"),
        signature_type=kind,
        funder=_funder(s, kind),
    )
    s.done()
    return settings


def _daemon(table: dict[str, Any], source: str) -> DaemonSettings:
    s = _Section(table, "daemon", source)
    journal = s.text("journal", "predmm.sqlite3") or "predmm.sqlite3"
    log_file = s.text("log_file")
    s.used.add("metrics_port")
    port = table.get("metrics_port", 0)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(
            f"{s.where}: key 'metrics_port' has a bad value {port!r}: expected 0-65535"
        )
    s.done()
    return DaemonSettings(
        journal=Path(journal), metrics_port=port, log_file=Path(log_file) if log_file else None
    )


def resolve_secrets(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Read every secret the settings point at; a missing one names its venue and key."""
    env = os.environ if environ is None else environ
    out: dict[str, str] = {}
    if settings.kalshi is not None:
        out["kalshi.key_id"] = settings.kalshi.key_id.resolve("kalshi.key_id", env)
        out["kalshi.private_key"] = settings.kalshi.private_key.resolve("kalshi.private_key", env)
    if settings.polymarket is not None:
        pm = settings.polymarket
        for name in ("private_key", "api_key", "api_secret", "api_passphrase"):
            ref: SecretRef = getattr(pm, name)
            out[f"polymarket.{name}"] = ref.resolve(f"polymarket.{name}", env)
    return out

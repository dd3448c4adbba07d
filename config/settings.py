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
order_group_limit = 100          # the safety net: contracts matched in 15 s (0: no group)
order_ttl_s = 60                 # orders expire unless renewed (0: good till cancelled)
cancel_on_pause = true           # Kalshi cancels our orders when trading pauses

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
reads them when the daemon starts. A ``[kalshi]`` table without credentials holds only
its trading keys (the safety net): for ``predmm run --sim-credentials DIR --config FILE``,
whose venues come from the simulator.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from predmm.config.accounts import funder_of, signature_type_of
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
class KalshiSafetySettings:
    """Kalshi's venue-side safety net (``platforms.kalshi.safety``), on by default:
    ``order_group_limit`` contracts our orders may match in 15 s before Kalshi cancels
    them all (0: no order group); ``order_ttl_s`` seconds an order rests unless renewed
    (0: good till cancelled; at least 5); ``cancel_on_pause``: Kalshi cancels our orders
    when trading pauses."""

    order_group_limit: int = 100
    order_ttl_s: int = 60
    cancel_on_pause: bool = True


@attrs.frozen(kw_only=True)
class KalshiSettings:
    base_url: str
    key_id: SecretRef
    private_key: SecretRef
    safety: KalshiSafetySettings = attrs.field(factory=KalshiSafetySettings)

    def trading_keys_only(self) -> KalshiSettings:
        """The table without its account (no credentials, the default URL): how a
        rehearsal on a simulator trades, not where."""
        return KalshiSettings(
            base_url=KALSHI_URLS["demo"],
            key_id=SecretRef(),
            private_key=SecretRef(),
            safety=self.safety,
        )


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

    @property
    def kalshi_safety(self) -> KalshiSafetySettings:
        """The Kalshi safety net of this run (the defaults without a ``[kalshi]``)."""
        return self.kalshi.safety if self.kalshi is not None else KalshiSafetySettings()


_TOP = {"preset", "strategy", "arbitrage", "risk", "kalshi", "polymarket", "daemon"}


def is_strategy_file(data: Mapping[str, Any]) -> bool:
    """A flat strategy file: MarketMakingConfig keys at the top level (like the presets),
    and nothing else."""
    keys = {f.name for f in attrs.fields(MarketMakingConfig)}
    return bool(data) and all(key in keys for key in data)


def is_settings_file(path: str | Path) -> bool:
    """Whether ``path`` holds the daemon's settings rather than a flat strategy file;
    unreadable files answer True (the settings loader then reports them)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return True
    return not is_strategy_file(data)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_settings(path: str | Path, *, preset: str | None = None) -> Settings:
    """Read the daemon's TOML; ``preset`` (from the command line) overrides the file's.
    A flat strategy file (MarketMakingConfig keys only) is read as the [strategy] table."""
    path = Path(path)
    data = read_toml(path)
    if is_strategy_file(data):
        data = {"strategy": data}
    return settings_from_dict(data, str(path), preset=preset)


def settings_from_dict(
    data: dict[str, Any], source: str = "<config>", *, preset: str | None = None
) -> Settings:
    """The settings of a parsed file. Every check is ``config.check``'s: the first
    problem it finds is raised, saying how many more there are; a file without problems
    is then only read."""
    from predmm.config.check import settings_problems

    problems = settings_problems(data, source, preset=preset)
    if problems:
        more = len(problems) - 1
        hint = f" (and {more} more: predmm config check {source})" if more else ""
        raise ConfigError(f"{problems[0]}{hint}")
    preset = preset or data.get("preset")
    base = load_preset(preset) if preset is not None else None
    table = data.get("strategy", {})
    strategy = structure_config({k: v for k, v in table.items() if k != "venues"}, source, base)
    arbitrage = data.get("arbitrage")
    return Settings(
        strategy=strategy,
        strategy_venues=_strategy_venues(table.get("venues", {}), strategy, source),
        arbitrage=None
        if arbitrage is None
        else arbitrage_config_from_dict(arbitrage, f"{source} [arbitrage]"),
        risk=risk_config_from_dict(data.get("risk", {}), f"{source} [risk]"),
        kalshi=_kalshi(data["kalshi"]) if "kalshi" in data else None,
        polymarket=_polymarket(data["polymarket"]) if "polymarket" in data else None,
        daemon=_daemon(data.get("daemon", {})),
        preset=preset,
    )


def _strategy_venues(
    venues: Mapping[str, Any], base: MarketMakingConfig, source: str
) -> dict[Venue, MarketMakingConfig]:
    """``[strategy.venues.<venue>]``: each venue's changes over ``[strategy]`` (checked
    by ``config.check``)."""
    return {
        Venue(name): structure_config(changes, f"{source} [strategy.venues.{name}]", base)
        for name, changes in venues.items()
    }


def _secret(table: Mapping[str, Any], name: str) -> SecretRef:
    file = table.get(f"{name}_file")
    return SecretRef(env=table.get(f"{name}_env"), file=Path(file) if file else None)


def _kalshi(table: Mapping[str, Any]) -> KalshiSettings:
    """A table without credentials (``has_kalshi_credentials``) holds only the trading
    keys (the safety net): a run on ``predmm sim``, whose credentials are the simulator's."""
    url = table.get("base_url", "demo")
    credentials = has_kalshi_credentials(table)
    return KalshiSettings(
        base_url=KALSHI_URLS.get(url, url),
        key_id=_secret(table, "key_id") if credentials else SecretRef(),
        private_key=_secret(table, "private_key") if credentials else SecretRef(),
        safety=KalshiSafetySettings(
            order_group_limit=table.get("order_group_limit", 100),
            order_ttl_s=table.get("order_ttl_s", 60),
            cancel_on_pause=table.get("cancel_on_pause", True),
        ),
    )


def has_kalshi_credentials(table: Mapping[str, Any]) -> bool:
    """Whether a [kalshi] table names any credential (then it must name them all)."""
    names = ("key_id", "private_key")
    return any(f"{name}{tail}" in table for name in names for tail in ("", "_env", "_file"))


def _polymarket(table: Mapping[str, Any]) -> PolymarketSettings:
    return PolymarketSettings(
        clob_url=table.get("clob_url", POLYMARKET_CLOB),
        gamma_url=table.get("gamma_url", POLYMARKET_GAMMA),
        ws_url=table.get("ws_url", POLYMARKET_WS),
        private_key=_secret(table, "private_key"),
        api_key=_secret(table, "api_key"),
        api_secret=_secret(table, "api_secret"),
        api_passphrase=_secret(table, "api_passphrase"),
        signature_type=signature_type_of(table.get("signature_type", 0)) or 0,
        funder=funder_of(table),
    )


def _daemon(table: Mapping[str, Any]) -> DaemonSettings:
    log_file = table.get("log_file")
    return DaemonSettings(
        journal=Path(table.get("journal", "predmm.sqlite3")),
        metrics_port=table.get("metrics_port", 0),
        log_file=Path(log_file) if log_file else None,
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

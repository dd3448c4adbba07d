"""Building the venue clients the daemon trades through: from the settings file (real
venues, secrets from the environment or key files), from the files ``predmm sim
--credentials-out`` wrote, or from an in-process simulator."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from predmm.config.risk import EventLink, RiskConfig
from predmm.config.settings import SecretRef, Settings, resolve_secrets
from predmm.domain.errors import ConfigError
from predmm.platforms.kalshi import KalshiPlatform
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.platforms.venue import VenueClient

EMBEDDED_NOISE_PER_MIN = 30.0  # noise trades per market per minute on the embedded exchange
# the simulator's Kalshi front end rate-limits at the premier tier (a market maker's)
SIMULATOR_KALSHI_TIER = "premier"


@attrs.frozen(kw_only=True)
class VenueSetup:
    clients: tuple[VenueClient, ...]
    links: tuple[EventLink, ...] = ()
    description: tuple[str, ...] = ()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None


def _field(data: Mapping[str, Any], key: str, path: Path) -> str:
    value = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: missing or empty {key!r}")
    return value


def kalshi_from_file(path: Path) -> KalshiPlatform:
    data = _read_json(path)
    key_path = Path(_field(data, "private_key_path", path))
    if not key_path.is_file():
        raise ConfigError(f"{path}: private_key_path {key_path} is not a file")
    key_id, base_url = _field(data, "key_id", path), _field(data, "base_url", path)
    return _sim_kalshi(key_id, key_path, base_url, _field(data, "ws_url", path))


def polymarket_from_file(path: Path) -> PolymarketPlatform:
    data = _read_json(path)
    return _sim_polymarket(lambda key: _field(data, key, path))


def _sim_kalshi(key_id: str, secret: str | Path, base_url: str, ws_url: str) -> KalshiPlatform:
    return KalshiPlatform(
        api_key=key_id,
        api_secret=secret,
        base_url=base_url,
        ws_url=ws_url,
        tier=SIMULATOR_KALSHI_TIER,
    )


def _sim_polymarket(credential: Callable[[str], str]) -> PolymarketPlatform:
    """A Polymarket client from the simulator's credentials, by their names in
    ``polymarket.json`` (and on ``PolymarketEndpoint``)."""
    return PolymarketPlatform(
        private_key=credential("private_key"),
        api_key=credential("api_key"),
        api_secret=credential("secret"),
        api_passphrase=credential("passphrase"),
        clob_url=credential("clob_url"),
        gamma_url=credential("gamma_url"),
        ws_url=credential("ws_url"),
    )


def links_from_file(path: Path) -> tuple[EventLink, ...]:
    if not path.exists():
        return ()
    data = _read_json(path)
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of event links")
    try:
        return tuple(EventLink(event_id=e["event_id"], markets=e["markets"]) for e in data)
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: bad event link: {exc!r}") from None


def from_sim_credentials(directory: Path) -> VenueSetup:
    """The venues of a separately running ``predmm sim --credentials-out DIRECTORY``."""
    kalshi, poly = directory / "kalshi.json", directory / "polymarket.json"
    if not kalshi.exists() and not poly.exists():
        raise ConfigError(
            f"{directory}: no kalshi.json or polymarket.json "
            "(run 'predmm sim --credentials-out DIR' first)"
        )
    clients: list[VenueClient] = []
    described: list[str] = []
    if kalshi.exists():
        k = kalshi_from_file(kalshi)
        clients.append(k)
        described.append(f"kalshi      {_read_json(kalshi)['base_url']}")
    if poly.exists():
        clients.append(polymarket_from_file(poly))
        described.append(f"polymarket  {_read_json(poly)['clob_url']}")
    return VenueSetup(
        clients=tuple(clients),
        links=links_from_file(directory / "events.json"),
        description=tuple(described),
    )


def from_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> VenueSetup:
    """The real venues of a settings file; every secret is resolved, and every key read
    as a key, before anything starts."""
    secrets = resolve_secrets(settings, environ)
    check_keys(settings, secrets)
    clients: list[VenueClient] = []
    described: list[str] = []
    if settings.kalshi is not None:
        clients.append(
            KalshiPlatform(
                api_key=secrets["kalshi.key_id"],
                api_secret=secrets["kalshi.private_key"],
                base_url=settings.kalshi.base_url,
            )
        )
        described.append(f"kalshi      {settings.kalshi.base_url}")
    if settings.polymarket is not None:
        pm = settings.polymarket
        clients.append(
            PolymarketPlatform(
                private_key=secrets["polymarket.private_key"],
                api_key=secrets["polymarket.api_key"],
                api_secret=secrets["polymarket.api_secret"],
                api_passphrase=secrets["polymarket.api_passphrase"],
                clob_url=pm.clob_url,
                gamma_url=pm.gamma_url,
                ws_url=pm.ws_url,
            )
        )
        described.append(f"polymarket  {pm.clob_url}")
    if not clients:
        raise ConfigError(
            "the config names no venue: add a [kalshi] or [polymarket] table"
            " (or rehearse it on the embedded simulator: predmm run --config FILE --sim)"
        )
    return VenueSetup(clients=tuple(clients), description=tuple(described))


def _origin(ref: SecretRef) -> str:
    return f"environment variable {ref.env}" if ref.env else f"key file {ref.file}"


def check_keys(settings: Settings, secrets: Mapping[str, str]) -> None:
    """Each venue's signing key read as a key: a file or variable that holds something
    else is refused naming it (never its value)."""
    problems = key_problems(settings, secrets)
    if problems:
        raise ConfigError(problems[0])


def key_problems(settings: Settings, secrets: Mapping[str, str] | None = None) -> list[str]:
    """Why a venue's signing key cannot sign (the secrets not available are skipped:
    ``config.check.secret_problems`` names them)."""
    from predmm.platforms.kalshi.signing import load_private_key
    from predmm.platforms.polymarket import Wallet

    problems: list[str] = []
    if settings.kalshi is not None:
        ref = settings.kalshi.private_key
        secret = _available(secrets, "kalshi.private_key", ref)
        if secret is not None:
            try:
                load_private_key(secret)
            except (ConfigError, ValueError):
                problems.append(
                    f"kalshi.private_key ({_origin(ref)}): not a PEM private key"
                    " (an unencrypted RSA or Ed25519 key, as Kalshi issues it)"
                )
    if settings.polymarket is not None:
        ref = settings.polymarket.private_key
        secret = _available(secrets, "polymarket.private_key", ref)
        if secret is not None:
            try:
                Wallet(secret)
            except ValueError as exc:
                problems.append(
                    f"polymarket.private_key ({_origin(ref)}): not an Ethereum private key"
                    f" ({exc}: 32 bytes as hex, 0x optional)"
                )
    return problems


def _available(secrets: Mapping[str, str] | None, name: str, ref: SecretRef) -> str | None:
    if secrets is not None:
        return secrets.get(name)
    try:
        return ref.resolve(name, os.environ)
    except ConfigError:
        return None


def from_running_simulator(running: Any) -> VenueSetup:
    """The venues of an in-process simulator (``simulator.testing.running_simulator``)."""
    k, p = running.kalshi, running.polymarket
    links = tuple(
        EventLink(event_id=event, markets=markets) for event, markets in running.sim.links().items()
    )
    return VenueSetup(
        clients=(
            _sim_kalshi(k.key_id, k.private_key_pem, k.base_url, k.ws_url),
            _sim_polymarket(lambda key: str(getattr(p, key))),
        ),
        links=links,
        description=(
            f"kalshi      {k.base_url} (embedded simulator)",
            f"polymarket  {p.clob_url} (embedded simulator)",
        ),
    )


def embedded_simulator() -> dict[str, Any]:
    """The embedded exchange: established markets (``history``) and a busy tape, so a
    short run shows fills."""
    from predmm.simulator.flow import FlowConfig
    from predmm.simulator.testing import wall_clock_start
    from predmm.simulator.universe import default_universe

    start = wall_clock_start()
    return {
        "start": start,
        "universe": default_universe(start, history=True),
        "flow_config": FlowConfig(noise_rate_per_min=EMBEDDED_NOISE_PER_MIN),
    }


def with_links(risk: RiskConfig, setup: VenueSetup) -> RiskConfig:
    """Add the venues' known cross-venue links to the configured ones (config wins)."""
    known = {m for link in risk.event_links for m in link.markets}
    extra = tuple(link for link in setup.links if not known.intersection(link.markets))
    return attrs.evolve(risk, event_links=risk.event_links + extra) if extra else risk

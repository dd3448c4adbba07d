"""Building the venue clients the daemon trades through: from the settings file (real
venues, secrets from the environment or key files), from the files ``predmm sim
--credentials-out`` wrote, or from an in-process simulator; with each venue's world (what
its journal records belong to: ``supervisors.worlds``) and account (a hash naming the
account for its lock: ``cli.locks``)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from predmm.actors.clock import Clock, WorldClock
from predmm.cli.oneline import check_keys
from predmm.config.risk import EventLink, RiskConfig
from predmm.config.settings import (
    KalshiSafetySettings,
    PolymarketSettings,
    Settings,
    resolve_secrets,
)
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError
from predmm.domain.fees import TakerFees
from predmm.platforms.kalshi import KalshiPlatform
from predmm.platforms.kalshi.safety import KalshiSafety
from predmm.platforms.polymarket import PolymarketPlatform
from predmm.platforms.venue import VenueClient
from predmm.supervisors import worlds
from predmm.supervisors.worlds import VenueWorld, account_key

EMBEDDED_NOISE_PER_MIN = 30.0  # noise trades per market per minute on the embedded exchange
# the simulator's Kalshi front end rate-limits at the premier tier (a market maker's)
SIMULATOR_KALSHI_TIER = "premier"


def kalshi_safety(settings: KalshiSafetySettings | None = None) -> KalshiSafety:
    """The client's safety net from the ``[kalshi]`` keys (the defaults: on); a 0 is off."""
    s = settings or KalshiSafetySettings()
    return KalshiSafety(
        order_group_limit=s.order_group_limit or None,
        order_ttl_s=s.order_ttl_s or None,
        cancel_on_pause=s.cancel_on_pause,
    )


@attrs.frozen(kw_only=True)
class VenueAccount:
    venue: Venue
    url: str  # the venue's base URL
    key: str  # account_key(venue, url, key id or wallet): reveals neither
    world: VenueWorld


@attrs.frozen(kw_only=True)
class VenueSetup:
    clients: tuple[VenueClient, ...]
    links: tuple[EventLink, ...] = ()
    fees: TakerFees | None = None  # the taker fees of its markets, when known (simulator)
    description: tuple[str, ...] = ()
    accounts: tuple[VenueAccount, ...] = ()
    clock: Clock | None = None  # a simulated world's own time (None: the wall clock)

    @property
    def worlds(self) -> tuple[VenueWorld, ...]:
        return tuple(a.world for a in self.accounts)


WorldOf = Callable[[Venue, str, str], VenueWorld]  # (venue, base URL, account key)


def _real(venue: Venue, url: str, key: str) -> VenueWorld:
    return worlds.real_venue(venue, url)


def _account(client: VenueClient, key_id: str, world_of: WorldOf) -> VenueAccount:
    """The client's account (by its Kalshi ``key_id``, or its Polymarket wallet)."""
    if isinstance(client, KalshiPlatform):
        url, who = client.base_url, key_id
    else:
        assert isinstance(client, PolymarketPlatform)
        url, who = client.clob_url, client.wallet.address
    key = account_key(client.venue, url, who)
    world = world_of(client.venue, url, key)
    return VenueAccount(venue=client.venue, url=url, key=key, world=world)


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


def kalshi_from_file(
    path: Path, clock: WorldClock | None = None, safety: KalshiSafety | None = None
) -> KalshiPlatform:
    data = _read_json(path)
    key_path = Path(_field(data, "private_key_path", path))
    if not key_path.is_file():
        raise ConfigError(f"{path}: private_key_path {key_path} is not a file")
    key_id, base_url = _field(data, "key_id", path), _field(data, "base_url", path)
    return _sim_kalshi(key_id, key_path, base_url, _field(data, "ws_url", path), clock, safety)


def polymarket_from_file(path: Path, clock: WorldClock | None = None) -> PolymarketPlatform:
    data = _read_json(path)
    try:
        return _sim_polymarket(lambda key: _field(data, key, path), data, clock)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def world_clock_from_file(path: Path) -> WorldClock | None:
    """The simulated world's time (``clock.json``, written for a world faster than the
    wall clock), or None: the world keeps the wall's time."""
    if not path.exists():
        return None
    data = _read_json(path)
    try:
        return WorldClock(
            world_time=float(data["world_time"]),
            wall_time=float(data["wall_time"]),
            scale=float(data["time_scale"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: bad world clock: {exc!r}") from None


def _sim_kalshi(
    key_id: str,
    secret: str | Path,
    base_url: str,
    ws_url: str,
    clock: WorldClock | None = None,
    safety: KalshiSafety | None = None,
) -> KalshiPlatform:
    return KalshiPlatform(
        api_key=key_id,
        api_secret=secret,
        base_url=base_url,
        ws_url=ws_url,
        tier=SIMULATOR_KALSHI_TIER,
        clock=clock.now if clock is not None else _utc_now,
        safety=safety or kalshi_safety(),
    )


def _sim_polymarket(
    credential: Callable[[str], str],
    account: Mapping[str, Any],
    clock: WorldClock | None = None,
) -> PolymarketPlatform:
    """A Polymarket client from the simulator's credentials, by their names in
    ``polymarket.json`` (and on ``PolymarketEndpoint``); ``account`` may hold the
    ``signature_type`` and ``funder`` of a proxy, Safe or deposit wallet account."""
    return PolymarketPlatform(
        private_key=credential("private_key"),
        signature_type=account.get("signature_type", 0),
        funder=account.get("funder") or None,
        api_key=credential("api_key"),
        api_secret=credential("secret"),
        api_passphrase=credential("passphrase"),
        clob_url=credential("clob_url"),
        gamma_url=credential("gamma_url"),
        ws_url=credential("ws_url"),
        clock=clock.timestamp if clock is not None else time.time,
    )


def links_from_file(path: Path) -> tuple[EventLink, ...]:
    if not path.exists():
        return ()
    data = _read_json(path)
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of event links")
    try:
        return tuple(
            EventLink(event_id=e["event_id"], markets=e["markets"], outcome=e.get("outcome"))
            for e in data
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: bad event link: {exc!r}") from None


def from_sim_credentials(directory: Path, safety: KalshiSafety | None = None) -> VenueSetup:
    """The venues of a separately running ``predmm sim --credentials-out DIRECTORY``
    (and its world's time, if it runs faster than the wall clock: ``clock.json``);
    ``safety``: the Kalshi client's safety net (default: on, the ``[kalshi]`` defaults)."""
    kalshi, poly = directory / "kalshi.json", directory / "polymarket.json"
    if not kalshi.exists() and not poly.exists():
        raise ConfigError(
            f"{directory}: no kalshi.json or polymarket.json "
            "(run 'predmm sim --credentials-out DIR' first)"
        )
    clock = world_clock_from_file(directory / "clock.json")
    clients: list[VenueClient] = []
    described: list[str] = []
    accounts: list[VenueAccount] = []
    if kalshi.exists():
        k = kalshi_from_file(kalshi, clock, safety)
        clients.append(k)
        described.append(f"kalshi      {_read_json(kalshi)['base_url']}")
        accounts.append(_account(k, _read_json(kalshi)["key_id"], worlds.simulator))
    if poly.exists():
        p = polymarket_from_file(poly, clock)
        clients.append(p)
        described.append(f"polymarket  {_read_json(poly)['clob_url']}")
        accounts.append(_account(p, "", worlds.simulator))
    if clock is not None:
        described.append(f"world time  {clock.scale:g}x the wall clock")
    return VenueSetup(
        clients=tuple(clients),
        links=links_from_file(directory / "events.json"),
        description=tuple(described),
        accounts=tuple(accounts),
        clock=clock,
    )


def from_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> VenueSetup:
    """The real venues of a settings file; every secret is resolved, and every key read
    as a key, before anything starts."""
    secrets = resolve_secrets(settings, environ)
    check_keys(settings, secrets)  # cli.oneline
    clients: list[VenueClient] = []
    described: list[str] = []
    accounts: list[VenueAccount] = []
    if settings.kalshi is not None:
        kalshi = KalshiPlatform(
            api_key=secrets["kalshi.key_id"],
            api_secret=secrets["kalshi.private_key"],
            base_url=settings.kalshi.base_url,
            safety=kalshi_safety(settings.kalshi.safety),
        )
        clients.append(kalshi)
        described.append(f"kalshi      {settings.kalshi.base_url}")
        accounts.append(_account(kalshi, secrets["kalshi.key_id"], _real))
    if settings.polymarket is not None:
        pm = settings.polymarket
        poly = _polymarket(pm, secrets)
        clients.append(poly)
        described.append(f"polymarket  {pm.clob_url}")
        accounts.append(_account(poly, "", _real))
    if not clients:
        raise ConfigError(
            "the config names no venue: add a [kalshi] or [polymarket] table"
            " (or rehearse it on the embedded simulator: predmm run --config FILE --sim)"
        )
    return VenueSetup(
        clients=tuple(clients), description=tuple(described), accounts=tuple(accounts)
    )


def _polymarket(pm: PolymarketSettings, secrets: Mapping[str, str]) -> PolymarketPlatform:
    """The ``[polymarket]`` venue; a funder that does not fit the key (the key's own
    address as a proxy) is a config error naming the table."""
    try:
        return PolymarketPlatform(
            private_key=secrets["polymarket.private_key"],
            signature_type=pm.signature_type,
            funder=pm.funder,
            api_key=secrets["polymarket.api_key"],
            api_secret=secrets["polymarket.api_secret"],
            api_passphrase=secrets["polymarket.api_passphrase"],
            clob_url=pm.clob_url,
            gamma_url=pm.gamma_url,
            ws_url=pm.ws_url,
        )
    except ValueError as exc:
        raise ConfigError(f"[polymarket]: {exc}") from None


def from_running_simulator(
    running: Any, run: EmbeddedRun | None = None, safety: KalshiSafety | None = None
) -> VenueSetup:
    """The venues of an in-process simulator (``simulator.testing.running_simulator``);
    ``run``: the ``predmm run`` it was started for, whose paper world it is (None: a
    simulator like any other, known by its address); ``safety``: the Kalshi client's
    safety net (default: on)."""
    k, p = running.kalshi, running.polymarket
    links = tuple(
        EventLink(event_id=link.event_id, markets=link.markets, outcome=link.outcome)
        for link in running.sim.links()
    )
    kalshi = _sim_kalshi(k.key_id, k.private_key_pem, k.base_url, k.ws_url, safety=safety)
    poly = _sim_polymarket(lambda key: str(getattr(p, key)), attrs.asdict(p))
    world_of: WorldOf = worlds.simulator if run is None else run.world
    return VenueSetup(
        clients=(kalshi, poly),
        links=links,
        fees=running.sim.universe.taker_fees(),
        description=(
            f"kalshi      {k.base_url} (embedded simulator)",
            f"polymarket  {p.clob_url} (embedded simulator)",
        ),
        accounts=(_account(kalshi, k.key_id, world_of), _account(poly, "", world_of)),
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


@attrs.frozen(kw_only=True)
class EmbeddedRun:
    """One ``predmm run`` on the embedded simulator: a paper world of its own."""

    name: str  # its start to the second and a random tail: unique
    started: datetime

    def world(self, venue: Venue, url: str, key: str) -> VenueWorld:
        return worlds.embedded(venue, self.name, self.started)

    @classmethod
    def starting_now(cls) -> EmbeddedRun:
        started = datetime.now(UTC).replace(microsecond=0)
        return cls(name=f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}", started=started)

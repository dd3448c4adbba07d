"""The daemon's settings written back as a settings file that ``load_settings`` reads to
the same values (``predmm config show``, ``predmm config check``): every key of
[strategy] and [risk] spelt out, the [daemon] table, and the venue tables, as they are
or, when absent, as a commented template to fill in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import tomli_w

from predmm.config.loader import config_to_dict
from predmm.config.risk import EventLink, RiskConfig
from predmm.config.settings import (
    KALSHI_URLS,
    POLYMARKET_CLOB,
    POLYMARKET_GAMMA,
    POLYMARKET_WS,
    KalshiSettings,
    PolymarketSettings,
    SecretRef,
    Settings,
)

KALSHI_TEMPLATE = """\
# [kalshi]                       # uncomment to trade Kalshi (secrets stay outside this file)
# base_url = "demo"              # "production", "demo" or an https URL ending in /trade-api/v2
# key_id_env = "KALSHI_KEY_ID"
# private_key_file = "~/.config/predmm/kalshi.pem"   # or private_key_env = "KALSHI_PRIVATE_KEY"
# order_group_limit = 100        # the safety net: contracts matched in 15 s (0: no group)
# order_ttl_s = 60               # orders expire unless renewed (0: good till cancelled)
# cancel_on_pause = true         # Kalshi cancels our orders when trading pauses
"""
POLYMARKET_TEMPLATE = """\
# [polymarket]                   # uncomment to trade Polymarket
# private_key_env = "POLY_PRIVATE_KEY"
# api_key_env = "POLY_API_KEY"
# api_secret_env = "POLY_API_SECRET"
# api_passphrase_env = "POLY_API_PASSPHRASE"
# signature_type = 0             # 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271
# funder = "0x..."               # types 1-3: the proxy, Safe or deposit wallet address
"""
LINK_TEMPLATE = """\
# [[risk.event_links]]           # one outcome, listed on both venues
# event_id = "FED-DEC"           # its real-world event
# outcome = "cut 25"             # needed when another link names the same event_id
# markets = ["kalshi:KXFEDDECISION-26DEC-C25", "polymarket:0x06861cc2..."]
"""


def risk_to_dict(risk: RiskConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(RiskConfig):
        if not field.init or field.name == "event_links":
            continue
        value = getattr(risk, field.name)
        out[field.name] = str(value) if isinstance(value, Decimal) else value
    links = [_link(link) for link in risk.event_links]
    if links:
        out["event_links"] = links
    return out


def _link(link: EventLink) -> dict[str, Any]:
    out: dict[str, Any] = {"event_id": str(link.event_id)}
    if link.outcome is not None:
        out["outcome"] = link.outcome
    return out | {"markets": [str(m) for m in link.markets]}


def _secret(name: str, ref: SecretRef) -> dict[str, str]:
    if ref.env is not None:
        return {f"{name}_env": ref.env}
    return {f"{name}_file": str(ref.file)}


def _kalshi(k: KalshiSettings) -> dict[str, Any]:
    """The table as it was read: its credentials (none in a table of trading keys only,
    for a run on ``predmm sim``) and its safety net."""
    named = {url: name for name, url in KALSHI_URLS.items()}
    out: dict[str, Any] = {"base_url": named.get(k.base_url, k.base_url)}
    if k.key_id != SecretRef() or k.private_key != SecretRef():
        out |= _secret("key_id", k.key_id) | _secret("private_key", k.private_key)
    return out | attrs.asdict(k.safety)


def _polymarket(p: PolymarketSettings) -> dict[str, Any]:
    urls = {"clob_url": p.clob_url, "gamma_url": p.gamma_url, "ws_url": p.ws_url}
    defaults = {"clob_url": POLYMARKET_CLOB, "gamma_url": POLYMARKET_GAMMA, "ws_url": POLYMARKET_WS}
    out: dict[str, Any] = {k: v for k, v in urls.items() if v != defaults[k]}
    for name in ("private_key", "api_key", "api_secret", "api_passphrase"):
        out |= _secret(name, getattr(p, name))
    out["signature_type"] = p.signature_type
    if p.funder is not None:
        out["funder"] = p.funder
    return out


def _daemon(settings: Settings) -> dict[str, Any]:
    d = settings.daemon
    out: dict[str, Any] = {"journal": str(d.journal), "metrics_port": d.metrics_port}
    if d.log_file is not None:
        out["log_file"] = str(d.log_file)
    return out


def settings_text(settings: Settings, *, title: str) -> str:
    """``settings`` as a commented settings file; ``title`` is its first comment."""
    risk = risk_to_dict(settings.risk)
    head = (
        f"# {title}\n"
        "# Check it:    predmm config check FILE\n"
        "# Rehearse it: predmm run --config FILE --sim   (the embedded simulator)\n"
    )
    if settings.preset is not None:
        head += f'\npreset = "{settings.preset}"              # the keys below spell it out\n'
    parts = [
        head,
        tomli_w.dumps({"strategy": config_to_dict(settings.strategy)}),
        tomli_w.dumps({"risk": risk}),
    ]
    if not settings.risk.event_links:
        parts.append(LINK_TEMPLATE)
    daemon = tomli_w.dumps({"daemon": _daemon(settings)})
    if settings.daemon.log_file is None:
        daemon += '# log_file = "predmm.log"         # rotated at 50 MB\n'
    parts.append(daemon)
    parts.append(
        tomli_w.dumps({"kalshi": _kalshi(settings.kalshi)}) if settings.kalshi else KALSHI_TEMPLATE
    )
    parts.append(
        tomli_w.dumps({"polymarket": _polymarket(settings.polymarket)})
        if settings.polymarket
        else POLYMARKET_TEMPLATE
    )
    return "\n".join(p.rstrip("\n") + "\n" for p in parts)

"""Where Kalshi listens and what it allows: base URLs, tiers, capability flags."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from predmm.platforms.venue import Capabilities

PRODUCTION_URL = "https://external-api.kalshi.com/trade-api/v2"
PRODUCTION_WS_URL = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
DEMO_URL = "https://external-api.demo.kalshi.co/trade-api/v2"
DEMO_WS_URL = "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
_KNOWN_WS = {PRODUCTION_URL: PRODUCTION_WS_URL, DEMO_URL: DEMO_WS_URL}

ORDER_TOKENS = Decimal(10)
CANCEL_TOKENS = Decimal(2)
MAX_BATCH = 20  # the historical cap; the write bucket may allow fewer (notes §5.5)
# write budget per second and write bucket capacity per tier (notes §7, 2026-08-19)
WRITE_TIERS = {
    "basic": (100, 100),
    "advanced": (300, 600),
    "expert": (600, 1_200),
    "premier": (1_000, 2_000),
    "paragon": (2_000, 4_000),
    "prime": (4_000, 8_000),
    "prestige": (8_000, 16_000),
}


def capabilities_for(tier: str) -> Capabilities:
    """Kalshi's flags and write-bucket costs for one API usage tier; a batch must fit
    in the bucket at once or the venue refuses all of it."""
    rate, burst = WRITE_TIERS[tier]
    return Capabilities(
        amend=True,
        decrease=True,
        max_batch_create=min(MAX_BATCH, int(burst // ORDER_TOKENS)),
        max_batch_cancel=min(MAX_BATCH, int(burst // CANCEL_TOKENS)),
        post_only=True,
        dead_man_switch=False,
        fractional_counts=True,
        write_tokens_per_s=Decimal(rate),
        write_burst=Decimal(burst),
        order_tokens=ORDER_TOKENS,
        cancel_tokens=CANCEL_TOKENS,
    )


def ws_url_for(base_url: str) -> str:
    """The feed URL beside a REST base URL (``.../trade-api/v2`` -> ``.../trade-api/ws/v2``)."""
    if base_url in _KNOWN_WS:
        return _KNOWN_WS[base_url]
    parts = urlsplit(base_url)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/").replace("/trade-api/v2", "/trade-api/ws/v2")
    return urlunsplit((scheme, parts.netloc, path, "", ""))

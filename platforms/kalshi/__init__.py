"""The Kalshi venue client: ``KalshiPlatform`` (REST + websocket, V2 event orders)."""

from predmm.platforms.kalshi.endpoints import (
    DEMO_URL,
    DEMO_WS_URL,
    PRODUCTION_URL,
    PRODUCTION_WS_URL,
    capabilities_for,
    ws_url_for,
)
from predmm.platforms.kalshi.http import RetryPolicy
from predmm.platforms.kalshi.platform import KalshiPlatform
from predmm.platforms.kalshi.signing import KalshiSigner, load_private_key, message_to_sign

__all__ = [
    "DEMO_URL",
    "DEMO_WS_URL",
    "PRODUCTION_URL",
    "PRODUCTION_WS_URL",
    "KalshiPlatform",
    "KalshiSigner",
    "RetryPolicy",
    "capabilities_for",
    "load_private_key",
    "message_to_sign",
    "ws_url_for",
]

"""The Kalshi front end of the simulator: Trade API v2 under ``/trade-api/v2`` and the
websocket at ``/trade-api/ws/v2``, per openapi.yaml 3.34.0 / asyncapi.yaml 2.0.0 and
kalshi-notes.md.

``create_kalshi_app(sim, options=None) -> Starlette``; ``KalshiOptions`` (tier, rate
limits on/off, clocks, auth window, switches); ``KalshiAuth`` signs httpx requests as a
Kalshi client does (for tests and tools); ``simulator.kalshi.testing`` has signed
ASGI clients and order bodies.

Choices where the notes say UNCONFIRMED (switch in ``KalshiOptions`` where there is one):
- post-only that would cross: 400 ``invalid_order`` "post only cross" (demo); switch
  ``post_only_cross="cancel"`` for the changelog's 201 + order cancelled.
- empty book: ``{"orderbook_fp": {"yes_dollars": [], "no_dollars": []}}`` (spec);
  switch ``legacy_empty_book=True`` for ``{"orderbook": {}}``.
- $0.00 and $1.00 prices: 400 ``invalid_price`` (not on any tradeable grid).
- timestamp window: 10 s in the past, 60 s ahead (``TimestampWindow``).
- market closed or paused: 409 ``market_closed``; unknown ticker on create: 404
  ``market_not_found``; FOK that cannot fill: 400
  ``fill_or_kill_insufficient_resting_volume``; engine restart window: 503
  ``service_unavailable`` (Kalshi has no 425); ambiguous submit: 504 ``gateway_timeout``.
- default tier ``premier`` (a market maker's), token costs of the notes.
"""

from predmm.simulator.kalshi.app import OPS, RETIRED, create_kalshi_app
from predmm.simulator.kalshi.auth import KalshiAuth, TimestampWindow, sign, signed_headers
from predmm.simulator.kalshi.frontend import KalshiFrontEnd, KalshiOptions

__all__ = [
    "OPS",
    "RETIRED",
    "KalshiAuth",
    "KalshiFrontEnd",
    "KalshiOptions",
    "TimestampWindow",
    "create_kalshi_app",
    "sign",
    "signed_headers",
]

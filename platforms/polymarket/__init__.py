"""Polymarket (CLOB V2 + Gamma): ``PolymarketPlatform`` and its signing primitives."""

from predmm.platforms.polymarket._account import TradingAccount
from predmm.platforms.polymarket._amounts import limit_amounts, market_amounts, round_config
from predmm.platforms.polymarket._parse import MarketInfo
from predmm.platforms.polymarket._platform import (
    CAPABILITIES,
    CLOB_URL,
    GAMMA_URL,
    MAX_BATCH,
    WS_URL,
    PolymarketPlatform,
)
from predmm.platforms.polymarket._signing import (
    SIGNATURE_TYPES,
    ApiCredentials,
    Exchange,
    SignedOrder,
    SigningError,
    UnsignedOrder,
    Wallet,
    exchange_for,
    hmac_signature,
    l2_headers,
)
from predmm.platforms.polymarket._stream import open_stream

__all__ = [
    "CAPABILITIES",
    "CLOB_URL",
    "GAMMA_URL",
    "MAX_BATCH",
    "SIGNATURE_TYPES",
    "WS_URL",
    "ApiCredentials",
    "Exchange",
    "MarketInfo",
    "PolymarketPlatform",
    "SignedOrder",
    "SigningError",
    "TradingAccount",
    "UnsignedOrder",
    "Wallet",
    "exchange_for",
    "hmac_signature",
    "l2_headers",
    "limit_amounts",
    "market_amounts",
    "open_stream",
    "round_config",
]

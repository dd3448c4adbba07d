"""Paper trading: real market data from another venue client, orders filled locally.

``PaperPlatform(data, clock=..., starting_balance=...)`` is a ``VenueClient``;
``wrap_if_paper(client, config)`` returns it when ``config.paper_mode`` is set.
"""

from predmm.platforms.paper.factory import wrap_if_paper
from predmm.platforms.paper.fees import (
    FeeFn,
    fee_for,
    kalshi_fee,
    no_fee,
    polymarket_fee,
    round_fee,
)
from predmm.platforms.paper.ledger import Ledger
from predmm.platforms.paper.platform import DEFAULT_BALANCE, PaperPlatform

__all__ = [
    "DEFAULT_BALANCE",
    "FeeFn",
    "Ledger",
    "PaperPlatform",
    "fee_for",
    "kalshi_fee",
    "no_fee",
    "polymarket_fee",
    "round_fee",
    "wrap_if_paper",
]

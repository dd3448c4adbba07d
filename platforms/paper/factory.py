"""Choosing the paper venue: ``MarketMakingConfig.paper_mode`` selects it."""

from __future__ import annotations

from typing import Any

from predmm.config.market_making import MarketMakingConfig
from predmm.platforms.paper.platform import PaperPlatform
from predmm.platforms.venue import VenueClient, is_paper


def wrap_if_paper(
    client: VenueClient, config: MarketMakingConfig, **paper_options: Any
) -> VenueClient:
    """``client`` itself, or with ``config.paper_mode`` a ``PaperPlatform`` trading on
    paper against ``client``'s market data (``paper_options``: ``starting_balance``,
    ``clock``, ``fee``, ... of ``PaperPlatform``). The paper platform owns ``client``:
    its ``aclose`` closes it. A client that is already paper (a ``PaperPlatform``, or a
    transparent wrapper of one) is returned as it is."""
    if not config.paper_mode or is_paper(client):
        return client
    return PaperPlatform(client, **paper_options)

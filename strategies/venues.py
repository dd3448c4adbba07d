"""Market making per venue: each venue's markets selected under that venue's config (a
strategy per venue: ``engine.register_strategy(mm, venues={Venue.POLYMARKET})``, or
``[strategy.venues.polymarket]`` overrides in TOML). A venue no market maker covers is not
quoted. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.domain.market import MarketView
from predmm.strategies.quoting import select_markets


def select_per_venue(
    markets: Iterable[MarketView], configs: Mapping[Venue, MarketMakingConfig]
) -> tuple[list[MarketView], list[tuple[MarketView, str]]]:
    """``select_markets`` on each venue's markets with its config (``max_markets`` and the
    filters are per venue); the markets of a venue without a config are skipped."""
    by_venue: dict[Venue, list[MarketView]] = {}
    for market in markets:
        by_venue.setdefault(market.market_id.venue, []).append(market)
    selected: list[MarketView] = []
    skipped: list[tuple[MarketView, str]] = []
    for venue, listed in by_venue.items():
        config = configs.get(venue)
        if config is None:
            skipped += [(m, f"no market maker registered for {venue.value}") for m in listed]
            continue
        chosen, rest = select_markets(listed, config)
        selected += chosen
        skipped += rest
    return selected, skipped

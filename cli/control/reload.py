"""What ``predmm reload`` changes: the running settings against the file read again
(pure). The strategy's settings (each venue's own, ``[strategy.venues.*]``, too), the
risk limits and thresholds and the event links apply live; ``paper_mode``, the venue
tables, ``[arbitrage]`` (the executor's) and the ``[daemon]`` table need a restart and
are left as they run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.config.settings import Settings
from predmm.domain.enums import Venue

RESTART_ONLY = frozenset({"paper_mode"})  # [strategy] keys that need a restart


@attrs.frozen(kw_only=True)
class ReloadPlan:
    """The settings to run on from now (``settings``: the file's, but for what needs a
    restart), the changes that apply live and those that wait for a restart."""

    settings: Settings
    applied: tuple[str, ...]
    restart: tuple[str, ...]


def plan_reload(running: Settings, read: Settings) -> ReloadPlan:
    """``read`` (the file again) against ``running``; both with their event links as the
    engine has them (the venues' known links merged)."""
    keep = {k: getattr(running.strategy, k) for k in RESTART_ONLY}
    strategy = attrs.evolve(read.strategy, **keep)
    venues = {v: attrs.evolve(c, **keep) for v, c in read.strategy_venues.items()}
    applied = (
        *_changes("strategy", running.strategy, strategy),
        *_venue_changes(running, strategy, venues),
        *_changes("risk", running.risk, read.risk, skip=("event_links",)),
        *_link_changes(running.risk, read.risk),
    )
    restart = (
        *(
            f"[strategy] {k} = {_text(getattr(read.strategy, k))}"
            for k in sorted(RESTART_ONLY)
            if getattr(read.strategy, k) != getattr(running.strategy, k)
        ),
        *_tables_changed(running, read),
    )
    if read.arbitrage != running.arbitrage:
        restart = (*restart, "[arbitrage] (the arbitrageur's settings)")
    settings = attrs.evolve(
        running, strategy=strategy, strategy_venues=venues, risk=read.risk, preset=read.preset
    )
    return ReloadPlan(settings=settings, applied=applied, restart=restart)


def _changes(
    table: str,
    before: MarketMakingConfig | RiskConfig,
    after: MarketMakingConfig | RiskConfig,
    skip: tuple[str, ...] = (),
) -> tuple[str, ...]:
    out = []
    for field in attrs.fields(type(before)):
        if not field.init or field.name in skip:
            continue
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old != new:
            out.append(f"[{table}] {field.name}: {_text(old)} -> {_text(new)}")
    return tuple(out)


def _venue_changes(
    running: Settings, strategy: MarketMakingConfig, venues: Mapping[Venue, MarketMakingConfig]
) -> tuple[str, ...]:
    """What each venue with values of its own (before or after) quotes with now."""
    out: list[str] = []
    for venue in sorted(running.strategy_venues.keys() | venues.keys()):
        before = running.strategy_venues.get(venue, running.strategy)
        after = venues.get(venue, strategy)
        out.extend(_changes(f"strategy.venues.{venue.value}", before, after))
    return tuple(out)


def _link_changes(before: RiskConfig, after: RiskConfig) -> tuple[str, ...]:
    old, new = set(before.event_links), set(after.event_links)
    gone = sorted(str(link) for link in old - new)
    added = sorted(str(link) for link in new - old)
    return (
        *(f"[risk] event_links: removed {link}" for link in gone),
        *(f"[risk] event_links: added {link}" for link in added),
    )


def _tables_changed(running: Settings, read: Settings) -> tuple[str, ...]:
    out = []
    for table in ("kalshi", "polymarket"):
        if getattr(running, table) != getattr(read, table):
            out.append(f"[{table}] (the venue's account or addresses)")
    out.extend(_daemon_changes(running, read))
    return tuple(out)


def _daemon_changes(running: Settings, read: Settings) -> list[str]:
    before, after = attrs.asdict(running.daemon), attrs.asdict(read.daemon)
    return [
        f"[daemon] {k}: {_text(before[k])} -> {_text(after[k])}"
        for k in before
        if before[k] != after[k]
    ]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)

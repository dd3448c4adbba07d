"""A universe for runs of several simulated days: every event of the default universe
(``simulator.universe.TEMPLATES``) listed again and again, each new listing an hour after
the last one resolved, so that markets list and resolve every few hours for as long as the
run lasts. Listing ``n`` of an event has its own tickers, slugs and event id (``R<n>``);
the first is the default universe's. The ``Simulator`` lists each market at its open
time; the flow trades it from then on (with its template's per-market flow,
``universe.MARKET_FLOW``) and resolves its event as the plan says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from predmm.simulator.plans import EventPlan, Universe
from predmm.simulator.universe import TEMPLATES, Built, Listing, market_flow


def rolling_universe(
    start: datetime,
    *,
    days: float,
    gap_hours: float = 1.0,
    history: bool = True,
) -> Universe:
    """The default universe's events, listed from ``start`` until ``days`` later: a new
    listing of each ``gap_hours`` after its previous one resolved (its life, 8 to 24
    hours, unchanged). With ``history`` the markets look established (the daemon's
    liquidity filters select them)."""
    end = start + timedelta(days=days)
    gap = timedelta(hours=gap_hours)
    built: list[tuple[datetime, int, Built]] = []
    for rank, template in enumerate(TEMPLATES):
        listed, n = start, 0
        while listed < end:
            listing = Listing(origin=start, listed=listed, history=history, n=n)
            built.append((listed, rank, template.build(listing)))
            listed, n = listing.close(template.hours) + gap, n + 1
    built.sort(key=lambda item: (item[0], item[1]))
    specs = [spec for _, _, (_, specs) in built for spec in specs]
    return Universe(
        specs=tuple(specs),
        events=tuple(plan for _, _, (plan, _) in built),
        flow=market_flow(specs),  # a relisted market trades as its first listing
    )


def resolutions(universe: Universe, start: datetime) -> list[tuple[datetime, EventPlan]]:
    """When each event of ``universe`` resolves (its plan's time after ``start``), in order."""
    return sorted(
        ((start + plan.resolves_after, plan) for plan in universe.events),
        key=lambda item: (item[0], str(item[1].event_id)),
    )

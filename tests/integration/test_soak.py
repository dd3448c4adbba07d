"""A simulated day and two thirds in about half a minute of wall time: the daemon (``predmm run
--sim-credentials``, its own process, the real Kalshi and Polymarket clients over
127.0.0.1) on a simulated world of both venues in this test's trio run, whose clock runs
5,000 times as fast as the wall clock and whose markets list and resolve every few hours
(``simulator.rolling``), with seeded traders and a daily burst of faults (ambiguous
submits, placements taken late, 5xx, 429, stale order reads, dropped websockets). The
daemon is SIGKILLed and started again across UTC midnight, across an event's resolution,
inside the second day's burst of faults and across the next UTC midnight, and stopped with
SIGINT at the end (``python bench/soak.py`` runs seven days, the kills in another order,
further apart).

The verdict (``tests/integration/soak/``) comes from the venues' own records, read from
the simulator's exchange, not through predmm: every fill journaled exactly once, every
order journaled and closed, nothing resting, positions, settlements and cash equal to the
journal's, no moment at which the worst-case exposure over outcome scenarios (computed
from the exchange's positions and resting orders at every change) passed a configured
limit, and every market held owned by an actor or settled. What varies with timing
(which orders fill, which requests the faults hit, where a kill falls) changes the
counts, never the verdict.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.integration.soak.runner import run_soak
from tests.integration.soak.world import SoakPlan

# From 14:00 on day 1 to 06:48 on day 3 (world time): a kill across the first UTC midnight
# (the first run has quoted since the start), one across the next event of several markets
# to resolve (05:30 to 06:30), one inside day 2's burst of faults (15:00 to 15:05) and one
# across the next midnight; then six hours more before the audit. The last run starts
# after the burst: a placement the burst left unanswered (the client gives up after 10 s
# of wall time, 14 hours of the world's) would hold up its stop at the end.
PLAN = SoakPlan(
    days=1.7,
    seed=7,
    kills=("midnight", "resolution", "faults"),
    first_kill=timedelta(hours=6),
    kill_gap=timedelta(hours=5),
)


async def test_a_day_of_listings_resolutions_kills_and_faults_loses_and_passes_nothing(
    tmp_path: Path,
) -> None:
    report = await run_soak(PLAN, tmp_path)

    assert not report.failures, report.describe()
    # the soak did what it says: kills of each kind, trading on both venues, resolutions
    whys = " ".join(report.kills)
    assert all(kind in whys for kind in ("resolving", "UTC midnight", "burst of faults"))
    assert report.runs == len(report.kills) + 1
    audit = report.audit
    assert audit.venue_fills == audit.journal_fills > 0
    assert audit.venue_settlements > 0
    assert report.samples > 0
    assert report.worst_margin is not None
    assert report.worst_margin >= 0

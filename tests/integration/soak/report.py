"""What a soak found: the audit at its end, what the exposure watch saw during it, the
settlements and owners the daemon had caught up on before it stopped; ``failures`` is
every finding that fails it, ``summary`` the figures ``bench/soak.py`` prints."""

from __future__ import annotations

from decimal import Decimal

import attrs

from .audit import Audit
from .exposure import Breach
from .world import SoakPlan


@attrs.frozen(kw_only=True)
class SoakReport:
    plan: SoakPlan
    wall_seconds: float
    kills: tuple[str, ...]
    runs: int
    audit: Audit
    samples: int
    breaches: tuple[Breach, ...]
    worst_margin: Decimal | None
    tightest: str
    unsettled: tuple[str, ...]  # held in a market the venue settled, never journaled settled
    unowned: tuple[str, ...]  # held, not settled, and no actor of the daemon owns it

    @property
    def failures(self) -> dict[str, tuple[str, ...]]:
        found = dict(self.audit.failures)
        if self.breaches:
            found["limit breaches"] = tuple(
                f"{b.at} {b.limit} {b.where}: {b.measure} > {b.allowed}" for b in self.breaches
            )
        if self.unsettled:
            found["settlements not journaled"] = self.unsettled
        if self.unowned:
            found["inventory without an owner"] = self.unowned
        return found

    def summary(self) -> dict[str, object]:
        a = self.audit
        return {
            "simulated_days": self.plan.days,
            "seed": self.plan.seed,
            "time_scale": self.plan.time_scale,
            "wall_seconds": round(self.wall_seconds, 1),
            "fills_venue": a.venue_fills,
            "fills_journal": a.journal_fills,
            "lost_fills": len(a.lost_fills),
            "duplicate_fills": a.duplicate_fills,
            "venue_orders": a.venue_orders,
            "duplicate_orders": len(a.duplicate_orders) + len(a.given_up_taken),
            "orphans": len(a.orphans) + len(a.resting),
            "limit_breaches": len(self.breaches),
            "worst_margin": str(self.worst_margin) if self.worst_margin is not None else None,
            "tightest_limit": self.tightest,
            "exposure_samples": self.samples,
            "position_mismatches": len(a.position_mismatches),
            "settlements_venue": a.venue_settlements,
            "settlements_journal": a.journal_settlements,
            "settlement_mismatches": len(a.settlement_mismatches) + len(self.unsettled),
            "cash_mismatches": len(a.cash_mismatches),
            "unowned_inventory": len(self.unowned),
            "restarts": len(self.kills),
            "corrections": a.corrections,
            "failures": sum(len(v) for v in self.failures.values()),
        }

    def describe(self) -> str:
        """Each finding, at most ten of each kind, one a line."""
        lines = [f"{kind}: {len(items)}" for kind, items in self.failures.items()]
        for kind, items in self.failures.items():
            lines += [f"  {kind}: {item}" for item in items[:10]]
        return "\n".join(lines)

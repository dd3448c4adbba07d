"""The live figures a running daemon publishes beside its journal for ``predmm status``
and the reports (marks, event links, each event's worst loss over its outcome scenarios,
the markets blocked by a disputed position, market-making quality): ``<journal>.live.json``,
written atomically every few seconds by ``LiveStats`` (the journal itself keeps a single
writer, the JournalActor)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from predmm.domain.exposure import EventExposure
from predmm.strategies.mm_metrics import StatsSnapshot


def live_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".live.json")


def stats_dict(s: StatsSnapshot) -> dict[str, Any]:
    return {
        "fills": s.fills,
        "filled_quantity": str(s.filled_quantity),
        "quoted_quantity": str(s.quoted_quantity),
        "fill_rate": str(s.fill_rate),
        "spread_capture": str(s.spread_capture),
        "quote_uptime": str(s.quote_uptime),
        "markouts": {f"{h:g}s": str(v) for h, v in sorted(s.markouts.items())},
    }


def exposure_dict(e: EventExposure) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "worst_loss": str(e.worst_loss),
        "scenario": e.scenario,
        "contracts": str(e.contracts),
        "markets": list(e.markets),
    }


def write_live(
    journal: Path,
    *,
    marks: Mapping[str, Decimal],
    events: Mapping[str, str],
    per_market: Mapping[str, StatsSnapshot],
    totals: StatsSnapshot | None,
    at: str,
    exposure: tuple[EventExposure, ...] = (),
    blocked: Mapping[str, str] | None = None,
) -> None:
    """Replace the live file in one rename: a reader sees the old or the new, never half.
    ``events``: each market's real-world event (of several markets); ``exposure``: each
    event's worst-case loss over its outcome scenarios, and which scenario it is;
    ``blocked``: the markets not quoted because the venue disputes their position, and why."""
    body = {
        "updated_at": at,
        "blocked": dict(blocked or {}),
        "marks": {k: str(v) for k, v in marks.items()},
        "events": dict(events),
        "exposure": [exposure_dict(e) for e in exposure],
        "markets": {k: stats_dict(v) for k, v in per_market.items()},
        "totals": stats_dict(totals) if totals is not None else None,
    }
    target = live_path(journal)
    fd, tmp = tempfile.mkstemp(prefix=target.name, dir=target.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh, indent=1)
    os.replace(tmp, target)


def read_live(journal: Path) -> dict[str, Any]:
    try:
        data = json.loads(live_path(journal).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}

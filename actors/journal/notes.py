"""Facts the journal keeps in its key/value table, one JSON value per key (no schema
change): what the engine's watch over its core actors last did about each of them
(``supervision:<component>``, with a count: ``SupervisionRecord``) and which venue world
a venue's records belong to (``world:<venue>``: ``WorldRecord``, see
``supervisors.worlds``). ``note_value`` builds what a write stores; the ``read_…``
functions read them back from any ``JournalQueries``.
"""

from __future__ import annotations

import json
from datetime import datetime

import attrs

from predmm.actors.journal.queries import JournalQueries
from predmm.actors.journal.records import dt_req, ts
from predmm.domain.enums import Venue

SUPERVISION = "supervision:"
WORLD = "world:"


@attrs.frozen(kw_only=True)
class SupervisionRecord:
    component: str  # "journal", "portfolio", "platform kalshi", ...
    event: str  # "failed", "restarted", "halted", ...
    reason: str
    at: datetime
    count: int  # events journaled for this component, this one included


@attrs.frozen(kw_only=True)
class WorldRecord:
    venue: Venue
    identity: str  # compared between runs
    description: str  # shown to the operator
    since: datetime


def supervision_key(component: str) -> str:
    return SUPERVISION + component


def world_key(venue: Venue) -> str:
    return WORLD + venue.value


def supervision_value(previous: str | None, event: str, reason: str, at: datetime) -> str:
    count = json.loads(previous)["count"] + 1 if previous else 1
    return json.dumps({"event": event, "reason": reason, "at": ts(at), "count": count})


def world_value(identity: str, description: str, at: datetime) -> str:
    return json.dumps({"identity": identity, "description": description, "since": ts(at)})


def read_supervision(journal: JournalQueries) -> tuple[SupervisionRecord, ...]:
    """The latest event of every component, by component."""
    out = []
    for key, value in sorted(journal.values(SUPERVISION).items()):
        data = json.loads(value)
        out.append(
            SupervisionRecord(
                component=key.removeprefix(SUPERVISION),
                event=data["event"],
                reason=data["reason"],
                at=dt_req(data["at"]),
                count=data["count"],
            )
        )
    return tuple(out)


def read_world(journal: JournalQueries, venue: Venue) -> WorldRecord | None:
    value = journal.get(world_key(venue))
    if value is None:
        return None
    data = json.loads(value)
    return WorldRecord(
        venue=venue,
        identity=data["identity"],
        description=data["description"],
        since=dt_req(data["since"]),
    )

"""Which venue world a journal's records belong to.

A journal's positions, orders and fill cursors mean something only against the venue
they were made on: a real venue (production or demo: its base URL), a simulator started
apart (``predmm sim``: its address and account), the embedded simulator of one ``predmm
run`` (a paper world that ends with that run), or paper trading on any of them
(``paper_mode``: the fills are simulated here). The first run on a journal
records each venue's world (``RecordVenueWorld``); a later run on another world is
refused before anything is reconciled (``check_worlds``), with one line that says what
to do. A journal from before worlds were recorded takes the world of its next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import attrs

from predmm.actors.journal.messages import RecordVenueWorld
from predmm.actors.journal.notes import WorldRecord, read_world
from predmm.actors.journal.store import Journal
from predmm.domain.enums import Venue
from predmm.domain.errors import PredmmError

EMBEDDED = "embedded"


class WorldMismatch(PredmmError):
    """The journal was written against another venue world than this run trades."""


@attrs.frozen(kw_only=True)
class VenueWorld:
    venue: Venue
    identity: str  # compared between runs
    description: str  # shown to the operator

    @property
    def embedded(self) -> bool:
        return self.identity.startswith(EMBEDDED)


def account_key(venue: Venue, base_url: str, account: str) -> str:
    """Names one venue account (``account``: a key id or a wallet address) without
    revealing it: a hash, also for lock file names."""
    text = f"{venue.value}|{base_url}|{account}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def real_venue(venue: Venue, base_url: str) -> VenueWorld:
    return VenueWorld(venue=venue, identity=f"venue {base_url}", description=f"{base_url}")


def simulator(venue: Venue, base_url: str, key: str) -> VenueWorld:
    return VenueWorld(
        venue=venue,
        identity=f"simulator {base_url} {key}",
        description=f"the simulator at {base_url} (account {key})",
    )


def embedded(venue: Venue, run: str, started: datetime) -> VenueWorld:
    return VenueWorld(
        venue=venue,
        identity=f"{EMBEDDED} {run}",
        description=f"the embedded simulator of the run started {started:%Y-%m-%d %H:%M:%S} UTC",
    )


def paper(world: VenueWorld) -> VenueWorld:
    """Paper trading on ``world``'s market data: fills simulated here, not the venue's."""
    return VenueWorld(
        venue=world.venue,
        identity=f"paper {world.identity}",
        description=f"paper trading on {world.description}",
    )


def check_worlds(path: Path, worlds: Sequence[VenueWorld]) -> list[RecordVenueWorld]:
    """Raise ``WorldMismatch`` if the journal at ``path`` holds a venue of ``worlds`` from
    another world; else the records of the worlds it does not hold yet."""
    new: list[RecordVenueWorld] = []
    with Journal.open_read_only(path) as reader:
        for world in worlds:
            held = read_world(reader, world.venue)
            if held is None:
                new.append(_record(world))
            elif held.identity != world.identity:
                raise WorldMismatch(_mismatch(path, held, world))
    return new


def _record(world: VenueWorld) -> RecordVenueWorld:
    return RecordVenueWorld(
        venue=world.venue, identity=world.identity, description=world.description
    )


def _mismatch(path: Path, held: WorldRecord, world: VenueWorld) -> str:
    venue = world.venue.value
    said = f"journal {path} holds {venue} records of {held.description}, not of {world.description}"
    if world.embedded:
        todo = (
            "the embedded simulator is a new paper world every run and keeps each run's"
            " journal under predmm-sim/: leave out --journal, or give a new file"
        )
    elif held.identity.startswith(EMBEDDED):
        todo = "that paper world ended with its run: give this run a new --journal FILE"
    else:
        todo = "one journal per venue world: give this run its own --journal FILE"
    return f"{said}: {todo}"

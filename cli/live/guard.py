"""What keeps a run alone and in its world before it speaks to a venue: the locks it holds
(its journal's and each venue account's: ``cli.locks``), and the venue worlds its
journal's records belong to (``supervisors.worlds``: a journal of another world is
refused)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from predmm.actors.journal.schema import JournalVersionError
from predmm.cli.locks import account_lock_path, journal_lock_path
from predmm.cli.venues import VenueSetup
from predmm.config.settings import Settings
from predmm.supervisors.worlds import VenueWorld, check_worlds, paper


def run_locks(journal: Path, setup: VenueSetup) -> list[tuple[Path, str]]:
    """The locks a run holds: its journal's and each venue account's (but those of the
    embedded simulator, made for this process alone)."""
    locks = [(journal_lock_path(journal), f"journal {journal}")]
    for account in sorted(setup.accounts, key=lambda a: a.key):
        if account.world.embedded:
            continue
        what = f"the {account.venue.value} account {account.key} at {account.url}"
        locks.append((account_lock_path(account.key), what))
    return locks


def run_worlds(settings: Settings, setup: VenueSetup) -> tuple[VenueWorld, ...]:
    """The venue worlds this run's journal records belong to."""
    if settings.strategy.paper_mode:
        return tuple(paper(world) for world in setup.worlds)
    return setup.worlds


def check_world(journal: Path, settings: Settings, setup: VenueSetup) -> None:
    """A journal of another venue world is refused before anything starts (the engine
    checks again, and records the worlds, once its JournalActor has the file)."""
    if not journal.is_file():
        return
    with contextlib.suppress(JournalVersionError):  # older: the engine migrates it first
        check_worlds(journal, run_worlds(settings, setup))

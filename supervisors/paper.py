"""Paper mode in the TradingEngine: what makes a run paper, and what a paper run owes its
journal.

A run is paper when its config says so (``paper_mode``, or ``predmm run --paper``) or
when any registered venue client is already paper. Then every venue client is wrapped in
the paper venue (``paper_client``): the data venue's market data, orders filled locally,
nothing sent. The journal records the run's mode (``run_mode``: "paper" or "live"), a
journal holding runs of the other mode is refused (``check_journal_mode``), and a paper
run that continues a paper journal starts each paper account from the journal's
positions and cash (``restore_paper_accounts``): the paper venue's own memory dies with
its process, the journal is its record.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from predmm.actors.clock import Clock
from predmm.actors.journal.records import RunRecord
from predmm.actors.journal.store import Journal
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError
from predmm.domain.events import Position
from predmm.domain.ids import MarketId
from predmm.platforms.paper import PaperPlatform
from predmm.platforms.venue import VenueClient, is_paper
from predmm.strategies.inventory import InventoryTracker

PAPER, LIVE = "paper", "live"
ZERO = Decimal(0)


class JournalModeError(ConfigError):
    """A paper run on a live journal, or a live run on a paper one."""


def run_mode(paper: bool) -> str:
    return PAPER if paper else LIVE


def paper_client(client: VenueClient, clock: Clock, session: str) -> VenueClient:
    """``client`` in the paper venue (its ids carry ``session``); a paper client as it is."""
    if is_paper(client):
        return client
    return PaperPlatform(client, clock=clock.now, session=session)


def check_journal_mode(path: Path, mode: str) -> None:
    """Refuse a journal whose earlier runs were of the other mode, in one line that says
    what to do."""
    with Journal.open_read_only(path) as reader:
        other = [r for r in reader.runs() if _mode_of(r) != mode]
    if not other:
        return
    last = other[-1]
    raise JournalModeError(
        f"journal {path} holds {_mode_of(last)} trading (run {last.run_id}, started"
        f" {last.started_at:%Y-%m-%d %H:%M} UTC): a {mode} run cannot continue it; give the"
        f" {mode} run a journal of its own (predmm run --journal FILE, or"
        " TradingEngine(journal_path=FILE))"
    )


def _mode_of(run: RunRecord) -> str:
    return PAPER if run.mode == PAPER else LIVE


def restore_paper_accounts(clients: Iterable[VenueClient], path: Path) -> None:
    """Each paper client starts from the journal's account on its venue: the positions
    held, and its starting balance changed by what the journaled fills (and settlements)
    did to its cash."""
    with Journal.open_read_only(path) as reader:
        trackers = [reader.inventory(m) for m in reader.market_ids()]
    for client in clients:
        if is_paper(client):
            mine = [t for t in trackers if _venue_of(t) is client.venue]
            client.restore(_holdings(mine), _cash_change(mine))  # type: ignore[attr-defined]


def _venue_of(tracker: InventoryTracker) -> Venue | None:
    return tracker.market_id.venue if isinstance(tracker.market_id, MarketId) else None


def _holdings(trackers: Iterable[InventoryTracker]) -> list[Position]:
    return [
        Position(market_id=t.market_id, yes_contracts=t.yes_contracts, no_contracts=t.no_contracts)
        for t in trackers
        if isinstance(t.market_id, MarketId) and (t.yes_contracts or t.no_contracts)
    ]


def _cash_change(trackers: Iterable[InventoryTracker]) -> Decimal:
    """Realized PnL (fees included) less the cost of what is still held."""
    return sum(
        (
            t.realized_pnl - t.yes_contracts * t.avg_yes_price - t.no_contracts * t.avg_no_price
            for t in trackers
        ),
        ZERO,
    )

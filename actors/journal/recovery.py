"""Recovery at start-up, against what the venues report: ``missing_fills`` picks the
venue's fills the journal does not hold yet (a crash between a fill and its row loses
nothing), and ``position_mismatches`` lists the markets whose net position rebuilt from
the journal differs from the venue's (``PositionMismatch``), which must not be quoted.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from predmm.actors.journal.store import Journal
from predmm.domain.enums import Venue
from predmm.domain.events import Position
from predmm.domain.ids import FillId, MarketId
from predmm.domain.orders import Fill


def missing_fills(journal: Journal, venue_fills: Iterable[Fill]) -> list[Fill]:
    """The fills of ``venue_fills`` (fetched from the venues after the journaled cursor)
    that the journal does not hold, in their order, each once: journal them on restart
    and a crash between a fill and its journal row loses nothing."""
    pending = list(venue_fills)
    known: set[tuple[Venue, FillId]] = set()
    for venue in {f.market_id.venue for f in pending}:
        ids = journal.known_fill_ids(
            venue, (f.fill_id for f in pending if f.market_id.venue is venue)
        )
        known.update((venue, fid) for fid in ids)
    out: list[Fill] = []
    for fill in pending:
        key = (fill.market_id.venue, fill.fill_id)
        if key not in known:
            known.add(key)
            out.append(fill)
    return out


@attrs.frozen(kw_only=True)
class PositionMismatch:
    """A market whose net position (YES - NO) in the journal differs from the venue's."""

    market_id: MarketId
    journal_yes: Decimal
    journal_no: Decimal
    venue_yes: Decimal
    venue_no: Decimal

    def __str__(self) -> str:
        return (
            f"{self.market_id}: journal holds {self.journal_yes} YES / {self.journal_no} NO,"
            f" the venue {self.venue_yes} YES / {self.venue_no} NO"
        )


def position_mismatches(
    journal: Journal, venue: Venue, venue_positions: Iterable[Position]
) -> list[PositionMismatch]:
    """Markets of ``venue`` whose net position rebuilt from the journal's fills differs
    from what the venue reports (a market the venue does not list holds nothing). Net,
    because a venue may net YES against NO (Kalshi) where the journal keeps both. A
    market journaled as settled is left out: it holds nothing any more, whatever a venue
    still shows for it (Polymarket keeps resolved tokens until they are redeemed). Run it
    after the missing fills and the settlements are journaled; a non-empty answer
    means: do not quote."""
    settled = {s.market_id for s in journal.settlements(venue)}  # paid out: nothing to hold
    reported = {
        p.market_id: p
        for p in venue_positions
        if p.market_id.venue is venue and p.market_id not in settled
    }
    ours = [m for m in journal.market_ids() if m.venue is venue and m not in settled]
    out: list[PositionMismatch] = []
    for market_id in sorted(set(ours) | set(reported), key=str):
        inv = journal.inventory(market_id)
        theirs = reported.get(market_id)
        venue_yes = Decimal(0) if theirs is None else theirs.yes_contracts
        venue_no = Decimal(0) if theirs is None else theirs.no_contracts
        if inv.net_position != venue_yes - venue_no:
            out.append(
                PositionMismatch(
                    market_id=market_id,
                    journal_yes=inv.yes_contracts,
                    journal_no=inv.no_contracts,
                    venue_yes=venue_yes,
                    venue_no=venue_no,
                )
            )
    return out

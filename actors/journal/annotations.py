"""The journal's writes around the trading records, for the operator's reports: markets
as the venues list them (title, event, tick, close time), marks over time and after each
fill, each venue's cash at a run's start and end, and what a run traded with. Mixed
into ``Journal`` (the writer's connection); each write is whole inside the current
transaction, like the store's own.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from predmm.actors.journal.messages import MarketInfo
from predmm.actors.journal.records import money, opt_id, ts
from predmm.actors.journal.schema import JournalError
from predmm.domain.enums import Venue
from predmm.domain.ids import FillId, MarketId

UPSERT_MARKET = """
INSERT INTO markets (market_id, venue, title, event_id, linked_event, tick, close_time,
    updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (market_id) DO UPDATE SET
    title = CASE WHEN excluded.title = '' THEN markets.title ELSE excluded.title END,
    event_id = COALESCE(excluded.event_id, markets.event_id),
    linked_event = COALESCE(excluded.linked_event, markets.linked_event),
    tick = COALESCE(excluded.tick, markets.tick),
    close_time = COALESCE(excluded.close_time, markets.close_time),
    updated_at = excluded.updated_at
"""


class JournalAnnotations:
    """Writes of what the reports read besides orders and fills."""

    _conn: sqlite3.Connection

    if TYPE_CHECKING:

        def atomic(self) -> contextlib.AbstractContextManager[None]: ...  # ``Journal``'s

    def record_markets(self, markets: Sequence[MarketInfo], *, at: datetime) -> None:
        stamp = ts(at)
        rows = [
            (
                str(m.market_id),
                m.market_id.venue.value,
                m.title,
                opt_id(m.event_id),
                opt_id(m.linked_event),
                None if m.tick is None else money(m.tick),
                None if m.close_time is None else ts(m.close_time),
                stamp,
            )
            for m in markets
        ]
        with self.atomic():
            self._conn.executemany(UPSERT_MARKET, rows)

    def record_marks(self, marks: Sequence[tuple[MarketId, Decimal]], *, at: datetime) -> None:
        rows = [(str(m), money(mark), ts(at)) for m, mark in marks]
        with self.atomic():
            self._conn.executemany("INSERT INTO marks (market_id, mark, at) VALUES (?, ?, ?)", rows)

    def record_fill_marks(self, marks: Sequence[tuple[Venue, FillId, float, Decimal]]) -> None:
        rows = [(v.value, str(f), float(h), money(mark)) for v, f, h, mark in marks]
        with self.atomic():
            self._conn.executemany(
                "INSERT OR REPLACE INTO fill_marks (venue, fill_id, horizon, mark)"
                " VALUES (?, ?, ?, ?)",
                rows,
            )

    def record_balance(
        self,
        *,
        run_id: str,
        venue: Venue,
        moment: str,
        cash: Decimal | None,
        at: datetime,
        note: str = "",
    ) -> None:
        if moment not in ("start", "end"):
            raise JournalError(f"balance moment {moment!r}: expected 'start' or 'end'")
        with self.atomic():
            self._conn.execute(
                "INSERT INTO balances (run_id, venue, moment, cash, note, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, venue.value, moment, None if cash is None else money(cash), note, ts(at)),
            )

    def record_run_info(self, *, run_id: str, strategy: str, source: str, settings: str) -> None:
        with self.atomic():
            cur = self._conn.execute(
                "UPDATE runs SET strategy = ?, source = ?, settings = ? WHERE run_id = ?",
                (strategy, source, settings, run_id),
            )
            if cur.rowcount != 1:
                raise JournalError(f"run_id {run_id!r}: no such run in the journal")

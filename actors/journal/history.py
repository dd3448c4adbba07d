"""The journal's reads for the operator's reports (``predmm fills``, ``orders``, ``pnl``,
``report``, the summary at shutdown, the metrics' counters): fills and orders between two
times, on a venue, of some markets; the markets' titles; marks over time and after each
fill; each venue's cash at runs' starts and ends; and cursors for reading on where the
last read stopped. Mixed into ``Journal``, beside ``JournalQueries``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from predmm.actors.journal.messages import MarketInfo
from predmm.actors.journal.records import (
    BalanceRecord,
    JournaledFill,
    dt,
    dt_req,
    row_to_fill,
    row_to_order,
    ts,
)
from predmm.domain.enums import Venue
from predmm.domain.ids import EventId, FillId, MarketId
from predmm.domain.orders import Order

FILL_TIME = "COALESCE(venue_ts, received_at)"
ORDER_TIME = "COALESCE(created_at, updated_at)"


def _filters(
    time_sql: str,
    since: datetime | None,
    until: datetime | None,
    venue: Venue | None,
    markets: Iterable[MarketId] | None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append(f"{time_sql} >= ?")
        params.append(ts(since))
    if until is not None:
        clauses.append(f"{time_sql} < ?")
        params.append(ts(until))
    if venue is not None:
        clauses.append("venue = ?")
        params.append(venue.value)
    if markets is not None:
        ids = [str(m) for m in markets]
        clauses.append(f"market_id IN ({','.join('?' * len(ids))})" if ids else "0")
        params += ids
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


class JournalHistory:
    """Reads for the reports, on the connection the ``Journal`` opened."""

    _conn: sqlite3.Connection

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def fill_history(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        venue: Venue | None = None,
        markets: Iterable[MarketId] | None = None,
    ) -> list[JournaledFill]:
        """Fills whose time (the venue's, else when received) is in [since, until), in
        journal order; reversed ones included, marked."""
        where, params = _filters(FILL_TIME, since, until, venue, markets)
        return [
            row_to_fill(r) for r in self._fetch(f"SELECT * FROM fills{where} ORDER BY seq", params)
        ]

    def order_history(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        venue: Venue | None = None,
        markets: Iterable[MarketId] | None = None,
    ) -> list[tuple[Order, datetime]]:
        """Orders created in [since, until), oldest first, with their last update time."""
        where, params = _filters(ORDER_TIME, since, until, venue, markets)
        rows = self._fetch(f"SELECT * FROM orders{where} ORDER BY {ORDER_TIME}, rowid", params)
        return [(row_to_order(r), dt_req(r["updated_at"])) for r in rows]

    def market_infos(self) -> dict[MarketId, MarketInfo]:
        """Every market as the venues last listed it."""
        return {
            MarketId.parse(r["market_id"]): MarketInfo(
                market_id=MarketId.parse(r["market_id"]),
                title=r["title"],
                event_id=None if r["event_id"] is None else EventId(r["event_id"]),
                linked_event=None if r["linked_event"] is None else EventId(r["linked_event"]),
                tick=None if r["tick"] is None else Decimal(r["tick"]),
                close_time=dt(r["close_time"]),
            )
            for r in self._fetch("SELECT * FROM markets")
        }

    def marks(
        self, *, until: datetime | None = None, markets: Iterable[MarketId] | None = None
    ) -> list[tuple[MarketId, datetime, Decimal]]:
        """Marks before ``until``, in time order."""
        where, params = _filters("at", None, until, None, markets)
        rows = self._fetch(f"SELECT market_id, at, mark FROM marks{where} ORDER BY at, seq", params)
        return [(MarketId.parse(r[0]), dt_req(r[1]), Decimal(r[2])) for r in rows]

    def latest_marks(
        self, until: datetime | None = None
    ) -> dict[MarketId, tuple[Decimal, datetime]]:
        """Each market's last mark before ``until`` (now when None), with its time."""
        out: dict[MarketId, tuple[Decimal, datetime]] = {}
        for market_id, at, mark in self.marks(until=until):
            out[market_id] = (mark, at)
        return out

    def fill_marks(self) -> dict[tuple[Venue, FillId], dict[float, Decimal]]:
        """The marks journaled after each fill, by horizon in seconds (0: at the fill)."""
        out: dict[tuple[Venue, FillId], dict[float, Decimal]] = {}
        for r in self._fetch("SELECT venue, fill_id, horizon, mark FROM fill_marks"):
            key = (Venue(r[0]), FillId(r[1]))
            out.setdefault(key, {})[float(r[2])] = Decimal(r[3])
        return out

    def balances(self, run_id: str | None = None) -> list[BalanceRecord]:
        where, params = (" WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
        return [
            BalanceRecord(
                run_id=r["run_id"],
                venue=Venue(r["venue"]),
                moment=r["moment"],
                cash=None if r["cash"] is None else Decimal(r["cash"]),
                note=r["note"],
                at=dt_req(r["at"]),
            )
            for r in self._fetch(f"SELECT * FROM balances{where} ORDER BY seq", params)
        ]

    # cursors: where an incremental reader starts (the journal as it is now) -----------

    def last_fill_seq(self) -> int:
        return int(self._fetch("SELECT COALESCE(max(seq), 0) FROM fills")[0][0])

    def last_order_rowid(self) -> int:
        return int(self._fetch("SELECT COALESCE(max(rowid), 0) FROM orders")[0][0])

    def last_order_event_seq(self) -> int:
        return int(self._fetch("SELECT COALESCE(max(seq), 0) FROM order_events")[0][0])

    def cursors_before(self, at: datetime) -> tuple[int, int, int]:
        """Where the records from ``at`` on begin: the last fill (seq), order (rowid) and
        order event (seq) journaled before ``at``."""
        stamp = ts(at)
        fill = self._fetch(
            "SELECT COALESCE(max(seq), 0) FROM fills WHERE received_at < ?", (stamp,)
        )
        order = self._fetch(
            f"SELECT COALESCE(max(rowid), 0) FROM orders WHERE {ORDER_TIME} < ?", (stamp,)
        )
        event = self._fetch("SELECT COALESCE(max(seq), 0) FROM order_events WHERE at < ?", (stamp,))
        return int(fill[0][0]), int(order[0][0]), int(event[0][0])

    def order_events_after(self, seq: int, limit: int = 5000) -> list[tuple[int, Venue, str]]:
        """Order events journaled after ``seq``: (seq, venue, event), for counting."""
        rows = self._fetch(
            "SELECT e.seq, o.venue, e.event FROM order_events e"
            " JOIN orders o ON o.client_order_id = e.client_order_id"
            " WHERE e.seq > ? ORDER BY e.seq LIMIT ?",
            (seq, limit),
        )
        return [(int(r[0]), Venue(r[1]), str(r[2])) for r in rows]

"""The journal's reads: ``JournalQueries``, the queries every ``Journal`` answers on its
connection (fills, orders and their events, positions, settlements, the day's baselines,
restarts, trading states, runs, cursors, one read snapshot), mixed into ``Journal``,
which opens the connection and writes; and ``fold_fills``, which rebuilds a market's
inventory from its journaled fills and, once it resolved, its settlement.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from predmm.actors.journal.records import (
    CORRECTION,
    ExecutionStep,
    JournaledFill,
    OrderEventRecord,
    PositionRecord,
    RestartRecord,
    RunRecord,
    SettlementRecord,
    TradingStateRecord,
    cursor_key,
    dt,
    dt_req,
    opt_id,
    row_to_fill,
    row_to_order,
    row_to_settlement,
    ts,
)
from predmm.actors.journal.rewards import RewardEstimate, read_estimates
from predmm.actors.journal.schema import JournalError
from predmm.domain.enums import OrderStatus, TradingState, Venue
from predmm.domain.ids import ClientOrderId, EventId, FillId, MarketId
from predmm.domain.orders import Fill, Order, strategy_of
from predmm.strategies.day_loss import DayBaseline, DayHolding
from predmm.strategies.inventory import InventoryTracker


class JournalQueries:
    """The reads of a ``Journal``, writer or reader, on the connection it opened."""

    _conn: sqlite3.Connection

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one committed state of the file (one read transaction),
        however the writer moves on meanwhile."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def fills(
        self, since: datetime | None = None, market_id: MarketId | None = None
    ) -> list[JournaledFill]:
        """Journaled fills in journal order (reversed ones included, marked), received
        at or after ``since``, of ``market_id``."""
        where, params = _where(
            ("received_at >= ?", None if since is None else ts(since)),
            ("market_id = ?", opt_id(market_id)),
        )
        return [
            row_to_fill(r) for r in self._rows(f"SELECT * FROM fills{where} ORDER BY seq", params)
        ]

    def fills_after(self, seq: int, limit: int = 1000) -> list[JournaledFill]:
        """Up to ``limit`` fills journaled after journal position ``seq`` (incremental reads)."""
        rows = self._rows("SELECT * FROM fills WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [row_to_fill(r) for r in rows]

    def orders_after(self, rowid: int, limit: int = 1000) -> list[tuple[int, Order]]:
        """Up to ``limit`` orders first journaled after ``rowid``, with their rowids."""
        rows = self._rows(
            "SELECT rowid AS _rowid, * FROM orders WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (rowid, limit),
        )
        return [(int(r["_rowid"]), row_to_order(r)) for r in rows]

    def order_counts(self) -> dict[tuple[Venue, OrderStatus], int]:
        """How many orders each venue has in each status."""
        rows = self._rows("SELECT venue, status, count(*) FROM orders GROUP BY venue, status")
        return {(Venue(r[0]), OrderStatus(r[1])): int(r[2]) for r in rows}

    def last_fill(self, venue: Venue) -> JournaledFill | None:
        rows = self._rows(
            "SELECT * FROM fills WHERE venue = ? ORDER BY seq DESC LIMIT 1", (venue.value,)
        )
        return row_to_fill(rows[0]) if rows else None

    def fill_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM fills")[0][0])

    def last_fills(self, n: int = 1) -> list[JournaledFill]:
        """The last ``n`` fills journaled (any venue), oldest first."""
        rows = self._rows("SELECT * FROM fills ORDER BY seq DESC LIMIT ?", (n,))
        return [row_to_fill(r) for r in reversed(rows)]

    def fill_cursor(self, venue: Venue) -> str | None:
        rows = self._rows("SELECT value FROM kv WHERE key = ?", (cursor_key(venue),))
        return rows[0][0] if rows else None

    def known_fill_ids(self, venue: Venue, fill_ids: Iterable[FillId]) -> set[FillId]:
        """Which of ``fill_ids`` are journaled for ``venue``."""
        wanted = list(dict.fromkeys(str(f) for f in fill_ids))
        known: set[FillId] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(
                f"SELECT fill_id FROM fills WHERE venue = ? AND fill_id IN ({marks})",
                (venue.value, *chunk),
            )
            known.update(FillId(r[0]) for r in rows)
        return known

    def inventory(self, market_id: MarketId, *, max_inventory: int = 50) -> InventoryTracker:
        """The market's holdings rebuilt from its journaled fills (reversed ones left out),
        in journal order, by ``InventoryTracker.apply_fill``, then settled if it resolved."""
        return fold_fills(
            market_id,
            self.fills(market_id=market_id),
            max_inventory=max_inventory,
            settled=self.settlement_payout(market_id),
        )

    def strategy_inventories(
        self, *, max_inventory: int = 50
    ) -> list[tuple[str, InventoryTracker]]:
        """Every strategy's holdings per market, rebuilt as ``inventory`` rebuilds a
        market's from the fills of that strategy's orders (untagged fills: the market
        maker's), settled if the market resolved."""
        by_key: dict[tuple[str, MarketId], list[JournaledFill]] = {}
        for jf in self.fills():
            key = (strategy_of(jf.fill.strategy), jf.fill.market_id)
            by_key.setdefault(key, []).append(jf)
        return [
            (
                strategy,
                fold_fills(
                    market_id,
                    fills,
                    max_inventory=max_inventory,
                    settled=self.settlement_payout(market_id),
                ),
            )
            for (strategy, market_id), fills in sorted(by_key.items(), key=lambda kv: str(kv[0]))
        ]

    def executions(self, execution_id: str | None = None) -> list[ExecutionStep]:
        """The executor's steps (of one execution, or all), in the order journaled."""
        where, params = _where(("execution_id = ?", execution_id))
        rows = self._rows(f"SELECT * FROM executions{where} ORDER BY seq", params)
        return [
            ExecutionStep(
                execution_id=r["execution_id"],
                strategy=r["strategy"],
                step=r["step"],
                detail=r["detail"],
                at=dt_req(r["at"]),
            )
            for r in rows
        ]

    def market_ids(self) -> list[MarketId]:
        """Every market the journal knows (fills, orders, positions, restarts)."""
        rows = self._rows(
            "SELECT market_id FROM fills UNION SELECT market_id FROM orders"
            " UNION SELECT market_id FROM positions UNION SELECT market_id FROM restarts"
        )
        return sorted((MarketId.parse(r[0]) for r in rows), key=str)

    def settlements(self, venue: Venue | None = None) -> list[SettlementRecord]:
        """The markets journaled as resolved, in the order they were journaled."""
        where, params = _where(("venue = ?", None if venue is None else venue.value))
        rows = self._rows(f"SELECT * FROM settlements{where} ORDER BY rowid", params)
        return [row_to_settlement(r) for r in rows]

    def settlement_payout(self, market_id: MarketId) -> Decimal | None:
        """What one YES of ``market_id`` paid, if the market is journaled as resolved."""
        rows = self._rows(
            "SELECT yes_payout FROM settlements WHERE market_id = ?", (str(market_id),)
        )
        return Decimal(rows[0][0]) if rows else None

    def day_baseline(self, day: date) -> DayBaseline | None:
        """The baseline journaled for the UTC ``day``, or None."""
        rows = self._rows("SELECT * FROM day_baselines WHERE day = ?", (day.isoformat(),))
        if not rows:
            return None
        held = self._rows(
            "SELECT * FROM day_holdings WHERE day = ? ORDER BY market_id", (day.isoformat(),)
        )
        return DayBaseline(
            day=day,
            realized_pnl=Decimal(rows[0]["realized_pnl"]),
            taken_at=dt_req(rows[0]["taken_at"]),
            holdings=tuple(
                DayHolding(
                    market_id=MarketId.parse(r["market_id"]),
                    yes_contracts=Decimal(r["yes_contracts"]),
                    no_contracts=Decimal(r["no_contracts"]),
                    avg_yes_price=Decimal(r["avg_yes_price"]),
                    avg_no_price=Decimal(r["avg_no_price"]),
                    mark=None if r["mark"] is None else Decimal(r["mark"]),
                )
                for r in held
            ),
        )

    def reward_estimates(self, day: date | None = None) -> list[RewardEstimate]:
        """The rewards our quotes earned, estimated, per UTC day (``day``, or all) and
        market, with the day's maker rebates (``actors.journal.rewards``)."""
        return read_estimates(self._conn, day)

    def positions(self) -> list[PositionRecord]:
        """The position snapshots saved with ``record_position``."""
        return [
            PositionRecord(
                market_id=MarketId.parse(r["market_id"]),
                event_id=None if r["event_id"] is None else EventId(r["event_id"]),
                yes_contracts=Decimal(r["yes_contracts"]),
                no_contracts=Decimal(r["no_contracts"]),
                avg_yes_price=Decimal(r["avg_yes_price"]),
                avg_no_price=Decimal(r["avg_no_price"]),
                realized_pnl=Decimal(r["realized_pnl"]),
                fees_paid=Decimal(r["fees_paid"]),
                updated_at=dt_req(r["updated_at"]),
            )
            for r in self._rows("SELECT * FROM positions ORDER BY market_id")
        ]

    def orders(
        self,
        *,
        venue: Venue | None = None,
        market_id: MarketId | None = None,
        statuses: Iterable[OrderStatus] | None = None,
    ) -> list[Order]:
        """Journaled orders (their latest known state), oldest first."""
        where, params = _where(
            ("venue = ?", None if venue is None else venue.value),
            ("market_id = ?", opt_id(market_id)),
        )
        if statuses is not None:
            values = [s.value for s in statuses]
            where += (
                " AND " if where else " WHERE "
            ) + f"status IN ({','.join('?' * len(values))})"
            params += values
        rows = self._rows(f"SELECT * FROM orders{where} ORDER BY rowid", params)
        return [row_to_order(r) for r in rows]

    def open_orders(self, venue: Venue | None = None) -> list[Order]:
        """Orders the venue may still hold (sent and not terminal, UNKNOWN included)."""
        live = [s for s in OrderStatus if s.may_rest]
        return self.orders(venue=venue, statuses=live)

    def corrections(self) -> list[OrderEventRecord]:
        """What reconciliations during the runs corrected, oldest first."""
        rows = self._rows("SELECT * FROM order_events WHERE event = ? ORDER BY seq", (CORRECTION,))
        return _event_records(rows)

    def order_events(self, client_order_id: ClientOrderId) -> list[OrderEventRecord]:
        rows = self._rows(
            "SELECT * FROM order_events WHERE client_order_id = ? ORDER BY seq",
            (str(client_order_id),),
        )
        return _event_records(rows)

    def restarts(self, market_id: MarketId | None = None) -> list[RestartRecord]:
        where, params = _where(("market_id = ?", opt_id(market_id)))
        return [
            RestartRecord(
                market_id=MarketId.parse(r["market_id"]),
                at=dt_req(r["at"]),
                reason=r["reason"],
                attempt=r["attempt"],
                quarantined=bool(r["quarantined"]),
            )
            for r in self._rows(f"SELECT * FROM restarts{where} ORDER BY seq", params)
        ]

    def trading_state(self) -> TradingStateRecord | None:
        """The latest trading state change, or None if none was journaled."""
        rows = self._rows("SELECT * FROM trading_states ORDER BY seq DESC LIMIT 1")
        if not rows:
            return None
        r = rows[0]
        return TradingStateRecord(
            state=TradingState(r["state"]),
            reason=r["reason"],
            at=dt_req(r["at"]),
            operator=r["operator"],
        )

    def runs(self) -> list[RunRecord]:
        return [
            RunRecord(
                run_id=r["run_id"],
                started_at=dt_req(r["started_at"]),
                stopped_at=dt(r["stopped_at"]),
                stop_reason=r["stop_reason"],
                config_digest=r["config_digest"],
                mode=r["mode"],
                pid=r["pid"],
                strategy=r["strategy"],
                source=r["source"],
                settings=r["settings"],
            )
            for r in self._rows("SELECT * FROM runs ORDER BY rowid")
        ]

    def get(self, key: str) -> str | None:
        """A value of the key/value table (cursors, ``last_durable_commit``)."""
        rows = self._rows("SELECT value FROM kv WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def values(self, prefix: str) -> dict[str, str]:
        """The key/value table's entries whose key starts with ``prefix``."""
        rows = self._rows(
            "SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?", (len(prefix), prefix)
        )
        return {r[0]: r[1] for r in rows}


def fold_fills(
    market_id: MarketId,
    fills: Iterable[JournaledFill],
    *,
    max_inventory: int = 50,
    settled: Decimal | None = None,
) -> InventoryTracker:
    """A fresh ``InventoryTracker`` fed ``fills`` in order, reversed ones left out, then
    settled at ``settled`` (the YES payout) if the market resolved: nothing trades after
    a resolution, so every fill, however late it was journaled, came before it."""
    tracker = InventoryTracker(market_id=market_id, max_inventory=max_inventory)
    for jf in fills:
        if not jf.is_reversed:
            _apply(tracker, jf.fill)
    if settled is not None:
        tracker.settle_at(settled)
    return tracker


def _apply(tracker: InventoryTracker, fill: Fill) -> None:
    try:
        tracker.apply_fill(fill.side, fill.quantity, fill.price, fill.action, fill.fee)
    except ValueError as exc:
        raise JournalError(
            f"fill {fill.fill_id} of {fill.market_id} does not apply to the journaled"
            f" inventory: {exc}"
        ) from exc


def _where(*clauses: tuple[str, object | None]) -> tuple[str, list[object]]:
    used = [(sql, value) for sql, value in clauses if value is not None]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(sql for sql, _ in used), [v for _, v in used]


def _event_records(rows: Sequence[sqlite3.Row]) -> list[OrderEventRecord]:
    return [
        OrderEventRecord(
            seq=r["seq"],
            client_order_id=ClientOrderId(r["client_order_id"]),
            event=r["event"],
            status=OrderStatus(r["status_after"]),
            filled_quantity=Decimal(r["filled_quantity"]),
            at=dt_req(r["at"]),
            reason=r["reason"],
        )
        for r in rows
    ]

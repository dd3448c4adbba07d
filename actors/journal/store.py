"""The journal's SQLite store: one file in WAL mode, written by one ``Journal`` (owned by
the JournalActor) and read by any number of read-only ones, in this process or another
(``predmm status`` while the daemon runs).

Durability: ``synchronous=NORMAL`` by default. In WAL mode a committed transaction then
survives the death of the process (SIGKILL, the fault model's case) and the file is never
corrupted; only a power loss or OS crash may roll back the last few commits, and those are
recovered like any crash: the fill cursor commits with its fills, so fills after it are
fetched again from the venue, and open orders are reconciled against the venue.
``commit(durable=True)`` (Flush, shutdown) fsyncs the log so that even a power loss keeps
everything before it. Pass ``synchronous="FULL"`` to fsync every commit.

Beside this module: the schema and its versions in ``schema``, the rows as values
(money as TEXT decimals, times as fixed-width UTC text) in ``journal_records``, the reads
in ``journal_queries``, ``predmm status``'s summary in ``journal_status`` and start-up
recovery against the venues in ``journal_recovery``.
"""

from __future__ import annotations

import contextlib
import enum
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from predmm.actors.journal.annotations import JournalAnnotations
from predmm.actors.journal.history import JournalHistory
from predmm.actors.journal.queries import JournalQueries
from predmm.actors.journal.records import (
    CORRECTION,
    INSERT_EVENT,
    INSERT_FILL,
    INSERT_INTENT,
    UPSERT_ORDER,
    PositionRecord,
    cursor_key,
    event_params,
    fill_params,
    money,
    opt_id,
    opt_money,
    order_params,
    ts,
)
from predmm.actors.journal.rewards import record_sample
from predmm.actors.journal.schema import (
    JournalError,
    check_identity,
    check_version,
    migrate,
    user_version,
)
from predmm.actors.journal.status import JournalStatus, journal_status
from predmm.domain.enums import OrderStatus, TradingState, Venue
from predmm.domain.events import Settlement
from predmm.domain.ids import ClientOrderId, EventId, MarketId, VenueOrderId
from predmm.domain.market import Rewards
from predmm.domain.orders import Fill, Order, OrderEvent
from predmm.strategies.day_loss import DayBaseline
from predmm.strategies.fills import SettledPosition, settle_fills
from predmm.strategies.reward_score import RewardSample

_SYNC_LEVELS = ("NORMAL", "FULL", "EXTRA")


class FillOutcome(enum.Enum):
    INSERTED = "inserted"
    DUPLICATE = "duplicate"  # the same venue fill id is journaled already: nothing changed
    CONFIRMED = "confirmed"  # a provisional fill journaled earlier is now confirmed
    REVERSED = "reversed"  # marked reversed (inserted as reversed if it was unknown)
    ALREADY_REVERSED = "already_reversed"


# the store -----------------------------------------------------------------------------


class Journal(JournalQueries, JournalHistory, JournalAnnotations):
    """One connection to the journal file. Writers: exactly one (the JournalActor), made
    with ``Journal.open``; readers: ``Journal.open_read_only``, any number, any process.
    A ``Journal`` is used from the thread that opened it. Its reads are those of
    ``JournalQueries``."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, read_only: bool) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._in_atomic = False

    # opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, synchronous: str = "NORMAL") -> Journal:
        """Open (creating or migrating) the journal for writing."""
        if synchronous.upper() not in _SYNC_LEVELS:
            raise JournalError(f"synchronous must be one of {_SYNC_LEVELS}, got {synchronous!r}")
        path = Path(path)
        conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        conn.row_factory = sqlite3.Row
        try:
            check_identity(conn, path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, read_only=False)

    @classmethod
    def open_read_only(cls, path: str | Path) -> Journal:
        """Open an existing journal for reading only (safe while the daemon writes)."""
        path = Path(path)
        if not path.is_file():
            raise JournalError(f"no journal at {path}")
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        conn.row_factory = sqlite3.Row
        try:
            check_identity(conn, path)
            check_version(conn, path)
            conn.execute("PRAGMA query_only=ON")
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, read_only=True)

    def close(self) -> None:
        """Close; a transaction still open is rolled back (use ``commit`` first)."""
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return user_version(self._conn)

    # transactions ----------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything inside happens whole or not at all (a savepoint inside the current
        transaction, which is begun if none is open). Nothing is committed here: see
        ``commit``; ``transaction`` does both."""
        self._require_writer()
        if self._in_atomic:  # the outer block is whole already, this one with it
            yield
            return
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute("SAVEPOINT whole")
        self._in_atomic = True
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:  # some errors (disk full) end it already
                self._conn.execute("ROLLBACK TO whole")
                self._conn.execute("RELEASE whole")
            raise
        else:
            self._conn.execute("RELEASE whole")
        finally:
            self._in_atomic = False

    @contextlib.contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[None]:
        """``atomic`` and then ``commit``."""
        with self.atomic():
            yield
        self.commit(durable=durable)

    def commit(self, *, durable: bool = False) -> None:
        """Commit what is pending. ``durable``: also fsync the log, so that everything
        committed so far survives a power loss (not only a process crash)."""
        self._require_writer()
        if self._in_atomic:
            raise JournalError("commit inside an atomic block would split it")
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")
        if durable:
            self._durable_mark()

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _durable_mark(self) -> None:
        # The safety level cannot change inside a transaction: write one small row in a
        # FULL transaction, whose commit fsyncs the whole log (every earlier commit too).
        level = self._conn.execute("PRAGMA synchronous").fetchone()[0]
        self._conn.execute("PRAGMA synchronous=FULL")
        try:
            now = ts(datetime.now(UTC))
            self._conn.execute("BEGIN IMMEDIATE")
            self._put("last_durable_commit", now, now)
            self._conn.execute("COMMIT")
        finally:
            self._conn.execute(f"PRAGMA synchronous={int(level)}")

    def _require_writer(self) -> None:
        if self.read_only:
            raise JournalError(f"journal {self.path} is open read-only")

    # writes (each one whole, inside the current transaction) ------------------------------

    def record_run(
        self, *, run_id: str, started_at: datetime, config_digest: str, mode: str, pid: int
    ) -> None:
        with self.atomic():
            self._conn.execute(
                "INSERT INTO runs (run_id, started_at, config_digest, mode, pid)"
                " VALUES (?, ?, ?, ?, ?)",
                (run_id, ts(started_at), config_digest, mode, pid),
            )

    def record_run_end(self, *, run_id: str, stopped_at: datetime, reason: str = "") -> None:
        with self.atomic():
            cur = self._conn.execute(
                "UPDATE runs SET stopped_at = ?, stop_reason = ? WHERE run_id = ?",
                (ts(stopped_at), reason, run_id),
            )
            if cur.rowcount != 1:
                raise JournalError(f"run_id {run_id!r}: no such run in the journal")

    def record_order(self, order: Order, *, at: datetime, event: OrderEvent | None = None) -> None:
        """Insert or replace the order's row, and append an order event (``event`` or
        ``"snapshot"``) with its status after."""
        self.record_orders([(order, event)], at=at)

    def record_orders(
        self, changes: Sequence[tuple[Order, OrderEvent | None]], *, at: datetime
    ) -> None:
        """``record_order`` for each change, in their order, whole or not at all: one
        statement for the rows and one for the events, however many changes."""
        stamp = ts(at)
        with self.atomic():
            self._conn.executemany(
                UPSERT_ORDER, [order_params(order, stamp) for order, _ in changes]
            )
            self._conn.executemany(
                INSERT_EVENT,
                [
                    event_params(
                        order.client_order_id,
                        "snapshot" if event is None else event.value,
                        order.status,
                        order.filled_quantity,
                        stamp,
                        order.reason,
                    )
                    for order, event in changes
                ],
            )

    def record_intents(self, orders: Sequence[Order], *, at: datetime) -> None:
        """Orders about to be sent (write-ahead), each with the venue's id when its
        client knows it before sending: a new row for an order the journal does not
        hold; one it holds keeps its state and learns the venue's id."""
        stamp = ts(at)
        with self.atomic():
            self._conn.executemany(INSERT_INTENT, [order_params(o, stamp) for o in orders])

    def record_correction(self, order: Order, *, at: datetime, what: str) -> None:
        """A correction a reconciliation made to an order during a run: the order's row
        as it is after it, and a ``correction`` event whose reason says what was wrong
        and what was done."""
        stamp = ts(at)
        with self.atomic():
            self._conn.execute(UPSERT_ORDER, order_params(order, stamp))
            self._conn.execute(
                INSERT_EVENT,
                event_params(
                    order.client_order_id,
                    CORRECTION,
                    order.status,
                    order.filled_quantity,
                    stamp,
                    what,
                ),
            )

    def record_order_event(
        self,
        *,
        client_order_id: ClientOrderId,
        event: OrderEvent,
        status: OrderStatus,
        at: datetime,
        filled_quantity: Decimal | None = None,
        venue_order_id: VenueOrderId | None = None,
        reason: str = "",
    ) -> None:
        """Append an event to a journaled order and move its row to ``status``."""
        with self.atomic():
            row = self._conn.execute(
                "SELECT filled_quantity FROM orders WHERE client_order_id = ?",
                (str(client_order_id),),
            ).fetchone()
            if row is None:
                raise JournalError(f"client_order_id {client_order_id}: no such order journaled")
            filled = Decimal(row[0]) if filled_quantity is None else filled_quantity
            self._conn.execute(
                "UPDATE orders SET status = ?, filled_quantity = ?, updated_at = ?,"
                " venue_order_id = COALESCE(?, venue_order_id),"
                " reason = CASE WHEN ? = '' THEN reason ELSE ? END"
                " WHERE client_order_id = ?",
                (
                    status.value,
                    money(filled),
                    ts(at),
                    opt_id(venue_order_id),
                    reason,
                    reason,
                    str(client_order_id),
                ),
            )
            self._append_event(client_order_id, event.value, status, filled, at, reason)

    def record_execution_step(
        self, execution_id: str, strategy: str, step: str, detail: str, *, at: datetime
    ) -> None:
        """One step of an execution of the executor."""
        with self.atomic():
            self._conn.execute(
                "INSERT INTO executions (execution_id, strategy, step, detail, at)"
                " VALUES (?, ?, ?, ?, ?)",
                (execution_id, strategy, step, detail, ts(at)),
            )

    def record_fill(self, fill: Fill, *, at: datetime, cursor: str | None = None) -> FillOutcome:
        """Journal a fill once per (venue, fill id); ``at`` is its receive time when the
        fill has none. ``cursor``: the venue's fill cursor after this fill, saved with it."""
        with self.atomic():
            outcome = self._insert_fill(fill, at)
            if outcome is FillOutcome.INSERTED:
                self._resettle(fill.market_id)
            if cursor is not None:
                self.set_cursor(fill.market_id.venue, cursor, at=at)
            return outcome

    def record_fill_reversal(self, fill: Fill, *, at: datetime, reason: str = "") -> FillOutcome:
        """Mark a fill reversed (a Polymarket FAILED trade): it no longer counts in
        inventory. An unknown fill is journaled as reversed, so a late copy of it stays
        out."""
        with self.atomic():
            key = (fill.market_id.venue.value, str(fill.fill_id))
            row = self._conn.execute(
                "SELECT reversed_at FROM fills WHERE venue = ? AND fill_id = ?", key
            ).fetchone()
            if row is not None and row[0] is not None:
                return FillOutcome.ALREADY_REVERSED
            if row is None:
                self._insert_fill(fill, at)
            self._conn.execute(
                "UPDATE fills SET reversed_at = ?, reversal_reason = ?"
                " WHERE venue = ? AND fill_id = ?",
                (ts(at), reason, *key),
            )
            self._resettle(fill.market_id)
            return FillOutcome.REVERSED

    def record_position(self, position: PositionRecord) -> None:
        """Save a market's position snapshot (its owner's view, with its event link)."""
        p = position
        with self.atomic():
            self._conn.execute(
                "INSERT OR REPLACE INTO positions (market_id, venue, event_id, yes_contracts,"
                " no_contracts, avg_yes_price, avg_no_price, realized_pnl, fees_paid,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(p.market_id),
                    p.market_id.venue.value,
                    opt_id(p.event_id),
                    *map(money, (p.yes_contracts, p.no_contracts, p.avg_yes_price)),
                    *map(money, (p.avg_no_price, p.realized_pnl, p.fees_paid)),
                    ts(p.updated_at),
                ),
            )

    def record_restart(
        self, *, market_id: MarketId, at: datetime, reason: str, attempt: int, quarantined: bool
    ) -> None:
        with self.atomic():
            self._conn.execute(
                "INSERT INTO restarts (market_id, at, reason, attempt, quarantined)"
                " VALUES (?, ?, ?, ?, ?)",
                (str(market_id), ts(at), reason, attempt, int(quarantined)),
            )

    def record_trading_state(
        self, *, state: TradingState, at: datetime, reason: str = "", operator: str = ""
    ) -> None:
        """A change of the trading state; ``operator``: who made it by hand ('' if the
        kill switch or the engine did)."""
        with self.atomic():
            self._conn.execute(
                "INSERT INTO trading_states (state, reason, at, operator) VALUES (?, ?, ?, ?)",
                (state.value, reason, ts(at), operator),
            )

    def record_settlement(self, settled: SettledPosition, *, at: datetime) -> bool:
        """Journal a market's resolution and the position it settled, once per market
        (a second one, from the stream and the poll or across restarts, changes nothing);
        whether it was new."""
        s = settled.settlement
        with self.atomic():
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO settlements (market_id, venue, outcome, yes_payout,"
                " no_payout, yes_contracts, no_contracts, payout, realized_pnl, venue_ts,"
                " recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(s.market_id),
                    s.market_id.venue.value,
                    s.outcome,
                    *map(money, (s.yes_payout, s.no_payout)),
                    *map(money, (settled.yes_contracts, settled.no_contracts)),
                    *map(money, (settled.payout, settled.realized_pnl)),
                    None if s.venue_ts is None else ts(s.venue_ts),
                    ts(at),
                    s.source,
                ),
            )
            return cur.rowcount == 1

    def _resettle(self, market_id: MarketId) -> None:
        """A settled market's fill journaled (made before the resolution, told after it:
        a stream late with it, the fills read at a restart) or reversed after its
        settlement: the settlement's contracts, payout and PnL are worked out again from
        the market's fills, so that they stay what the venue paid."""
        row = self._conn.execute(
            "SELECT yes_payout FROM settlements WHERE market_id = ?", (str(market_id),)
        ).fetchone()
        if row is None:
            return
        settlement = Settlement(market_id=market_id, yes_payout=Decimal(row[0]))
        fills = (jf.fill for jf in self.fills(market_id=market_id) if not jf.is_reversed)
        settled = settle_fills(settlement, fills)
        self._conn.execute(
            "UPDATE settlements SET yes_contracts = ?, no_contracts = ?, payout = ?,"
            " realized_pnl = ? WHERE market_id = ?",
            (
                *map(money, (settled.yes_contracts, settled.no_contracts)),
                *map(money, (settled.payout, settled.realized_pnl)),
                str(market_id),
            ),
        )

    def record_day_baseline(self, baseline: DayBaseline) -> None:
        """Save the day's baseline (replacing an earlier one of the same day: a holding
        that got its first mark since)."""
        day = baseline.day.isoformat()
        with self.atomic():
            self._conn.execute("DELETE FROM day_holdings WHERE day = ?", (day,))
            self._conn.execute(
                "INSERT OR REPLACE INTO day_baselines (day, realized_pnl, taken_at)"
                " VALUES (?, ?, ?)",
                (day, money(baseline.realized_pnl), ts(baseline.taken_at)),
            )
            self._conn.executemany(
                "INSERT INTO day_holdings (day, market_id, yes_contracts, no_contracts,"
                " avg_yes_price, avg_no_price, mark) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        day,
                        str(h.market_id),
                        *map(money, (h.yes_contracts, h.no_contracts)),
                        *map(money, (h.avg_yes_price, h.avg_no_price)),
                        opt_money(h.mark),
                    )
                    for h in baseline.holdings
                ],
            )

    def record_reward_sample(
        self, market_id: MarketId, rewards: Rewards, sample: RewardSample, slot: int
    ) -> bool:
        """Add a rewards sample to its day's row (``actors.journal.rewards``); False for a
        slot already counted."""
        with self.atomic():
            return record_sample(self._conn, market_id, rewards, sample, slot)

    def set_cursor(self, venue: Venue, cursor: str, *, at: datetime) -> None:
        with self.atomic():
            self._put(cursor_key(venue), cursor, ts(at))

    def put(self, key: str, value: str, *, at: datetime) -> None:
        """One value of the key/value table (``actors.journal.notes``)."""
        with self.atomic():
            self._put(key, value, ts(at))

    def _put(self, key: str, value: str, at: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES (?, ?, ?)", (key, value, at)
        )

    def _append_event(
        self,
        client_order_id: ClientOrderId,
        event: str,
        status: OrderStatus,
        filled: Decimal,
        at: datetime,
        reason: str,
    ) -> None:
        self._conn.execute(
            INSERT_EVENT, event_params(client_order_id, event, status, filled, ts(at), reason)
        )

    def _insert_fill(self, fill: Fill, at: datetime) -> FillOutcome:
        venue, fill_id = fill.market_id.venue.value, str(fill.fill_id)
        cur = self._conn.execute(INSERT_FILL, fill_params(fill, at))
        if cur.rowcount == 1:
            return FillOutcome.INSERTED
        if fill.provisional:
            return FillOutcome.DUPLICATE
        cur = self._conn.execute(
            "UPDATE fills SET provisional = 0 WHERE venue = ? AND fill_id = ? AND provisional = 1",
            (venue, fill_id),
        )
        return FillOutcome.CONFIRMED if cur.rowcount == 1 else FillOutcome.DUPLICATE

    # status ----------------------------------------------------------------------------

    def status(
        self,
        *,
        marks: dict[MarketId, Decimal] | None = None,
        events: dict[MarketId, EventId] | None = None,
    ) -> JournalStatus:
        """See ``journal_status``."""
        with self.snapshot():
            return journal_status(self, marks=marks, events=events)

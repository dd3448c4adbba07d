"""The journal file's schema and its versions: the tables (``MIGRATIONS``, one per
version, each run in its own transaction), the ``application_id`` that marks a file as a
predmm journal, and the checks a file passes before it is read or written
(``check_identity``, ``check_version`` for readers, ``migrate`` for the writer), with the
errors they raise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from predmm.domain.errors import PredmmError

SCHEMA_VERSION = 14
APPLICATION_ID = 0x70726D6D  # "prmm": marks a file as a predmm journal


class JournalError(PredmmError):
    """The journal file cannot be used as asked (missing, foreign, corrupt, misused)."""


class JournalVersionError(JournalError):
    """The journal's schema is newer than this code (or too old to read without migrating)."""


_SCHEMA_V1 = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    stopped_at TEXT,
    stop_reason TEXT NOT NULL DEFAULT '',
    config_digest TEXT NOT NULL,
    mode TEXT NOT NULL,
    pid INTEGER NOT NULL
);
CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY,
    venue TEXT NOT NULL,
    market_id TEXT NOT NULL,
    side TEXT NOT NULL,
    action TEXT NOT NULL,
    order_type TEXT NOT NULL,
    time_in_force TEXT NOT NULL,
    post_only INTEGER NOT NULL,
    price TEXT NOT NULL CHECK (typeof(price) = 'text'),
    quantity TEXT NOT NULL CHECK (typeof(quantity) = 'text'),
    status TEXT NOT NULL,
    filled_quantity TEXT NOT NULL CHECK (typeof(filled_quantity) = 'text'),
    venue_order_id TEXT,
    created_at TEXT,
    updated_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX orders_by_status ON orders (status, venue);
CREATE TABLE order_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
    event TEXT NOT NULL,
    status_after TEXT NOT NULL,
    filled_quantity TEXT NOT NULL CHECK (typeof(filled_quantity) = 'text'),
    at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_events_by_order ON order_events (client_order_id, seq);
CREATE TABLE fills (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    venue TEXT NOT NULL,
    fill_id TEXT NOT NULL,
    market_id TEXT NOT NULL,
    side TEXT NOT NULL,
    action TEXT NOT NULL,
    price TEXT NOT NULL CHECK (typeof(price) = 'text'),
    quantity TEXT NOT NULL CHECK (typeof(quantity) = 'text'),
    fee TEXT NOT NULL CHECK (typeof(fee) = 'text'),
    is_taker INTEGER NOT NULL,
    provisional INTEGER NOT NULL,
    client_order_id TEXT,
    venue_order_id TEXT,
    venue_ts TEXT,
    received_at TEXT NOT NULL,
    reversed_at TEXT,
    reversal_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (venue, fill_id)
);
CREATE INDEX fills_by_market ON fills (market_id, seq);
CREATE TABLE positions (
    market_id TEXT PRIMARY KEY,
    venue TEXT NOT NULL,
    event_id TEXT,
    yes_contracts TEXT NOT NULL CHECK (typeof(yes_contracts) = 'text'),
    no_contracts TEXT NOT NULL CHECK (typeof(no_contracts) = 'text'),
    avg_yes_price TEXT NOT NULL CHECK (typeof(avg_yes_price) = 'text'),
    avg_no_price TEXT NOT NULL CHECK (typeof(avg_no_price) = 'text'),
    realized_pnl TEXT NOT NULL CHECK (typeof(realized_pnl) = 'text'),
    fees_paid TEXT NOT NULL CHECK (typeof(fees_paid) = 'text'),
    updated_at TEXT NOT NULL
);
CREATE TABLE restarts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    market_id TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    quarantined INTEGER NOT NULL
);
CREATE TABLE trading_states (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def _create_v1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)


_SCHEMA_V3 = """
CREATE TABLE settlements (
    market_id TEXT PRIMARY KEY,
    venue TEXT NOT NULL,
    outcome TEXT NOT NULL,
    yes_payout TEXT NOT NULL CHECK (typeof(yes_payout) = 'text'),
    no_payout TEXT NOT NULL CHECK (typeof(no_payout) = 'text'),
    yes_contracts TEXT NOT NULL CHECK (typeof(yes_contracts) = 'text'),
    no_contracts TEXT NOT NULL CHECK (typeof(no_contracts) = 'text'),
    payout TEXT NOT NULL CHECK (typeof(payout) = 'text'),
    realized_pnl TEXT NOT NULL CHECK (typeof(realized_pnl) = 'text'),
    venue_ts TEXT,
    recorded_at TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE day_baselines (
    day TEXT PRIMARY KEY,
    realized_pnl TEXT NOT NULL CHECK (typeof(realized_pnl) = 'text'),
    taken_at TEXT NOT NULL
);
CREATE TABLE day_holdings (
    day TEXT NOT NULL REFERENCES day_baselines (day),
    market_id TEXT NOT NULL,
    yes_contracts TEXT NOT NULL CHECK (typeof(yes_contracts) = 'text'),
    no_contracts TEXT NOT NULL CHECK (typeof(no_contracts) = 'text'),
    avg_yes_price TEXT NOT NULL CHECK (typeof(avg_yes_price) = 'text'),
    avg_no_price TEXT NOT NULL CHECK (typeof(avg_no_price) = 'text'),
    mark TEXT CHECK (mark IS NULL OR typeof(mark) = 'text'),
    PRIMARY KEY (day, market_id)
);
"""


# 11: what the operator's reports read besides the trading records: each market's title,
# event (the venue's, and the cross-venue link's), tick and close time (markets), its
# marks over time (marks) and at fixed times after each fill (fill_marks), each venue's
# cash at the start and end of a run (balances), and what a run traded with
# (runs.strategy, runs.source, runs.settings).
_SCHEMA_V11 = """
CREATE TABLE markets (
    market_id TEXT PRIMARY KEY,
    venue TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    event_id TEXT,
    linked_event TEXT,
    tick TEXT CHECK (tick IS NULL OR typeof(tick) = 'text'),
    close_time TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE marks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    market_id TEXT NOT NULL,
    mark TEXT NOT NULL CHECK (typeof(mark) = 'text'),
    at TEXT NOT NULL
);
CREATE INDEX marks_by_market ON marks (market_id, at);
CREATE TABLE fill_marks (
    venue TEXT NOT NULL,
    fill_id TEXT NOT NULL,
    horizon REAL NOT NULL,
    mark TEXT NOT NULL CHECK (typeof(mark) = 'text'),
    PRIMARY KEY (venue, fill_id, horizon)
);
CREATE TABLE balances (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    venue TEXT NOT NULL,
    moment TEXT NOT NULL,
    cash TEXT CHECK (cash IS NULL OR typeof(cash) = 'text'),
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
ALTER TABLE runs ADD COLUMN strategy TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN settings TEXT NOT NULL DEFAULT ''
"""


_SCHEMA_V12 = """
ALTER TABLE orders ADD COLUMN strategy TEXT NOT NULL DEFAULT '';
ALTER TABLE fills ADD COLUMN strategy TEXT NOT NULL DEFAULT '';
CREATE INDEX fills_by_strategy ON fills (strategy, market_id);
CREATE TABLE executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    step TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX executions_by_id ON executions (execution_id, seq);
"""


_SCHEMA_V14 = """
CREATE TABLE reward_estimates (
    day TEXT NOT NULL,
    market_id TEXT NOT NULL,
    venue TEXT NOT NULL,
    dollars TEXT NOT NULL CHECK (typeof(dollars) = 'text'),
    samples INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    in_band INTEGER NOT NULL,
    share_sum TEXT NOT NULL CHECK (typeof(share_sum) = 'text'),
    daily_rate TEXT NOT NULL CHECK (typeof(daily_rate) = 'text'),
    rebate_share TEXT NOT NULL CHECK (typeof(rebate_share) = 'text'),
    fee_rate TEXT NOT NULL CHECK (typeof(fee_rate) = 'text'),
    fee_exponent INTEGER NOT NULL,
    last_slot INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (day, market_id)
);
"""


def _statements(script: str) -> Callable[[sqlite3.Connection], None]:
    def run(conn: sqlite3.Connection) -> None:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)

    return run


# MIGRATIONS[n] takes a version n - 1 file to version n, inside one transaction.
# To change the schema: add MIGRATIONS[SCHEMA_VERSION + 1] and bump SCHEMA_VERSION.
# A version without an entry changes nothing here (its number is another branch's,
# reserved while several are written side by side; the numbers close up at the merge).
# 3: settlements (one row per resolved market) and the day's baseline (day_baselines,
# with the contracts held at the start of the day and their marks in day_holdings).
# 10: trading_states.operator: who changed the state by hand (``predmm halt``, ``resume``,
# ``cancel-all``: "user (uid N, pid P)"); '' for the kill switch and the engine's watch.
# 11: the operator's reports (see _SCHEMA_V11).
# 12: strategy attribution (the strategy of each order and fill; '' before: the market
# maker's) and the steps of the executor's executions (arbitrage legs, their hedges and
# unwinds, cross-venue hedges).
# 14: the rewards our quotes earn, estimated per UTC day and market (reward_estimates,
# ``actors.journal.rewards``).
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _create_v1,
    3: _statements(_SCHEMA_V3),
    10: _statements("ALTER TABLE trading_states ADD COLUMN operator TEXT NOT NULL DEFAULT ''"),
    11: _statements(_SCHEMA_V11),
    12: _statements(_SCHEMA_V12),
    14: _statements(_SCHEMA_V14),
}


# checks --------------------------------------------------------------------------------


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_identity(conn: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path} is not a predmm journal (not an SQLite file: {exc})") from None
    if app_id == APPLICATION_ID or (app_id == 0 and tables == 0):
        return
    raise JournalError(f"{path} is not a predmm journal (application_id {app_id:#x})")


def check_version(conn: sqlite3.Connection, path: Path) -> None:
    """A reader's check: the file is at SCHEMA_VERSION (only the writer migrates)."""
    version = user_version(conn)
    if version != SCHEMA_VERSION:
        raise JournalVersionError(_version_message(path, version, reading=True))


def _version_message(path: Path, version: int, *, reading: bool) -> str:
    if version > SCHEMA_VERSION:
        return (
            f"journal {path} has schema version {version}, newer than this predmm knows"
            f" ({SCHEMA_VERSION}): upgrade predmm or use another journal file"
        )
    hint = "start the daemon once to migrate it" if reading else "it cannot be migrated"
    return f"journal {path} has schema version {version}, expected {SCHEMA_VERSION}: {hint}"


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to SCHEMA_VERSION, one migration per transaction."""
    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise JournalVersionError(_version_message(path, version, reading=False))
    for target in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            step = MIGRATIONS.get(target)
            if step is not None:
                step(conn)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={target}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

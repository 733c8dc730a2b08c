"""The SQLite store's tables, created on open. Times are epoch milliseconds (UTC); daily buckets
are Europe/London dates (YYYY-MM-DD); models are kept whole as JSON next to the columns that
are searched or counted."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

VERSION = 2  # 2: decisions keep whether their notice was allowed

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    ref TEXT PRIMARY KEY,
    search_name TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS identities (
    key TEXT PRIMARY KEY,
    customer_ref TEXT NOT NULL REFERENCES customers(ref),
    representative_index INTEGER
);
CREATE INDEX IF NOT EXISTS identities_by_customer ON identities(customer_ref);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    customer_ref TEXT NOT NULL REFERENCES customers(ref),
    json TEXT NOT NULL,
    part TEXT
);
CREATE INDEX IF NOT EXISTS cases_by_customer ON cases(customer_ref);
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY,
    customer_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    external_id TEXT,
    text_for_similarity TEXT NOT NULL,
    duration_seconds INTEGER,
    json TEXT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX IF NOT EXISTS contacts_by_customer ON contacts(customer_key, received_at);
CREATE TABLE IF NOT EXISTS daily (
    customer_key TEXT NOT NULL,
    day TEXT NOT NULL,
    channel TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (customer_key, day, channel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS decisions (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL UNIQUE REFERENCES contacts(id),
    customer_key TEXT NOT NULL,
    action TEXT NOT NULL,
    json TEXT NOT NULL,
    notice_allowed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS held (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL UNIQUE REFERENCES contacts(id),
    customer_key TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    triage TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS held_by_customer ON held(customer_key, received_at);
CREATE TABLE IF NOT EXISTS flags (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    customer_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (customer_key, kind, day)
);
CREATE TABLE IF NOT EXISTS notices (
    sender_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    day TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (sender_key, channel, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_subject ON audit(subject, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
-- The snapshot generation: bumped by every write to what a snapshot is made of, whichever
-- process writes, so a cache of snapshots knows when it must forget (sqlite/snapshots.py).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('snapshots', 0);
"""

# Each write to what a snapshot is made of bumps the generation (see the table `meta` above).
SCHEMA += "".join(
    f"CREATE TRIGGER IF NOT EXISTS snapshots_{table}_{event.lower()} AFTER {event} ON {table}\n"
    "BEGIN UPDATE meta SET value = value + 1 WHERE key = 'snapshots'; END;\n"
    for table in ("customers", "identities", "cases")
    for event in ("INSERT", "UPDATE", "DELETE")
)


def connect(path: str) -> sqlite3.Connection:
    """Opens (creating if need be) the database: WAL, durable commits, foreign keys."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        (found,) = conn.execute("PRAGMA user_version").fetchone()
        if found > VERSION:
            raise sqlite3.DatabaseError(f"schema version {found} is newer than this gateway's")
        conn.executescript(f"BEGIN IMMEDIATE; {SCHEMA} COMMIT;")
        with transaction(conn):
            _migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_reader(path: str, same_thread: bool = True) -> sqlite3.Connection:
    """A second connection that only reads (the writer has created and migrated the file)."""
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=10.0 if same_thread else 0,
        check_same_thread=same_thread,
    )  # fmt: skip
    conn.execute("PRAGMA query_only = ON")
    return conn


def generation(conn: sqlite3.Connection) -> int:
    """The snapshot generation the connection sees (see SCHEMA)."""
    (value,) = conn.execute("SELECT value FROM meta WHERE key = 'snapshots'").fetchone()
    return int(value)


def _migrate(conn: sqlite3.Connection) -> None:
    """Brings a file written by an earlier version up to this one (in a write transaction)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(decisions)")}
    if "notice_allowed" not in columns:
        conn.execute("ALTER TABLE decisions ADD COLUMN notice_allowed INTEGER NOT NULL DEFAULT 0")
    conn.execute(f"PRAGMA user_version = {VERSION}")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, write: bool = True) -> Iterator[sqlite3.Connection]:
    """One transaction; a writer takes its lock up front so that it never has to upgrade."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")

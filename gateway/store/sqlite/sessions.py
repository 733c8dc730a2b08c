"""Signed-in users' sessions in the SQLite store (run in its worker thread). Times are epoch
milliseconds; a session past its expiry is never live, and is dropped when the next starts."""

from __future__ import annotations

import datetime as dt
import sqlite3

from gateway.store.sqlite.schema import transaction


def _ms(at: dt.datetime) -> int:
    return int(at.timestamp() * 1000)


def create_session(
    db: sqlite3.Connection, session_id: str, expires_at: dt.datetime, now: dt.datetime
) -> None:
    with transaction(db):
        db.execute("DELETE FROM sessions WHERE expires_at <= ?", (_ms(now),))
        db.execute(
            "INSERT OR REPLACE INTO sessions (id, expires_at) VALUES (?, ?)",
            (session_id, _ms(expires_at)),
        )


def revoke_session(db: sqlite3.Connection, session_id: str) -> None:
    with transaction(db):
        db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


def session_live(db: sqlite3.Connection, session_id: str, now: dt.datetime) -> bool:
    row = db.execute(
        "SELECT 1 FROM sessions WHERE id = ? AND expires_at > ?", (session_id, _ms(now))
    ).fetchone()
    return row is not None

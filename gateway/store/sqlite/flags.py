"""Flags, notices and the audit trail in the SQLite store (run in its worker thread)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from gateway.store import common
from gateway.store.base import AuditEntry, NotFound, StoredFlag
from gateway.store.sqlite.evidence import history_where
from gateway.store.sqlite.schema import transaction
from policy_core.models import Channel, Flag


def add_flags(
    db: sqlite3.Connection,
    customer_key: str,
    flags: list[Flag],
    on: dt.date,
    contact_id: str | None = None,
) -> list[StoredFlag]:
    stored = []
    with transaction(db):
        for item in common.new_flags(customer_key, flags, on, contact_id):
            added = db.execute(
                "INSERT INTO flags (id, customer_key, kind, day, json) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (customer_key, kind, day) DO NOTHING",
                (item.id, customer_key, item.kind.value, on.isoformat(), _flag_json(item)),
            )
            if added.rowcount == 1:
                stored.append(item)
    return stored


def _flag_json(item: StoredFlag) -> str:
    return item.model_dump_json(fallback=str)


def acknowledge_flag(db: sqlite3.Connection, flag_id: str, actor: str) -> StoredFlag:
    with transaction(db):
        row = db.execute("SELECT json FROM flags WHERE id = ?", (flag_id,)).fetchone()
        if row is None:
            raise NotFound(f"no flag {flag_id}")
        item = StoredFlag.model_validate_json(row[0])
        if item.acknowledged_by is None:
            item = item.model_copy(update={"acknowledged_by": actor})
            db.execute("UPDATE flags SET json = ? WHERE id = ?", (_flag_json(item), flag_id))
    return item


def list_flags(db: sqlite3.Connection, customer_key: str | None = None) -> list[StoredFlag]:
    with transaction(db, write=False):
        where, keys = history_where(db, customer_key)
        rows = db.execute(f"SELECT json FROM flags {where} ORDER BY seq DESC", keys).fetchall()
    return [StoredFlag.model_validate_json(blob) for (blob,) in rows]


def audit(db: sqlite3.Connection, entry: AuditEntry) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO audit (subject, json) VALUES (?, ?)",
            (entry.subject, entry.model_dump_json(fallback=str)),
        )


def audit_trail(db: sqlite3.Connection, subject: str | None = None) -> list[AuditEntry]:
    if subject is None:
        rows = db.execute("SELECT json FROM audit ORDER BY seq")
    else:
        rows = db.execute("SELECT json FROM audit WHERE subject = ? ORDER BY seq", (subject,))
    return [AuditEntry.model_validate_json(blob) for (blob,) in rows]


def count_notice(
    db: sqlite3.Connection, sender_key: str, channel: Channel, on: dt.date, limit: int
) -> bool:
    """Counts one notice unless today's `limit` is reached (inside a write transaction)."""
    subject = (sender_key, channel.value, on.isoformat())
    row = db.execute(
        "SELECT count FROM notices WHERE sender_key = ? AND channel = ? AND day = ?", subject
    ).fetchone()
    if (0 if row is None else row[0]) >= limit:
        return False
    db.execute(
        "INSERT INTO notices (sender_key, channel, day, count) VALUES (?, ?, ?, 1) "
        "ON CONFLICT DO UPDATE SET count = count + 1",
        subject,
    )
    return True

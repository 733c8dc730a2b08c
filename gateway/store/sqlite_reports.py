"""The SQLite store's work off the hot path: flags, notices, evidence and reports, the held
queue and the audit trail, done in its one worker thread (one transaction each, reads included,
so that they see one consistent state)."""

from __future__ import annotations

import datetime as dt
import sqlite3

from gateway.store import common
from gateway.store.base import (
    AuditEntry,
    DailyCount,
    HeldItem,
    NotFound,
    StoredDecision,
    StoredFlag,
)
from gateway.store.sqlite_ops import DECIDED, stored_decision
from gateway.store.sqlite_schema import transaction
from policy_core.models import Channel, Flag


def add_flags(
    db: sqlite3.Connection,
    customer_key: str,
    flags: list[Flag],
    on: dt.date,
    contact_id: str | None,
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


def allow_notice(
    db: sqlite3.Connection, sender_key: str, channel: Channel, on: dt.date, limit: int
) -> bool:
    subject = (sender_key, channel.value, on.isoformat())
    with transaction(db):
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


def list_flags(db: sqlite3.Connection, customer_key: str | None) -> list[StoredFlag]:
    with transaction(db, write=False):
        where, keys = _of_customer(db, customer_key)
        rows = db.execute(f"SELECT json FROM flags {where} ORDER BY seq DESC", keys).fetchall()
    return [StoredFlag.model_validate_json(blob) for (blob,) in rows]


def _of_customer(
    db: sqlite3.Connection, customer_key: str | None, column: str = "customer_key"
) -> tuple[str, list[str]]:
    """The WHERE clause for one customer's history: their ref and what their own addresses
    sent before being linked to them."""
    if customer_key is None:
        return "WHERE 1", []
    rows = db.execute(
        "SELECT key FROM identities WHERE customer_ref = ? AND representative_index IS NULL",
        (customer_key,),
    )
    keys = [customer_key, *(key for (key,) in rows)]
    return f"WHERE {column} IN ({', '.join('?' * len(keys))})", keys


def contacts(db: sqlite3.Connection, customer_key: str, limit: int) -> list[StoredDecision]:
    with transaction(db, write=False):
        where, keys = _of_customer(db, customer_key, "c.customer_key")
        rows = db.execute(
            f"SELECT {DECIDED} FROM decisions d JOIN contacts c ON c.id = d.contact_id {where} "
            "ORDER BY c.received_at DESC, c.id DESC LIMIT ?",
            [*keys, limit],
        ).fetchall()
    return [stored_decision(row) for row in rows]


def daily_counts(
    db: sqlite3.Connection, customer_key: str, since: dt.date, until: dt.date
) -> list[DailyCount]:
    with transaction(db, write=False):
        where, keys = _of_customer(db, customer_key)
        rows = db.execute(
            f"SELECT day, channel, sum(count) FROM daily {where} AND day BETWEEN ? AND ? "
            "GROUP BY day, channel ORDER BY day, channel",
            [*keys, since.isoformat(), until.isoformat()],
        ).fetchall()
    return [
        DailyCount(day=dt.date.fromisoformat(day), channel=Channel(channel), count=count)
        for day, channel, count in rows
    ]


def set_duration(db: sqlite3.Connection, channel: Channel, external_id: str, seconds: int) -> bool:
    with transaction(db):
        updated = db.execute(
            "UPDATE contacts SET duration_seconds = ? WHERE channel = ? AND external_id = ?",
            (seconds, channel.value, external_id),
        )
    return updated.rowcount == 1


def held(db: sqlite3.Connection, customer_key: str | None, pending_only: bool) -> list[HeldItem]:
    with transaction(db, write=False):
        where, keys = _of_customer(db, customer_key)
        if pending_only:
            where += " AND triage = 'pending'"
        rows = db.execute(
            f"SELECT json FROM held {where} ORDER BY received_at, id", keys
        ).fetchall()
    return [HeldItem.model_validate_json(blob) for (blob,) in rows]


def triage(db: sqlite3.Connection, held_id: str, outcome: str, actor: str, note: str) -> HeldItem:
    with transaction(db):
        row = db.execute("SELECT json FROM held WHERE id = ?", (held_id,)).fetchone()
        if row is None:
            raise NotFound(f"no held contact {held_id}")
        item = HeldItem.model_validate_json(row[0]).model_copy(
            update={"triage": outcome, "triaged_by": actor, "note": note}
        )
        db.execute(
            "UPDATE held SET triage = ?, json = ? WHERE id = ?",
            (outcome, item.model_dump_json(fallback=str), held_id),
        )
    return item


def audit(db: sqlite3.Connection, entry: AuditEntry) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO audit (subject, json) VALUES (?, ?)",
            (entry.subject, entry.model_dump_json(fallback=str)),
        )


def audit_trail(db: sqlite3.Connection, subject: str | None) -> list[AuditEntry]:
    if subject is None:
        rows = db.execute("SELECT json FROM audit ORDER BY seq")
    else:
        rows = db.execute("SELECT json FROM audit WHERE subject = ? ORDER BY seq", (subject,))
    return [AuditEntry.model_validate_json(blob) for (blob,) in rows]

"""Evidence in the SQLite store (run in its worker thread, one transaction each, reads
included, so that each sees one consistent state): the contact log, daily counts, call
durations and the held queue."""

from __future__ import annotations

import datetime as dt
import sqlite3

from gateway.store import common
from gateway.store.base import DailyCount, HeldItem, NotFound, StoredDecision
from gateway.store.sqlite.schema import transaction
from policy_core.models import Channel

# The columns stored_decision reads, in its order.
DECIDED = (
    "c.id, c.customer_key, c.channel, c.received_at, d.json, c.duration_seconds, d.notice_allowed"
)


def stored_decision(row: tuple[object, ...]) -> StoredDecision:
    contact_id, key, channel, at, decision, duration, notice = row
    return common.stored_decision(
        str(contact_id), str(key), str(channel), str(at), str(decision),
        None if duration is None else str(duration), str(notice),
    )  # fmt: skip


def history_where(
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


def contacts(db: sqlite3.Connection, customer_key: str, limit: int = 100) -> list[StoredDecision]:
    with transaction(db, write=False):
        where, keys = history_where(db, customer_key, "c.customer_key")
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
        where, keys = history_where(db, customer_key)
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


def held(
    db: sqlite3.Connection, customer_key: str | None = None, pending_only: bool = False
) -> list[HeldItem]:
    with transaction(db, write=False):
        where, keys = history_where(db, customer_key)
        if pending_only:
            where += " AND triage = 'pending'"
        rows = db.execute(
            f"SELECT json FROM held {where} ORDER BY received_at, id", keys
        ).fetchall()
    return [HeldItem.model_validate_json(blob) for (blob,) in rows]


def triage(
    db: sqlite3.Connection, held_id: str, outcome: str, actor: str, note: str = ""
) -> HeldItem:
    common.check_outcome(outcome)
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

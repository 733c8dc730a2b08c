"""The SQLite store's work on customers, cases and the hot path, done in its one worker thread:
each public function is one transaction on the store's connection, but for the `..._in` ones,
which work inside a transaction already open (`sqlite_batch` records contacts with them)."""

from __future__ import annotations

import sqlite3

from gateway.store import common
from gateway.store.base import (
    Arrival,
    IdentityConflict,
    NotFound,
    StoredDecision,
    Windows,
)
from gateway.store.snapshots import SnapshotMemo, case_part
from gateway.store.sqlite_schema import transaction
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import (
    Channel,
    Contact,
    Customer,
    Decision,
    RecentContacts,
    Snapshot,
)


def put_customer(db: sqlite3.Connection, customer: Customer) -> None:
    bound = common.bindings(customer)
    with transaction(db):
        for key, (identity, _) in bound.items():
            row = db.execute("SELECT customer_ref FROM identities WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] != customer.ref:
                raise IdentityConflict(identity, row[0])
        db.execute(
            "INSERT INTO customers (ref, search_name, json) VALUES (?, ?, ?) ON CONFLICT (ref) "
            "DO UPDATE SET search_name = excluded.search_name, json = excluded.json",
            (customer.ref, common.search_name(customer.name), customer.model_dump_json()),
        )
        db.execute("DELETE FROM identities WHERE customer_ref = ?", (customer.ref,))
        db.executemany(
            "INSERT INTO identities (key, customer_ref, representative_index) VALUES (?, ?, ?)",
            [(key, customer.ref, index) for key, (_, index) in bound.items()],
        )


def get_customer(db: sqlite3.Connection, ref: str) -> Customer | None:
    row = db.execute("SELECT json FROM customers WHERE ref = ?", (ref,)).fetchone()
    return None if row is None else Customer.model_validate_json(row[0])


def find_customers(db: sqlite3.Connection, query: str, limit: int) -> list[Customer]:
    text = query.strip()
    found: dict[str, str] = {}
    with transaction(db, write=False):
        rows = db.execute("SELECT ref, json FROM customers WHERE ref = ? COLLATE NOCASE", (text,))
        found.update(rows.fetchall())
        identity = _identity_in(text)
        if identity is not None:
            rows = db.execute(
                "SELECT c.ref, c.json FROM identities i JOIN customers c ON c.ref = i.customer_ref "
                "WHERE i.key = ?",
                (identity.key,),
            )
            found.update(rows.fetchall())
        rows = db.execute(
            "SELECT ref, json FROM customers WHERE instr(search_name, ?) > 0 ORDER BY ref LIMIT ?",
            (common.search_name(text), limit),
        )
        for ref, blob in rows:
            found.setdefault(ref, blob)
    return [Customer.model_validate_json(blob) for blob in list(found.values())[:limit]]


def _identity_in(text: str) -> Identity | None:
    try:
        return Identity.guess(text)
    except ValueError:
        return None


def resolve(db: sqlite3.Connection, memo: SnapshotMemo, identity: Identity) -> Snapshot:
    with transaction(db, write=False):
        return _resolve(db, memo, identity)[1]


def _resolve(
    db: sqlite3.Connection, memo: SnapshotMemo, identity: Identity
) -> tuple[str | None, Snapshot]:
    row = db.execute(
        "SELECT i.customer_ref, i.representative_index, c.json FROM identities i "
        "JOIN customers c ON c.ref = i.customer_ref WHERE i.key = ?",
        (identity.key,),
    ).fetchone()
    if row is None:
        return None, Snapshot()
    ref, representative, customer_json = row
    parts = db.execute(
        "SELECT part FROM cases WHERE customer_ref = ? AND part IS NOT NULL", (ref,)
    ).fetchall()
    return ref, memo.snapshot(ref, customer_json, [part for (part,) in parts], representative)


def put_case(db: sqlite3.Connection, case: Case) -> None:
    with transaction(db):
        row = db.execute("SELECT 1 FROM customers WHERE ref = ?", (case.customer_ref,)).fetchone()
        if row is None:
            raise NotFound(f"no customer {case.customer_ref} for case {case.id}")
        db.execute(
            "INSERT INTO cases (id, customer_ref, json, part) VALUES (?, ?, ?, ?) ON CONFLICT (id) "
            "DO UPDATE SET customer_ref = excluded.customer_ref, json = excluded.json, "
            "part = excluded.part",
            (case.id, case.customer_ref, case.model_dump_json(), case_part(case)),
        )


def get_case(db: sqlite3.Connection, case_id: str) -> Case | None:
    row = db.execute("SELECT json FROM cases WHERE id = ?", (case_id,)).fetchone()
    return None if row is None else Case.model_validate_json(row[0])


def list_cases(db: sqlite3.Connection, customer_ref: str | None) -> list[Case]:
    if customer_ref is None:
        rows = db.execute("SELECT json FROM cases ORDER BY id")
    else:
        rows = db.execute(
            "SELECT json FROM cases WHERE customer_ref = ? ORDER BY id", (customer_ref,)
        )
    return [Case.model_validate_json(blob) for (blob,) in rows]


def arrive(
    db: sqlite3.Connection,
    memo: SnapshotMemo,
    contact: Contact,
    windows: Windows,
    contact_id: str,
) -> Arrival:
    with transaction(db):
        return arrive_in(db, memo, contact, windows, contact_id)


def arrive_in(
    db: sqlite3.Connection,
    memo: SnapshotMemo,
    contact: Contact,
    windows: Windows,
    contact_id: str,
) -> Arrival:
    bounds = common.Bounds.of(contact.received_at, windows)
    ref, snapshot = _resolve(db, memo, contact.sender)
    customer_key = ref or contact.sender.key
    earlier = _earlier(db, contact)
    if earlier is not None:
        contact_id, customer_key, duplicate_of = earlier
    else:
        duplicate_of = None
        _record(db, contact, contact_id, customer_key, bounds.at)
    recent = _recent(db, customer_key, contact_id, bounds)
    return Arrival(
        contact_id=contact_id,
        customer_key=customer_key,
        snapshot=snapshot,
        recent=recent,
        duplicate_of=duplicate_of,
    )


def _earlier(
    db: sqlite3.Connection, contact: Contact
) -> tuple[str, str, StoredDecision | None] | None:
    if not contact.external_id:
        return None
    row = db.execute(
        f"SELECT {DECIDED} FROM contacts c "
        "LEFT JOIN decisions d ON d.contact_id = c.id WHERE c.channel = ? AND c.external_id = ?",
        (contact.channel.value, contact.external_id),
    ).fetchone()
    if row is None:
        return None
    stored = None if row[0] is None else stored_decision(row)
    return str(row[1]), str(row[2]), stored


def _record(
    db: sqlite3.Connection, contact: Contact, contact_id: str, customer_key: str, at: int
) -> None:
    db.execute(
        "INSERT INTO contacts (id, customer_key, channel, received_at, external_id, "
        "text_for_similarity, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            contact_id,
            customer_key,
            contact.channel.value,
            at,
            contact.external_id or None,
            common.similarity_text(contact),
            common.contact_json(contact),
        ),
    )
    db.execute(
        "INSERT INTO daily (customer_key, day, channel, count) VALUES (?, ?, ?, 1) "
        "ON CONFLICT DO UPDATE SET count = count + 1",
        (customer_key, common.local_day(contact.received_at).isoformat(), contact.channel.value),
    )


def _recent(
    db: sqlite3.Connection, customer_key: str, contact_id: str, bounds: common.Bounds
) -> RecentContacts:
    hour, day, week = db.execute(
        "SELECT count(received_at > ? OR NULL), count(received_at > ? OR NULL), count(*) "
        "FROM contacts WHERE customer_key = ? AND received_at > ? AND received_at <= ?",
        (bounds.hour, bounds.day, customer_key, bounds.week, bounds.at),
    ).fetchone()
    channels = db.execute(
        "SELECT DISTINCT channel FROM contacts "
        "WHERE customer_key = ? AND received_at > ? AND received_at <= ?",
        (customer_key, bounds.scattergun, bounds.at),
    ).fetchall()
    texts = db.execute(
        "SELECT text_for_similarity FROM contacts WHERE customer_key = ? AND received_at > ? "
        "AND received_at <= ? AND id != ? AND text_for_similarity != '' "
        "ORDER BY received_at DESC, id DESC LIMIT ?",
        (customer_key, bounds.repeated, bounds.at, contact_id, common.EARLIER_TEXTS),
    ).fetchall()
    return RecentContacts(
        last_hour=hour,
        last_day=day,
        last_week=week,
        channels_in_window=frozenset(Channel(channel) for (channel,) in channels),
        earlier_texts=tuple(text for (text,) in texts),
    )


# The columns _stored_decision reads, in its order.
DECIDED = "d.id, c.id, c.customer_key, c.channel, c.received_at, d.json, c.duration_seconds"


def stored_decision(row: sqlite3.Row | tuple[object, ...]) -> StoredDecision:
    return StoredDecision(
        id=str(row[0]),
        contact_id=str(row[1]),
        customer_key=str(row[2]),
        channel=Channel(str(row[3])),
        received_at=common.from_ms(int(str(row[4]))),
        decision=Decision.model_validate_json(str(row[5])),
        duration_seconds=None if row[6] is None else int(str(row[6])),
    )


def save_decision(
    db: sqlite3.Connection, arrival: Arrival, contact: Contact, decision: Decision
) -> str:
    contact_id = arrival.contact_id
    with transaction(db):
        if db.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone() is None:
            raise NotFound(f"no contact {contact_id}")
        save_in(db, arrival, contact, decision)
    return common.decision_id(contact_id)


def save_in(db: sqlite3.Connection, arrival: Arrival, contact: Contact, decision: Decision) -> None:
    """The decision, and the held item of a refused or held contact (a decision saved before
    is kept)."""
    contact_id = arrival.contact_id
    saved = db.execute(
        "INSERT INTO decisions (id, contact_id, customer_key, action, json) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO NOTHING",
        (
            common.decision_id(contact_id),
            contact_id,
            arrival.customer_key,
            decision.action.value,
            decision.model_dump_json(fallback=str),
        ),
    )
    item = common.held_item(arrival, contact, decision) if saved.rowcount == 1 else None
    if item is not None:
        db.execute(
            "INSERT INTO held (id, contact_id, customer_key, received_at, triage, json) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                item.id,
                contact_id,
                item.customer_key,
                common.epoch_ms(contact.received_at),
                item.triage,
                item.model_dump_json(fallback=str),
            ),
        )

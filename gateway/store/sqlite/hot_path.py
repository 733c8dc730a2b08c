"""The SQLite store's hot path, in its worker thread: `record` calls pending together run as one
transaction, each contact in its own savepoint (a contact that fails is rolled back alone and
gets its own error), with one durable commit that every caller waits for."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from gateway.store import common
from gateway.store.base import Recorded, StoredDecision, StoreError, Windows
from gateway.store.sqlite.evidence import DECIDED, stored_decision
from gateway.store.sqlite.flags import count_notice
from gateway.store.sqlite.schema import transaction
from policy_core.models import Channel, Contact, Decision, RecentContacts


@dataclass(frozen=True, slots=True)
class Request:
    contact: Contact
    decision: Decision
    windows: Windows
    notice_limit: int | None
    contact_id: str  # used unless the contact was recorded before


def record_all(db: sqlite3.Connection, requests: list[Request]) -> list[Recorded | Exception]:
    outcomes: list[Recorded | Exception] = []
    with transaction(db):
        for request in requests:
            outcomes.append(_savepoint(db, request))
            if not db.in_transaction:  # SQLite gave up the whole transaction (disk full, I/O)
                raise sqlite3.OperationalError("the transaction was rolled back")
    return outcomes


def _savepoint(db: sqlite3.Connection, request: Request) -> Recorded | Exception:
    db.execute("SAVEPOINT contact")
    try:
        outcome: Recorded | Exception = record_in(db, request)
    except sqlite3.Error as exc:
        db.execute("ROLLBACK TO contact")
        outcome = StoreError(f"sqlite: {exc}")
        outcome.__cause__ = exc
    except Exception as exc:
        db.execute("ROLLBACK TO contact")
        outcome = exc
    db.execute("RELEASE contact")
    return outcome


def record_in(db: sqlite3.Connection, request: Request) -> Recorded:
    contact, decision = request.contact, request.decision
    bounds = common.Bounds.of(contact.received_at, request.windows)
    owner = db.execute(
        "SELECT customer_ref FROM identities WHERE key = ?", (contact.sender.key,)
    ).fetchone()
    customer_key = contact.sender.key if owner is None else str(owner[0])
    contact_id = request.contact_id
    earlier = _earlier(db, contact)
    if earlier is not None:
        contact_id, customer_key, stored = earlier
        if stored is not None:  # a duplicate: nothing is written
            recent = _recent(db, customer_key, contact_id, bounds)
            return Recorded(contact_id, customer_key, recent, stored.notice_allowed, stored)
    else:  # (an earlier version could record a contact and leave it undecided)
        _insert(db, contact, contact_id, customer_key, bounds.at)
    allowed = False
    if request.notice_limit is not None:
        day = common.local_day(contact.received_at)
        allowed = count_notice(db, contact.sender.key, contact.channel, day, request.notice_limit)
    _save(db, contact_id, customer_key, contact, decision, allowed)
    return Recorded(
        contact_id, customer_key, _recent(db, customer_key, contact_id, bounds), allowed
    )


def _earlier(
    db: sqlite3.Connection, contact: Contact
) -> tuple[str, str, StoredDecision | None] | None:
    if not contact.external_id:
        return None
    row = db.execute(
        f"SELECT {DECIDED} FROM contacts c LEFT JOIN decisions d ON d.contact_id = c.id "
        "WHERE c.channel = ? AND c.external_id = ?",
        (contact.channel.value, contact.external_id),
    ).fetchone()
    if row is None:
        return None
    stored = None if row[4] is None else stored_decision(row)
    return str(row[0]), str(row[1]), stored


def _insert(
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


def _save(
    db: sqlite3.Connection,
    contact_id: str,
    customer_key: str,
    contact: Contact,
    decision: Decision,
    notice_allowed: bool,
) -> None:
    db.execute(
        "INSERT INTO decisions (id, contact_id, customer_key, action, json, notice_allowed) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            common.decision_id(contact_id),
            contact_id,
            customer_key,
            decision.action.value,
            decision.model_dump_json(fallback=str),
            int(notice_allowed),
        ),
    )
    item = common.held_item(contact_id, customer_key, contact, decision)
    if item is not None:
        db.execute(
            "INSERT INTO held (id, contact_id, customer_key, received_at, triage, json) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                item.id,
                contact_id,
                customer_key,
                common.epoch_ms(contact.received_at),
                item.triage,
                item.model_dump_json(fallback=str),
            ),
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

"""Customers, their identities and their cases in the SQLite store (run in its worker
thread, one transaction each)."""

from __future__ import annotations

import sqlite3

from gateway.store import common
from gateway.store.base import IdentityConflict, NotFound
from gateway.store.snapshots import SnapshotMemo, case_part
from gateway.store.sqlite.schema import generation, transaction
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Customer, Snapshot


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


def find_customers(db: sqlite3.Connection, query: str, limit: int = 20) -> list[Customer]:
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


def read_snapshot(
    db: sqlite3.Connection, memo: SnapshotMemo, identity: Identity
) -> tuple[Snapshot, int]:
    """The sender's snapshot (empty for an unknown sender) and the snapshot generation it was
    read at, in one read transaction."""
    with transaction(db, write=False):
        read_at = generation(db)
        row = db.execute(
            "SELECT i.customer_ref, i.representative_index, c.json FROM identities i "
            "JOIN customers c ON c.ref = i.customer_ref WHERE i.key = ?",
            (identity.key,),
        ).fetchone()
        if row is None:
            return Snapshot(), read_at
        ref, representative, customer_json = row
        parts = db.execute(
            "SELECT part FROM cases WHERE customer_ref = ? AND part IS NOT NULL", (ref,)
        ).fetchall()
    snapshot = memo.snapshot(ref, customer_json, [part for (part,) in parts], representative)
    return snapshot, read_at


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


def list_cases(db: sqlite3.Connection, customer_ref: str | None = None) -> list[Case]:
    if customer_ref is None:
        rows = db.execute("SELECT json FROM cases ORDER BY id")
    else:
        rows = db.execute(
            "SELECT json FROM cases WHERE customer_ref = ? ORDER BY id", (customer_ref,)
        )
    return [Case.model_validate_json(blob) for (blob,) in rows]

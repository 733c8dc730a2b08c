"""Group commit on the SQLite store's hot path: the `record` calls pending at once run in the
worker thread as one transaction, each contact in its own savepoint, with one durable commit;
no caller hears back before that commit. A lone call is a batch of one, run at once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import Executor
from dataclasses import dataclass

from gateway.store import sqlite_ops as ops
from gateway.store.base import Arrival, Decider, StoreError, Windows
from gateway.store.snapshots import SnapshotMemo
from gateway.store.sqlite_schema import transaction
from policy_core.models import Contact, Decision

Recorded = tuple[Arrival, Decision]


@dataclass(frozen=True)
class Request:
    contact: Contact
    windows: Windows
    contact_id: str
    decide: Decider
    future: asyncio.Future[Recorded]  # settled on its own loop, after the commit


class GroupCommit:
    """Collects `record` calls from the event loop; whenever the worker thread is free it takes
    every call pending, so a busy store commits many contacts at a time."""

    def __init__(self, executor: Executor, db: sqlite3.Connection, memo: SnapshotMemo) -> None:
        self._executor, self._db, self._memo = executor, db, memo
        self._lock = threading.Lock()
        self._pending: list[Request] = []
        self._scheduled = False  # a drain is queued on the worker thread or running there

    def submit(self, request: Request) -> None:
        with self._lock:
            self._pending.append(request)
            if self._scheduled:
                return
            self._scheduled = True
        self._executor.submit(self._drain)

    def close(self) -> None:
        """In the worker thread, as the store closes: what is pending is committed first."""
        self._commit()
        self._db.close()

    def _drain(self) -> None:
        """In the worker thread: one batch, then back in the queue behind the store's other
        work if more calls came meanwhile."""
        self._commit()
        with self._lock:
            again = self._scheduled = bool(self._pending)
        if again:
            try:
                self._executor.submit(self._drain)
            except RuntimeError:  # the executor was shut down under us: finish here
                self._drain()

    def _commit(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            outcomes = record_all(self._db, self._memo, batch)
        except Exception as exc:  # nothing of the batch was committed
            outcomes = [exc] * len(batch)
        for request, outcome in zip(batch, outcomes, strict=True):
            loop = request.future.get_loop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, request.future, outcome)


def _settle(future: asyncio.Future[Recorded], outcome: Recorded | Exception) -> None:
    if future.cancelled():
        return
    if isinstance(outcome, sqlite3.Error):
        error = StoreError(f"sqlite: {outcome}")
        error.__cause__ = outcome
        future.set_exception(error)
    elif isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def record_all(
    db: sqlite3.Connection, memo: SnapshotMemo, requests: list[Request]
) -> list[Recorded | Exception]:
    """One transaction, one savepoint per contact: a contact that fails is rolled back alone and
    gets its own error, as a lone call would."""
    outcomes: list[Recorded | Exception] = []
    with transaction(db):
        for request in requests:
            outcomes.append(_savepoint(db, memo, request))
            if not db.in_transaction:  # SQLite gave up the whole transaction (disk full, I/O)
                raise sqlite3.OperationalError("the transaction was rolled back")
    return outcomes


def _savepoint(
    db: sqlite3.Connection, memo: SnapshotMemo, request: Request
) -> Recorded | Exception:
    db.execute("SAVEPOINT contact")
    try:
        outcome = _record(db, memo, request)
    except Exception as exc:
        db.execute("ROLLBACK TO contact")
        outcome = exc
    db.execute("RELEASE contact")
    return outcome


def _record(db: sqlite3.Connection, memo: SnapshotMemo, request: Request) -> Recorded | Exception:
    """The hot path for one contact. If `decide` fails, the contact stays recorded, undecided,
    and the failure is its outcome."""
    contact = request.contact
    arrival = ops.arrive_in(db, memo, contact, request.windows, request.contact_id)
    if arrival.duplicate_of is not None:
        return arrival, arrival.duplicate_of.decision
    try:
        decision = request.decide(contact, arrival)
    except Exception as exc:
        return exc
    ops.save_in(db, arrival, contact, decision)
    return arrival, decision

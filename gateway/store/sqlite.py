"""The embedded store: one SQLite file (WAL, durable commits) used by one worker thread, so the
event loop never waits on disk and every operation is one transaction (`record` calls pending
at once share one: group commit, in sqlite_batch)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from gateway.store import common
from gateway.store import sqlite_ops as ops
from gateway.store import sqlite_reports as reports
from gateway.store.base import (
    Arrival,
    AuditEntry,
    DailyCount,
    Decider,
    HeldItem,
    StoredDecision,
    StoredFlag,
    StoreError,
    Windows,
)
from gateway.store.snapshots import SnapshotMemo
from gateway.store.sqlite_batch import GroupCommit, Recorded, Request
from gateway.store.sqlite_schema import connect
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Channel, Contact, Customer, Decision, Flag, Snapshot

P = ParamSpec("P")
T = TypeVar("T")


class SqliteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._group: GroupCommit | None = None  # the `record` calls pending, while open
        self._memo = SnapshotMemo()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    async def _run(
        self, work: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        executor, db = self._executor, self._db
        if executor is None or db is None:
            raise StoreError("the store is not open")
        job = functools.partial(work, db, *args, **kw)
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, job)
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite: {exc}") from exc

    async def open(self) -> None:
        if self._db is not None:
            return
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        try:
            self._db = await asyncio.get_running_loop().run_in_executor(
                executor, connect, self.path
            )
        except sqlite3.Error as exc:
            executor.shutdown(wait=False)
            raise StoreError(f"cannot open the SQLite store {self.path}: {exc}") from exc
        self._executor = executor
        self._group = GroupCommit(executor, self._db, self._memo)

    async def close(self) -> None:
        executor, db, group = self._executor, self._db, self._group
        if executor is None or db is None or group is None:
            return
        self._executor = self._db = self._group = None
        await asyncio.get_running_loop().run_in_executor(executor, group.close)
        executor.shutdown(wait=False)

    async def ping(self) -> bool:
        try:
            return await self._run(_ping)
        except StoreError:
            return False

    async def put_customer(self, customer: Customer) -> None:
        await self._run(ops.put_customer, customer)

    async def get_customer(self, ref: str) -> Customer | None:
        return await self._run(ops.get_customer, ref)

    async def find_customers(self, query: str, limit: int = 20) -> list[Customer]:
        return await self._run(ops.find_customers, query, limit)

    async def resolve(self, identity: Identity) -> Snapshot:
        return await self._run(ops.resolve, self._memo, identity)

    async def put_case(self, case: Case) -> None:
        await self._run(ops.put_case, case)

    async def get_case(self, case_id: str) -> Case | None:
        return await self._run(ops.get_case, case_id)

    async def list_cases(self, customer_ref: str | None = None) -> list[Case]:
        return await self._run(ops.list_cases, customer_ref)

    async def arrive(self, contact: Contact, windows: Windows) -> Arrival:
        contact_id = common.new_contact_id()
        return await self._run(ops.arrive, self._memo, contact, windows, contact_id)

    async def save_decision(self, arrival: Arrival, contact: Contact, decision: Decision) -> str:
        return await self._run(ops.save_decision, arrival, contact, decision)

    async def record(
        self, contact: Contact, windows: Windows, decide: Decider
    ) -> tuple[Arrival, Decision]:
        group = self._group
        if group is None:
            raise StoreError("the store is not open")
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        group.submit(Request(contact, windows, common.new_contact_id(), decide, future))
        return await future

    async def add_flags(
        self, customer_key: str, flags: list[Flag], on: dt.date, contact_id: str | None = None
    ) -> list[StoredFlag]:
        return await self._run(reports.add_flags, customer_key, flags, on, contact_id)

    async def allow_notice(
        self, sender_key: str, channel: Channel, on: dt.date, limit: int
    ) -> bool:
        return await self._run(reports.allow_notice, sender_key, channel, on, limit)

    async def acknowledge_flag(self, flag_id: str, actor: str) -> StoredFlag:
        return await self._run(reports.acknowledge_flag, flag_id, actor)

    async def list_flags(self, customer_key: str | None = None) -> list[StoredFlag]:
        return await self._run(reports.list_flags, customer_key)

    async def contacts(self, customer_key: str, limit: int = 100) -> list[StoredDecision]:
        return await self._run(reports.contacts, customer_key, limit)

    async def daily_counts(
        self, customer_key: str, since: dt.date, until: dt.date
    ) -> list[DailyCount]:
        return await self._run(reports.daily_counts, customer_key, since, until)

    async def set_duration(self, channel: Channel, external_id: str, seconds: int) -> bool:
        return await self._run(reports.set_duration, channel, external_id, seconds)

    async def held(
        self, customer_key: str | None = None, pending_only: bool = False
    ) -> list[HeldItem]:
        return await self._run(reports.held, customer_key, pending_only)

    async def triage(self, held_id: str, outcome: str, actor: str, note: str = "") -> HeldItem:
        common.check_outcome(outcome)
        return await self._run(reports.triage, held_id, outcome, actor, note)

    async def audit(self, entry: AuditEntry) -> None:
        await self._run(reports.audit, entry)

    async def audit_trail(self, subject: str | None = None) -> list[AuditEntry]:
        return await self._run(reports.audit_trail, subject)


def _ping(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT 1").fetchone() == (1,))

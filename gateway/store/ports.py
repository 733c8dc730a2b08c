"""The store port, split by who needs it: the hot path (one contact in: resolve, record, flags)
and casework (what pages, reports and officers read and write). Each backend composes its parts
into one `Store`; every method is async and raises StoreError when the backend is unreachable.
The store only stores: it never calls back into the use case."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from gateway.store.base import (
    AuditEntry,
    DailyCount,
    HeldItem,
    Recorded,
    StoredDecision,
    StoredFlag,
    Windows,
)
from policy_core.cases import Case
from policy_core.identities import Identity
from policy_core.models import Channel, Contact, Customer, Decision, Flag, Snapshot


class Lifecycle(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> bool: ...


class HotPath(Protocol):
    async def resolve(self, identity: Identity) -> Snapshot:
        """The snapshot for whoever owns this identity (empty for an unknown sender); it may
        come from a cache that notices every change to customers and cases."""
        ...

    async def record(
        self,
        contact: Contact,
        decision: Decision,
        windows: Windows,
        notice_limit: int | None = None,
    ) -> Recorded:
        """Atomically, in one durable commit or one round trip: a contact whose channel and
        external_id were seen before is a duplicate (its earlier decision is returned, nothing
        is written); otherwise the contact is recorded and counted, the decision saved (refused
        and held contacts go to the held queue too) and, with `notice_limit`, one notice is
        counted against the sender's daily allowance on that channel, the answer kept with the
        decision. Either all of it is written or none."""
        ...

    async def add_flags(
        self, customer_key: str, flags: list[Flag], on: dt.date, contact_id: str | None = None
    ) -> list[StoredFlag]:
        """Keep the flags not yet raised today for this customer and kind; return those."""
        ...


class Customers(Protocol):
    async def put_customer(self, customer: Customer) -> None:
        """Create or replace; IdentityConflict if an identity (the customer's own or a
        representative's) belongs to another customer. Nothing is written on conflict."""

    async def get_customer(self, ref: str) -> Customer | None: ...
    async def find_customers(self, query: str, limit: int = 20) -> list[Customer]:
        """By reference, name (case-insensitive substring) or any identity key."""
        ...


class Cases(Protocol):
    async def put_case(self, case: Case) -> None:
        """Create or replace a case whole; the customer's snapshot changes with it."""

    async def get_case(self, case_id: str) -> Case | None: ...
    async def list_cases(self, customer_ref: str | None = None) -> list[Case]: ...


class Evidence(Protocol):
    async def contacts(self, customer_key: str, limit: int = 100) -> list[StoredDecision]: ...
    async def daily_counts(
        self, customer_key: str, since: dt.date, until: dt.date
    ) -> list[DailyCount]: ...
    async def set_duration(self, channel: Channel, external_id: str, seconds: int) -> bool:
        """Store a completed call's duration with its contact; False when unknown."""
        ...


class HeldQueue(Protocol):
    async def held(
        self, customer_key: str | None = None, pending_only: bool = False
    ) -> list[HeldItem]: ...
    async def triage(self, held_id: str, outcome: str, actor: str, note: str = "") -> HeldItem: ...


class FlagDesk(Protocol):
    async def acknowledge_flag(self, flag_id: str, actor: str) -> StoredFlag: ...
    async def list_flags(self, customer_key: str | None = None) -> list[StoredFlag]: ...


class AuditTrail(Protocol):
    async def audit(self, entry: AuditEntry) -> None: ...
    async def audit_trail(self, subject: str | None = None) -> list[AuditEntry]: ...


class Sessions(Protocol):
    """Signed-in users' sessions, so that signing out ends one everywhere at once (every
    gateway behind the load balancer asks the one store)."""

    async def create_session(
        self, session_id: str, expires_at: dt.datetime, now: dt.datetime
    ) -> None:
        """Live until `expires_at` or until revoked; `now` is the gateway's clock."""

    async def revoke_session(self, session_id: str) -> None:
        """Never live again; an unknown id is no error."""

    async def session_live(self, session_id: str, now: dt.datetime) -> bool: ...


class Casework(Customers, Cases, Evidence, HeldQueue, FlagDesk, AuditTrail, Protocol):
    """What pages, reports and casework use."""


class Store(Lifecycle, HotPath, Casework, Sessions, Protocol):
    """What the gateway is built with."""
